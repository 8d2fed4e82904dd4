"""The on-disk record: the session file's and the index row's shapes, the one upgrade from older files,
the index row of a record, and the context-window rule for ``context.total_tokens``.

A file is ours when it is a JSON object whose ``session_id`` matches its file name. ``upgrade`` turns
any older one (the PRD's v1.0.0 hook wrote only the PRD fields; files of earlier 1.1.0 releases have no
``reason``) into a complete current record, and a file whose ``version`` major is newer than ours into a
``Newer`` result, which readers show as a session "written by a newer version" instead of dropping it.

What readers learn about a file besides its content (its mtime, whether its process is alive) lives in
an ``Entry`` beside the record, never inside it, so it is never written back.

The shapes are TypedDicts for mypy only: ``TYPE_CHECKING`` is a plain ``False`` here, so the hook never
imports ``typing``.
"""

from __future__ import annotations

from core import state, timefmt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, TypedDict, Union

    class Task(TypedDict):
        name: str
        id: Optional[str]
        progress: int
        status: str

    class Context(TypedDict, total=False):
        current_tokens: int
        total_tokens: int
        percentage: int

    class Agents(TypedDict):
        active: int
        names: list[str]

    class Ask(TypedDict):
        """What a waiting call asks (PermissionRequest, AskUserQuestion, ExitPlanMode)."""

        tool: Optional[str]
        input: Optional[str]
        description: Optional[str]

    class SessionRecord(TypedDict, total=False):
        """``<status dir>/<session_id>.json``: the PRD v1.1.0 fields first, then the extras."""

        version: str
        updated_at: str
        session_id: str
        task: Task
        context: Context
        agents: Agents
        load: Any
        state: str
        reason: Optional[str]
        state_since: str
        state_ts: float
        waiting_for: Optional[str]
        waiting_call: Optional[Any]
        ask: Optional[Ask]
        detail: Optional[str]
        first_seen_at: str
        first_seen_ts: float
        updated_ts: float
        event_ts: float
        events: int
        last_event: str
        todos: list[Any]
        todos_stale: bool
        agent_list: list[Any]
        agents_done: list[str]
        titles: Any
        cwd: str
        project: Optional[str]
        permission_mode: str
        transcript_path: str
        transcript_sig: Any  # [offset past the last complete line read, mtime_ns, path]: core.transcript.follow
        model: str
        one_m: bool
        learned_window: list[Any]  # [model, window]: Claude Code's figure for this model (core.windows)
        last_tool: str
        last_call: list[str]
        last_call_id: Optional[str]
        recent_calls: list[list[str]]
        last_prompt: Optional[str]
        last_message: str
        compact_trigger: str
        pid: Any
        pid_file: Any
        pid_checked_ts: float
        hook_ms: float

    class IndexRow(TypedDict):
        """One row of ``index.json``'s ``sessions``: the PRD's keys, then the extras."""

        session_id: str
        task: str
        context_pct: int
        agents: int
        status: str
        updated_at: str
        state: str
        reason: Optional[str]
        state_since: Optional[str]
        waiting_for: Optional[str]
        ask: Optional[Ask]
        detail: Optional[str]
        progress: int
        context_tokens: Optional[int]
        context_window: Optional[int]
        agent_names: list[str]
        project: Optional[str]
        cwd: Optional[str]
        model: Optional[str]
        permission_mode: Optional[str]
        last_tool: Optional[str]
        first_seen: Optional[str]
        transcript_path: Optional[str]
        age_seconds: float
        written_by: Optional[str]

    Upgraded = Union[SessionRecord, "Newer", None]

VERSION = "1.1.0"
MAJOR = VERSION.split(".", 1)[0]
DEFAULT_WINDOW = 200_000
ONE_M_WINDOW = 1_000_000
# What a v1.0.0 ``task.status`` means as an activity state.
_LEGACY_STATES = {"active": state.WORKING, "working": state.WORKING, "waiting": state.WAITING, "idle": state.IDLE,
                  "error": state.ERROR, "compacting": state.COMPACTING}


