"""Reading the status dir: which files are sessions, which are skipped (and why), and the hook's
incremental view of the dir, so one event costs about the same with 1 or 1,000 session files.

The full read (``read_dir``) classifies every ``*.json`` entry that is not ours (``index.json``,
``status.json``, hidden files): a session (files of a newer major version too: ``record.Newer``, shown as
rows), or skipped as ``unreadable`` (not a regular file, I/O error), ``oversized`` (over ``limits.MAX_FILE``),
``corrupt`` (not JSON), ``version`` (our id, a version we cannot read) or ``foreign`` (not one of our
records). Skipped files are reported by name and removed by age like any session, by their file mtime.

The hook's view (``load`` / ``save``, under the lock): ``.index-state`` keeps, for the sessions the index
lists (at most ``limits.MAX_INDEX_ROWS``: every waiting or error one, then the most recently updated), their
record (within a 56 KiB budget; beyond it the file is read) and file signature, plus the skipped files and
the cold sessions' summary counts; ``.index-cold`` the other ("cold") sessions' signatures and what expiry
and the summary need. After its last write the hook records the dir's own signature (mtime_ns, size, inode)
in the lock file, in place (no rename, so the dir does not change; ``.index-state`` is written in place too).
The next hook trusts the state only when that signature is unchanged (checked before it writes anything)
and the last full read is under ``FULL_SCAN_SECONDS`` old, and still stats each listed file (a file
rewritten in place is read again). Otherwise it reads the dir again, re-reading only files whose size or
mtime changed. Any other writer (the tray's aggregation, cleanup) changes the dir and calls ``invalidate``.
On a file system with coarse timestamps a change by another process in the same tick as a hook's last
write can go unseen until the next change or the next full read (at most ``FULL_SCAN_SECONDS``).
"""

from __future__ import annotations

import os

from core import __version__, jsonio, limits, paths, record

STATE_NAME = ".index-state"  # private to hooks (read and written under the lock, in place)
COLD_NAME = ".index-cold"
STATE_VERSION = 1
FULL_SCAN_SECONDS = 60.0
MAX_STATE = 16 * 1024 * 1024
_SIG_BYTES = 64  # the dir signature, in the lock file from byte _SIG_AT on
_SIG_AT = 1  # Windows locks byte 0 (msvcrt.locking): another handle may not write there


def is_candidate(name: str) -> bool:
    """A name that would hold a session: ``*.json``, not hidden, not one of our own files."""
    return name.endswith(".json") and not name.startswith(".") and name not in (paths.INDEX_NAME, paths.LINK_NAME)


def read_entry(path: str, name: str, size: int, is_file: bool) -> tuple:
    """``(record or record.Newer or None, reason or None)`` for one candidate file."""
    if not is_file:
        return None, "unreadable"
    if size > limits.MAX_FILE:
        return None, "oversized"
    try:
        with open(path, "rb") as f:
            data = f.read(limits.MAX_FILE + 1)
    except OSError:
        return None, "unreadable"
    if len(data) > limits.MAX_FILE:
        return None, "oversized"
    try:
        raw = jsonio.loads(data)
    except (ValueError, RecursionError):
        return None, "corrupt"
    rec = record.upgrade(raw, name[:-5])
    if rec is None:
        ours = isinstance(raw, dict) and raw.get("session_id") == name[:-5]
        return None, "version" if ours else "foreign"
    return rec, None


