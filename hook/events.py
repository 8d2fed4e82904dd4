"""How one Claude Code hook event changes a session's status. Pure: no I/O, time is a parameter."""

from __future__ import annotations

from core import schema, timefmt
from core.title import shorten

MAX_DONE_AGENTS = 64
MAX_TODOS = 200
PROMPT_WIDTH = 80
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
            out.append({"id": _todo_key(t) or str(i + 1), "subject": t["content"],
                        "status": t.get("status") if isinstance(t.get("status"), str) else "pending"})
    s["todos"] = out


def _apply_task_tool(s: dict, tool: str, tool_input: dict, response: object) -> None:
    if tool == "TaskCreate":
        task = response.get("task") if isinstance(response, dict) else None
        task_id = _todo_key(task) if isinstance(task, dict) else None
        subject = _s(tool_input.get("subject")) or (_s(task.get("subject")) if isinstance(task, dict) else None)
        if subject and len(s["todos"]) < MAX_TODOS:
            s["todos"].append({"id": task_id or str(len(s["todos"]) + 1), "subject": subject, "status": "pending"})
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
                item["subject"] = tool_input["subject"]
            return


def _prompt_line(prompt: str) -> str | None:
    for line in prompt.splitlines():
        if line.strip():
            return shorten(line, PROMPT_WIDTH)
    return None


def _on_tool(s: dict, name: str, event: dict, now: float) -> None:
    tool = _s(event.get("tool_name"))
    raw_input = event.get("tool_input")
    tool_input: dict = raw_input if isinstance(raw_input, dict) else {}
    if tool:
        s["last_tool"] = tool
    if name == "PreToolUse" and tool in ASKING_TOOLS:
        _set_state(s, "waiting", now, ASKING_TOOLS[tool])
        return
    if name == "PostToolUseFailure" and event.get("is_interrupt") is True:
        _set_state(s, "idle", now, detail="interrupted")
        return
    _set_state(s, "working", now, detail=tool)
    if name != "PostToolUse":
        return
    response = event.get("tool_response")
    if tool == "TodoWrite":
        _apply_todo_write(s, tool_input)
    elif tool in ("TaskCreate", "TaskUpdate"):
        _apply_task_tool(s, tool, tool_input, response)
    elif tool in ("Agent", "Task") and isinstance(response, dict) and response.get("status") == "async_launched":
        # Background launches may never get a SubagentStart (claude-code#44075).
        agent_id = _s(response.get("agentId"))
        if agent_id:
            _agent_add(s, agent_id, _s(tool_input.get("subagent_type")) or "general-purpose", now)


def _on_main(s: dict, name: str, event: dict, now: float) -> None:
    """State changes for events from the main conversation (no ``agent_id``)."""
    if name in ("PreToolUse", "PostToolUse", "PostToolUseFailure"):
        _on_tool(s, name, event, now)
    elif name == "UserPromptSubmit":
        prompt = event.get("prompt")
        if isinstance(prompt, str) and not prompt.lstrip().startswith(TASK_NOTIFICATION):
            s["last_prompt"] = _prompt_line(prompt)
        _set_state(s, "working", now)
    elif name == "PermissionRequest":
        tool = _s(event.get("tool_name"))
        _set_state(s, "waiting", now, "permission for " + tool if tool else "permission")
    elif name == "Notification":
        kind = event.get("notification_type")
        if kind in WAITING_NOTIFICATIONS:
            if s.get("state") != "waiting":
                _set_state(s, "waiting", now, WAITING_NOTIFICATIONS[kind])
        elif kind == "idle_prompt":
            _set_state(s, "idle", now)
    elif name == "Stop":
        bg = _running_background(event)
        if bg is not None:
            _reconcile(s, bg[0], now)
        running = len(s["agent_list"]) + (bg[1] if bg else 0)
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
    s["events"] = int(s.get("events") or 0) + 1
    s["last_event"] = name
    if not late:
        s["event_ts"] = now
        prev = s.get("updated_ts")
        s["updated_ts"] = now if not isinstance(prev, (int, float)) else max(prev, now)
        s["updated_at"] = timefmt.iso(s["updated_ts"])

    if name == "SubagentStart" and agent_id:
        _agent_add(s, agent_id, _s(event.get("agent_type")), now)
    elif name == "SubagentStop" and agent_id:
        _agent_remove(s, agent_id)
        bg = _running_background(event)
        if bg is not None:
            _reconcile(s, bg[0], now, exclude=agent_id, full=False)
    elif not agent_id and not late:
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
            s["titles"]["session"] = title
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
    item = _in_progress(s["todos"])
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
    todos = s["todos"]
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
