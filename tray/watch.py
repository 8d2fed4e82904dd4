"""Wake the tray as soon as a status file changes: file-system events through watchfiles (inotify,
FSEvents, ReadDirectoryChangesW), falling back to the tray's own polling when they are unavailable.

The watcher only says "something changed"; the tray's source still decides what (its cheap signature),
so a missed or spurious event costs nothing but a poll. Latency: the event batch is closed after `step`
ms of quiet (at most `debounce` ms), instead of waiting up to the poll interval.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Callable, Optional

log = logging.getLogger("claude-status.watch")

DEBOUNCE_MS = 100  # close a batch of changes after at most this long
STEP_MS = 30  # ...or after this long without another change
RETRY_S = 5.0  # the dir does not exist yet / the watch failed: try again this often


def _interesting(_change: object, path: str) -> bool:
    name = os.path.basename(path)
    # session files and the legacy status.json; not our own temp files or the lock
    return name.endswith(".json") and not name.startswith(".")


class Watcher:
    """Calls `on_change()` (from its own daemon thread) whenever a `.json` file in `directory` changes."""

    def __init__(self, directory: str, on_change: Callable[[], None], extra: Optional[str] = None) -> None:
        self.directory = directory
        self.extra = extra  # another dir to watch (the legacy status.json's), if it exists
        self.on_change = on_change
        self.stop_event = threading.Event()
        self.active = False  # True while events flow (False: the tray relies on polling)
        self._thread: Optional[threading.Thread] = None

    def start(self) -> bool:
        """Start watching; False (and polling only) when watchfiles is not installed."""
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            log.info("watchfiles is not installed: polling the status dir")
            return False
        self._thread = threading.Thread(target=self._run, name="status-watch", daemon=True)
        self._thread.start()
        return True

    def stop(self, timeout: float = 2.0) -> None:
        """Stop, and wait (briefly) for the thread: a daemon thread still inside watchfiles' Rust code
        when the interpreter exits can crash it (seen on Python 3.9: SIGSEGV / "exception not rethrown")."""
        self.stop_event.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _paths(self) -> list[str]:
        return [p for p in (self.directory, self.extra) if p and os.path.isdir(p)]

    def _run(self) -> None:
        import watchfiles

        said = False
        while not self.stop_event.is_set():
            paths = self._paths()
            if not paths:
                self.active = False
                self.stop_event.wait(RETRY_S)
                continue
            try:
                self.active = True
                for _changes in watchfiles.watch(
                    *paths,
                    watch_filter=_interesting,
                    debounce=DEBOUNCE_MS,
                    step=STEP_MS,
                    stop_event=self.stop_event,
                    recursive=False,
                    raise_interrupt=False,
                    rust_timeout=int(RETRY_S * 1000),
                    yield_on_timeout=True,
                ):
                    if self.stop_event.is_set():
                        break
                    if _changes:
                        self.on_change()
                    if self._paths() != paths:
                        break  # a watched dir appeared or vanished: watch the new set
            except Exception as err:  # inotify limits, a vanished dir...: polling goes on meanwhile
                self.active = False
                if not said:
                    log.warning("file-system events unavailable (%s: %s); polling the status dir",
                                type(err).__name__, err)
                    said = True
                self.stop_event.wait(RETRY_S)
        self.active = False