def read_dir(sdir: str, skip: str | None = None, known: dict | None = None) -> tuple:
    """Every candidate in ``sdir`` except ``skip``: ``(entries, skipped, cold)``.

    ``entries``: ``record.Entry`` with ``mtime`` and ``sig`` ([size, mtime_ns]); files of a newer version are
    entries too (``record.Newer``: shown as rows). ``skipped``: ``[name, reason, mtime]`` lists. ``cold``:
    name -> [size, mtime_ns, updated_ts, pid, pid_file, agents, context %] reused from ``known`` (a previous state) for
    unchanged files that are not read again. A missing dir is empty; any other unreadable dir raises OSError.
    """
    known = known or {}
    hot_known = known.get("hot") or {}
    cold_known = known.get("cold") or {}
    entries: list = []
    skipped: list = []
    cold: dict = {}
    try:
        found = list(os.scandir(sdir))
    except FileNotFoundError:
        return entries, skipped, cold
    for dirent in found:
        name = dirent.name
        if not is_candidate(name) or name == skip:
            continue
        try:
            st = dirent.stat()
            is_file = dirent.is_file()
        except OSError:
            skipped.append([name, "unreadable", 0.0])
            continue
        sig = [st.st_size, st.st_mtime_ns]
        prev = hot_known.get(name)
        if isinstance(prev, list) and len(prev) == 3 and prev[:2] == sig and isinstance(prev[2], dict):
            entries.append(record.Entry(prev[2], st.st_mtime, sig=sig))  # type: ignore[arg-type]
            continue
        prev = cold_known.get(name)
        if isinstance(prev, list) and len(prev) == 7 and prev[:2] == sig:
            cold[name] = prev
            continue
        rec, reason = read_entry(dirent.path, name, st.st_size, is_file)
        if rec is None:
            skipped.append([name, reason, st.st_mtime])
            continue
        entries.append(record.Entry(rec, st.st_mtime, sig=sig))
    return entries, skipped, cold


def remove_old_skipped(sdir: str, skipped: list, now: float, remove_after: float) -> list:
    """Delete skipped files whose mtime is older than ``remove_after``; returns the ones left."""
    left = []
    for item in skipped:
        name, _, mtime = item
        if mtime and now - mtime > remove_after and _unlink(os.path.join(sdir, name)):
            continue
        left.append(item)
    return left


def report(skipped: list) -> list:
    """What ``index.json`` lists about skipped files: ``{"name", "reason"}``, the first few, names capped."""
    return [{"name": limits.cap_str(n, 255), "reason": r} for n, r, _ in sorted(skipped)[: limits.MAX_SKIPPED_NAMES]]


# --- the hook's incremental view -------------------------------------------------------------------------


class View:
    """What the hook needs of the dir for one event. The cold sessions live in their own file, read only
    when needed (a full read, a cold session's own event) and written only when they changed."""

    def __init__(self, sdir: str, entries: list, skipped: list, cold: dict | None, full: bool, scan_ts: float,
                 cold_n: int = 0, cold_newest: float | None = None) -> None:
        self.sdir = sdir
        self.entries = entries  # record.Entry of the indexed sessions (the event's own excluded)
        self.skipped = skipped
        self.full = full
        self.scan_ts = scan_ts
        self._cold = cold
        self._cold_n = len(cold) if cold is not None else cold_n
        self.cold_dirty = full
        self.was_cold = False  # the event's own session was a cold one
        self._cold_newest = cold_newest
        self.cold_sum: dict | None = None  # the cold sessions' summary counts, valid until cold_sum_until
        self.cold_sum_until = 0.0
        self._changes = 0  # changes to the cold sessions since loaded
        self._sum_at = -1  # ... when cold_sum was counted (0: the saved counts of the unchanged cold file)

    @property
    def cold(self) -> dict:
        """name -> [size, mtime_ns, updated_ts, pid, pid_file, agents, context %] (read on first use)."""
        if self._cold is None:
            self._cold = _read_cold(self.sdir)
        return self._cold

    def cold_count(self) -> int:
        return len(self._cold) if self._cold is not None else self._cold_n

    def pop_cold(self, name: str) -> bool:
        """Take ``name`` out of the cold sessions; True if it was there."""
        if not self.cold_count() or self.cold.pop(name, None) is None:
            return False
        self.cold_dirty = True
        self._changes += 1
        return True

    def add_cold(self, name: str, item: list) -> None:
        self.cold[name] = item
        self.cold_dirty = True
        self._changes += 1

    def cold_newest(self) -> float | None:
        """The latest update among the cold sessions (None: none)."""
        if self._cold is None:
            return self._cold_newest
        times = [e[2] for e in self._cold.values() if isinstance(e[2], (int, float))]
        return max(times) if times else None

    def cold_summary(self, now: float, stale_after: float) -> dict | None:
        """What the index summary counts of the cold sessions (``aggregate.scan(cold=...)``). Cold sessions are
        never waiting or in error (those stay indexed). O(1) on most events: the counts are kept in the state
        until the next cold session turns stale (or the cold ones change); all stale is known from the newest."""
        if not self.cold_count():
            return None
        if self.cold_sum is not None and self._sum_at == self._changes and now < self.cold_sum_until:
            return self.cold_sum
        newest = self.cold_newest()
        if newest is None or now - newest > stale_after:
            out, until = {"active": 0, "agents": 0, "waiting": 0, "max_context_pct": 0}, float("inf")
        else:
            active = [e for e in self.cold.values() if isinstance(e[2], (int, float)) and now - e[2] <= stale_after]
            out = {"active": len(active), "agents": sum(_num(e, 5) for e in active), "waiting": 0,
                   "max_context_pct": max([_num(e, 6) for e in active], default=0)}
            until = min(e[2] for e in active) + stale_after if active else float("inf")
        self.cold_sum, self.cold_sum_until, self._sum_at = out, until, self._changes
        return out

    def cold_sum_current(self) -> bool:
        return self.cold_sum is not None and self._sum_at == self._changes


