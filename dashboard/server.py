"""The dashboard server (``dashboard.wire``) started from the command line or in the background."""

from __future__ import annotations

import argparse
import sys
import threading
import webbrowser
from typing import Any

from dashboard.app import App, resolve_dirs
from dashboard.routes import Request, route
from dashboard.wire import DashboardServer, DashboardServer6

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
HOST_HELP = (
    "address to listen on (default %(default)s, this computer only). The dashboard shows your prompts, "
    "task names and project paths: a non-loopback address such as 0.0.0.0 lets anyone who can reach this "
    "machine on the network read them, without a password."
)

__all__ = ["DashboardServer", "DashboardServer6", "main", "make_server", "start_background", "stop_background"]


def make_server(host: str = DEFAULT_HOST, port: int = 0, app: App | None = None, **kw: Any) -> DashboardServer:
    """Bind (``port`` 0 picks a free port) without serving yet; raises OSError if the port is taken."""
    cls = DashboardServer6 if ":" in host else DashboardServer
    return cls((host, port), app or App(), **kw)


_background: dict[str, DashboardServer] = {}  # at most one server, under "server"
_background_lock = threading.Lock()


def start_background(
    host: str = DEFAULT_HOST,
    port: int = 0,
    status_dir: str | None = None,
    claude_dir: str | None = None,
    context_thresholds: dict[str, int] | None = None,
) -> str:
    """Start the dashboard in a daemon thread on the first call; return its URL (the same one later).

    ``status_dir`` and ``claude_dir`` say what to show (default: from the environment, as ``App``). A later
    call naming other dirs replaces the running server, so the page always shows what the caller shows."""
    old = None
    with _background_lock:
        server = _background.get("server")
        if server is not None and resolve_dirs(status_dir, claude_dir) != (
            server.app.status_dir,
            server.app.claude_dir,
        ):
            old, server = _background.pop("server"), None
        if server is None:
            server = make_server(host, port, App(status_dir, claude_dir, context_thresholds=context_thresholds))
            threading.Thread(target=server.serve_forever, name="dashboard", daemon=True).start()
            _background["server"] = server
        elif context_thresholds:
            server.app.context_thresholds = dict(context_thresholds)
        url = server.url
    if old is not None:
        old.stop()
    return url


def stop_background() -> None:
    with _background_lock:
        server = _background.pop("server", None)
    if server is not None:
        server.stop()


def user_thresholds() -> dict[str, int] | None:
    """The context thresholds of the tray settings (None: the defaults, e.g. without the tray extra)."""
    try:
        from tray import dirs, settings
    except ImportError:
        return None
    return settings.context_thresholds(dirs.config_dir())


def parser(prog: str = "claude-status dashboard") -> argparse.ArgumentParser:
    from core import __version__, paths

    p = argparse.ArgumentParser(prog=prog, description="Local web dashboard for Claude Code sessions.")
    p.add_argument("--version", action="version", version="claude-status %s" % __version__)
    p.add_argument("--host", default=DEFAULT_HOST, help=HOST_HELP)
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the dashboard in the default browser")
    p.add_argument("--dir", help="status dir to read (default: $CLAUDE_STATUS_DIR, else <Claude dir>/status; here: "
                   "%s)" % paths.status_dir().replace("%", "%%"))
    p.add_argument("--claude-dir", help="Claude Code's dir with projects/ (default: $CLAUDE_CONFIG_DIR, else "
                   "~/.claude; here: %s)" % paths.claude_dir().replace("%", "%%"))
    p.add_argument("--get", metavar="PATH", help="print the response for PATH (e.g. /api/status/live) and exit")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    return p


def _get(app: App, path: str) -> int:
    app.port = None  # no socket, so any port in the Host header is ours
    response = route(Request("GET", path, "127.0.0.1"), app)
    if response.stream is not None:
        print("error: %s is a stream; use the server" % path, file=sys.stderr)
        return 2
    sys.stdout.write(response.body.decode("utf-8") + "\n")
    return 0 if response.status < 400 else 1


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.strip("[]").lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None, prog: str = "claude-status dashboard") -> int:
    args = parser(prog).parse_args(argv)
    app = App(args.dir, args.claude_dir, context_thresholds=user_thresholds())
    if args.get:
        return _get(app, args.get)
    try:
        server = make_server(args.host, args.port, app, verbose=args.verbose)
    except OSError as exc:
        import errno

        hint = ""
        if exc.errno == errno.EADDRINUSE:
            hint = " (another dashboard may be running there: --port 0 picks a free port)"
        elif exc.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
            hint = " (the default --host 127.0.0.1 and --port 0 always work)"
        print("claude-status: error: cannot listen on %s:%d: %s%s" % (args.host, args.port, exc.strerror or exc, hint),
              file=sys.stderr)
        return 1
    print("Claude status dashboard: %s  (Ctrl-C to stop)" % server.url, flush=True)
    if not _is_loopback(args.host):
        print("claude-status: warning: --host %s is reachable from other machines: anyone who can reach this "
              "address sees your prompts, task names and project paths, without a password" % args.host,
              file=sys.stderr, flush=True)
    if args.open and not webbrowser.open(server.url):
        print("claude-status: warning: no browser to open (none found on PATH or $BROWSER); open %s yourself"
              % server.url, file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        app.stopping.set()
        server.server_close()
    return 0
