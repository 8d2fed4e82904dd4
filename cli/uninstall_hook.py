"""`claude-status uninstall-hook`: remove the status hook from Claude Code's settings.json."""

from __future__ import annotations

import argparse

from .hints import config_dir_help

HELP = "remove the status hook from Claude Code's settings.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-dir", help=config_dir_help())
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")


def run(args: argparse.Namespace) -> int:
    from . import hookcmd

    return hookcmd.run(uninstall=True, config_dir=args.config_dir, dry_run=args.dry_run)
