"""`claude-status uninstall`: remove everything claude-status installed, one line per thing.

- our hook entries in Claude Code's settings.json (exactly ours: `hook.install.uninstall`);
- the status-line tap (`hook.statusline.uninstall`, when this build has it), restoring the user's own status line;
- the "Start at login" entry (XDG autostart file, LaunchAgent or HKCU Run value);
- the hook sources the standalone binary staged in `<Claude dir>/claude-status-tray/`;
- our settings.json backups beyond the newest one;
- the `<Claude dir>/status.json` link (a file that was there before is put back from its backup), and the
  hook's fallback log.

The status dir holds session data, not an installation: it is named, not deleted. Run this before deleting
a source checkout: every Claude Code event runs the registered command, and a deleted one fails (exit 127).
"""

from __future__ import annotations

import argparse
import os
import shutil
from typing import Callable

from .errors import CliError
from .hints import config_dir_help

HELP = "remove everything claude-status installed (hook, status line, autostart, staged files, old backups)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-dir", help=config_dir_help())
    parser.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")


def run(args: argparse.Namespace) -> int:
    from tray import dirs as dirs_mod

    dirs = dirs_mod.resolve(claude_dir=args.config_dir)
    lines = uninstall(dirs.claude, dirs.status, dry_run=args.dry_run, environ=dirs.environ())
    for line in lines:
        print(line)
    return 0


def uninstall(claude: str, status: str, dry_run: bool = False, environ: dict | None = None) -> list[str]:
    """Remove (or, ``dry_run``, list) what we installed; one line each. Raises CliError for a settings.json
    we must not touch (nothing else is changed then either)."""
    from hook import install

    def verb(done: str, would: str) -> str:
        return would if dry_run else done

    lines: list[str] = []
    settings = os.path.join(claude, "settings.json")

    # 1. the hook
    try:
        result = install.uninstall(claude, dry_run=dry_run)
    except install.InstallError as err:
        raise CliError(f"{err} (fix it, then run uninstall again)") from err
    except OSError as err:
        raise CliError(f"cannot write {settings}: {err.strerror or err}") from err
    if result.removed:
        lines.append(f"{verb('removed', 'would remove')} {result.removed} hook entries from {result.path}")
    else:
        lines.append(f"hook: nothing to remove in {result.path}")

    # 2. the status-line tap (helper D's module, when this build has it)
    lines.append(_statusline(claude, dry_run, verb))

    # 3. start at login
    lines.append(_autostart(dry_run, verb, environ))

    # 4. staged hook sources (the standalone binary copies them out of the bundle)
    staged = os.path.join(claude, "claude-status-tray")
    if os.path.isdir(staged):
        if not dry_run:
            shutil.rmtree(staged)
        lines.append(f"{verb('removed', 'would remove')} the staged hook sources {staged}")
    else:
        lines.append(f"staged hook sources: nothing to remove ({staged} does not exist)")

    # 5. our backups beyond the newest
    old = install.prune_backups(settings, keep=1, dry_run=dry_run)
    if old:
        lines.append(f"{verb('removed', 'would remove')} {len(old)} old backups of settings.json "
                     f"(kept the newest: {install.backups(settings)[-1] if install.backups(settings) else '-'})")
    else:
        lines.append("backups: nothing to remove (at most the newest one is kept)")

    # 6. the legacy link and the fallback log
    lines.append(_legacy_link(claude, status, dry_run, verb))
    from core import paths

    log = paths.fallback_log_path({"CLAUDE_CONFIG_DIR": claude})
    if os.path.exists(log):
        if not dry_run:
            os.unlink(log)
        lines.append(f"{verb('removed', 'would remove')} the hook's fallback log {log}")
    lines.append(f"kept the status dir {status} (session data; delete it yourself if you like)")
    lines.append("Restart running Claude Code sessions: they keep the hooks they started with."
                 if not dry_run and result.removed else "")
    return [line for line in lines if line]


def _statusline(claude: str, dry_run: bool, verb: Callable[[str, str], str]) -> str:
    try:
        from hook import statusline
    except ImportError:
        return "status line: not part of this build"
    fn = getattr(statusline, "uninstall", None)
    if fn is None:
        return "status line: not part of this build"
    from hook import install

    try:
        edit = fn(config_dir=claude, dry_run=dry_run)
    except install.InstallError as err:
        raise CliError(str(err)) from err
    if getattr(edit, "changed", False):
        return f"{verb('removed', 'would remove')} the status-line tap from {edit.path}"
    return "status line: nothing to remove"


def _autostart(dry_run: bool, verb: Callable[[str, str], str], environ: dict | None) -> str:
    import sys

    from tray import autostart

    try:
        enabled = autostart.is_enabled(sys.platform, environ)
    except (OSError, ImportError):
        enabled = False
    where = autostart.path(sys.platform, environ)
    if not enabled:
        return f"autostart: nothing to remove ({where} does not exist)"
    if not dry_run:
        autostart.disable(sys.platform, environ)
    return f"{verb('removed', 'would remove')} the autostart entry {where}"


def _legacy_link(claude: str, status: str, dry_run: bool, verb: Callable[[str, str], str]) -> str:
    link = os.path.join(claude, "status.json")
    backup = link + ".bak-claude-status"
    ours = os.path.islink(link) and os.path.realpath(link).startswith(os.path.realpath(status) + os.sep)
    if os.path.lexists(backup) and (ours or not os.path.lexists(link)):
        if not dry_run:
            os.replace(backup, link)
        return f"{verb('restored', 'would restore')} {link} from status.json.bak-claude-status"
    if ours or (os.path.islink(link) and not os.path.exists(link)):
        if not dry_run:
            os.unlink(link)
        return f"{verb('removed', 'would remove')} the link {link}"
    return "status.json link: nothing to remove"
