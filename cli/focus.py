"""`claude-status focus SESSION`: bring a session's terminal to the front (tray.focus does the work).

Exit 0 when something was focused (and say what), 1 with a one-line reason when not.
"""

from __future__ import annotations

import argparse

HELP = "bring a session's terminal (tmux pane, window, editor) to the front"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", metavar="SESSION", help="a session id or a unique prefix of one")
    parser.add_argument("--dir", help="status dir (default: $CLAUDE_STATUS_DIR, else ~/.claude/status)")


def run(args: argparse.Namespace) -> int:
    import os

    from tray import dirs as dirs_mod
    from tray.focus import focus_session

    sdir = dirs_mod.resolve(status_dir=os.path.abspath(args.dir) if getattr(args, "dir", None) else None).status
    ok, what = focus_session(args.session, sdir)
    if not ok:
        from .errors import CliError

        raise CliError(what)
    print(f"focused {what}")
    return 0
