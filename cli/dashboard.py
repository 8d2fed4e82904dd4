"""`claude-status dashboard ...`: the local web dashboard (`dashboard.server` parses its own options)."""

from __future__ import annotations

import argparse

from .errors import CliError

HELP = "the local web dashboard (see `claude-status dashboard --help`)"
PASSTHROUGH = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Pass-through: `dashboard.server` parses its own options."""


def run(args: argparse.Namespace) -> int:
    try:
        from dashboard import server
    except ImportError as err:
        raise CliError(
            f"the dashboard is not installed ({err}); install claude-status-tray with its dashboard"
        ) from err
    return int(server.main(list(args.args)) or 0)
