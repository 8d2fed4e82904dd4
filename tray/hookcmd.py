"""`claude-status install-hook` / `uninstall-hook`: `hook.install` with friendly output."""

from __future__ import annotations

import json
import os
from typing import Any, Optional

from .cli import CliError


def _registered(environ: dict[str, str]) -> dict[str, Any]:
    from .doctor import _settings, our_handlers

    _, settings, _ = _settings(environ)
    return our_handlers(settings) if settings else {}


def run(uninstall: bool = False, config_dir: Optional[str] = None, dry_run: bool = False) -> int:
    try:
        from hook import install
    except ImportError as err:
        raise CliError(f"hook.install is not available in this build ({err})") from err
    from core import paths

    env = dict(os.environ)
    if config_dir:
        env["CLAUDE_CONFIG_DIR"] = os.path.abspath(config_dir)
    cfg = env.get("CLAUDE_CONFIG_DIR") or None
    settings_path = paths.settings_path(cfg, env)
    before = _registered(env)
    if uninstall:
        result = install.uninstall(config_dir=cfg, dry_run=dry_run)
    else:
        result = install.install(config_dir=cfg, claude_version=install.detect_claude_version(), dry_run=dry_run)
    if dry_run:
        print(f"dry run: nothing written to {settings_path}")
        if result is not None:
            print(result if isinstance(result, str) else json.dumps(result, indent=2, default=str))
        return 0
    after = _registered(env)
    if uninstall:
        if before and not after:
            print(f"Removed the claude-status hook ({len(before)} events) from {settings_path}.")
        elif not before:
            print(f"No claude-status hook was registered in {settings_path}; nothing to do.")
        else:
            raise CliError(f"{len(after)} claude-status hook entries are still in {settings_path}")
        return 0
    if not after:
        raise CliError(f"the hook was not registered in {settings_path}")
    verb = "Updated" if before else "Installed"
    print(f"{verb} the claude-status hook in {settings_path} ({len(after)} events: {', '.join(sorted(after))}).")
    print("New Claude Code sessions report from now on; `claude-status doctor` checks the setup.")
    return 0
