"""Where every file lives. The only module that knows these rules.

Status dir, in order:
1. ``$CLAUDE_STATUS_DIR``
2. ``$CLAUDE_CONFIG_DIR/status``
3. ``~/.claude/status``

Claude Code's own dir: ``$CLAUDE_CONFIG_DIR``, else ``~/.claude``.
"""

from __future__ import annotations

import os

INDEX_NAME = "index.json"
LINK_NAME = "status.json"
LOG_NAME = "hook.log"
LOCK_NAME = ".lock"


def _env(environ: dict | None) -> dict:
    return os.environ if environ is None else environ  # type: ignore[return-value]


def _expand(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def claude_dir(environ: dict | None = None) -> str:
    """Claude Code's config dir: ``$CLAUDE_CONFIG_DIR`` or ``~/.claude``. No I/O."""
    configured = _env(environ).get("CLAUDE_CONFIG_DIR")
    return _expand(configured) if configured else _expand("~/.claude")


def status_dir(environ: dict | None = None) -> str:
    """Our status dir (see the module docstring for the order). No I/O."""
    env = _env(environ)
    explicit = env.get("CLAUDE_STATUS_DIR")
    if explicit:
        return _expand(explicit)
    return os.path.join(claude_dir(env), "status")


def session_path(sdir: str, session_id: str) -> str:
    return os.path.join(sdir, session_id + ".json")


def index_path(sdir: str) -> str:
    return os.path.join(sdir, INDEX_NAME)


def status_link_path(sdir: str) -> str:
    """``<status dir>/status.json``: the link to the most recently updated session file."""
    return os.path.join(sdir, LINK_NAME)


def legacy_status_path(environ: dict | None = None) -> str:
    """``<claude dir>/status.json``: where the PRD's v1.0.0 single-session hook wrote."""
    return os.path.join(claude_dir(environ), LINK_NAME)


def legacy_link_wanted(sdir: str, environ: dict | None = None) -> bool:
    """True when the status dir is the default one inside Claude's dir, so the legacy link is ours to keep."""
    return os.path.dirname(sdir) == claude_dir(environ) and os.path.basename(sdir) == "status"


def log_path(sdir: str) -> str:
    return os.path.join(sdir, LOG_NAME)


FALLBACK_LOG_NAME = "claude-status-hook.log"


def fallback_log_path(environ: dict | None = None) -> str:
    """``<claude dir>/claude-status-hook.log``: where the hook logs when the status dir cannot be used."""
    return os.path.join(claude_dir(environ), FALLBACK_LOG_NAME)


FOLLOW_TOKEN = ".follow-"  # <status dir>/.follow-<session id>: the pid of the session's one follower (hook/main.py)


def follow_token_path(sdir: str, session_id: str) -> str:
    return os.path.join(sdir, FOLLOW_TOKEN + session_id)


def lock_path(sdir: str) -> str:
    return os.path.join(sdir, LOCK_NAME)


def sessions_registry_dir(environ: dict | None = None) -> str:
    """Claude Code's live-session registry (``sessions/<pid>.json``), undocumented but long-lived."""
    return os.path.join(claude_dir(environ), "sessions")


def settings_path(config_dir: str | None = None, environ: dict | None = None) -> str:
    """Claude Code's user ``settings.json``."""
    base = _expand(config_dir) if config_dir else claude_dir(environ)
    return os.path.join(base, "settings.json")


def projects_dir(environ: dict | None = None) -> str:
    """Where Claude Code keeps transcripts: ``projects/<project>/<session>.jsonl``."""
    return os.path.join(claude_dir(environ), "projects")