def _num(item: list, i: int) -> int:
    v = item[i] if len(item) > i else 0
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _read_cold(sdir: str) -> dict:
    try:
        with open(os.path.join(sdir, COLD_NAME), "rb") as f:
            cold = jsonio.loads(f.read(MAX_STATE))
    except (OSError, ValueError, RecursionError):
        return {}
    return cold if isinstance(cold, dict) else {}


def _dir_sig(sdir: str) -> bytes:
    # mtime_ns, size and inode of the dir: every create, rename and unlink in it changes the mtime
    st = os.stat(sdir)
    return b"%d %d %d" % (st.st_mtime_ns, st.st_size, st.st_ino)


def _recorded(lock_fd: int) -> bytes:
    try:
        return os.pread(lock_fd, _SIG_BYTES, _SIG_AT).rstrip(b"\0 \n")
    except (OSError, AttributeError):  # no pread on Windows
        try:
            os.lseek(lock_fd, _SIG_AT, os.SEEK_SET)
            return os.read(lock_fd, _SIG_BYTES).rstrip(b"\0 \n")
        except OSError:
            return b""


def _record(lock_fd: int, value: bytes) -> None:
    data = value[:_SIG_BYTES].ljust(_SIG_BYTES, b" ")
    try:
        os.lseek(lock_fd, _SIG_AT, os.SEEK_SET)
        os.write(lock_fd, data)
    except OSError:
        pass


def invalidate(sdir: str) -> None:
    """Called (under the lock) by any writer that changes the dir without updating the hook's state: the
    next hook reads the dir again. Never raises."""
    try:
        fd = os.open(paths.lock_path(sdir), os.O_RDWR)
    except OSError:
        return
    try:
        _record(fd, b"")
    finally:
        os.close(fd)


_WRITER = "%s/%s" % (__version__, record.VERSION)  # hook version / record version


def _read_state(sdir: str) -> dict | None:
    try:
        with open(os.path.join(sdir, STATE_NAME), "rb") as f:
            state = jsonio.loads(f.read(MAX_STATE))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(state, dict) or state.get("v") != STATE_VERSION or state.get("by") != _WRITER:
        return None  # another hook version kept it: its records may be in an older shape
    if not all(isinstance(state.get(k), t) for k, t in (("hot", dict), ("skipped", list), ("scan_ts", float),
                                                          ("cold_n", int))):
        return None
    return state


def unchanged(sdir: str, lock_fd: int) -> bool:
    """True when nothing changed the dir since the last hook saved its state: call it under the lock,
    before writing anything."""
    try:
        return _recorded(lock_fd) == _dir_sig(sdir)
    except OSError:
        return False


