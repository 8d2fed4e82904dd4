"""`claude-status install-hook`: register the status hook in Claude Code's settings.json."""

from __future__ import annotations

import argparse

from .hints import config_dir_help

HELP = "register the status hook in Claude Code's settings.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-dir", help=config_dir_help())
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    parser.add_argument("--claude-version", metavar="X",
                        help="assume this Claude Code version instead of asking `claude --version`")


def run(args: argparse.Namespace) -> int:
    from . import hookcmd

    return hookcmd.run(uninstall=False, config_dir=args.config_dir, dry_run=args.dry_run,
                       claude_version=args.claude_version)