class Newer:
    """A session file written by a newer version of the hook: shown, never parsed further."""

    __slots__ = ("session_id", "version")

    def __init__(self, session_id: str, version: str) -> None:
        self.session_id = session_id
        self.version = version


class Entry:
    """One session as a reader holds it: the record (or ``Newer``) plus what was learned beside it."""

    __slots__ = ("alive", "mtime", "record", "sig")

    def __init__(self, record: SessionRecord | Newer, mtime: float, alive: bool = False,
                 sig: list | None = None) -> None:
        self.record = record
        self.mtime = mtime  # the file's mtime (the hook's own entry: the event's time)
        self.alive = alive  # its Claude process is known to be running
        self.sig = sig  # [size, mtime_ns] of the file as read (core.scan's incremental view)

    @property
    def session_id(self) -> str:
        rec = self.record
        return rec.session_id if isinstance(rec, Newer) else rec["session_id"]


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def project_name(cwd: object) -> str | None:
    """Last path component of a POSIX or Windows path."""
    if not isinstance(cwd, str) or not cwd:
        return None
    name = cwd.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name or cwd


def _ts(raw: dict, ts_key: str, iso_key: str) -> None:
    value = raw.get(ts_key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        parsed = timefmt.parse_iso(raw.get(iso_key))
        if parsed is None:
            raw.pop(ts_key, None)
        else:
            raw[ts_key] = parsed


def _idle_reason(raw: dict) -> str:
    """Files written before ``reason`` existed: what they meant, read once here."""
    if raw.get("detail") == "interrupted":
        return state.INTERRUPTED
    since = timefmt.parse_iso(raw.get("state_since"))
    first = timefmt.parse_iso(raw.get("first_seen_at"))
    return state.READY if since is not None and first is not None and since <= first else state.FINISHED


_SHAPES = (("todos", list), ("agent_list", list), ("agents_done", list), ("titles", dict), ("task", dict),
           ("agents", dict))


def _version_check(raw: dict, stem: str) -> Newer | bool:
    """True for a version of our major, a ``Newer`` for a later major, False otherwise."""
    version = raw.get("version", "1.0.0")
    major = _major(version) if isinstance(version, str) else None
    if major is None or major < int(MAJOR):
        return False
    return Newer(stem, version[:40]) if major > int(MAJOR) else True


def _upgrade_state(raw: dict) -> None:
    """``state`` from a v1.0.0 ``task.status``; ``reason`` for files written before it existed."""
    current = raw.get("state")
    if not (isinstance(current, str) and current in state.STATES):
        task = raw.get("task")
        legacy = task.get("status") if isinstance(task, dict) else None
        raw["state"] = _LEGACY_STATES.get(legacy, state.UNKNOWN) if isinstance(legacy, str) else state.UNKNOWN
    if "reason" not in raw:
        raw["reason"] = _idle_reason(raw) if raw["state"] == state.IDLE else None


def _fill_shapes(raw: dict) -> None:
    """Numeric timestamps from the ISO ones, containers of the right type, the project from ``cwd``."""
    for ts_key, iso_key in (("updated_ts", "updated_at"), ("first_seen_ts", "first_seen_at")):
        value = raw.get(ts_key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _ts(raw, ts_key, iso_key)
    for key, kind in _SHAPES:
        if not isinstance(raw.get(key), kind):
            raw[key] = kind()
    if not isinstance(raw.get("context"), dict):
        raw["context"] = {"current_tokens": 0, "total_tokens": DEFAULT_WINDOW, "percentage": 0}
    if not raw.get("project") and isinstance(raw.get("cwd"), str):
        raw["project"] = project_name(raw["cwd"])


def upgrade(raw: object, stem: str) -> Upgraded:
    """The current record for file stem ``stem`` (upgraded in place), ``Newer``, or None (not ours).
    The one upgrade from any older file: every reader and the hook call it on what they read."""
    if not isinstance(raw, dict) or raw.get("session_id") != stem:
        return None
    if raw.get("version") != VERSION:
        ours = _version_check(raw, stem)
        if ours is not True:
            return ours or None
        raw["version"] = VERSION
    _upgrade_state(raw)
    _fill_shapes(raw)
    return raw  # type: ignore[return-value]


def new_session(session_id: str, now: float) -> SessionRecord:
    """A fresh record with every PRD field: idle, ready."""
    return {
        "version": VERSION,
        "updated_at": timefmt.iso(now),
        "session_id": session_id,
        "task": {"name": "", "id": None, "progress": 0, "status": state.task_status(state.IDLE)},
        "context": {"current_tokens": 0, "total_tokens": DEFAULT_WINDOW, "percentage": 0},
        "agents": {"active": 0, "names": []},
        "load": {"profile": "balanced", "status": "OK", "load_avg": None},
        "state": state.IDLE,
        "reason": state.READY,
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


def updated_ts(entry: Entry) -> float:
    """When the session last reported: ``updated_ts`` (``upgrade`` fills it from ``updated_at``), else the mtime."""
    rec = entry.record
    ts = None if isinstance(rec, Newer) else rec.get("updated_ts")
    return float(ts) if isinstance(ts, (int, float)) else entry.mtime


def first_seen_ts(entry: Entry, fallback: float) -> float:
    rec = entry.record
    ts = None if isinstance(rec, Newer) else rec.get("first_seen_ts")
    return float(ts) if isinstance(ts, (int, float)) else fallback


# ---------------------------------------------------------------- index rows and the context window


def _int(value: object, default: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return int(value)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _ask(value: object) -> Ask | None:
    if not isinstance(value, dict):
        return None
    return {"tool": _str(value.get("tool")), "input": _str(value.get("input")),
            "description": _str(value.get("description"))}


def row(session: SessionRecord, now: float, stale: bool, updated: float) -> IndexRow:
    """One ``index.json`` row of an upgraded record: the PRD's keys, then the extras the tray and
    dashboard show. Pure."""
    task = _dict(session.get("task"))
    context = _dict(session.get("context"))
    agents = _dict(session.get("agents"))
    names = agents.get("names")
    return {
        "session_id": session["session_id"],
        "task": _str(task.get("name")) or "",
        "context_pct": _int(context.get("percentage")),
        "agents": _int(agents.get("active")),
        "status": "stale" if stale else "active",
        "updated_at": _str(session.get("updated_at")) or timefmt.iso(updated),
        "state": state.state_of(session),
        "reason": _str(session.get("reason")),
        "state_since": _str(session.get("state_since")),
        "waiting_for": _str(session.get("waiting_for")),
        "ask": _ask(session.get("ask")) if state.state_of(session) == state.WAITING else None,
        "detail": _str(session.get("detail")),
        "progress": _int(task.get("progress")),
        "context_tokens": _int(context.get("current_tokens"), 0) if "current_tokens" in context else None,
        "context_window": _int(context.get("total_tokens"), 0) or None,
        "agent_names": [n for n in names if isinstance(n, str)] if isinstance(names, list) else [],
        "project": _str(session.get("project")),
        "cwd": _str(session.get("cwd")),
        "model": _str(session.get("model")),
        "permission_mode": _str(session.get("permission_mode")),
        "last_tool": _str(session.get("last_tool")),
        "first_seen": _str(session.get("first_seen_at")),
        "transcript_path": _str(session.get("transcript_path")),
        "age_seconds": round(max(0.0, now - updated), 3),
        "written_by": None,
    }


def newer_row(newer: Newer, now: float, stale: bool, updated: float) -> IndexRow:
    """The row of a file written by a newer version: shown (state unknown, reason ``newer_version``,
    ``written_by`` its version), never parsed further."""
    return {
        "session_id": newer.session_id,
        "task": "",
        "context_pct": 0,
        "agents": 0,
        "status": "stale" if stale else "active",
        "updated_at": timefmt.iso(updated),
        "state": state.UNKNOWN,
        "reason": state.NEWER_VERSION,
        "state_since": None,
        "waiting_for": None,
        "ask": None,
        "detail": "written by a newer version (%s)" % newer.version,
        "progress": 0,
        "context_tokens": None,
        "context_window": None,
        "agent_names": [],
        "project": None,
        "cwd": None,
        "model": None,
        "permission_mode": None,
        "last_tool": None,
        "first_seen": None,
        "transcript_path": None,
        "age_seconds": round(max(0.0, now - updated), 3),
        "written_by": newer.version,
    }


# Model families whose 1M window is native (docs/platform-notes.md; Claude Code 2.1.332 reports 1M for haiku-5-5,
# mythos-5 and mythos-5-2 in ``modelUsage[model].contextWindow``: tests/realclient/test_print.py). A window
# Claude Code reported for a model (core.windows) wins over this table; the table is only the fallback.
_NATIVE_1M = ("claude-fable-5", "claude-sonnet-5", "claude-haiku-5", "claude-mythos-5")
_API_1M = ("claude-opus-4-7", "claude-opus-4-8", "claude-opus-5")
_CLOUD_PROVIDERS = ("CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY")


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def percentage(context: Context) -> int:
    """``context.percentage``: the current tokens over the window, 0..100."""
    window = context.get("total_tokens") or DEFAULT_WINDOW
    tokens = context.get("current_tokens") or 0
    return min(100, round(tokens * 100 / window)) if window else 0


def reported_window(rec: object) -> int | None:
    """The window Claude Code itself reported through the status-line tap (``hook/statusline.py`` keeps
    its input under ``statusline``), or None when it has not said it."""
    tap = rec.get("statusline") if isinstance(rec, dict) else None
    cw = tap.get("context_window") if isinstance(tap, dict) else None
    size = cw.get("context_window_size") if isinstance(cw, dict) else None
    return size if type(size) is int and size > 0 else None


def learned_window(rec: object) -> int | None:
    """The window Claude Code reported for this record's model in another session (``core.windows``: the hook
    stores it in the record, so readers need no I/O), or None."""
    from core import windows

    return windows.learned(rec)


def _base_model(name: str) -> str:
    """A model id without a provider prefix (``us.anthropic.``, an ARN path) or the ``[1m]`` marker."""
    name = name.rsplit("/", 1)[-1]
    head, sep, tail = name.partition("anthropic.")
    if sep and tail.startswith("claude-") and "." not in head.rstrip("."):
        name = tail
    return name.replace("[1m]", "")


def context_window(model: object, tokens: int, one_m_seen: bool, environ: dict, reported: int | None = None,
                   learned: int | None = None) -> int:
    """The context window in tokens. Claude Code's own figure when it has said it for this session
    (``reported``, from the status-line tap); else infer, since hooks are not told it: an explicit override,
    the ``[1m]`` marker or more than 200k tokens observed; then the figure Claude Code reported for this
    model in another session (``learned``, unless the tokens in use exceed it); then a family whose 1M window
    is native; else 200k."""
    if type(reported) is int and reported > 0:
        return reported
    override = environ.get("CLAUDE_CODE_MAX_CONTEXT_TOKENS")
    if override and str(override).isdigit() and int(override) > 0:
        return int(override)
    if _truthy(environ.get("CLAUDE_CODE_DISABLE_1M_CONTEXT", "")):
        return DEFAULT_WINDOW
    name = model.lower() if isinstance(model, str) else ""
    if one_m_seen or "[1m]" in name or tokens > DEFAULT_WINDOW:
        return ONE_M_WINDOW
    if type(learned) is int and learned > 0 and tokens <= learned:
        return learned
    name = _base_model(name)
    if name.startswith(_NATIVE_1M):
        return ONE_M_WINDOW
    if name.startswith(_API_1M) and not any(_truthy(environ.get(k, "")) for k in _CLOUD_PROVIDERS):
        return ONE_M_WINDOW
    return DEFAULT_WINDOW