def load(sdir: str, now: float, skip: str | None, fresh: bool, environ: dict | None = None,
         maybe_cold: bool = True) -> View:
    """The dir as the hook needs it, under the lock: from the saved state when ``fresh`` (``unchanged()``
    said so before this hook wrote) and the last full read is recent, else from a full read that re-reads
    only changed files. Old skipped files and expired cold sessions are removed on full reads. ``skip``:
    the event's own file, never in the view; ``maybe_cold``: it existed before this event (so it may be a
    cold session, taken out of the cold ones then: ``view.was_cold``)."""
    state = _read_state(sdir)
    if fresh and state is not None and now - state["scan_ts"] < FULL_SCAN_SECONDS:
        entries = []
        skipped = [item for item in state["skipped"] if item[0] != skip]  # the event's own file is rewritten
        for name, item in state["hot"].items():
            if name == skip or not (isinstance(item, list) and len(item) == 3):
                continue
            path = os.path.join(sdir, name)
            try:  # one stat per indexed session: a file rewritten in place (no rename) is read again
                st = os.stat(path)
            except OSError:
                continue
            sig = [st.st_size, st.st_mtime_ns]
            rec = item[2] if sig == item[:2] else None
            if not isinstance(rec, dict):  # changed, over the state's budget, or a newer version's
                rec, reason = read_entry(path, name, st.st_size, True)
                if rec is None:
                    skipped = [*skipped, [name, reason, st.st_mtime]]
                    continue
            entries.append(record.Entry(rec, st.st_mtime, sig=sig))  # type: ignore[arg-type]
        newest = state.get("cold_newest")
        view = View(sdir, entries, skipped, None, False, state["scan_ts"], state["cold_n"],
                    newest if isinstance(newest, (int, float)) else None)
        cached, until = state.get("cold_sum"), state.get("cold_sum_until")
        if isinstance(cached, dict) and isinstance(until, (int, float)):
            view.cold_sum, view.cold_sum_until, view._sum_at = cached, float(until), 0
        view.was_cold = bool(skip is not None and maybe_cold and skip not in state["hot"] and state["cold_n"]
                             and view.pop_cold(skip))
        return view
    from core import aggregate

    known = None
    if state is not None:
        known = {"hot": state["hot"], "cold": _read_cold(sdir) if state["cold_n"] else {}}
    entries, skipped, cold = read_dir(sdir, skip, known)
    was_cold = cold.pop(skip, None) is not None if skip is not None else False
    if skip is not None and known is not None and not was_cold and maybe_cold:
        was_cold = skip in known["cold"]
    _, remove_after = aggregate.thresholds(environ)
    skipped = remove_old_skipped(sdir, skipped, now, remove_after)
    cold = _expire_cold(sdir, cold, now, remove_after)
    # the indexed sessions: every waiting or error one (aggregate's rule), then the most recently updated;
    # the rest become cold
    entries.sort(key=record.updated_ts, reverse=True)
    keep = limits.MAX_INDEX_ROWS - 1  # room for the event's own session
    pinned = [e for e in entries if aggregate._must_show(e)]
    others = [e for e in entries if not aggregate._must_show(e)]
    room = max(0, keep - len(pinned))
    for e in others[room:]:
        cold[e.session_id + ".json"] = _cold_entry(e)
    hot = pinned + others[:room]
    if len(hot) < keep and cold:  # promote the newest cold sessions
        for name in sorted(cold, key=lambda n: cold[n][2] if isinstance(cold[n][2], (int, float)) else 0,
                           reverse=True)[: keep - len(hot)]:
            path = os.path.join(sdir, name)
            del cold[name]
            try:
                st = os.stat(path)
            except OSError:
                continue
            rec, reason = read_entry(path, name, st.st_size, True)
            if rec is None:
                skipped.append([name, reason, st.st_mtime])
                continue
            hot.append(record.Entry(rec, st.st_mtime, sig=[st.st_size, st.st_mtime_ns]))
    view = View(sdir, hot, skipped, cold, True, now)
    view.was_cold = was_cold
    return view


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def _cold_entry(e: record.Entry) -> list:
    """[size, mtime_ns, updated_ts, pid, pid_file, agents, context %] of a session that leaves the index."""
    sig = e.sig or [0, 0]
    rec = e.record
    if isinstance(rec, record.Newer):
        return [sig[0], sig[1], record.updated_ts(e), None, None, 0, 0]
    row = record.row(rec, 0.0, False, record.updated_ts(e))
    return [sig[0], sig[1], record.updated_ts(e), rec.get("pid"), rec.get("pid_file"), row["agents"],
            row["context_pct"]]


