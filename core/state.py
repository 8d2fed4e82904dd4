"""The one state machine: the only code that decides a session's activity state and why.

Every change goes through ``transition`` and carries an explicit ``reason`` (one of ``REASONS``),
written by the rule that decides it; ``detail`` is free text for display and is never read back.
Hook events and the facts learned from the transcript between hooks (the Esc marker, a tool result, ...)
enter through the same function, ``decide``: a table of handlers per event (``MAIN_HANDLERS``, covering
every event ``hook.install`` can register) and one per fact (``FACT_HANDLERS``). Pure: no I/O, time
is a parameter. String constants, not ``enum``: the hook imports this.
"""

from __future__ import annotations

from core import timefmt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from core.record import Ask, SessionRecord

WORKING = "working"
WAITING = "waiting"
IDLE = "idle"
COMPACTING = "compacting"
ERROR = "error"
UNKNOWN = "unknown"
STATES = (WORKING, WAITING, IDLE, COMPACTING, ERROR, UNKNOWN)

# Why a session is in its state. Idle ones: READY (nothing ran since it (re)started), FINISHED (a turn
# ended), INTERRUPTED (stopped with Esc: nothing finished).
READY = "ready"
FINISHED = "finished"
INTERRUPTED = "interrupted"
PROMPT = "prompt"  # working: a prompt was sent (by the user or a background task's notification)
TOOL = "tool"  # working: a tool call started or ended
BACKGROUND = "background"  # working: the turn ended but background work will wake Claude again
COMPACTED = "compacted"  # after a compaction: working (auto) or idle (manual)
PERMISSION = "permission"  # waiting: a permission dialog is open
QUESTION = "question"  # waiting: AskUserQuestion / ExitPlanMode
INPUT = "input"  # waiting: an elicitation or an agent asking for input
COMPACT = "compact"  # compacting
API_ERROR = "api_error"  # error: the turn ended on an API error (StopFailure)
DENIED = "denied"  # working: a call was denied (PermissionDenied) and Claude goes on without it
REPLY = "reply"  # working: Claude's reply is streaming (MessageDisplay), so nobody is being asked
NEWER_VERSION = "newer_version"  # unknown: the file was written by a newer version of the hook
REASONS = (READY, FINISHED, INTERRUPTED, PROMPT, TOOL, BACKGROUND, COMPACTED, PERMISSION, QUESTION, INPUT,
           COMPACT, API_ERROR, DENIED, REPLY, NEWER_VERSION)

# The PRD's task.status for each state: the one place this mapping is written.
TASK_STATUS = {WORKING: "active", COMPACTING: "active", WAITING: "waiting", IDLE: "idle", ERROR: "error"}

# Facts read from the transcript between hooks.
FACT_INTERRUPTED = "interrupted"  # the newest main-chain turn ends with "[Request interrupted by user"
FACT_TOOL_RESULT = "tool_result"  # a main-chain tool result landed (value: its tool_use_id or None, or the pair
#                                    (tool_use_id, the record's time) as core.transcript.follow gives it)
FACT_REPLY = "reply"  # an assistant reply landed after the hook read the transcript (value: context tokens)
FACT_COMPACT_BOUNDARY = "compact_boundary"  # the compaction boundary landed (value: tokens after compaction)
# Read from Claude Code's own session registry (``sessions/<pid>.json``, ``core.liveness.registry_status``):
FACT_CLAUDE_BUSY = "claude_busy"  # Claude Code says "busy" (value: when it said so, epoch seconds)

