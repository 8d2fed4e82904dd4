"""`claude-status uninstall-hook`: remove the status hook from Claude Code's settings.json."""

from __future__ import annotations

import argparse

HELP = "remove the status hook from Claude Code's settings.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-dir", help="Claude Code config dir (default: $CLAUDE_CONFIG_DIR, else ~/.claude)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")


def run(args: argparse.Namespace) -> int:
    from tray import hookcmd  # moves to cli/hookcmd.py (helper F)

    return hookcmd.run(uninstall=True, config_dir=args.config_dir, dry_run=args.dry_run)
