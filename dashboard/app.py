"""What the dashboard serves, independent of HTTP: the live index, its event stream, and history."""

from __future__ import annotations

import json
import os
import queue
import secrets
import threading
import time
from collections.abc import Generator
from typing import Any, Callable

from core import ledger as _ledger
from core import paths as _paths
from core import present as _present
from dashboard import words as _detail_words
from dashboard.history import History

POLL_SECONDS = 0.1  # how often the one shared watcher checks the status dir (a scandir and a stat per file)
RESEND_SECONDS = 5.0  # re-send even without a change: ages and the stale flag move with the clock
STREAM_PREAMBLE = b"retry: 2000\n\n"


def _default_aggregate(sdir: str, claude_dir: str | None = None) -> dict[str, Any]:
    from core import aggregate

    # dry_run: the dashboard never writes; the tray and the hook own index.json and cleanup. With no
    # status dir, core falls back to an old single-session hook's <claude dir>/status.json (NFR-2).
    environ = dict(os.environ)
    if claude_dir:
        environ["CLAUDE_CONFIG_DIR"] = claude_dir
    return aggregate.current(sdir, options=aggregate.Options(dry_run=True, environ=environ))


def _default_signature(sdir: str) -> Any:
    from core import aggregate

    return aggregate.signature(sdir)


def resolve_dirs(status_dir: str | None = None, claude_dir: str | None = None) -> tuple[str, str]:
    """(status dir, Claude dir): the given ones, else core's defaults from the environment."""
    return status_dir or _paths.status_dir(), claude_dir or _paths.claude_dir()


class App:
    """State shared by every request: where to read, the history cache, and a stop flag for streams."""

    def __init__(
        self,
        status_dir: str | None = None,
        claude_dir: str | None = None,
        *,
        aggregate: Callable[[str], dict[str, Any]] | None = None,
        signature: Callable[[str], Any] = _default_signature,
        clock: Callable[[], float] = time.time,
        context_thresholds: dict[str, int] | None = None,
    ) -> None:
        self.status_dir, self.claude_dir = resolve_dirs(status_dir, claude_dir)
        # the user's context thresholds (tray settings), sent with every index so the cards colour as the tray
        self.context_thresholds = dict(context_thresholds or _present.thresholds())
        self.history = History(self.claude_dir)
        self.stopping = threading.Event()
        self.port: int | None = None  # the listening port, for the Host check; None allows any port
        self.bind_host = "127.0.0.1"
        self._aggregate = aggregate or (lambda sdir: _default_aggregate(sdir, self.claude_dir))
        self._signature = signature
        self._clock = clock
        self.hub = Hub(self)
        # Embedded in the page and required (with a same-origin Origin) by the one endpoint that acts.
        self.token = secrets.token_urlsafe(32)

    def live(self) -> dict[str, Any]:
        """The index exactly as core builds it, plus ``details`` per session from its transcript."""
        index = self._aggregate(self.status_dir)
        details = {}
        for row in index.get("sessions", ()):
            sid = row.get("session_id")
            if not isinstance(sid, str):
                continue
            found = self.history.details(sid, rescan=False, hint=row.get("transcript_path"))
            details[sid] = {**_card_details(found), **_words(row)}
        index["details"] = details
        index["server_time"] = self._clock()
        index["context_thresholds"] = dict(self.context_thresholds)
        index["ledger"] = _ledger.dashboard(self.status_dir, index["server_time"])  # issue 12: limits, waits, cost
        return index

    def message(self) -> bytes:
        """One Server-Sent Events message holding the live index."""
        body = json.dumps(self.live(), ensure_ascii=False, separators=(",", ":"))
        return b"event: index\ndata: " + body.encode("utf-8") + b"\n\n"

    def events(
        self, *, poll: float | None = None, resend: float | None = None, limit: int | None = None
    ) -> Generator[bytes, None, None]:
        """Server-Sent Events as a blocking generator: the live index whenever the status dir changes (and
        every ``resend`` s), fed by the app's one shared watcher. ``poll``/``resend`` set the watcher's
        timing when this is its first subscriber (tests).

        Ends when the app stops or after ``limit`` messages (for tests). The server does not use this
        generator (it subscribes to ``hub`` directly, without a thread per client)."""
        yield STREAM_PREAMBLE
        if self.stopping.is_set():
            return
        if poll is not None:
            self.hub.poll = poll
        if resend is not None:
            self.hub.resend = resend
        inbox: queue.Queue[bytes | None] = queue.Queue()
        token = self.hub.subscribe(inbox.put)
        sent = 0
        try:
            while True:
                message = inbox.get()
                if message is None:
                    return
                yield message
                sent += 1
                if limit is not None and sent >= limit:
                    return
        finally:
            self.hub.unsubscribe(token)


