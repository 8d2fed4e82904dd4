"""`claude-status tray` (also `claude-status` alone): the tray icon."""

from __future__ import annotations

import argparse

from .errors import CliError

HELP = "start the tray icon (the default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", help="status dir (default: $CLAUDE_STATUS_DIR, else ~/.claude/status)")


def run(args: argparse.Namespace) -> int:
    from tray import dirs as dirs_mod
    from tray.app import TrayApp, TrayError

    from . import logs

    dirs = dirs_mod.resolve(status_dir=args.dir)
    logs.attach_file_handler(dirs.config)
    if not getattr(args, "debug", False):
        import logging

        # the log file keeps everything; the terminal gets only what the user must act on
        for handler in logging.getLogger().handlers:
            if type(handler) is logging.StreamHandler:
                handler.setLevel(logging.WARNING)
    try:
        TrayApp(dirs=dirs).run()
    except TrayError as err:
        raise CliError(str(err)) from err
    return 0
