"""`claude-status`: the tray, and the commands around it. Errors are one line; `--debug` shows tracebacks."""

from __future__ import annotations

import argparse
import enum
import logging
import os
import sys
import time
from typing import Callable, Optional

from . import __version__


class Exit(enum.IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    INTERRUPTED = 130


class CliError(Exception):
    """Shown as `claude-status: error: <message>` and exit 1."""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("--version", action="version", version=f"claude-status {__version__}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claude-status",
        description="Monitor many Claude Code sessions: tray icon, menu, notifications.",
    )
    _common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("tray", help="start the tray icon (the default)")
    _common(p)
    p.add_argument("--dir", help="status dir (default: $CLAUDE_STATUS_DIR, else ~/.claude/status)")

    p = sub.add_parser("menu", help="print the title, tooltip and menu the tray would show, and exit")
    _common(p)
    p.add_argument("--dir", help="status dir (default: $CLAUDE_STATUS_DIR, else ~/.claude/status)")

    p = sub.add_parser("install-hook", help="register the status hook in Claude Code's settings.json")
    _common(p)
    p.add_argument("--config-dir", help="Claude Code config dir (default: $CLAUDE_CONFIG_DIR, else ~/.claude)")
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.add_argument("--claude-version", metavar="X",
                   help="assume this Claude Code version instead of asking `claude --version`")

    p = sub.add_parser("uninstall-hook", help="remove the status hook from Claude Code's settings.json")
    _common(p)
    p.add_argument("--config-dir", help="Claude Code config dir (default: $CLAUDE_CONFIG_DIR, else ~/.claude)")
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")

    p = sub.add_parser("doctor", help="check the hook, the status dir and the tray; exit 1 on failures")
    _common(p)
    p.add_argument("--config-dir", help="Claude Code config dir (default: $CLAUDE_CONFIG_DIR, else ~/.claude)")
    p.add_argument("--dir", help="status dir (default: $CLAUDE_STATUS_DIR, else ~/.claude/status)")

    p = sub.add_parser("demo", help="scripted sessions through the real hook, in the tray or the terminal")
    _common(p)
    p.add_argument("--sessions", type=int, default=3, metavar="N", help="how many sessions (1-30, default 3)")
    p.add_argument("--speed", type=float, default=1.0, help="playback speed factor (default 1)")
    p.add_argument("--terminal", action="store_true", help="print to the terminal even when a display exists")
    p.add_argument("--once", action="store_true", help="print every frame without clearing the screen")

    p = sub.add_parser("aggregate", help="same as `python -m core.aggregate`", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)

    p = sub.add_parser(
        "dashboard", help="the local web dashboard (see `claude-status dashboard --help`)", add_help=False
    )
    p.add_argument("args", nargs=argparse.REMAINDER)
    return parser


# ------------------------------------------------------------------ commands


def _environ(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    if getattr(args, "dir", None):
        env["CLAUDE_STATUS_DIR"] = os.path.abspath(args.dir)
    return env


def cmd_menu(args: argparse.Namespace) -> int:
    from . import settings as settings_mod
    from . import view
    from .app import autostart_enabled
    from .source import IndexSource

    env = _environ(args)
    settings, warning = settings_mod.load(settings_mod.settings_file(env))
    if warning:
        print(f"claude-status: warning: {warning}", file=sys.stderr)
    sdir = env.get("CLAUDE_STATUS_DIR") if getattr(args, "dir", None) else settings.status_dir
    source = IndexSource(sdir, env, settings.refresh_interval, dry_run=True)
    index = source.poll(force=True)
    if index is None:
        raise CliError(source.error or "could not read the status dir")
    opts = view.ViewOptions(
        max_sessions=settings.max_sessions,
        notifications=settings.notifications,
        autostart=autostart_enabled(sys.platform, env),
        context_warn=settings.context_warn,
        context_high=settings.context_high,
        legacy=source.legacy,
    )
    sys.stdout.write(view.render_text(index, opts, time.time()))
    return Exit.OK


def cmd_tray(args: argparse.Namespace) -> int:
    from .app import TrayApp, TrayError

    env = _environ(args)
    _log_to_file(env)
    if not getattr(args, "debug", False):
        # the log file keeps everything; the terminal gets only what the user must act on
        for handler in logging.getLogger().handlers:
            if type(handler) is logging.StreamHandler:
                handler.setLevel(logging.WARNING)
    try:
        app = TrayApp(environ=env)
        if getattr(args, "dir", None):
            app.source.sdir = env["CLAUDE_STATUS_DIR"]
        app.run()
    except TrayError as err:
        raise CliError(str(err)) from err
    return Exit.OK


def _log_to_file(env: dict[str, str]) -> None:
    """The tray usually starts at login with no terminal: keep its log (256 KiB x 2) beside the settings."""
    from logging.handlers import RotatingFileHandler

    from . import settings as settings_mod

    try:
        path = os.path.join(settings_mod.config_dir(env), "tray.log")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=256 * 1024, backupCount=1, encoding="utf-8")
    except OSError as err:
        logging.getLogger("claude-status").warning("no log file: %s", err)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)


