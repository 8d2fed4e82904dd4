"""The thin ``http.server`` adapter around ``dashboard.routes.route``, plus the command line."""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dashboard.app import App, resolve_dirs
from dashboard.routes import Request, route

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
HOST_HELP = (
    "address to listen on (default %(default)s, this computer only). The dashboard shows your prompts, "
    "task names and project paths: a non-loopback address such as 0.0.0.0 lets anyone who can reach this "
    "machine on the network read them, without a password."
)


class Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus delayed ACK adds ~40 ms
    # to every keep-alive response (measured: p50 44 ms -> a few ms for /api/status/live).
    disable_nagle_algorithm = True
    server_version = "claude-status-dashboard"
    sys_version = ""

    def _answer(self) -> None:
        response = route(Request(self.command, self.path, self.headers.get("Host")), self.server.app)
        self.send_response(response.status)
        for key, value in response.headers:
            self.send_header(key, value)
        if response.stream is None:
            if self.command != "HEAD":  # for HEAD, route() sets GET's length (none for a stream)
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            return
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        self.wfile.flush()
        try:
            for chunk in response.stream:
                self.wfile.write(chunk)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the browser went away

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class DashboardServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App, *, verbose: bool = False) -> None:
        self.app = app
        self.verbose = verbose
        super().__init__(address, Handler)
        app.port = self.server_address[1]
        app.bind_host = address[0]

    @property
    def url(self) -> str:
        host = self.server_address[0]
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d/" % (host, self.server_address[1])

    def stop(self) -> None:
        """End open event streams, stop serving, close the socket."""
        self.app.stopping.set()
        self.shutdown()
        self.server_close()


class DashboardServer6(DashboardServer):
    address_family = socket.AF_INET6


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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="claude-status dashboard", description="Local web dashboard for Claude Code sessions."
    )
    p.add_argument("--host", default=DEFAULT_HOST, help=HOST_HELP)
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the dashboard in the default browser")
    p.add_argument("--dir", help="status dir to read (default: $CLAUDE_STATUS_DIR or ~/.claude/status)")
    p.add_argument("--claude-dir", help="Claude Code's dir with projects/ (default: $CLAUDE_CONFIG_DIR or ~/.claude)")
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


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    app = App(args.dir, args.claude_dir, context_thresholds=user_thresholds())
    if args.get:
        return _get(app, args.get)
    try:
        server = make_server(args.host, args.port, app, verbose=args.verbose)
    except OSError as exc:
        print("error: cannot listen on %s:%d: %s" % (args.host, args.port, exc.strerror or exc), file=sys.stderr)
        return 1
    print("Claude status dashboard: %s  (Ctrl-C to stop)" % server.url, flush=True)
    if args.open:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        app.stopping.set()
        server.server_close()
    return 0
