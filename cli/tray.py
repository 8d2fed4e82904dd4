"""`claude-status tray` (also `claude-status` alone): the tray icon."""

from __future__ import annotations

import argparse

from .errors import CliError
from .hints import resolve_dirs, status_dir_help

HELP = "start the tray icon (the default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", help=status_dir_help())


def run(args: argparse.Namespace) -> int:
    from tray.app import TrayApp, TrayError

    from . import logs

    dirs = resolve_dirs(args.dir)
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
