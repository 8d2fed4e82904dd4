"""Where the tray gets its index: `core` aggregation, driven by a cheap change detector.

Each tick (1 s) compares `core.aggregate.signature(sdir)`; on a change, or every `refresh` seconds
(NFR-1: sessions age into "stale" without any file changing), it aggregates in-process. The hook's
`index.json` is not trusted because it lags when sessions end without a hook firing. With no status
dir at all, the legacy single-session `status.json` is used (NFR-2). The aggregation writes
`index.json` (and removes expired sessions) at start and then at most every `write_every` seconds.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Optional

from core import aggregate as core_aggregate
from core import ledger as core_ledger
from core import paths as core_paths

from .dirs import Dirs, resolve


class IndexSource:
    def __init__(
        self,
        dirs: Optional[Dirs] = None,
        environ: Optional[dict[str, str]] = None,
        refresh: float = 5.0,
        clock: Callable[[], float] = time.time,
        dry_run: bool = False,
        write_every: float = 60.0,
    ) -> None:
        self.dry_run = dry_run
        self.write_every = write_every
        self._last_write = float("-inf")
        self.dirs = dirs or resolve(environ)
        # core's functions still read the Claude dir (legacy file, live-session registry) from an environ:
        # the one built from the resolved dirs, never the process's own
        self.environ = self.dirs.environ(environ)
        self.sdir = self.dirs.status
        self.refresh = refresh
        self.clock = clock
        self.index: Optional[dict[str, Any]] = None
        self.legacy = False
        self.error: Optional[str] = None
        self._sig: Any = None
        self._last_full = float("-inf")

    def _full(self, now: float) -> dict[str, Any]:
        # The hook rewrites index.json on every event; the tray only needs to publish (and delete the
        # files of sessions whose process is gone) now and then, not every 5 s (docs/platform-notes.md,
        # lessons from other monitors).
        write = not self.dry_run and now - self._last_write >= self.write_every and os.path.isdir(self.sdir)
        options = core_aggregate.Options(dry_run=not write, environ=self.environ)
        index = core_aggregate.current(self.sdir, now, options)
        index["ledger"] = core_ledger.glance(self.sdir, now)  # issue 12: limits, waits, cost (core.ledger)
        self.legacy = bool(index.get("legacy"))
        if write:
            self._last_write = now
        return index

    def _signature(self) -> Any:
        try:
            sig = core_aggregate.signature(self.sdir) if os.path.isdir(self.sdir) else None
        except OSError:
            sig = None
        if sig is None:
            legacy = core_paths.legacy_status_path(self.environ)
            try:
                st = os.stat(legacy)
                return ("legacy", st.st_size, st.st_mtime_ns)
            except OSError:
                return ("none",)
        return sig

    def poll(self, force: bool = False) -> Optional[dict[str, Any]]:
        """Return a freshly aggregated index when something may have changed, else None."""
        now = self.clock()
        sig = self._signature()
        if not force and sig == self._sig and now - self._last_full < self.refresh:
            return None
        try:
            index = self._full(now)
            self.error = None
        except OSError as err:
            self.error = f"cannot read {self.sdir}: {err.strerror or err}"
            self._last_full = now
            return None
        self._last_full = now
        # aggregation rewrites index.json/status.json: take the baseline after it
        self._sig = self._signature()
        self.index = index
        return index

    def cleanup_stale(self) -> int:
        if not os.path.isdir(self.sdir):
            return 0
        return core_aggregate.cleanup(self.sdir, self.clock(), include_stale=True, environ=self.environ)
