"""The on-disk contract: per-session files (PRD v1.1.0 fields + extras) and index rows.

A file is readable when it is a JSON object whose ``session_id`` matches its file name and whose
``version`` major is 1. Files from the PRD's v1.0.0 hook (only the PRD fields) read fine: every extra
key has a default here.
"""

from __future__ import annotations

from core import timefmt

VERSION = "1.1.0"
STATES = ("working", "waiting", "idle", "compacting", "error", "unknown")
# What a v1.0.0 ``task.status`` means as an activity state.
_LEGACY_STATES = {"active": "working", "working": "working", "waiting": "waiting", "idle": "idle",
                  "error": "error", "compacting": "compacting"}
DEFAULT_WINDOW = 200_000
ONE_M_WINDOW = 1_000_000


def _int(value: object, default: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return int(value)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def project_name(cwd: object) -> str | None:
    """Last path component of a POSIX or Windows path."""
    if not isinstance(cwd, str) or not cwd:
        return None
    name = cwd.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name or cwd


def validate(raw: object, stem: str) -> dict | None:
    """The session dict if ``raw`` is one of ours (or v1.0.0) for file stem ``stem``; None if foreign/newer."""
    if not isinstance(raw, dict) or raw.get("session_id") != stem:
        return None
    version = raw.get("version", "1.0.0")
    if not isinstance(version, str) or version.split(".", 1)[0] != "1":
        return None
    return raw


def _timestamp(session: dict, ts_key: str, iso_key: str, fallback: float) -> float:
    ts = session.get(ts_key)
    if isinstance(ts, (int, float)) and not isinstance(ts, bool):
        return float(ts)
    parsed = timefmt.parse_iso(session.get(iso_key))
    return fallback if parsed is None else parsed


def updated_ts(session: dict, fallback: float) -> float:
    """When the session last reported: ``updated_ts``, else ``updated_at`` (v1.0.0 files), else ``fallback``."""
    return _timestamp(session, "updated_ts", "updated_at", fallback)


def first_seen_ts(session: dict, fallback: float) -> float:
    """When the session was first seen (sub-second), else ``fallback``."""
    return _timestamp(session, "first_seen_ts", "first_seen_at", fallback)


def state_of(session: dict) -> str:
    state = session.get("state")
    if isinstance(state, str) and state in STATES:
        return state
    legacy = _str(_dict(session.get("task")).get("status"))
    return _LEGACY_STATES.get(legacy or "", "unknown")


def row(session: dict, now: float, stale: bool, updated: float) -> dict:
    """One ``index.json`` row: the PRD's keys, then the extras the tray and dashboard show. Pure."""
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
        "state": state_of(session),
        "state_since": _str(session.get("state_since")),
        "waiting_for": _str(session.get("waiting_for")),
        "detail": _str(session.get("detail")),
        "progress": _int(task.get("progress")),
        "context_tokens": _int(context.get("current_tokens"), 0) if "current_tokens" in context else None,
        "context_window": _int(context.get("total_tokens"), 0) or None,
        "agent_names": [n for n in names if isinstance(n, str)] if isinstance(names, list) else [],
        "project": _str(session.get("project")) or project_name(session.get("cwd")),
        "cwd": _str(session.get("cwd")),
        "model": _str(session.get("model")),
        "permission_mode": _str(session.get("permission_mode")),
        "last_tool": _str(session.get("last_tool")),
        "first_seen": _str(session.get("first_seen_at")),
        "transcript_path": _str(session.get("transcript_path")),
        "age_seconds": round(max(0.0, now - updated), 3),
    }


# Model families whose 1M window is native on the Anthropic API (docs/platform-notes.md, Claude Code).
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
