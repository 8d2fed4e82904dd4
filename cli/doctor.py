"""`claude-status doctor`: check the hook, the status dir and the tray; exit 1 on failures."""

from __future__ import annotations

import argparse

HELP = "check the hook, the status dir and the tray; exit 1 on failures"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-dir", help="Claude Code config dir (default: $CLAUDE_CONFIG_DIR, else ~/.claude)")
    parser.add_argument("--dir", help="status dir (default: $CLAUDE_STATUS_DIR, else ~/.claude/status)")


def run(args: argparse.Namespace) -> int:
    from tray import dirs as dirs_mod
    from tray import doctor  # the checks move to this module (helper F)

    dirs = dirs_mod.resolve(status_dir=args.dir, claude_dir=args.config_dir)
    return doctor.main(dirs.environ())
