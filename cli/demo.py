"""`claude-status demo`: scripted sessions through the real hook, in the tray or the terminal."""

from __future__ import annotations

import argparse

from .errors import CliError

HELP = "scripted sessions through the real hook, in the tray or the terminal"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=int, default=3, metavar="N", help="how many sessions (1-30, default 3)")
    parser.add_argument("--speed", type=float, default=1.0, help="playback speed factor (default 1)")
    parser.add_argument("--terminal", action="store_true", help="print to the terminal even when a display exists")
    parser.add_argument("--once", action="store_true", help="print every frame without clearing the screen")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.sessions <= 30:
        raise CliError("--sessions must be between 1 and 30")
    if args.speed <= 0:
        raise CliError("--speed must be positive")
    from tray import demo

    return demo.main(sessions=args.sessions, speed=args.speed, terminal=args.terminal, once=args.once)
