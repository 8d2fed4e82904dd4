"""How one Claude Code hook event changes a session's status. Pure: no I/O, time is a parameter."""

from __future__ import annotations

from core import schema, timefmt
from core.title import shorten

MAX_DONE_AGENTS = 64
MAX_TODOS = 200
PROMPT_WIDTH = 80
SUBJECT_WIDTH = 200  # todo subjects and titles: a session file must stay small
FINGERPRINT_CHARS = 300
PARALLEL_BATCH_SECONDS = 2.0  # PreToolUse of one batch of parallel calls fire within this of each other
TASK_NOTIFICATION = "<task-notification>"
KEEPS_WORKING = ("subagent", "workflow", "teammate")  # background work that will wake Claude again
ASKING_TOOLS = {"AskUserQuestion": "your answer", "ExitPlanMode": "plan approval"}
WAITING_NOTIFICATIONS = {
    "permission_prompt": "permission",
    "elicitation_dialog": "input for an MCP server",
    "elicitation_url_dialog": "input for an MCP server",
    "agent_needs_input": "input",
}


def _s(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def new_session(session_id: str, now: float) -> dict:
    """A fresh status record with every PRD field."""
    return {
        "version": schema.VERSION,
        "updated_at": timefmt.iso(now),
        "session_id": session_id,
        "task": {"name": "", "id": None, "progress": 0, "status": "idle"},
        "context": {"current_tokens": 0, "total_tokens": schema.DEFAULT_WINDOW, "percentage": 0},
        "agents": {"active": 0, "names": []},
        "load": {"profile": "balanced", "status": "OK", "load_avg": None},
        "state": "idle",
        "state_since": timefmt.iso(now),
        "state_ts": now,
        "waiting_for": None,
        "detail": None,
        "first_seen_at": timefmt.iso(now, micro=True),
        "first_seen_ts": now,
        "updated_ts": now,
        "event_ts": now,
        "events": 0,
        "todos": [],
        "agent_list": [],
        "agents_done": [],
        "titles": {},
    }


def _set_state(s: dict, state: str, now: float, waiting_for: str | None = None, detail: str | None = None) -> None:
    if s.get("state") != state:
        s["state_since"] = timefmt.iso(now)
        s["state_ts"] = now
    s["state"] = state
    s["waiting_for"] = waiting_for
    s["detail"] = detail
    s["waiting_call"] = None


def _agent_add(s: dict, agent_id: str, agent_type: str | None, now: float) -> None:
    if agent_id in s["agents_done"] or any(a["id"] == agent_id for a in s["agent_list"]):
        return
    s["agent_list"].append({"id": agent_id, "type": agent_type or "agent", "since": timefmt.iso(now)})


def _agent_remove(s: dict, agent_id: str) -> None:
    s["agent_list"] = [a for a in s["agent_list"] if a["id"] != agent_id]
    done = [d for d in s["agents_done"] if d != agent_id] + [agent_id]
    s["agents_done"] = done[-MAX_DONE_AGENTS:]


def _running_background(event: dict) -> tuple[list, int] | None:
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


def _reconcile(s: dict, running: list, now: float, exclude: str | None = None, full: bool = True) -> None:
    """Make the agent list agree with ``background_tasks`` (v2.1.145+)."""
    ids = {i for i, _ in running if i != exclude}
    if full:
        s["agent_list"] = [a for a in s["agent_list"] if a["id"] in ids]
    for agent_id, agent_type in running:
        if agent_id != exclude:
            _agent_add(s, agent_id, agent_type, now)


def _todo_key(item: dict) -> str | None:
    for key in ("taskId", "task_id", "id"):
        value = item.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
    return None


def _apply_todo_write(s: dict, tool_input: dict) -> None:
    todos = tool_input.get("todos")
    if not isinstance(todos, list):
        return
    out = []
    for i, t in enumerate(todos[:MAX_TODOS]):
        if isinstance(t, dict) and _s(t.get("content")):
            out.append({"id": _todo_key(t) or str(i + 1), "subject": shorten(t["content"], SUBJECT_WIDTH),
                        "status": t.get("status") if isinstance(t.get("status"), str) else "pending"})
    s["todos"] = out


def _apply_task_tool(s: dict, tool: str, tool_input: dict, response: object) -> None:
    if tool == "TaskCreate":
        task = response.get("task") if isinstance(response, dict) else None
        task_id = _todo_key(task) if isinstance(task, dict) else None
        subject = _s(tool_input.get("subject")) or (_s(task.get("subject")) if isinstance(task, dict) else None)
        if subject and len(s["todos"]) < MAX_TODOS:
            s["todos"].append({"id": task_id or str(len(s["todos"]) + 1), "subject": shorten(subject, SUBJECT_WIDTH),
                               "status": "pending"})
        return
    key = _todo_key(tool_input)
    for item in s["todos"]:
        if item["id"] == key:
            if tool_input.get("status") == "deleted":
                s["todos"] = [t for t in s["todos"] if t is not item]
                return
            if _s(tool_input.get("status")):
                item["status"] = tool_input["status"]
            if _s(tool_input.get("subject")):
                item["subject"] = shorten(tool_input["subject"], SUBJECT_WIDTH)
            return


def _prompt_line(prompt: str) -> str | None:
    for line in prompt.splitlines():
        if line.strip():
            return shorten(line, PROMPT_WIDTH)
    return None


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


def _fingerprint(tool: str | None, tool_input: object) -> list:
    """Identifies one tool call across PreToolUse, PermissionRequest (which has no ``tool_use_id``) and
    PostToolUse: the tool's name and the start of its input (bounded work whatever the input's size)."""
    parts: list = []
    _digest(tool_input, parts, FINGERPRINT_CHARS)
    return [tool or "", "".join(parts)]


def _wait_for_call(s: dict, event: dict, now: float, waiting_for: str, agent_id: str | None) -> None:
    _set_state(s, "waiting", now, waiting_for)
    s["waiting_call"] = {"call": _fingerprint(_s(event.get("tool_name")), event.get("tool_input")),
                         "agent": agent_id, "ts": now}


def _wait_survives(s: dict, name: str, event: dict, now: float) -> bool:
    """Does a tool event leave a pending wait alone?

    Async hooks race: the PreToolUse of the very call that asks for permission can be applied after its
    PermissionRequest, and parallel calls finish while one call still waits. Only the waiting call's own
    Post event, or a new call started after the parallel batch, ends the wait.
    """
    pending = s.get("waiting_call") if s.get("state") == "waiting" else None
    if not isinstance(pending, dict):
        return False
    same = pending.get("call") == _fingerprint(_s(event.get("tool_name")), event.get("tool_input"))
    if name == "PreToolUse":
        started = pending.get("ts")
        return same or (isinstance(started, (int, float)) and now - started < PARALLEL_BATCH_SECONDS)
    return not same


def _on_tool(s: dict, name: str, event: dict, now: float) -> None:
    tool = _s(event.get("tool_name"))
    raw_input = event.get("tool_input")
    tool_input: dict = raw_input if isinstance(raw_input, dict) else {}
    if tool:
        s["last_tool"] = tool
    if name == "PreToolUse":
        s["last_call"] = _fingerprint(tool, raw_input)
    if name == "PostToolUse":
        _apply_tool_result(s, tool, tool_input, event.get("tool_response"), now)
    if _wait_survives(s, name, event, now):
        return
    if name == "PreToolUse" and tool in ASKING_TOOLS:
        _wait_for_call(s, event, now, ASKING_TOOLS[tool], None)
    elif name == "PostToolUseFailure" and event.get("is_interrupt") is True:
        _set_state(s, "idle", now, detail="interrupted")
    else:
        _set_state(s, "working", now, detail=tool)


def _apply_tool_result(s: dict, tool: str | None, tool_input: dict, response: object, now: float) -> None:
    if tool in ("TodoWrite", "TaskCreate", "TaskUpdate"):
        s["todos_stale"] = False
    if tool == "TodoWrite":
        _apply_todo_write(s, tool_input)
    elif tool in ("TaskCreate", "TaskUpdate"):
        _apply_task_tool(s, tool, tool_input, response)
    elif tool in ("Agent", "Task") and isinstance(response, dict) and response.get("status") == "async_launched":
        # Background launches may never get a SubagentStart (claude-code#44075).
        agent_id = _s(response.get("agentId"))
        if agent_id:
            _agent_add(s, agent_id, _s(tool_input.get("subagent_type")) or "general-purpose", now)


def _on_subagent(s: dict, name: str, event: dict, now: float, agent_id: str) -> None:
    """A subagent asking for permission blocks the session too; its own tool events end that wait."""
    if name == "PermissionRequest":
        tool = _s(event.get("tool_name"))
        who = _s(event.get("agent_type")) or "subagent"
        _wait_for_call(s, event, now, "permission for %s (%s)" % (tool, who) if tool else "permission (%s)" % who,
                       agent_id)
        return
    if name == "PreToolUse":
        s["last_call"] = _fingerprint(_s(event.get("tool_name")), event.get("tool_input"))
    pending = s.get("waiting_call") if s.get("state") == "waiting" else None
    if not isinstance(pending, dict) or pending.get("agent") != agent_id:
        return
    if name in ("PreToolUse", "PostToolUse", "PostToolUseFailure") and not _wait_survives(s, name, event, now):
        _set_state(s, "working", now, detail=_s(event.get("tool_name")))


def _on_main(s: dict, name: str, event: dict, now: float) -> None:
    """State changes for events from the main conversation (no ``agent_id``)."""
    if name in ("PreToolUse", "PostToolUse", "PostToolUseFailure"):
        _on_tool(s, name, event, now)
    elif name == "UserPromptSubmit":
        prompt = event.get("prompt")
        if isinstance(prompt, str) and not prompt.lstrip().startswith(TASK_NOTIFICATION):
            s["last_prompt"] = _prompt_line(prompt)
            s["todos_stale"] = True  # a new request: an old list names the task only once it is touched again
        _set_state(s, "working", now)
    elif name == "PermissionRequest":
        tool = _s(event.get("tool_name"))
        _wait_for_call(s, event, now, "permission for " + tool if tool else "permission", None)
    elif name == "Notification":
        kind = event.get("notification_type")
        if kind in WAITING_NOTIFICATIONS:
            if s.get("state") != "waiting":
                _set_state(s, "waiting", now, WAITING_NOTIFICATIONS[kind])
        elif kind == "idle_prompt" and s.get("state") != "waiting":
            _set_state(s, "idle", now)
    elif name == "Stop":
        bg = _running_background(event)
        if bg is not None:
            _reconcile(s, bg[0], now)
        # Without the list (before v2.1.145) a leaked agent must not keep the session "working" forever.
        running = len(s["agent_list"]) + bg[1] if bg is not None else 0
        if running:
            _set_state(s, "working", now, detail="%d background task%s" % (running, "s" * (running != 1)))
        else:
            _set_state(s, "idle", now)
        message = _s(event.get("last_assistant_message"))
        if message:
            s["last_message"] = shorten(message, 120)
    elif name == "StopFailure":
        _set_state(s, "error", now, detail=_s(event.get("error")) or "API error")
    elif name == "PreCompact":
        trigger = _s(event.get("trigger")) or "auto"
        s["compact_trigger"] = trigger
        _set_state(s, "compacting", now, detail=trigger)
    elif name == "PostCompact" or (name == "SessionStart" and event.get("source") == "compact"):
        trigger = _s(event.get("trigger")) or s.get("compact_trigger") or "manual"
        if s.get("state") == "compacting" or name == "PostCompact":
            _set_state(s, "working" if trigger == "auto" else "idle", now)
    elif name == "SessionStart":
        _set_state(s, "idle", now)
        tokens = event.get("context_tokens")
        if isinstance(tokens, int) and not isinstance(tokens, bool) and tokens >= 0:
            s["context"]["current_tokens"] = tokens


def _fill_identity(s: dict, event: dict) -> None:
    """Any event, even a late one or one from inside a subagent, fills identity fields still missing."""
    for key in ("cwd", "transcript_path"):
        if not s.get(key) and _s(event.get(key)):
            s[key] = event[key]
    if s.get("cwd") and not s.get("project"):
        s["project"] = schema.project_name(s["cwd"])


def apply(session: dict | None, event: dict, now: float) -> dict:
    """The session after ``event`` (a validated hook payload with a good ``session_id``).

    Events from inside a subagent (``agent_id``) only refresh the session, except SubagentStart/Stop,
    which maintain the agent list. A late event (older than the last one applied) changes no state.
    """
    s = new_session(event["session_id"], now) if session is None else session
    s["version"] = schema.VERSION  # a v1.0.0 file is upgraded in place
    for key in ("todos", "agent_list", "agents_done"):
        if not isinstance(s.get(key), list):
            s[key] = []
    if not isinstance(s.get("titles"), dict):
        s["titles"] = {}
    if not isinstance(s.get("context"), dict):
        s["context"] = {"current_tokens": 0, "total_tokens": schema.DEFAULT_WINDOW, "percentage": 0}
    raw_name = event.get("hook_event_name")
    name: str = raw_name if isinstance(raw_name, str) else ""
    agent_id = _s(event.get("agent_id"))
    last = s.get("event_ts")
    late = isinstance(last, (int, float)) and now < last
    if late and name == "PermissionRequest" and s.get("last_call") == _fingerprint(
            _s(event.get("tool_name")), event.get("tool_input")):
        late = False  # its own PreToolUse can only have come first; async start-up jitter reversed the clocks
    s["events"] = int(s.get("events") or 0) + 1
    s["last_event"] = name
    if not late:
        s["event_ts"] = now if not isinstance(last, (int, float)) else max(last, now)
        prev = s.get("updated_ts")
        s["updated_ts"] = now if not isinstance(prev, (int, float)) else max(prev, now)
        s["updated_at"] = timefmt.iso(s["updated_ts"])

    _fill_identity(s, event)
    if name == "SubagentStart" and agent_id:
        _agent_add(s, agent_id, _s(event.get("agent_type")), now)
    elif name == "SubagentStop" and agent_id:
        _agent_remove(s, agent_id)
        bg = _running_background(event)
        if bg is not None:
            _reconcile(s, bg[0], now, exclude=agent_id, full=False)
    elif agent_id and not late:
        _on_subagent(s, name, event, now, agent_id)
    elif not late:
        for key in ("cwd", "permission_mode", "transcript_path"):
            value = _s(event.get(key))
            if value:
                s[key] = value
        if s.get("cwd"):
            s["project"] = schema.project_name(s["cwd"])
        model = _s(event.get("model"))
        if model:
            s["model"] = model
        title = _s(event.get("session_title"))
        if title:
            s["titles"]["session"] = shorten(title, SUBJECT_WIDTH)
        _on_main(s, name, event, now)
    finish(s)
    return s


def _in_progress(todos: list) -> dict | None:
    for t in todos:
        if t.get("status") == "in_progress":
            return t
    return None


def task_name(s: dict) -> str:
    """In-progress list item, else the session title, else the last prompt, else the project folder."""
    item = None if s.get("todos_stale") else _in_progress(s["todos"])
    if item:
        return item["subject"]
    titles = s["titles"]
    for key in ("custom", "ai", "session"):
        if _s(titles.get(key)):
            return titles[key]
    return _s(s.get("last_prompt")) or _s(s.get("project")) or ""


_TASK_STATUS = {"working": "active", "compacting": "active", "waiting": "waiting", "idle": "idle", "error": "error"}


def finish(s: dict) -> None:
    """Recompute the PRD fields (task, agents, context %) from the extras."""
    todos = [] if s.get("todos_stale") else s["todos"]
    done = sum(1 for t in todos if t.get("status") == "completed")
    item = _in_progress(todos)
    s["task"] = {
        "name": task_name(s),
        "id": item["id"] if item else None,
        "progress": round(done * 100 / len(todos)) if todos else 0,
        "status": _TASK_STATUS.get(s.get("state", ""), "idle"),
    }
    s["agents"] = {"active": len(s["agent_list"]), "names": [a["type"] for a in s["agent_list"]]}
    ctx = s["context"]
    window = ctx.get("total_tokens") or schema.DEFAULT_WINDOW
    tokens = ctx.get("current_tokens") or 0
    ctx["percentage"] = min(100, round(tokens * 100 / window)) if window else 0