def _expire_cold(sdir: str, cold: dict, now: float, remove_after: float) -> dict:
    from core import liveness

    out = {}
    for name, item in cold.items():
        updated = item[2] if isinstance(item[2], (int, float)) else 0.0
        if now - updated > remove_after:
            pid, reg = item[3], item[4]
            alive = pid is not None and not liveness.is_gone(pid, reg, None)
            if not alive:
                _unlink(os.path.join(sdir, name))
                continue
        out[name] = item
    return out


def save(sdir: str, lock_fd: int, view: View, entries: list) -> None:
    """After the hook's writes (session file, index, links): keep the state for the next event and record
    the dir signature. ``entries``: what was just aggregated (the event's own included, with ``sig``); those
    whose file is gone were removed. The records kept stay under ``limits.MAX_FILE`` in all: beyond that
    budget (and for newer-version files) only the signature is kept and the next hook reads the file."""
    from core import store

    hot: dict = {}
    when: dict = {}
    for e in entries:
        name = e.session_id + ".json"
        if not isinstance(e.sig, list):
            continue
        try:
            st = os.stat(os.path.join(sdir, name))
        except OSError:
            continue  # removed by this aggregation (expired or ended)
        if [st.st_size, st.st_mtime_ns] != e.sig:
            continue  # rewritten meanwhile (a transcript fact): the next full read sees it
        rec = e.record
        hot[name] = [e.sig[0], e.sig[1], None if isinstance(rec, record.Newer) else rec]
        when[name] = (record.updated_ts(e), e)
    from core import aggregate

    # waiting and error sessions are never cold (the index always lists them); then the most recent
    order = sorted(hot, key=lambda n: (not aggregate._must_show(when[n][1]), -when[n][0]))
    for name in order[limits.MAX_INDEX_ROWS:]:
        if aggregate._must_show(when[name][1]):
            continue  # more waiting/error sessions than rows: all stay listed
        del hot[name]
        view.add_cold(name, _cold_entry(when[name][1]))
    skipped = [item for item in view.skipped if item[0] not in hot][:1000]
    budget = limits.MAX_FILE - 8 * 1024  # for the records; cold entries and skipped names come on top
    for name in order:
        if name not in hot:
            continue
        size = hot[name][0] + len(name) + 40
        if size > budget:
            hot[name][2] = None
        else:
            budget -= size
    state = {"v": STATE_VERSION, "by": _WRITER, "scan_ts": float(view.scan_ts), "hot": hot,
             "cold_n": view.cold_count(), "cold_newest": view.cold_newest(), "skipped": skipped}
    if view.cold_sum_current():
        # JSON has no infinity: "until" beyond any clock stands for it
        state.update(cold_sum=view.cold_sum, cold_sum_until=min(view.cold_sum_until, 1e18))
    try:
        if view.cold_dirty:
            store.write_json(os.path.join(sdir, COLD_NAME), view.cold)
        # in place (no rename, so the dir is not touched): only hooks read it, under the lock; a torn copy
        # (a hook killed here) does not parse, and the recorded signature below is still the old one
        fd = os.open(os.path.join(sdir, STATE_NAME), os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0),
                     store.FILE_MODE)
        try:
            data = jsonio.dumps(state).encode("utf-8", "replace")
            view_ = memoryview(data)
            while view_:
                view_ = view_[os.write(fd, view_):]
            os.ftruncate(fd, len(data))
        finally:
            os.close(fd)
        _record(lock_fd, _dir_sig(sdir))
    except OSError:
        _record(lock_fd, b"")
