"""The dashboard's routes as one function: ``route(request, app) -> Response``. No sockets here.

Every response is JSON except the page and its static files. GET (and HEAD) only, but for one POST (focus a
session's terminal) that also needs a same-origin ``Origin`` and the page's token; no CORS headers; the Host
header must name a loopback address with the server's port, against DNS rebinding.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
from collections.abc import Generator
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from core import ids
from dashboard import history as _history
from dashboard.app import App

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
JSON_TYPE = "application/json; charset=utf-8"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
BASE_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
LOOPBACK_NAMES = ("localhost", "localhost.")
WILDCARD_HOSTS = ("", "0.0.0.0", "::")
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


class Request(NamedTuple):
    method: str
    target: str  # path and query, as sent
    host: str | None = None  # the Host header
    origin: str | None = None  # the Origin header
    token: str | None = None  # the X-Dashboard-Token header
    body: bytes = b""


class Response(NamedTuple):
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    stream: Generator[bytes, None, None] | None = None  # for Server-Sent Events; body is then empty

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class HTTPError(Exception):
    def __init__(self, status: int, message: str, *headers: tuple[str, str]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def json_response(status: int, data: Any, *extra: tuple[str, str]) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = (("Content-Type", JSON_TYPE), ("Cache-Control", "no-store"), *BASE_HEADERS, *extra)
    return Response(status, headers, body)


def error_response(status: int, message: str, *extra: tuple[str, str]) -> Response:
    return json_response(status, {"error": {"status": status, "message": message}}, *extra)


def host_allowed(host: str | None, port: int | None, bind_host: str = "127.0.0.1") -> bool:
    """Loopback names and addresses with our port; also the bound address itself, or any IP literal
    when bound to a wildcard (an IP literal cannot be rebound by DNS)."""
    if not host:
        return False
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ("" if not rest else None)
    else:
        name, sep, port_text = host.rpartition(":")
        if not sep:
            name, port_text = host, ""
    if port_text is None:
        return False
    if port is not None:
        want = str(port)
        if port_text != want and not (port_text == "" and port == 80):
            return False
    if name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if address.is_loopback:
        return True
    if bind_host in WILDCARD_HOSTS:
        return True
    try:
        return address == ipaddress.ip_address(bind_host)
    except ValueError:
        return False


_STATIC_CACHE: dict[str, tuple[str, bytes]] = {}


def static_files() -> dict[str, tuple[str, bytes]]:
    """The files of ``dashboard/static`` by name, read once. Only these names are ever served."""
    if not _STATIC_CACHE:
        for name in sorted(os.listdir(STATIC_DIR)):
            ctype = CONTENT_TYPES.get(os.path.splitext(name)[1])
            path = os.path.join(STATIC_DIR, name)
            if ctype and os.path.isfile(path):
                with open(path, "rb") as fh:
                    _STATIC_CACHE[name] = (ctype, fh.read())
    return _STATIC_CACHE


TOKEN_PLACEHOLDER = b"__DASHBOARD_TOKEN__"


def _static(name: str, app: App | None = None) -> Response:
    found = static_files().get(name)
    if found is None:
        raise HTTPError(404, "no such file: /static/" + name)
    ctype, body = found
    if app is not None and name == "index.html":
        body = body.replace(TOKEN_PLACEHOLDER, app.token.encode("ascii"))
    headers: tuple[tuple[str, str], ...] = (("Content-Type", ctype), ("Cache-Control", "no-cache"), *BASE_HEADERS)
    if ctype.startswith("text/html"):
        headers += (("Content-Security-Policy", CSP),)
    return Response(200, headers, body)


def _query(query: str, allowed: tuple[str, ...]) -> dict[str, str]:
    try:
        parsed = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query), errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPError(400, "malformed query string: %s" % exc) from None
    out = {}
    for key, values in parsed.items():
        if key not in allowed:
            raise HTTPError(400, "unknown query parameter %r; allowed: %s" % (key, ", ".join(allowed)))
        if len(values) > 1:
            raise HTTPError(400, "query parameter %r given %d times" % (key, len(values)))
        out[key] = values[0]
    return out


def _int_param(params: dict[str, str], name: str, default: int, lo: int, hi: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text, 10)
    except ValueError:
        raise HTTPError(400, "%s must be a whole number, got %r" % (name, text)) from None
    if not lo <= value <= hi:
        raise HTTPError(400, "%s must be between %d and %d, got %d" % (name, lo, hi, value))
    return value


def _sessions(app: App, query: str) -> Response:
    params = _query(query, ("limit", "offset", "project"))
    limit = _int_param(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_param(params, "offset", 0, 0, 10**9)
    project = params.get("project") or None
    return json_response(200, _history.page(app.history.scan(), limit=limit, offset=offset, project=project))


def _session(app: App, raw_id: str, query: str) -> Response:
    _query(query, ())
    session_id = _session_id(raw_id)
    found = app.history.details(session_id)
    if found is None:
        raise HTTPError(404, "no transcript for session %s" % session_id)
    return json_response(200, found)


def _stream(app: App, query: str) -> Response:
    _query(query, ())
    headers = (
        ("Content-Type", "text/event-stream; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("X-Accel-Buffering", "no"),
        *BASE_HEADERS,
    )
    return Response(200, headers, b"", app.events())


def _dispatch(app: App, path: str, query: str) -> Response:
    if path == "/":
        return _static("index.html", app)
    if path.startswith("/static/"):
        return _static(path[len("/static/") :], app)
    if path == "/healthz":
        _query(query, ())
        return json_response(200, {"ok": True, "status_dir": app.status_dir, "claude_dir": app.claude_dir})
    if path == "/api/status/live":
        _query(query, ())
        return json_response(200, app.live())
    if path == "/api/status/stream":
        return _stream(app, query)
    if path == "/api/sessions":
        return _sessions(app, query)
    if path.startswith("/api/sessions/") and path.count("/") == 3:
        return _session(app, path[len("/api/sessions/") :], query)
    raise HTTPError(404, "no such route: %s" % path)


def route(request: Request, app: App) -> Response:
    """Answer one request. Never raises for bad input; errors come back as JSON.

    HEAD gets exactly GET's headers, with the ``Content-Length`` of GET's body, and no body."""
    response = _answer(request, app)
    if request.method != "HEAD":
        return response
    headers = response.headers
    if response.stream is None:
        headers += (("Content-Length", str(len(response.body))),)
    return response._replace(headers=headers, body=b"", stream=None)


def _focus(app: App, raw_id: str, request: Request) -> Response:
    """POST /api/sessions/<id>/focus: bring the session's terminal to the front (``tray.focus``).

    The only endpoint that acts, so besides the Host allowlist it wants the page's own origin in ``Origin``
    (a cross-site form or fetch carries its own) and the per-server token embedded in the page (which
    another origin cannot read: no CORS headers, CORP same-origin)."""
    expected = "http://" + (request.host or "").strip().lower()
    if (request.origin or "").strip().lower() != expected:
        raise HTTPError(403, "focus needs the dashboard page's own Origin (%s), got %r" % (expected, request.origin))
    if not hmac.compare_digest((request.token or "").encode("utf-8"), app.token.encode("ascii")):
        raise HTTPError(403, "focus needs the token of this dashboard page (X-Dashboard-Token); reload the page")
    session_id = _session_id(raw_id)
    try:
        from tray.focus import focus_session
    except ImportError as exc:
        raise HTTPError(501, "focusing a terminal is not available in this install (%s); it comes with the "
                             "tray: pip install 'claude-status-tray[tray]'" % exc) from None
    ok, message = focus_session(session_id, app.status_dir)
    return json_response(200, {"ok": bool(ok), "message": str(message)})


def _session_id(raw_id: str) -> str:
    try:
        session_id = unquote(raw_id, errors="strict")
    except UnicodeDecodeError:
        raise HTTPError(400, "the session id in the path is not UTF-8") from None
    if not ids.is_valid(session_id):
        raise HTTPError(400, "not a session id: %r" % session_id)
    return session_id


def _answer(request: Request, app: App) -> Response:
    if not host_allowed(request.host, app.port, app.bind_host):
        return error_response(403, "Host header %r is not this dashboard's loopback address" % request.host)
    parts = urlsplit(request.target)
    if parts.path.startswith("/api/sessions/") and parts.path.endswith("/focus") and parts.path.count("/") == 4:
        if request.method != "POST":
            return error_response(405, "focus is POST only", ("Allow", "POST"))
        try:
            _query(parts.query, ())
            return _focus(app, parts.path[len("/api/sessions/") : -len("/focus")], request)
        except HTTPError as exc:
            return error_response(exc.status, exc.message, *exc.headers)
    if request.method not in ("GET", "HEAD"):
        return error_response(405, "method %s not allowed; the dashboard is read-only" % request.method,
                              ("Allow", "GET, HEAD"))
    try:
        return _dispatch(app, parts.path, parts.query)
    except HTTPError as exc:
        return error_response(exc.status, exc.message, *exc.headers)
    except OSError as exc:
        return error_response(503, "cannot read status: %s" % exc)
