"""`claude-status install-statusline`: register the status-line tap (see cli/statusline.py)."""

from __future__ import annotations

import argparse

from cli.statusline import add_arguments, run_command

HELP = "wrap Claude Code's status line with the claude-status tap (exact context window, cost, rate limits)"
__all__ = ["HELP", "add_arguments", "run"]


def run(args: argparse.Namespace) -> int:
    return run_command(False, args.config_dir, args.dry_run)
