"""What the hook's log says: ``<status dir>/hook.log`` (one line per failure, rotated to ``hook.log.1`` at
``LOG_CAP``, so at most about twice that on disk). The hook writes it (``hook.main.log_line``); readers such
as ``claude-status doctor`` use ``last_errors``."""

from __future__ import annotations

import os

from core import paths

LOG_CAP = 256 * 1024
_MARKS = ("hook error:", "ignored event:")


def last_errors(sdir: str, limit: int = 5) -> list:
    """The newest ``limit`` failure lines of the hook log (oldest first), each ``<time> <message>``. Reads
    at most the last 64 KiB of each file; a missing log is no errors. Never raises."""
    path = paths.log_path(sdir)
    lines: list = []
    for name in (path + ".1", path):
        try:
            with open(name, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                f.seek(max(0, size - 64 * 1024))
                data = f.read(64 * 1024)
        except OSError:
            continue
        for raw in data.decode("utf-8", "replace").splitlines():
            if any(mark in raw for mark in _MARKS):
                lines.append(raw.strip())
    return lines[-limit:] if limit > 0 else []
