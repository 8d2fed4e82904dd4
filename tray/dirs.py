"""The one resolver for the three dirs: the status dir, Claude Code's dir and the tray's config dir.

Each entry point (`claude-status <command>`, the dashboard server) resolves them once, from its flags and
the environment, and passes the `Dirs` value down; nothing below it reads the environment for a dir again.

- status dir: ``--dir``, else ``$CLAUDE_STATUS_DIR``, else ``<Claude dir>/status`` (core.paths' rule, which
  is also the hook's: the hook and the tray agree because both read the same environment variable);
- Claude dir: ``--config-dir`` / ``--claude-dir``, else ``$CLAUDE_CONFIG_DIR``, else ``~/.claude``;
- config dir (tray settings and tray.log): ``$CLAUDE_STATUS_TRAY_CONFIG``, else platformdirs' user config dir;
  None when platformdirs is not installed (then the tray's settings are the defaults).

The tray settings do not choose the status dir: the hook cannot read them (it is stdlib-only and runs on every
Claude Code event), so a dir chosen there was one the hook never wrote to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from core import paths as core_paths

APP_NAME = "claude-status-tray"
CONFIG_ENV = "CLAUDE_STATUS_TRAY_CONFIG"


@dataclass(frozen=True)
class Dirs:
    status: str
    claude: str
    config: Optional[str]

    def environ(self, base: Optional[dict[str, str]] = None) -> dict[str, str]:
        """``base`` (default: os.environ) with these dirs in it, for code and child processes that read
        core's environment variables (core.aggregate, the hook run by doctor, the demo's hook)."""
        env = dict(os.environ if base is None else base)
        env["CLAUDE_STATUS_DIR"] = self.status
        env["CLAUDE_CONFIG_DIR"] = self.claude
        if self.config:
            env[CONFIG_ENV] = self.config
        return env


def config_dir(environ: Optional[dict[str, str]] = None) -> Optional[str]:
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV):
        return os.path.abspath(os.path.expanduser(env[CONFIG_ENV]))
    try:
        import platformdirs
    except ImportError:
        return None
    return str(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def resolve(
    environ: Optional[dict[str, str]] = None,
    *,
    status_dir: Optional[str] = None,
    claude_dir: Optional[str] = None,
    config: Optional[str] = None,
) -> Dirs:
    """Flags (the keyword arguments) first, then the environment, then the defaults."""
    env = dict(os.environ if environ is None else environ)
    if claude_dir:
        env["CLAUDE_CONFIG_DIR"] = claude_dir
    if status_dir:
        env["CLAUDE_STATUS_DIR"] = status_dir
    return Dirs(
        status=core_paths.status_dir(env),
        claude=core_paths.claude_dir(env),
        config=os.path.abspath(os.path.expanduser(config)) if config else config_dir(env),
    )


def given_dir_problem(path: str, flag: str) -> Optional[str]:
    """Why a dir the user named on the command line cannot be used (a typo must not silently fall back to
    another source, e.g. the legacy status.json), or None."""
    full = os.path.abspath(os.path.expanduser(path))
    if not os.path.exists(full):
        return f"status dir {full} does not exist ({flag})"
    if not os.path.isdir(full):
        return f"status dir {full} is not a directory ({flag})"
    return None
