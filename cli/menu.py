"""`claude-status menu`: print the title, tooltip and menu the tray would show, and exit (read-only).

Runs with the standard library and `core` alone: without pydantic the tray settings are not read (one
warning, the defaults are used); without platformdirs there is no settings file to read.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

from .errors import CliError
from .hints import resolve_dirs, status_dir_help

HELP = "print the title, tooltip and menu the tray would show, and exit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", help=status_dir_help())


def run(args: argparse.Namespace) -> int:
    from tray import autostart, view
    from tray.source import IndexSource

    dirs = resolve_dirs(args.dir)
    opts = view.ViewOptions()
    refresh = 5.0
    try:
        from tray import settings as settings_mod
    except ImportError as err:
        print(f"claude-status: warning: tray settings not read ({err}); using defaults", file=sys.stderr)
    else:
        path = settings_mod.settings_file_in(dirs.config)
        settings, warning = settings_mod.load(path) if path else (settings_mod.Settings(), None)
        if warning:
            print(f"claude-status: warning: {warning}", file=sys.stderr)
        opts = view.ViewOptions(
            max_sessions=settings.max_sessions,
            notifications=settings.notifications,
            context_warn=settings.context_warn,
            context_high=settings.context_high,
            icon_limits=settings.icon_limits,
        )
        refresh = settings.refresh_interval
    source = IndexSource(dirs, refresh=refresh, dry_run=True)
    index = source.poll(force=True)
    if index is None:
        raise CliError(source.error or "could not read the status dir")
    try:
        enabled = autostart.is_enabled(sys.platform, dirs.environ())
    except (OSError, ImportError):
        enabled = False
    opts = dataclasses.replace(opts, autostart=enabled, legacy=source.legacy)
    sys.stdout.write(view.render_text(index, opts, time.time()))
    return 0
