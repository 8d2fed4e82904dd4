"""The dashboard's HTTP/1.1 server: stdlib ``asyncio`` streams around ``dashboard.routes.route``.

Why not ``http.server``: it spends a thread per connection with no cap and no header deadline, does not read
the body of a refused request (so a body was parsed as a second request), polls once per event-stream
client, and answers protocol errors in HTML. Here:

- one event-loop thread holds every connection; ``route()`` (file reads) runs on a small thread pool, so
  1,000 idle connections cost no threads;
- an idle timeout (no byte of a next request) and a header deadline (the whole request head and body must
  arrive within ``header_timeout`` of its first byte: slowloris gets 408 and is closed);
- a connection cap: at the cap a new connection first evicts the longest-idle one (idle = waiting for a
  request, which HTTP lets a server close at any time); when every connection is busy it gets 503 and close;
- every body is read (at most ``MAX_BODY`` bytes) before routing, so a refused request never leaves bytes
  behind; a body that cannot be framed safely (chunked, too long, bad length) gets an error and a close;
- every status this server sends is a JSON error body (``{"error": {"status", "message"}}``);
- event-stream clients subscribe to the app's one shared change watcher (``App.hub``).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from typing import Any

from dashboard.app import STREAM_PREAMBLE, App
from dashboard.routes import Request, Response, error_response, route

MAX_LINE = 8 * 1024  # request line; longer: 414
MAX_HEAD = 32 * 1024  # request line plus headers; more: 431
MAX_HEADERS = 100  # more: 431
MAX_BODY = 64 * 1024  # no route reads a body; a longer one: 413
IDLE_SECONDS = 15.0  # a keep-alive connection may wait this long for the first byte of its next request
HEADER_SECONDS = 5.0  # from a request's first byte to the end of its body
WRITE_SECONDS = 30.0  # a client that reads nothing for this long is dropped
LINGER_SECONDS = 2.0  # after an error: how long unread input is discarded before the close (so no RST)
PING_SECONDS = 15.0  # an event stream sends a comment this often without a change
MAX_CONNECTIONS = 256
WORKERS = 4
SERVER_NAME = "claude-status-dashboard"

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"})
TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
VERSION = re.compile(rb"HTTP/[0-9]\.[0-9]")
END_OF_HEAD = re.compile(rb"\r?\n\r?\n")
TARGET_BYTES = re.compile(rb"/[\x21-\x7e]*")
REASONS = {
    200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    408: "Request Timeout", 409: "Conflict", 413: "Content Too Large", 414: "URI Too Long",
    431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented",
    503: "Service Unavailable", 505: "HTTP Version Not Supported",
}


class WireError(Exception):
    """A request the server answers itself, with this status, and then closes the connection."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Head:
    __slots__ = ("headers", "keep_alive", "line", "method", "target", "version")

    def __init__(self, line: str, method: str, target: str, version: str, headers: list[tuple[str, str]]) -> None:
        self.line = line
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        tokens = {t.strip().lower() for v in self.all("connection") for t in v.split(",")}
        self.keep_alive = version == "HTTP/1.1" and "close" not in tokens

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def one(self, name: str) -> str | None:
        values = self.all(name)
        if len(values) > 1:
            raise WireError(400, "the %s header is given %d times" % (name, len(values)))
        return values[0] if values else None


