"""The on-disk record: the session file's and the index row's shapes, and the one upgrade from older files.

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
        transcript_sig: Any
        model: str
        one_m: bool
        last_tool: str
        last_call: list[str]
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


def upgrade(raw: object, stem: str) -> Upgraded:
    """The current record for file stem ``stem`` (upgraded in place), ``Newer``, or None (not ours)."""
    if not isinstance(raw, dict) or raw.get("session_id") != stem:
        return None
    version = raw.get("version", "1.0.0")
    if not isinstance(version, str):
        return None
    major = _major(version)
    if major is None:
        return None
    if major > int(MAJOR):
        return Newer(stem, version[:40])
    if major < int(MAJOR):
        return None
    raw["version"] = VERSION
    if not isinstance(raw.get("state"), str) or raw["state"] not in state.STATES:
        task = raw.get("task")
        legacy = task.get("status") if isinstance(task, dict) else None
        raw["state"] = _LEGACY_STATES.get(legacy, state.UNKNOWN) if isinstance(legacy, str) else state.UNKNOWN
    if "reason" not in raw:
        raw["reason"] = _idle_reason(raw) if raw["state"] == state.IDLE else None
    _ts(raw, "updated_ts", "updated_at")
    _ts(raw, "first_seen_ts", "first_seen_at")
    for key in ("todos", "agent_list", "agents_done"):
        if not isinstance(raw.get(key), list):
            raw[key] = []
    for key in ("titles", "task", "agents"):
        if not isinstance(raw.get(key), dict):
            raw[key] = {}
    if not isinstance(raw.get("context"), dict):
        raw["context"] = {"current_tokens": 0, "total_tokens": DEFAULT_WINDOW, "percentage": 0}
    if not raw.get("project") and isinstance(raw.get("cwd"), str):
        raw["project"] = project_name(raw["cwd"])
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