FINGERPRINT_CHARS = 300
PARALLEL_BATCH_SECONDS = 2.0  # PreToolUse of one batch of parallel calls fire within this of each other
KEEPS_WORKING = ("subagent", "workflow", "teammate")  # background work that will wake Claude again
ASKING_TOOLS = {"AskUserQuestion": "your answer", "ExitPlanMode": "plan approval"}
WAITING_NOTIFICATIONS = {
    "permission_prompt": (PERMISSION, "permission"),
    "elicitation_dialog": (INPUT, "input for an MCP server"),
    "elicitation_url_dialog": (INPUT, "input for an MCP server"),
    "agent_needs_input": (INPUT, "input"),
}
TOOL_EVENTS = ("PreToolUse", "PostToolUse", "PostToolUseFailure")
ASK_INPUT_KEYS = ("command", "file_path", "url", "pattern", "query", "prompt")
ASK_WIDTH = 200


def _s(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def task_status(state: object) -> str:
    """The PRD ``task.status`` for an activity state."""
    return TASK_STATUS.get(state, "idle") if isinstance(state, str) else "idle"


def state_of(record: SessionRecord) -> str:
    """The record's state when it is one of ``STATES``, else UNKNOWN (``record.upgrade`` fills it in)."""
    state = record.get("state")
    return state if isinstance(state, str) and state in STATES else UNKNOWN


def transition(s: SessionRecord, state: str, reason: str | None, now: float, waiting_for: str | None = None,
               detail: str | None = None) -> None:
    """The one way a session changes state: stamps ``state_since`` on a change, sets the reason, ends any wait."""
    if s.get("state") != state:
        s["state_since"] = timefmt.iso(now)
        s["state_ts"] = now
    s["state"] = state
    s["reason"] = reason
    s["waiting_for"] = waiting_for
    s["detail"] = detail
    s["waiting_call"] = None
    s["ask"] = None
    task = s.get("task")
    if isinstance(task, dict):
        task["status"] = task_status(state)


# ---------------------------------------------------------------- tool calls and waits


def _digest(obj: object, out: list, budget: int) -> int:
    """Append a bounded text form of ``obj`` to ``out``; returns the budget left. Work stops when the
    budget is spent, so a multi-megabyte Write payload costs what a small one does."""
    if budget <= 0:
        return 0
    if isinstance(obj, str):
        piece = obj[:budget]
    elif isinstance(obj, dict):
        for key, value in obj.items():
            budget = _digest(value, out, _digest(key, out, budget))
            if budget <= 0:
                return 0
        return budget
    elif isinstance(obj, list):
        for value in obj:
            budget = _digest(value, out, budget)
            if budget <= 0:
                return 0
        return budget
    else:
        piece = str(obj)
    out.append(piece + "\x1f")
    return budget - len(piece) - 1


def fingerprint(tool: str | None, tool_input: object) -> list:
    """Identifies one tool call across PreToolUse, PermissionRequest (which has no ``tool_use_id``) and
    PostToolUse: the tool's name and the start of its input (bounded work whatever the input's size)."""
    parts: list = []
    _digest(tool_input, parts, FINGERPRINT_CHARS)
    return [tool or "", "".join(parts)]


def _call_of(event: dict) -> list:
    return fingerprint(_s(event.get("tool_name")), event.get("tool_input"))


def _asked(event: dict) -> Ask:
    """What the waiting call asks: its tool, the first telling input field, its description (capped)."""
    tool_input = event.get("tool_input")
    fields = tool_input if isinstance(tool_input, dict) else {}
    what = next((v for v in (fields.get(k) for k in ASK_INPUT_KEYS) if isinstance(v, str) and v.strip()), None)
    description = fields.get("description")
    return {"tool": (_s(event.get("tool_name")) or "")[:ASK_WIDTH] or None,
            "input": what[:ASK_WIDTH] if what else None,
            "description": description[:ASK_WIDTH] if isinstance(description, str) and description else None}


RECENT_CALLS = 8  # the calls of one parallel batch whose ids a later PermissionRequest is matched against


def remember_call(s: SessionRecord, call: list, call_id: str | None) -> None:
    """Keep ``[tool, input digest, tool_use_id]`` of the newest PreToolUse calls (at most RECENT_CALLS)."""
    if not call_id:
        return
    recent = [c for c in (s.get("recent_calls") or []) if isinstance(c, list) and len(c) == 3 and c[:2] != call]
    s["recent_calls"] = [*recent[-(RECENT_CALLS - 1):], [*call, call_id]]


def _id_of_call(s: SessionRecord, call: list) -> str | None:
    """PermissionRequest has no tool_use_id: the id of the same call's PreToolUse when that came first
    (in a parallel batch, not always the newest one)."""
    if s.get("last_call") == call and _s(s.get("last_call_id")):
        return _s(s.get("last_call_id"))
    for c in reversed(s.get("recent_calls") or []):
        if isinstance(c, list) and len(c) == 3 and c[:2] == call:
            return _s(c[2])
    return None


def _wait_for_call(s: SessionRecord, event: dict, now: float, reason: str, waiting_for: str,
                   agent_id: str | None) -> None:
    transition(s, WAITING, reason, now, waiting_for)
    call = _call_of(event)
    call_id = _s(event.get("tool_use_id")) or _id_of_call(s, call)
    s["waiting_call"] = {"call": call, "agent": agent_id, "ts": now, "id": call_id}
    s["ask"] = _asked(event)


def _pending(s: SessionRecord) -> dict | None:
    pending = s.get("waiting_call") if s.get("state") == WAITING else None
    return pending if isinstance(pending, dict) else None


def _wait_survives(s: SessionRecord, name: str, event: dict, now: float) -> bool:
    """Does a tool event leave a pending wait alone?

    Async hooks race: the PreToolUse of the very call that asks for permission can be applied after its
    PermissionRequest, and parallel calls finish while one call still waits. Only the waiting call's own
    Post event, or a new call started after the parallel batch, ends the wait.
    """
    pending = _pending(s)
    if pending is None:
        return False
    same = pending.get("call") == _call_of(event)
    if name == "PreToolUse":
        started = pending.get("ts")
        return same or (isinstance(started, (int, float)) and now - started < PARALLEL_BATCH_SECONDS)
    return not same


def is_late(s: SessionRecord, name: str, event: dict, now: float) -> bool:
    """Was a newer event applied already? A late event changes no state (it still fills in identity)."""
    last = s.get("event_ts")
    if not isinstance(last, (int, float)) or now >= last:
        return False
    # A PermissionRequest's own PreToolUse can only have come first: start-up jitter reversed the clocks.
    return not (name == "PermissionRequest" and s.get("last_call") == _call_of(event))


def running_background(event: dict) -> tuple[list, int] | None:
    """Running subagents (id, type) and how many other running tasks ``background_tasks`` lists."""
    tasks = event.get("background_tasks")
    if not isinstance(tasks, list):
        return None
    agents, others = [], 0
    for t in tasks:
        if not isinstance(t, dict) or t.get("status") not in (None, "running", "pending"):
            continue
        if t.get("type") == "subagent" and _s(t.get("id")):
            agents.append((t["id"], _s(t.get("agent_type")) or "agent"))
        elif t.get("type") in KEEPS_WORKING:
            others += 1
    return agents, others


# ---------------------------------------------------------------- main-conversation handlers


def _on_tool(s: SessionRecord, name: str, event: dict, now: float) -> None:
    if _wait_survives(s, name, event, now):
        pending = _pending(s)
        if pending is not None and name == "PreToolUse" and pending.get("call") == _call_of(event):
            pending["id"] = _s(event.get("tool_use_id")) or pending.get("id")  # its own PreToolUse, applied late
        return
    tool = _s(event.get("tool_name"))
    if name == "PreToolUse" and tool in ASKING_TOOLS:
        _wait_for_call(s, event, now, QUESTION, ASKING_TOOLS[tool], None)
    elif name == "PostToolUseFailure" and event.get("is_interrupt") is True:
        transition(s, IDLE, INTERRUPTED, now, detail="interrupted")
    else:
        transition(s, WORKING, TOOL, now, detail=tool)


def _on_prompt(s: SessionRecord, name: str, event: dict, now: float) -> None:
    transition(s, WORKING, PROMPT, now)


def _on_permission(s: SessionRecord, name: str, event: dict, now: float) -> None:
    tool = _s(event.get("tool_name"))
    _wait_for_call(s, event, now, PERMISSION, "permission for " + tool if tool else "permission", None)


def _on_notification(s: SessionRecord, name: str, event: dict, now: float) -> None:
    if s.get("state") == WAITING:
        return  # the wait already open says more than the notification
    kind = event.get("notification_type")
    if kind in WAITING_NOTIFICATIONS:
        reason, waiting_for = WAITING_NOTIFICATIONS[kind]
        transition(s, WAITING, reason, now, waiting_for)
    elif kind == "idle_prompt" and s.get("state") != IDLE:
        transition(s, IDLE, FINISHED, now)


def _subagent_still_asks(s: SessionRecord) -> bool:
    """A wait opened by a subagent that still runs: its dialog stays open whatever the main turn does."""
    pending = _pending(s)
    agent = pending.get("agent") if pending is not None else None
    return bool(agent) and any(a.get("id") == agent for a in s.get("agent_list") or () if isinstance(a, dict))


def _on_stop(s: SessionRecord, name: str, event: dict, now: float) -> None:
    """The agent list is already reconciled with ``background_tasks`` (hook.events). The main turn's end
    does not close a dialog a running background subagent opened."""
    if _subagent_still_asks(s):
        return
    bg = running_background(event)
    # Without the list (before v2.1.145) a leaked agent must not keep the session "working" forever.
    running = len(s.get("agent_list") or ()) + bg[1] if bg is not None else 0
    if running:
        transition(s, WORKING, BACKGROUND, now, detail="%d background task%s" % (running, "s" * (running != 1)))
    else:
        transition(s, IDLE, FINISHED, now)


def _on_stop_failure(s: SessionRecord, name: str, event: dict, now: float) -> None:
    transition(s, ERROR, API_ERROR, now, detail=_s(event.get("error")) or "API error")


def _on_pre_compact(s: SessionRecord, name: str, event: dict, now: float) -> None:
    transition(s, COMPACTING, COMPACT, now, detail=_s(event.get("trigger")) or "auto")


def _compacted(s: SessionRecord, event: dict, now: float) -> None:
    trigger = _s(event.get("trigger")) or s.get("compact_trigger") or "manual"
    transition(s, WORKING if trigger == "auto" else IDLE, COMPACTED, now)


def _on_post_compact(s: SessionRecord, name: str, event: dict, now: float) -> None:
    _compacted(s, event, now)


def _on_session_start(s: SessionRecord, name: str, event: dict, now: float) -> None:
    if event.get("source") == "compact":
        if s.get("state") == COMPACTING:
            _compacted(s, event, now)
        return
    transition(s, IDLE, READY, now)


def _on_denied(s: SessionRecord, name: str, event: dict, now: float) -> None:
    """The auto-mode classifier denied a call: no dialog is open for it, Claude goes on without it."""
    pending = _pending(s)
    if pending is not None and pending.get("agent"):
        return  # a subagent's dialog is not this call's
    transition(s, WORKING, DENIED, now, detail=_s(event.get("tool_name")))


def _on_batch(s: SessionRecord, name: str, event: dict, now: float) -> None:
    """Every call of a parallel batch finished: a wait for one of them is over; a subagent's stays."""
    pending = _pending(s)
    if pending is not None:
        calls = event.get("tool_calls")
        done = [fingerprint(_s(c.get("tool_name")), c.get("tool_input"))
                for c in (calls if isinstance(calls, list) else ()) if isinstance(c, dict)]
        if pending.get("agent") or pending.get("call") not in done:
            return
    transition(s, WORKING, TOOL, now)


def _on_message_display(s: SessionRecord, name: str, event: dict, now: float) -> None:
    """Claude's reply streams: a main-conversation wait is over (no hook fires on approve). Nothing
    else changes: a display event never wakes an idle session."""
    pending = _pending(s)
    if s.get("state") == WAITING and not (pending is not None and pending.get("agent")):
        transition(s, WORKING, REPLY, now)


def _no_change(s: SessionRecord, name: str, event: dict, now: float) -> None:
    """Events that keep the state: agent bookkeeping (hook.events) or the end of the session (hook.main)."""


MAIN_HANDLERS = {
    "SessionStart": _on_session_start,
    "UserPromptSubmit": _on_prompt,
    "PreToolUse": _on_tool,
    "PostToolUse": _on_tool,
    "PostToolUseFailure": _on_tool,
    "PermissionRequest": _on_permission,
    "Notification": _on_notification,
    "Stop": _on_stop,
    "StopFailure": _on_stop_failure,
    "SubagentStart": _no_change,
    "SubagentStop": _no_change,
    "PreCompact": _on_pre_compact,
    "PostCompact": _on_post_compact,
    "SessionEnd": _no_change,
    # Known to the machine; hook.install registers them where the installed Claude Code has them.
    "PermissionDenied": _on_denied,
    "PostToolBatch": _on_batch,
    "MessageDisplay": _on_message_display,
}


# ---------------------------------------------------------------- events from inside a subagent


def _on_subagent(s: SessionRecord, name: str, event: dict, now: float, agent_id: str) -> None:
    """A subagent asking for permission blocks the session too; its own tool events end that wait."""
    if name == "PermissionRequest":
        tool = _s(event.get("tool_name"))
        who = _s(event.get("agent_type")) or "subagent"
        _wait_for_call(s, event, now, PERMISSION,
                       "permission for %s (%s)" % (tool, who) if tool else "permission (%s)" % who, agent_id)
        return
    pending = _pending(s)
    if pending is None or pending.get("agent") != agent_id:
        return
    if name == "PermissionDenied":
        transition(s, WORKING, DENIED, now, detail=_s(event.get("tool_name")))
    elif name in TOOL_EVENTS and not _wait_survives(s, name, event, now):
        transition(s, WORKING, TOOL, now, detail=_s(event.get("tool_name")))


def _on_event(s: SessionRecord, name: str, event: dict, now: float, agent_id: str | None) -> None:
    if agent_id:
        if name not in ("SubagentStart", "SubagentStop"):
            _on_subagent(s, name, event, now, agent_id)
        return
    MAIN_HANDLERS.get(name, _no_change)(s, name, event, now)


# ---------------------------------------------------------------- facts from the transcript


def _stamp(s: SessionRecord, now: float, value: object) -> float:
    """When a fact happened by Claude Code's own clock (``value``), kept within [state_ts, now]; else now."""
    since = s.get("state_ts")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return now
    lo = since if isinstance(since, (int, float)) and not isinstance(since, bool) else value
    return min(now, max(float(value), float(lo)))


def _fact_interrupted(s: SessionRecord, now: float, value: object = None) -> bool:
    """Esc fires no hook: a working or waiting session whose transcript ends in the marker is idle, since
    the marker's own ``timestamp`` (``value``, when known)."""
    if s.get("state") not in (WORKING, WAITING):
        return False
    transition(s, IDLE, INTERRUPTED, _stamp(s, now, value), detail="interrupted")
    return True


def _fact_tool_result(s: SessionRecord, now: float, value: object = None) -> bool:
    """No hook fires on approve: the waiting call's result in the transcript means it ran. Only a
    main-conversation wait (subagents write their own transcripts); a result with another known id is
    a parallel call's. Stamped at the record's own time when known (Esc at a dialog writes the rejected
    call's result just before the marker: the wait ends then, not when a reader noticed)."""
    pending = _pending(s)
    if pending is None or pending.get("agent"):
        return False
    call_id, when = value if isinstance(value, tuple) and len(value) == 2 else (value, None)
    if call_id is not None and pending.get("id") and call_id != pending["id"]:
        return False
    transition(s, WORKING, TOOL, _stamp(s, now, when), detail=(pending.get("call") or [None])[0] or None)
    return True


def _fact_claude_busy(s: SessionRecord, now: float, value: object = None) -> bool:
    """No hook fires on approve, and an approved command writes nothing to the transcript until it ends:
    Claude Code's own registry saying "busy" after the wait began means the dialog was answered and Claude
    works again (the approved command runs, or the answer to a question goes back to the model). Not for a
    wait a subagent opened (the registry describes the whole session). Stamped at Claude Code's own time."""
    pending = _pending(s)
    since = s.get("state_ts")
    if s.get("state") != WAITING or (pending is not None and pending.get("agent")):
        return False
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not isinstance(since, (int, float)):
        return False
    if value <= since:
        return False  # the "busy" from before the dialog opened
    tool = (pending.get("call") or [None])[0] if pending is not None else None
    transition(s, WORKING, TOOL, _stamp(s, now, value), detail=tool or None)
    return True


def _tokens(s: SessionRecord, value: object) -> bool:
    context = s.get("context")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or not isinstance(context, dict):
        return False
    changed = context.get("current_tokens") != value
    context["current_tokens"] = value
    return changed


def _fact_reply(s: SessionRecord, now: float, value: object = None) -> bool:
    """The reply that landed after Stop (Stop fires before Claude Code writes it): its context figure."""
    return _tokens(s, value)


def _fact_compact_boundary(s: SessionRecord, now: float, value: object = None) -> bool:
    """Written after SessionStart(compact)/PostCompact: the post-compaction figure; a session still
    shown compacting has finished compacting."""
    changed = _tokens(s, value)
    if s.get("state") == COMPACTING:
        trigger = s.get("compact_trigger") or "manual"
        transition(s, WORKING if trigger == "auto" else IDLE, COMPACTED, now)
        changed = True
    return changed


FACT_HANDLERS = {
    FACT_INTERRUPTED: _fact_interrupted,
    FACT_TOOL_RESULT: _fact_tool_result,
    FACT_REPLY: _fact_reply,
    FACT_COMPACT_BOUNDARY: _fact_compact_boundary,
    FACT_CLAUDE_BUSY: _fact_claude_busy,
}


def decide(s: SessionRecord, what: str, now: float, event: dict | None = None, agent_id: str | None = None,
           value: object = None) -> bool:
    """The one entry point of the machine. ``what`` is a hook event's name (``event`` its payload, already
    known not to be late; ``agent_id`` set for events from inside a subagent) or a fact read from the
    transcript between hooks (one of ``FACT_*``, ``value`` its figure): the interrupt marker -> idle at
    once, a tool result of the waiting call -> working, the reply that landed after Stop and the
    compaction boundary -> their context figure. Either way the state changes only through
    ``transition``. True when the record's state, reason or (for facts) context figure changed.

    A fact keeps ``event_ts``, so any later hook event still wins. ``task.status`` follows the state;
    ``context.percentage`` is ``record.percentage``'s to recompute (``hook.events.finish`` and the
    aggregation do). Unknown names change nothing."""
    fact = FACT_HANDLERS.get(what)
    if fact is not None:
        return fact(s, now, value)
    before = (s.get("state"), s.get("reason"), s.get("waiting_for"))
    _on_event(s, what, event if event is not None else {}, now, agent_id)
    return (s.get("state"), s.get("reason"), s.get("waiting_for")) != before


def on_event(s: SessionRecord, name: str, event: dict, now: float, agent_id: str | None = None) -> None:
    """``decide`` for a hook event."""
    decide(s, name, now, event, agent_id)


def on_fact(s: SessionRecord, fact: str, now: float, value: object = None) -> bool:
    """``decide`` for a transcript fact; True when it changed the record."""
    return fact in FACT_HANDLERS and decide(s, fact, now, value=value)