def parse_head(head: bytes) -> Head:
    """The request line and headers (without the blank line); raises WireError. Pure."""
    lines = [line[:-1] if line.endswith(b"\r") else line for line in head.split(b"\n")]
    request_line = lines[0]
    if len(request_line) > MAX_LINE:
        raise WireError(414, "request line longer than %d bytes" % MAX_LINE)
    if len(head) > MAX_HEAD:
        raise WireError(431, "request head longer than %d bytes" % MAX_HEAD)
    parts = request_line.split(b" ")
    if len(parts) != 3 or not TOKEN.fullmatch(parts[0]):
        raise WireError(400, "malformed request line")
    method_b, target_b, version_b = parts
    if not VERSION.fullmatch(version_b):
        raise WireError(400, "malformed HTTP version")
    if version_b not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise WireError(505, "HTTP version %s is not supported; use HTTP/1.1" % version_b.decode("ascii"))
    method = method_b.decode("ascii")
    if method not in KNOWN_METHODS:
        raise WireError(501, "method %s is not implemented" % method)
    if not TARGET_BYTES.fullmatch(target_b):
        raise WireError(400, "the request target must be a path starting with / (printable ASCII)")
    if len(lines) - 1 > MAX_HEADERS:
        raise WireError(431, "more than %d header fields" % MAX_HEADERS)
    headers = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            raise WireError(400, "folded header lines are not accepted")
        name, sep, value = line.partition(b":")
        if not sep or not TOKEN.fullmatch(name):
            raise WireError(400, "malformed header line")
        headers.append((name.decode("ascii").lower(), value.strip(b" \t").decode("latin-1")))
    return Head(request_line.decode("ascii"), method, target_b.decode("ascii"), version_b.decode("ascii"), headers)


def body_length(head: Head) -> int:
    """How many body bytes follow the head; raises WireError when the body cannot be framed safely."""
    if head.all("transfer-encoding"):
        raise WireError(501, "Transfer-Encoding is not supported; send a Content-Length")
    values = {v.strip() for value in head.all("content-length") for v in value.split(",")}
    if not values:
        return 0
    if len(values) > 1:
        raise WireError(400, "conflicting Content-Length values")
    text = values.pop()
    if not text.isdigit() or not text.isascii():
        raise WireError(400, "Content-Length must be a whole number of bytes")
    length = int(text)
    if length > MAX_BODY:
        raise WireError(413, "request body larger than %d bytes" % MAX_BODY)
    return length


def encode(response: Response, *, head_only: bool, close: bool, stream: bool = False) -> bytes:
    reason = REASONS.get(response.status, "Unknown")
    lines = ["HTTP/1.1 %d %s" % (response.status, reason), "Server: " + SERVER_NAME,
             "Date: " + formatdate(usegmt=True)]
    lines += ["%s: %s" % kv for kv in response.headers]
    if not stream and not head_only:
        lines.append("Content-Length: %d" % len(response.body))
    if close or stream:
        lines.append("Connection: close")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return data if head_only or stream else data + response.body


def json_error(status: int, message: str) -> bytes:
    return encode(error_response(status, message), head_only=False, close=True)


class _Conn:
    __slots__ = ("busy", "idle_since", "peer", "task", "writer")

    def __init__(self, writer: asyncio.StreamWriter, task: asyncio.Task[Any] | None, now: float) -> None:
        self.writer = writer
        self.task = task
        self.busy = False
        self.idle_since = now
        self.peer = writer.get_extra_info("peername")


class _Stream:
    """One event-stream client's mailbox: only the newest message is kept (a slow reader skips)."""

    __slots__ = ("closed", "event", "message", "stopping")

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.message: bytes | None = None
        self.closed = False
        self.stopping = False

    def offer(self, message: bytes | None) -> None:
        if message is None:
            self.stopping = True
        else:
            self.message = message
        self.event.set()


