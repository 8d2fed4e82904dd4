"""`claude-status install-statusline` / `uninstall-statusline`: the status-line tap in settings.json.

The tap (``hook/statusline.py``) wraps the user's own ``statusLine`` command: same stdin, its output byte for
byte, its ``padding``/``refreshInterval`` kept; it records Claude Code's own figures (context window, cost,
rate limits) into our session files. Uninstall puts back exactly the entry that was there. Same conventions
as ``install-hook``: ``--config-dir DIR``, ``--dry-run``, a backup of settings.json.
"""

from __future__ import annotations

import argparse
from typing import Optional

from cli.errors import CliError

HELP = "wrap Claude Code's status line with the claude-status tap (exact context window, cost, rate limits)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-dir", help="Claude Code config dir (default: $CLAUDE_CONFIG_DIR, else ~/.claude)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")


def describe(edit: object, uninstalling: bool, dry_run: bool, wrapped: Optional[dict]) -> str:
    path = getattr(edit, "path", "settings.json")
    changed = getattr(edit, "changed", False)
    backup = getattr(edit, "backup", None)
    if uninstalling:
        if not changed:
            return "No claude-status status line in %s; nothing to remove." % path
        what = ("your status line (%s)" % wrapped.get("command")) if wrapped else "no status line (as before)"
        head = "%s %s: %s." % ("Would restore" if dry_run else "Restored", path, what)
    elif not changed:
        head = "The claude-status status line is already registered in %s." % path
    else:
        what = ("wrapping your status line (%s)" % wrapped.get("command")) if wrapped else (
            "with its own compact line (you had none)")
        head = "%s the claude-status status line in %s, %s." % ("Would register" if dry_run else "Registered",
                                                                   path, what)
    if backup:
        head += "\nBackup of the previous file: %s" % backup
    return head


def run_command(uninstall: bool, config_dir: Optional[str], dry_run: bool) -> int:
    from hook import install, statusline

    try:
        before = statusline.status(config_dir)
        if uninstall:
            edit = statusline.uninstall(config_dir=config_dir, dry_run=dry_run)
            wrapped = before["wrapped"] if before else None
        else:
            current = install.read_settings(config_dir).get("statusLine")
            wrapped = before["wrapped"] if before else (current if isinstance(current, dict) else None)
            edit = statusline.install(config_dir=config_dir, dry_run=dry_run)
    except install.InstallError as err:
        raise CliError(str(err)) from err
    except OSError as err:
        raise CliError(f"cannot write Claude Code settings: {err}") from err
    print(describe(edit, uninstall, dry_run, wrapped))
    if dry_run:
        print(edit.text.decode("utf-8"), end="")  # type: ignore[attr-defined]
    elif not uninstall and edit.changed:  # type: ignore[attr-defined]
        print("Claude Code picks it up at its next status-line render; `claude-status uninstall-statusline` undoes it.")
    return 0


def run(args: argparse.Namespace) -> int:
    return run_command(getattr(args, "command", "") == "uninstall-statusline", args.config_dir, args.dry_run)


def main(argv: Optional[list] = None) -> int:
    """``python -m cli.statusline install|uninstall [--config-dir DIR] [--dry-run]`` (no dispatcher needed)."""
    parser = argparse.ArgumentParser(prog="python -m cli.statusline", description=HELP)
    parser.add_argument("action", choices=("install", "uninstall"))
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_command(args.action == "uninstall", args.config_dir, args.dry_run)
    except CliError as err:
        import sys

        print("claude-status: error: %s" % err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
