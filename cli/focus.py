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

    from core import paths
    from tray.focus import focus_session

    sdir = os.path.abspath(args.dir) if getattr(args, "dir", None) else paths.status_dir()
    ok, what = focus_session(args.session, sdir)
    if not ok:
        try:
            from cli.errors import CliError
        except ImportError:  # before C's cli package is merged
            raise SystemExit(f"claude-status: {what}") from None
        raise CliError(what)
    print(f"focused {what}")
    return 0
