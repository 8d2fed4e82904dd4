"""Index rows from records (``core.record`` owns the record and its upgrade) and the context window rule."""

from __future__ import annotations

from core import record, state, timefmt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from core.record import Ask, IndexRow, Newer, SessionRecord

VERSION = record.VERSION
STATES = state.STATES
DEFAULT_WINDOW = record.DEFAULT_WINDOW
ONE_M_WINDOW = 1_000_000
project_name = record.project_name


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


# Model families whose 1M window is native on the Anthropic API (reference section 3.10).
_NATIVE_1M = ("claude-fable-5", "claude-sonnet-5")
_API_1M = ("claude-opus-4-7", "claude-opus-4-8", "claude-opus-5")
_CLOUD_PROVIDERS = ("CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY")


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def context_window(model: object, tokens: int, one_m_seen: bool, environ: dict) -> int:
    """The context window in tokens. Hooks are not told it, so infer: an explicit override, the
    ``[1m]`` marker, a family whose 1M window is native, or more than 200k tokens observed; else 200k."""
    override = environ.get("CLAUDE_CODE_MAX_CONTEXT_TOKENS")
    if override and str(override).isdigit() and int(override) > 0:
        return int(override)
    if _truthy(environ.get("CLAUDE_CODE_DISABLE_1M_CONTEXT", "")):
        return DEFAULT_WINDOW
    name = model.lower() if isinstance(model, str) else ""
    if one_m_seen or "[1m]" in name or tokens > DEFAULT_WINDOW:
        return ONE_M_WINDOW
    if name.startswith(_NATIVE_1M):
        return ONE_M_WINDOW
    if name.startswith(_API_1M) and not any(_truthy(environ.get(k, "")) for k in _CLOUD_PROVIDERS):
        return ONE_M_WINDOW
    return DEFAULT_WINDOW
