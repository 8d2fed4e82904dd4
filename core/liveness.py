"""Is a session's Claude Code process still there? Uses Claude Code's ``sessions/<pid>.json`` registry.

Only a pid that the registry ties to the session is ever recorded, so a wrong pid (a shell wrapper
that already exited) can never make a live session look gone.
"""

from __future__ import annotations

import os
import sys

from core import jsonio, store

MAX_REGISTRY_FILES = 64
MAX_EPOCH_MS = 10 ** 14  # the year 5138: any later statusUpdatedAt is not a time


REGISTRY_MAX = 65536


def _registry(path: str) -> object:
    """Claude Code's registry file, parsed (at most 64 KiB, a regular file: never waits on a FIFO)."""
    try:
        return jsonio.loads(store.read_bytes(path, REGISTRY_MAX))
    except (OSError, ValueError, RecursionError):
        return None


def _registry_session(path: str) -> object:
    rec = _registry(path)
    return rec.get("sessionId") if isinstance(rec, dict) else None


def _parent_of(pid: int) -> int | None:
    """Linux only: the parent of ``pid`` from ``/proc`` (skips a ``sh -c`` wrapper in shell form)."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read(1024)
        return int(data[data.rindex(b")") + 2 :].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def registry_status(path: object, session_id: str | None = None) -> tuple[str, float] | None:
    """Claude Code's own word on its session (2.1.332 writes it to ``sessions/<pid>.json``): ``(status,
    when)`` with status ``"busy"``, ``"idle"`` or ``"waiting"`` and ``statusUpdatedAt`` in epoch seconds;
    None when the file is missing, has no status (older versions) or names another session than
    ``session_id`` (when given). One small read."""
    if not isinstance(path, str):
        return None
    rec = _registry(path)
    if not isinstance(rec, dict) or (session_id is not None and rec.get("sessionId") != session_id):
        return None
    status, when = rec.get("status"), rec.get("statusUpdatedAt")
    if not isinstance(status, str) or isinstance(when, bool) or not isinstance(when, (int, float)):
        return None
    if not 0 < when < MAX_EPOCH_MS:  # a 400-digit integer is valid JSON (and float() of it overflows)
        return None
    return status[:32], when / 1000.0


def find_pid(registry_dir: str, session_id: str, scan: bool) -> tuple[int, str] | None:
    """``(pid, registry file)`` of the Claude process running ``session_id``, or None.

    Tries the hook's parent and grandparent first (one ``open`` each); with ``scan``, reads up to
    64 registry files.
    """
    candidates = [os.getppid()]
    grand = _parent_of(candidates[0]) if sys.platform.startswith("linux") else None
    if grand:
        candidates.append(grand)
    for pid in candidates:
        path = os.path.join(registry_dir, "%d.json" % pid)
        if _registry_session(path) == session_id:
            return pid, path
    if not scan:
        return None
    try:
        names = [n for n in os.listdir(registry_dir) if n.endswith(".json")][:MAX_REGISTRY_FILES]
    except OSError:
        return None
    for name in names:
        stem = name[:-5]
        if stem.isdigit() and _registry_session(os.path.join(registry_dir, name)) == session_id:
            return int(stem), os.path.join(registry_dir, name)
    return None


def is_gone(pid: object, registry_file: object, session_id: str | None = None) -> bool:
    """True when the recorded Claude process has certainly exited (registry file removed, or pid dead),
    or, when ``session_id`` is given, when its registry file now names another session."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or not isinstance(registry_file, str):
        return False
    if not os.path.exists(registry_file):
        return True
    if session_id is not None:
        current = _registry_session(registry_file)
        if isinstance(current, str) and current != session_id:
            return True
    return not pid_alive(pid)


def pid_alive(pid: int) -> bool:
    """False only when process ``pid`` has certainly exited; True when it runs or we cannot tell (Windows,
    where ``os.kill(pid, 0)`` would terminate it, or a process of another user)."""
    if sys.platform == "win32":  # pragma: no cover
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