def cmd_install(args: argparse.Namespace, uninstall: bool = False) -> int:
    from . import hookcmd

    return hookcmd.run(uninstall=uninstall, config_dir=args.config_dir, dry_run=args.dry_run,
                       claude_version=getattr(args, "claude_version", None))


def cmd_doctor(args: argparse.Namespace) -> int:
    from . import doctor

    env = _environ(args)
    if args.config_dir:
        env["CLAUDE_CONFIG_DIR"] = os.path.abspath(args.config_dir)
    return doctor.main(env)


def cmd_demo(args: argparse.Namespace) -> int:
    from . import demo

    if not 1 <= args.sessions <= 30:
        raise CliError("--sessions must be between 1 and 30")
    if args.speed <= 0:
        raise CliError("--speed must be positive")
    return demo.main(sessions=args.sessions, speed=args.speed, terminal=args.terminal, once=args.once)


def cmd_aggregate(args: argparse.Namespace) -> int:
    from core import aggregate

    return int(aggregate.main(list(args.args)) or 0)


def cmd_dashboard(args: argparse.Namespace) -> int:
    try:
        from dashboard import server
    except ImportError as err:
        raise CliError(
            f"the dashboard is not installed ({err}); install claude-status-tray with its dashboard"
        ) from err
    return int(server.main(list(args.args)) or 0)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "tray": cmd_tray,
    "menu": cmd_menu,
    "install-hook": cmd_install,
    "uninstall-hook": lambda a: cmd_install(a, uninstall=True),
    "doctor": cmd_doctor,
    "demo": cmd_demo,
    "aggregate": cmd_aggregate,
    "dashboard": cmd_dashboard,
}


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # pass-through commands keep their own options (including --help)
    if argv and argv[0] in ("aggregate", "dashboard"):
        if "--version" in argv[1:]:
            print(f"claude-status {__version__}")
            return Exit.OK
        rest = [a for a in argv[1:] if a != "--debug"]
        args = argparse.Namespace(command=argv[0], args=rest, debug="--debug" in argv[1:])
    else:
        args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    command = args.command or "tray"
    if command == "tray" and not hasattr(args, "dir"):
        args.dir = None
    try:
        return int(COMMANDS[command](args))
    except KeyboardInterrupt:
        return Exit.INTERRUPTED
    except Exception as err:
        if debug:
            raise
        msg = str(err) if isinstance(err, CliError) else f"{type(err).__name__}: {err}"
        print(
            f"claude-status: error: {msg} (run with --debug for details)"
            if not isinstance(err, CliError)
            else f"claude-status: error: {msg}",
            file=sys.stderr,
        )
        return Exit.FAILURE
