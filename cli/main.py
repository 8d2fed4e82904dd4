"""`claude-status`: the dispatcher. Errors are one line; `--debug` shows tracebacks.

`COMMANDS` maps a command name to its module. A command module defines ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``; a module with ``PASSTHROUGH = True`` gets the rest of
the command line, untouched, as ``args.args`` (it parses its own options, ``--help`` included). Only the
chosen command's module is imported, and command modules import their heavy libraries inside ``run``:
`claude-status menu` runs without pydantic, platformdirs, pystray or Pillow.

The one error boundary is here: `CliError` -> `claude-status: error: <message>`, exit 1; anything else ->
a crash report (version, platform, Python, traceback) appended to the log, one line on stderr, exit 1;
with ``--debug`` the traceback is printed as well.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from types import ModuleType
from typing import Optional

from . import __version__
from .errors import CliError

PROG = "claude-status"
DEFAULT_COMMAND = "tray"
EXIT_OK, EXIT_FAILURE, EXIT_INTERRUPTED = 0, 1, 130

COMMANDS: dict[str, str] = {
    "tray": "cli.tray",
    "menu": "cli.menu",
    "install-hook": "cli.install_hook",
    "uninstall-hook": "cli.uninstall_hook",
    "install-statusline": "cli.install_statusline",
    "uninstall-statusline": "cli.uninstall_statusline",
    "uninstall": "cli.uninstall",
    "doctor": "cli.doctor",
    "demo": "cli.demo",
    "aggregate": "cli.aggregate",
    "dashboard": "cli.dashboard",
    "focus": "cli.focus",
    "report": "cli.report",
}


def load(command: str) -> ModuleType:
    return importlib.import_module(COMMANDS[command])


def common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")


def build_parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The whole parser, or (``only``) the top level plus one command's subparser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Monitor many Claude Code sessions: tray icon, menu, notifications.",
    )
    common_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else [only]:
        module = load(name)
        if getattr(module, "PASSTHROUGH", False):
            p = sub.add_parser(name, help=module.HELP, add_help=False)
            p.add_argument("args", nargs=argparse.REMAINDER)
            continue
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        common_arguments(p)
        module.add_arguments(p)
    return parser


def parse(argv: list[str]) -> tuple[ModuleType, argparse.Namespace]:
    first = argv[0] if argv else None
    if first in COMMANDS:
        module = load(first)
        if getattr(module, "PASSTHROUGH", False):  # its own options, --help included
            rest = argv[1:]
            if "--version" in rest:
                print(f"{PROG} {__version__}")
                raise SystemExit(EXIT_OK)
            args = argparse.Namespace(command=first, args=[a for a in rest if a != "--debug"],
                                      debug="--debug" in rest)
            return module, args
        return module, build_parser(only=first).parse_args(argv)
    args = build_parser().parse_args(argv)  # top-level --help / --version / an unknown command
    command = args.command or DEFAULT_COMMAND
    module = load(command)
    # `claude-status` alone (or with only --debug) is `claude-status tray` with its defaults
    defaults = build_parser(only=command).parse_args([command])
    for key, value in vars(defaults).items():
        if not hasattr(args, key) or key == "command":
            setattr(args, key, value)
    return module, args


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    module, args = parse(argv)
    debug = bool(getattr(args, "debug", False))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except CliError as err:
        if debug:
            import traceback

            traceback.print_exc()
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as err:
        from . import logs

        report = logs.write_report(argv, err)
        if debug:
            import traceback

            traceback.print_exc()
        where = f"; crash report in {report}" if report else ""
        print(f"{PROG}: error: {type(err).__name__}: {err} (run with --debug for details{where})", file=sys.stderr)
        return EXIT_FAILURE
