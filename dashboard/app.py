"""What the dashboard serves, independent of HTTP: the live index, its event stream, and history."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable

from core import paths as _paths
from core import present as _present
from dashboard.history import History

POLL_SECONDS = 0.25  # how often the stream checks the status dir (the issue asks for < 1 s)
RESEND_SECONDS = 5.0  # re-send even without a change: ages and the stale flag move with the clock


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

    def live(self) -> dict[str, Any]:
        """The index exactly as core builds it, plus ``details`` per session from its transcript."""
        index = self._aggregate(self.status_dir)
        details = {}
        for row in index.get("sessions", ()):
            sid = row.get("session_id")
            if not isinstance(sid, str):
                continue
            found = self.history.details(sid, rescan=False, hint=row.get("transcript_path"))
            details[sid] = _card_details(found)
        index["details"] = details
        index["server_time"] = self._clock()
        index["context_thresholds"] = dict(self.context_thresholds)
        return index

    def events(
        self, *, poll: float = POLL_SECONDS, resend: float = RESEND_SECONDS, limit: int | None = None
    ) -> Iterator[bytes]:
        """Server-Sent Events: the live index whenever the status dir changes (and every ``resend`` s).

        Ends when the app stops or after ``limit`` messages (for tests). A closed client shows up as a
        write error in the server, which then drops this generator.
        """
        yield b"retry: 2000\n\n"
        last_sig: Any = object()
        last_sent = 0.0
        sent = 0
        while not self.stopping.is_set():
            sig = self._signature(self.status_dir)
            now = time.monotonic()
            if sig != last_sig or now - last_sent >= resend:
                body = json.dumps(self.live(), ensure_ascii=False, separators=(",", ":"))
                yield b"event: index\ndata: " + body.encode("utf-8") + b"\n\n"
                last_sig, last_sent = sig, now
                sent += 1
                if limit is not None and sent >= limit:
                    return
            self.stopping.wait(poll)


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
