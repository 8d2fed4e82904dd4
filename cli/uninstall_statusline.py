"""`claude-status uninstall-statusline`: put back exactly the status line that was there before."""

from __future__ import annotations

import argparse

from cli.statusline import add_arguments, run_command

HELP = "remove the claude-status status-line tap, restoring your own status line exactly"
__all__ = ["HELP", "add_arguments", "run"]


def run(args: argparse.Namespace) -> int:
    return run_command(True, args.config_dir, args.dry_run)