class Hub:
    """ONE change watcher for every event-stream client of an app.

    A thread that runs only while someone listens: every ``poll`` seconds it takes the status dir's cheap
    signature; when that changed (or ``resend`` seconds passed: ages and the stale flag move with the clock)
    it builds the live index ONCE and hands the same bytes to every subscriber. 200 clients cost one
    signature per poll and one build per change, like one client. ``deliver(None)`` means "the app stops".

    Subscribers are callables that must not block (the server's put the message on its event loop)."""

    def __init__(self, app: App, poll: float = POLL_SECONDS, resend: float = RESEND_SECONDS) -> None:
        self.app = app
        self.poll = poll
        self.resend = resend
        self.watchers_started = 0  # for tests: how many watcher threads ever ran
        self._subs: dict[int, Callable[[bytes | None], None]] = {}
        self._fresh: set[int] = set()  # subscribers still owed their first message
        self._next = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribers(self) -> int:
        with self._lock:
            return len(self._subs)

    def subscribe(self, deliver: Callable[[bytes | None], None]) -> int:
        with self._lock:
            self._next += 1
            token = self._next
            self._subs[token] = deliver
            self._fresh.add(token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dashboard-watch", daemon=True)
                self.watchers_started += 1
                self._thread.start()
        self._wake.set()
        return token

    def unsubscribe(self, token: int) -> None:
        with self._lock:
            self._subs.pop(token, None)
            self._fresh.discard(token)

    def _run(self) -> None:
        last_sig: Any = object()
        last_sent = float("-inf")
        message = b""
        while True:
            with self._lock:
                if not self._subs or self.app.stopping.is_set():
                    ending = list(self._subs.values()) if self.app.stopping.is_set() else []
                    self._subs.clear()
                    self._fresh.clear()
                    self._thread = None
                    break
            try:
                sig = self.app._signature(self.app.status_dir)
                now = time.monotonic()
                if sig != last_sig or now - last_sent >= self.resend:
                    message = self.app.message()
                    last_sig, last_sent = sig, now
                    with self._lock:
                        targets = list(self._subs.values())
                        self._fresh.clear()
                elif self._fresh:
                    with self._lock:
                        targets = [self._subs[t] for t in self._fresh if t in self._subs]
                        self._fresh.clear()
                else:
                    targets = []
            except Exception:  # an unreadable dir must not end every stream; retry next poll
                targets = []
            for deliver in targets:
                deliver(message)
            self._wake.wait(self.poll)
            self._wake.clear()
        for deliver in ending:
            deliver(None)

    def stop(self) -> None:
        """Wake the watcher so it sees ``app.stopping`` and ends every stream."""
        self._wake.set()


def _words(row: dict[str, Any]) -> dict[str, Any]:
    """What a card says in words, by core's presentation rules (plus the dashboard's detail line)."""
    return {
        "name": _present.task_name(row),
        "state_words": _present.state_words(row),
        "asked": _present.asked(row),
        "detail_text": _detail_words.detail_text(row),
    }


def _card_details(found: dict[str, Any] | None) -> dict[str, Any]:
    if found is None:
        return {"transcript": False}
    return {
        "transcript": True,
        "title": found["title"],
        "message_count": found["message_count"],
        "first_activity": found["first_activity"],
        "last_activity": found["last_activity"],
        "git_branch": found["git_branch"],
        "last_prompt": found["last_prompt"],
        "history_model": found["model"],
        "history_context_tokens": found["context_tokens"],
    }
