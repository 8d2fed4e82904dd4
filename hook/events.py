"""How one Claude Code hook event changes a session's record. Pure: no I/O, time is a parameter.

Each event has a small handler in ``NOTES`` for what it records (todos, agents, prompt, titles); the
state and its reason are decided by ``core.state``, the one state machine.
"""

from __future__ import annotations

from core import record, state, timefmt
from core.title import shorten

TYPE_CHECKING = False
if TYPE_CHECKING:
    from core.record import SessionRecord

MAX_DONE_AGENTS = 64
MAX_TODOS = 200
PROMPT_WIDTH = 80
SUBJECT_WIDTH = 200  # todo subjects and titles: a session file must stay small
TASK_NOTIFICATION = "<task-notification>"


def _s(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


new_session = record.new_session


def _agent_add(s: SessionRecord, agent_id: str, agent_type: str | None, now: float) -> None:
    if agent_id in s["agents_done"] or any(a["id"] == agent_id for a in s["agent_list"]):
        return
    s["agent_list"].append({"id": agent_id, "type": agent_type or "agent", "since": timefmt.iso(now)})


def _agent_remove(s: SessionRecord, agent_id: str) -> None:
    s["agent_list"] = [a for a in s["agent_list"] if a["id"] != agent_id]
    done = [d for d in s["agents_done"] if d != agent_id] + [agent_id]
    s["agents_done"] = done[-MAX_DONE_AGENTS:]


def _reconcile(s: SessionRecord, running: list, now: float, exclude: str | None = None, full: bool = True) -> None:
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


def _apply_todo_write(s: SessionRecord, tool_input: dict) -> None:
    todos = tool_input.get("todos")
    if not isinstance(todos, list):
        return
    out = []
    for i, t in enumerate(todos[:MAX_TODOS]):
        if isinstance(t, dict) and _s(t.get("content")):
            out.append({"id": _todo_key(t) or str(i + 1), "subject": shorten(t["content"], SUBJECT_WIDTH),
                        "status": t.get("status") if isinstance(t.get("status"), str) else "pending"})
    s["todos"] = out


def _task_create(s: SessionRecord, tool_input: dict, response: object) -> None:
    task = response.get("task") if isinstance(response, dict) else None
    task_id = _todo_key(task) if isinstance(task, dict) else None
    subject = _s(tool_input.get("subject")) or (_s(task.get("subject")) if isinstance(task, dict) else None)
    if subject and len(s["todos"]) < MAX_TODOS:
        s["todos"].append({"id": task_id or str(len(s["todos"]) + 1), "subject": shorten(subject, SUBJECT_WIDTH),
                           "status": "pending"})


def _task_update(s: SessionRecord, tool_input: dict) -> None:
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


def _apply_tool_result(s: SessionRecord, tool: str | None, tool_input: dict, response: object, now: float) -> None:
    if tool in ("TodoWrite", "TaskCreate", "TaskUpdate"):
        s["todos_stale"] = False
    if tool == "TodoWrite":
        _apply_todo_write(s, tool_input)
    elif tool == "TaskCreate":
        _task_create(s, tool_input, response)
    elif tool == "TaskUpdate":
        _task_update(s, tool_input)
    elif tool in ("Agent", "Task") and isinstance(response, dict) and response.get("status") == "async_launched":
        # Background launches may never get a SubagentStart (claude-code#44075).
        agent_id = _s(response.get("agentId"))
        if agent_id:
            _agent_add(s, agent_id, _s(tool_input.get("subagent_type")) or "general-purpose", now)


# ---------------------------------------------------------------- what each event records (not state)


def _note_tool(s: SessionRecord, name: str, event: dict, now: float) -> None:
    tool = _s(event.get("tool_name"))
    raw_input = event.get("tool_input")
    if tool:
        s["last_tool"] = tool
    if name == "PreToolUse":
        s["last_call"] = state.fingerprint(tool, raw_input)
        s["last_call_id"] = _s(event.get("tool_use_id"))
        state.remember_call(s, s["last_call"], s["last_call_id"])
    elif name == "PostToolUse":
        _apply_tool_result(s, tool, raw_input if isinstance(raw_input, dict) else {}, event.get("tool_response"), now)


def _note_prompt(s: SessionRecord, name: str, event: dict, now: float) -> None:
    prompt = event.get("prompt")
    if isinstance(prompt, str) and not prompt.lstrip().startswith(TASK_NOTIFICATION):
        s["last_prompt"] = _prompt_line(prompt)
        s["todos_stale"] = True  # a new request: an old list names the task only once it is touched again


def _note_stop(s: SessionRecord, name: str, event: dict, now: float) -> None:
    bg = state.running_background(event)
    if bg is not None:
        _reconcile(s, bg[0], now)
    message = _s(event.get("last_assistant_message"))
    if message:
        s["last_message"] = shorten(message, 120)


def _note_pre_compact(s: SessionRecord, name: str, event: dict, now: float) -> None:
    s["compact_trigger"] = _s(event.get("trigger")) or "auto"


def _note_session_start(s: SessionRecord, name: str, event: dict, now: float) -> None:
    tokens = event.get("context_tokens")
    if event.get("source") != "compact" and isinstance(tokens, int) and not isinstance(tokens, bool) and tokens >= 0:
        s["context"]["current_tokens"] = tokens


def _note_nothing(s: SessionRecord, name: str, event: dict, now: float) -> None:
    """Only the state (core.state) and the common fields change."""


NOTES = {
    "SessionStart": _note_session_start,
    "UserPromptSubmit": _note_prompt,
    "PreToolUse": _note_tool,
    "PostToolUse": _note_tool,
    "PostToolUseFailure": _note_tool,
    "PermissionRequest": _note_nothing,
    "Notification": _note_nothing,
    "Stop": _note_stop,
    "StopFailure": _note_nothing,
    "SubagentStart": _note_nothing,
    "SubagentStop": _note_nothing,
    "PreCompact": _note_pre_compact,
    "PostCompact": _note_nothing,
    "SessionEnd": _note_nothing,
    "PermissionDenied": _note_nothing,
    "PostToolBatch": _note_nothing,
    "MessageDisplay": _note_nothing,
}


def _fill_identity(s: SessionRecord, event: dict) -> None:
    """Any event, even a late one or one from inside a subagent, fills identity fields still missing."""
    for key in ("cwd", "transcript_path"):
        value = _s(event.get(key))
        if value and not s.get(key):
            s[key] = value
    if s.get("cwd") and not s.get("project"):
        s["project"] = record.project_name(s["cwd"])


def _note_main(s: SessionRecord, event: dict) -> None:
    """A main-conversation event in order: it knows the session's current cwd, mode, model and title."""
    for key in ("cwd", "permission_mode", "transcript_path", "model"):
        value = _s(event.get(key))
        if value:
            s[key] = value
    if s.get("cwd"):
        s["project"] = record.project_name(s["cwd"])
    title = _s(event.get("session_title"))
    if title:
        s["titles"]["session"] = shorten(title, SUBJECT_WIDTH)


def _stamp(s: SessionRecord, name: str, now: float, late: bool) -> None:
    s["events"] = int(s.get("events") or 0) + 1
    s["last_event"] = name
    if late:
        return
    last = s.get("event_ts")
    s["event_ts"] = now if not isinstance(last, (int, float)) else max(last, now)
    prev = s.get("updated_ts")
    s["updated_ts"] = now if not isinstance(prev, (int, float)) else max(prev, now)
    s["updated_at"] = timefmt.iso(s["updated_ts"])


def _on_agent_event(s: SessionRecord, name: str, event: dict, now: float, agent_id: str) -> None:
    """SubagentStart/Stop keep the agent list, even when late (a stopped agent is never resurrected)."""
    if name == "SubagentStart":
        _agent_add(s, agent_id, _s(event.get("agent_type")), now)
        return
    _agent_remove(s, agent_id)
    bg = state.running_background(event)
    if bg is not None:
        _reconcile(s, bg[0], now, exclude=agent_id, full=False)


def apply(session: SessionRecord | None, event: dict, now: float) -> SessionRecord:
    """``step`` then ``finish``: the whole record after ``event``."""
    s = step(session, event, now)
    finish(s)
    return s


def step(session: SessionRecord | None, event: dict, now: float) -> SessionRecord:
    """The session after ``event`` (a validated hook payload with a good ``session_id``), without its
    derived PRD fields (``finish``); ``session`` is an upgraded record (``core.record.upgrade``) or None.

    Events from inside a subagent (``agent_id``) only refresh the session, except SubagentStart/Stop,
    which maintain the agent list. A late event (older than the last one applied) changes no state but
    fills in missing identity fields. The state itself is decided in ``core.state``.
    """
    s = new_session(event["session_id"], now) if session is None else session
    raw_name = event.get("hook_event_name")
    name: str = raw_name if isinstance(raw_name, str) else ""
    agent_id = _s(event.get("agent_id"))
    late = state.is_late(s, name, event, now)
    _stamp(s, name, now, late)
    _fill_identity(s, event)
    if agent_id and name in ("SubagentStart", "SubagentStop"):
        _on_agent_event(s, name, event, now, agent_id)
    elif agent_id and not late:
        if name == "PreToolUse":
            s["last_call"] = state.fingerprint(_s(event.get("tool_name")), event.get("tool_input"))
        state.decide(s, name, now, event, agent_id)
    elif not late:
        _note_main(s, event)
        NOTES.get(name, _note_nothing)(s, name, event, now)
        state.decide(s, name, now, event)
    return s


def _in_progress(todos: list) -> dict | None:
    for t in todos:
        if t.get("status") == "in_progress":
            return t
    return None


def task_name(s: SessionRecord) -> str:
    """In-progress list item, else the session title, else the last prompt, else the project folder."""
    item = None if s.get("todos_stale") else _in_progress(s["todos"])
    if item:
        return item["subject"]
    titles = s["titles"]
    for key in ("custom", "ai", "session"):
        if _s(titles.get(key)):
            return titles[key]
    return _s(s.get("last_prompt")) or _s(s.get("project")) or ""


def finish(s: SessionRecord) -> None:
    """Recompute the PRD fields (task, agents, context %) from the extras. Once per event: the hook
    calls ``step``, refreshes from the transcript, then this."""
    todos = [] if s.get("todos_stale") else s["todos"]
    done = sum(1 for t in todos if t.get("status") == "completed")
    item = _in_progress(todos)
    s["task"] = {
        "name": task_name(s),
        "id": item["id"] if item else None,
        "progress": round(done * 100 / len(todos)) if todos else 0,
        "status": state.task_status(s.get("state")),
    }
    s["agents"] = {"active": len(s["agent_list"]), "names": [a["type"] for a in s["agent_list"]]}
    s["context"]["percentage"] = record.percentage(s["context"])
