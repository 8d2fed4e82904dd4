"""Atomic file writes, tolerant reads and the status-dir lock. Stdlib only, cheap on the hook path."""

from __future__ import annotations

import errno
import os
import stat
import sys
import time

from core import jsonio

DIR_MODE = 0o700
FILE_MODE = 0o600
TMP_SUFFIX = ".tmp"


def ensure_dir(path: str) -> None:
    """Create ``path`` (0700) if it is missing. Raises OSError."""
    try:
        os.mkdir(path, DIR_MODE)
    except FileExistsError:
        return
    except FileNotFoundError:
        os.makedirs(path, DIR_MODE, exist_ok=True)


def temp_name(path: str) -> str:
    """A unique hidden temporary name in the same directory as ``path``."""
    head, tail = os.path.split(path)
    return os.path.join(head, ".%s.%d.%s%s" % (tail, os.getpid(), os.urandom(4).hex(), TMP_SUFFIX))


def atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to a unique temp file beside ``path``, then ``os.replace``. Raises OSError; never
    leaves the temp file behind and never damages the previous ``path``."""
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        remove(tmp)
        raise


def write_json(path: str, obj: object) -> None:
    """Atomic compact UTF-8 JSON; a lone surrogate (possible in JSON text) becomes ``?``, not an error."""
    atomic_write(path, jsonio.dumps(obj).encode("utf-8", "replace"))


def write_session(path: str, record: dict) -> dict:
    """The one write boundary for session files: ``record`` capped by ``core.limits.fit_record`` (every
    string, list and object bounded, at most 64 KiB), written atomically. Returns what was written."""
    from core import limits

    capped, data = limits.fit_record_bytes(record)
    if len(data) > limits.MAX_FILE:  # pragma: no cover - fit_record guarantees it; never write more
        raise ValueError("session record over %d bytes" % limits.MAX_FILE)
    atomic_write(path, data)
    return capped


def read_bytes(path: str, limit: int = 1 << 20) -> bytes:
    """At most ``limit`` bytes of a regular file. Raises OSError for anything else (a directory, and a
    FIFO or device, which are never waited on: the open does not block)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_json(path: str, limit: int = 1 << 20) -> object:
    """Parsed JSON of a small file. Raises OSError or ValueError (UnicodeDecodeError is a ValueError)."""
    return jsonio.loads(read_bytes(path, limit))


def remove(path: str) -> bool:
    """Unlink ``path``; False if it was already gone."""
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def point_link(link: str, target_name: str | None, source: str | None) -> None:
    """Make ``link`` point at ``target_name`` (relative) atomically, or remove it when None.

    Where symlinks are refused (Windows without developer mode) ``link`` becomes an atomic copy of
    ``source``. Raises OSError.
    """
    if target_name is None:
        remove(link)
        return
    try:
        if os.readlink(link) == target_name:
            return
    except OSError:
        pass
    tmp = temp_name(link)
    try:
        os.symlink(target_name, tmp)
    except (OSError, NotImplementedError):
        if source is not None:
            atomic_write(link, read_bytes(source))
        return
    try:
        os.replace(tmp, link)
    except BaseException:
        remove(tmp)
        raise


class DirLock:
    """Exclusive lock on ``<dir>/.lock`` shared by every hook and aggregator process.

    Waits at most ``timeout`` seconds, then raises TimeoutError: the hook must never hang Claude Code.
    """

    def __init__(self, path: str, timeout: float = 3.0) -> None:
        self.path = path
        self.timeout = timeout
        self.fd = -1

    def __enter__(self) -> DirLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        deadline = time.monotonic() + self.timeout
        delay = 0.0005
        while True:
            try:
                _try_lock(self.fd)
                return self
            except OSError:
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    self.fd = -1
                    raise TimeoutError("status dir is locked: %s" % self.path) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.02)

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            try:
                _unlock(self.fd)
            finally:
                os.close(self.fd)
                self.fd = -1


if sys.platform == "win32":  # pragma: no cover - exercised by the Windows CI job
    import msvcrt

    def _try_lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