class DashboardServer:
    """Binds at construction (so ``server_address`` and a taken port are known at once); ``serve_forever``
    runs the event loop in the calling thread until ``stop()`` (from any thread)."""

    address_family = socket.AF_INET

    def __init__(
        self,
        address: tuple[str, int],
        app: App,
        *,
        verbose: bool = False,
        max_connections: int = MAX_CONNECTIONS,
        idle_timeout: float = IDLE_SECONDS,
        header_timeout: float = HEADER_SECONDS,
        workers: int = WORKERS,
    ) -> None:
        self.app = app
        self.verbose = verbose
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.header_timeout = header_timeout
        self.workers = workers
        self.socket = socket.socket(self.address_family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(address)
            self.socket.listen(min(1024, socket.SOMAXCONN))
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        app.port = self.server_address[1]
        app.bind_host = address[0]
        self._conns: dict[int, _Conn] = {}
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dashboard-route")
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_async: asyncio.Event | None = None
        self._stop_requested = False
        self._done = threading.Event()

    @property
    def url(self) -> str:
        host = self.server_address[0]
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d/" % (host, self.server_address[1])

    def open_connections(self) -> int:
        return len(self._conns)

    # ---- life cycle ---------------------------------------------------------------------------------

    def serve_forever(self) -> None:
        try:
            asyncio.run(self._main())
        finally:
            self._done.set()

    def shutdown(self) -> None:
        """Stop serving (from another thread) and wait until ``serve_forever`` returned."""
        with self._lock:
            self._stop_requested = True
            loop, event = self._loop, self._stop_async
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(event.set)
            self._done.wait(30)

    def server_close(self) -> None:
        self.socket.close()
        self._executor.shutdown(wait=False)

    def stop(self) -> None:
        """End open event streams, stop serving, close the socket."""
        self.app.stopping.set()
        self.app.hub.stop()
        self.shutdown()
        self.server_close()

    async def _main(self) -> None:
        stop = asyncio.Event()
        with self._lock:
            self._loop, self._stop_async = asyncio.get_running_loop(), stop
            if self._stop_requested:
                return
        try:
            server = await asyncio.start_server(self._on_connection, sock=self.socket)
        except OSError:
            if self._stop_requested:  # stop() closed the socket before the loop got going
                return
            raise
        try:
            await stop.wait()
        finally:
            server.close()
            tasks = [c.task for c in self._conns.values() if c.task is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._conns.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 5)

    # ---- one connection -----------------------------------------------------------------------------

    def _admit(self, writer: asyncio.StreamWriter) -> _Conn | None:
        """Register a new connection, evicting the longest-idle one at the cap; None when all are busy."""
        loop = asyncio.get_running_loop()
        if len(self._conns) >= self.max_connections:
            idle = [c for c in self._conns.values() if not c.busy]
            if not idle:
                return None
            victim = min(idle, key=lambda c: c.idle_since)
            self._conns.pop(id(victim), None)
            if victim.task is not None:
                victim.task.cancel()
        conn = _Conn(writer, asyncio.current_task(), loop.time())
        self._conns[id(conn)] = conn
        return conn

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = self._admit(writer)
        if conn is None:
            writer.write(json_error(503, "too many connections (%d); try again" % self.max_connections))
            await self._linger_close(reader, writer)
            return
        try:
            await self._serve(conn, reader)
        except (asyncio.CancelledError, ConnectionError, OSError, asyncio.TimeoutError):
            pass
        finally:
            self._conns.pop(id(conn), None)
            writer.close()

    async def _serve(self, conn: _Conn, reader: asyncio.StreamReader) -> None:
        buf = bytearray()
        loop = asyncio.get_running_loop()
        while True:
            conn.busy, conn.idle_since = False, loop.time()
            try:
                raw = await self._read_head(reader, buf)
                if raw is None:
                    return
                conn.busy = True
                head = parse_head(raw)
                body = await self._read_body(reader, buf, body_length(head))
            except WireError as exc:
                self._log(conn, "-", exc.status)
                conn.writer.write(json_error(exc.status, exc.message))
                await self._linger_close(reader, conn.writer)
                return
            request = Request(head.method, head.target, head.one("host"), head.one("origin"),
                              head.one("x-dashboard-token"), body)
            response = await loop.run_in_executor(self._executor, route, request, self.app)
            self._log(conn, head.line, response.status)
            if response.stream is not None:
                response.stream.close()  # the blocking generator is for callers without an event loop
                await self._stream(conn, reader, response)
                return
            close = not head.keep_alive or response.status in (400, 408, 413, 414, 431, 501, 503, 505)
            conn.writer.write(encode(response, head_only=head.method == "HEAD", close=close))
            await asyncio.wait_for(conn.writer.drain(), WRITE_SECONDS)
            if close:
                await self._linger_close(reader, conn.writer)
                return

    async def _read_head(self, reader: asyncio.StreamReader, buf: bytearray) -> bytes | None:
        """The next request head from ``buf`` plus the socket; None when the client closed or idled out."""
        loop = asyncio.get_running_loop()
        idle_deadline = loop.time() + self.idle_timeout
        head_deadline: float | None = None
        while True:
            while buf[:1] in (b"\r", b"\n"):  # blank lines before a request are allowed (RFC 9112 2.2)
                del buf[:1]
            found = END_OF_HEAD.search(buf)
            if found:
                head = bytes(buf[: found.start()])
                del buf[: found.end()]
                return head
            newline = buf.find(b"\n")
            if (newline < 0 and len(buf) > MAX_LINE) or newline > MAX_LINE:
                raise WireError(414, "request line longer than %d bytes" % MAX_LINE)
            if len(buf) > MAX_HEAD:
                raise WireError(431, "request head longer than %d bytes" % MAX_HEAD)
            now = loop.time()
            if buf and head_deadline is None:
                head_deadline = now + self.header_timeout
            deadline = idle_deadline if head_deadline is None else head_deadline
            try:
                data = await asyncio.wait_for(reader.read(65536), max(0.0, deadline - now))
            except asyncio.TimeoutError:
                if buf:  # a partial head is answered, then the connection closed
                    raise WireError(408, "the request head did not arrive within %g s" % self.header_timeout) from None
                return None
            if not data:
                return None
            buf += data

    async def _read_body(self, reader: asyncio.StreamReader, buf: bytearray, length: int) -> bytes:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.header_timeout
        while len(buf) < length:
            try:
                data = await asyncio.wait_for(reader.read(65536), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                raise WireError(408, "the request body did not arrive within %g s" % self.header_timeout) from None
            if not data:
                raise ConnectionResetError("client closed mid-body")
            buf += data
        body = bytes(buf[:length])
        del buf[:length]
        return body

    async def _linger_close(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Send what is written, half-close, and discard input for a moment: closing with unread input
        makes the kernel send a reset, which can destroy the error response before the client reads it."""
        try:
            await asyncio.wait_for(writer.drain(), WRITE_SECONDS)
            if writer.can_write_eof():
                writer.write_eof()

            async def discard() -> None:
                while await reader.read(65536):
                    pass

            await asyncio.wait_for(discard(), LINGER_SECONDS)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _stream(self, conn: _Conn, reader: asyncio.StreamReader, response: Response) -> None:
        loop = asyncio.get_running_loop()
        writer = conn.writer
        writer.write(encode(response, head_only=False, close=True, stream=True) + STREAM_PREAMBLE)
        await asyncio.wait_for(writer.drain(), WRITE_SECONDS)
        box = _Stream()

        def deliver(message: bytes | None) -> None:  # called on the watcher thread
            with contextlib.suppress(RuntimeError):  # the loop has ended
                loop.call_soon_threadsafe(box.offer, message)

        async def watch_eof() -> None:
            try:
                while await reader.read(4096):
                    pass
            except (ConnectionError, OSError):
                pass
            box.closed = True
            box.event.set()

        eof_task = asyncio.ensure_future(watch_eof())
        token = self.app.hub.subscribe(deliver)
        try:
            while True:
                try:
                    await asyncio.wait_for(box.event.wait(), PING_SECONDS)
                except asyncio.TimeoutError:
                    writer.write(b": ping\n\n")
                    await asyncio.wait_for(writer.drain(), WRITE_SECONDS)
                    continue
                box.event.clear()
                if box.closed or box.stopping:
                    return
                if box.message is not None:
                    writer.write(box.message)
                    box.message = None
                    await asyncio.wait_for(writer.drain(), WRITE_SECONDS)
        finally:
            self.app.hub.unsubscribe(token)
            eof_task.cancel()

    def _log(self, conn: _Conn, line: str, status: int) -> None:
        if self.verbose:
            peer = conn.peer[0] if isinstance(conn.peer, tuple) else "-"
            sys.stderr.write('%s "%s" %d\n' % (peer, line, status))


class DashboardServer6(DashboardServer):
    address_family = socket.AF_INET6
