"""Aggregate per-session files into ``index.json``, mark stale sessions, clean up, keep ``status.json``.

Used by the hook (inside its lock), by the tray and dashboard (every few seconds) and by
``python -m core.aggregate``. Deciding is pure (``build_index``, ``expired``); I/O is at the edges.
"""

from __future__ import annotations

import os
import sys
import time

from core import jsonio, liveness, load, paths, schema, store, timefmt, title, transcript

STALE_SECONDS = 300.0
REMOVE_SECONDS = 1800.0
TMP_GRACE_SECONDS = 60.0
STUCK_CHECK_SECONDS = 15.0


def thresholds(environ: dict | None = None) -> tuple[float, float]:
    """``(stale after, remove after)`` in seconds; ``CLAUDE_STATUS_STALE_SECONDS`` and
    ``CLAUDE_STATUS_REMOVE_SECONDS`` override the PRD's 5 and 30 minutes."""
    env = os.environ if environ is None else environ
    out = []
    keys = (("CLAUDE_STATUS_STALE_SECONDS", STALE_SECONDS), ("CLAUDE_STATUS_REMOVE_SECONDS", REMOVE_SECONDS))
    for key, default in keys:
        try:
            value = float(env.get(key, default))
        except (TypeError, ValueError):
            value = default
        out.append(value if value > 0 else default)
    return out[0], max(out[0], out[1])


def _is_session_name(name: str) -> bool:
    return name.endswith(".json") and not name.startswith(".") and name not in (paths.INDEX_NAME, paths.LINK_NAME)


def load_sessions(sdir: str, skip: str | None = None) -> tuple[list, int]:
    """Parsed session files in ``sdir`` (except ``skip``), and how many were corrupt or foreign.

    Each dict gets ``_mtime``. A missing dir is empty; any other unreadable dir raises OSError.
    """
    sessions: list = []
    skipped = 0
    try:
        entries = list(os.scandir(sdir))
    except FileNotFoundError:
        return sessions, 0
    for entry in entries:
        name = entry.name
        if not _is_session_name(name) or name == skip:
            continue
        try:
            with open(entry.path, "rb") as f:
                raw = jsonio.loads(f.read(1 << 20))
            mtime = entry.stat().st_mtime
        except (OSError, ValueError, RecursionError):
            skipped += 1
            continue
        session = schema.validate(raw, name[:-5])
        if session is None:
            skipped += 1
            continue
        session["_mtime"] = mtime
        sessions.append(session)
    return sessions, skipped


def expired(session: dict, now: float, remove_after: float, gone: bool) -> bool:
    """Pure: delete this session? Its process is gone, or it is older than ``remove_after`` and not
    known to be alive."""
    if gone:
        return True
    age = now - schema.updated_ts(session, session.get("_mtime", now))
    return age > remove_after and not session.get("_alive")


def is_stale(session: dict, age: float, stale_after: float) -> bool:
    """Pure: no report for ``stale_after`` seconds (PRD FR-4), unless the session is waiting for you
    (nothing fires while a prompt is open) or its Claude process is known to be running (a long tool
    call reports nothing either)."""
    if age <= stale_after or session.get("_alive"):
        return False
    return (session.get("_state_override") or schema.state_of(session)) != "waiting"


def summarize(rows: list, load_info: dict, skipped: int = 0) -> dict:
    """Pure: the index ``summary`` for its rows; agents, context and waiting count active rows only."""
    active = [r for r in rows if r.get("status") != "stale"]
    return {
        "total_sessions": len(rows),
        "active_sessions": len(active),
        "stale_sessions": len(rows) - len(active),
        "total_agents": sum(r["agents"] for r in active),
        "max_context_pct": max((r["context_pct"] for r in active), default=0),
        "load": load_info,
        "waiting_sessions": sum(1 for r in active if r.get("state") == "waiting"),
        "skipped_files": skipped,
    }


def build_index(sessions: list, now: float, skipped: int = 0, environ: dict | None = None,
                sdir: str | None = None, load_info: dict | None = None) -> dict:
    """Pure: the index for ``sessions`` (dicts as read from disk) at time ``now``."""
    stale_after, _ = thresholds(environ)
    keyed = []
    for s in sessions:
        updated = schema.updated_ts(s, s.get("_mtime", now))
        keyed.append((schema.first_seen_ts(s, updated), s["session_id"], s, updated))
    keyed.sort(key=lambda k: (k[0], k[1]))
    rows = []
    for _, _, s, updated in keyed:
        r = schema.row(s, now, is_stale(s, now - updated, stale_after), updated)
        override = s.get("_state_override")
        if override:
            r["state"], r["detail"], r["waiting_for"] = override, s.get("_detail_override"), None
        rows.append(r)
    index = {
        "version": schema.VERSION,
        "updated_at": timefmt.iso(now),
        "status_dir": sdir,
        "sessions": rows,
        "summary": summarize(rows, load_info if load_info is not None else load.current(environ), skipped),
    }
    index["title"] = title.title(index)
    return index


def _check_alive(sessions: list, deep: bool = False) -> set:
    """Ids whose Claude process is certainly gone; marks ``_alive`` on those known to be running.
    ``deep`` also reads each registry file: one that now names another session (``/clear`` or
    ``/resume`` without a SessionEnd) means ours is gone."""
    gone = set()
    for s in sessions:
        pid, reg = s.get("pid"), s.get("pid_file")
        if pid is None:
            continue
        if liveness.is_gone(pid, reg, s["session_id"] if deep else None):
            gone.add(s["session_id"])
        else:
            s["_alive"] = True
    return gone


_TAIL_CACHE: dict = {}


def _check_interrupted(sessions: list, now: float) -> None:
    """Esc fires no hook: a 'working'/'waiting' session quiet for a while whose transcript ends in the
    interrupt marker is really idle. Reads only transcripts that changed (cached by size+mtime)."""
    for s in sessions:
        if s.get("state") not in ("working", "waiting"):
            continue
        if now - schema.updated_ts(s, s.get("_mtime", now)) < STUCK_CHECK_SECONDS:
            continue
        path = s.get("transcript_path")
        sig = transcript.signature(path)
        if sig is None:
            continue
        cached = _TAIL_CACHE.get(path)
        if cached is None or cached[0] != sig:
            cached = (sig, transcript.tail_info(path, 256 * 1024).get("interrupted", False))
            _TAIL_CACHE[path] = cached
        if cached[1]:
            s["_state_override"], s["_detail_override"] = "idle", "interrupted"


def _sweep_temp_files(sdir: str, now: float) -> None:
    try:
        names = os.listdir(sdir)
    except OSError:
        return
    for name in names:
        if name.startswith(".") and name.endswith(store.TMP_SUFFIX):
            path = os.path.join(sdir, name)
            try:
                if now - os.stat(path).st_mtime > TMP_GRACE_SECONDS:
                    os.unlink(path)
            except OSError:
                pass


def publish(sdir: str, index: dict, sessions: list, environ: dict | None = None) -> None:
    """Write ``index.json`` and point both ``status.json`` links at the newest session. Raises OSError."""
    store.write_json(paths.index_path(sdir), index)
    newest = max(sessions, key=lambda s: schema.updated_ts(s, s.get("_mtime", 0.0)), default=None)
    name = None if newest is None else newest["session_id"] + ".json"
    source = None if name is None else os.path.join(sdir, name)
    store.point_link(paths.status_link_path(sdir), name, source)
    if paths.legacy_link_wanted(sdir, environ):
        legacy = paths.legacy_status_path(environ)
        rel = None if name is None else os.path.basename(sdir) + os.sep + name
        _keep_regular_file(legacy)
        store.point_link(legacy, rel, source)


def _keep_regular_file(path: str) -> None:
    """A regular ``<claude dir>/status.json`` (another tool's, or the PRD's v1.0.0 hook's) is moved to
    ``status.json.bak-claude-status`` once, before our link replaces it; a later one is left to the link."""
    try:
        if not os.path.islink(path) and os.path.isfile(path):
            backup = path + ".bak-claude-status"
            if not os.path.lexists(backup):
                os.replace(path, backup)
    except OSError:
        pass


def aggregate(sdir: str | None = None, now: float | None = None, *, dry_run: bool = False,
              environ: dict | None = None, deep: bool = True, sessions: list | None = None,
              skipped: int = 0, drop: str | None = None, load_info: dict | None = None,
              locked: bool = False) -> dict:
    """Read (unless ``sessions`` is given), clean up, write and return the index. See module docstring.

    Writes happen under the status-dir lock (``locked``: the caller holds it already, as the hook does);
    when another process holds it for long, this returns the fresh index without writing.
    ``deep`` also looks for Esc-interrupted sessions in transcripts (the hook passes False). ``drop``
    names a session id that is ending: links move away from it before its file is deleted.
    """
    sdir = paths.status_dir(environ) if sdir is None else sdir
    now = time.time() if now is None else now
    if dry_run or locked or not os.path.isdir(sdir):
        return _aggregate(sdir, now, dry_run or not os.path.isdir(sdir), environ, deep, sessions, skipped, drop,
                          load_info)
    try:
        with store.DirLock(paths.lock_path(sdir), timeout=1.0):
            return _aggregate(sdir, now, False, environ, deep, sessions, skipped, drop, load_info)
    except TimeoutError:
        return _aggregate(sdir, now, True, environ, deep, sessions, skipped, drop, load_info)


def _aggregate(sdir: str, now: float, dry_run: bool, environ: dict | None, deep: bool, sessions: list | None,
               skipped: int, drop: str | None, load_info: dict | None) -> dict:
    if sessions is None:
        sessions, skipped = load_sessions(sdir)
    _, remove_after = thresholds(environ)
    gone = _check_alive(sessions, deep)
    keep, doomed = [], []
    for s in sessions:
        if s["session_id"] == drop or expired(s, now, remove_after, s["session_id"] in gone):
            doomed.append(s)
        else:
            keep.append(s)
    if deep:
        _check_interrupted(keep, now)
    index = build_index(keep, now, skipped, environ, sdir, load_info)
    if dry_run:
        return index
    publish(sdir, index, keep, environ)
    for s in keep:
        if s.get("_state_override"):
            _persist_override(sdir, s, now)
    for s in doomed:
        store.remove(paths.session_path(sdir, s["session_id"]))
    _sweep_temp_files(sdir, now)
    return index


def _persist_override(sdir: str, session: dict, now: float) -> None:
    """Write a transcript-derived state (Esc) into the session file, under the lock, so every reader
    (and the hook's next aggregation) agrees. ``event_ts`` is kept: any later event still wins."""
    record = {k: v for k, v in session.items() if not k.startswith("_")}
    record.update(state=session["_state_override"], detail=session.get("_detail_override"),
                  waiting_for=None, waiting_call=None, state_since=timefmt.iso(now), state_ts=now)
    task = record.get("task")
    if isinstance(task, dict):
        task["status"] = "idle"
    store.write_json(paths.session_path(sdir, session["session_id"]), record)


def cleanup(sdir: str | None = None, now: float | None = None, *, include_stale: bool = False,
            environ: dict | None = None) -> int:
    """Remove expired (with ``include_stale``: all stale) sessions now, under the lock; returns how many."""
    sdir = paths.status_dir(environ) if sdir is None else sdir
    now = time.time() if now is None else now
    if not os.path.isdir(sdir):
        return 0
    with store.DirLock(paths.lock_path(sdir)):
        sessions, skipped = load_sessions(sdir)
        stale_after, remove_after = thresholds(environ)
        gone = _check_alive(sessions, deep=True)
        doomed = {s["session_id"] for s in sessions if expired(s, now, remove_after, s["session_id"] in gone)}
        if include_stale:  # what the index shows as stale, removed on request
            doomed |= {s["session_id"] for s in sessions
                       if is_stale(s, now - schema.updated_ts(s, s.get("_mtime", now)), stale_after)}
        keep = [s for s in sessions if s["session_id"] not in doomed]
        publish(sdir, build_index(keep, now, skipped, environ, sdir), keep, environ)
        for sid in doomed:
            store.remove(paths.session_path(sdir, sid))
    return len(doomed)


def signature(sdir: str | None = None, environ: dict | None = None) -> tuple:
    """Cheap change detector: the dir's mtime plus each session file's name, size and mtime."""
    sdir = paths.status_dir(environ) if sdir is None else sdir
    try:
        top = os.stat(sdir).st_mtime_ns
        files = tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns)
                             for e in os.scandir(sdir) if _is_session_name(e.name)))
    except OSError:
        return ()
    return (top, files)


def legacy_index(environ: dict | None = None, now: float | None = None, load_info: dict | None = None) -> dict | None:
    """NFR-2: an index from the single-session ``<claude dir>/status.json`` when there is no status dir."""
    now = time.time() if now is None else now
    path = paths.legacy_status_path(environ)
    try:
        raw = store.read_json(path)
        mtime = os.stat(path).st_mtime
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("session_id"), str):
        return None
    session = schema.validate(raw, raw["session_id"])
    if session is None:
        return None
    session["_mtime"] = mtime
    index = build_index([session], now, 0, environ, None, load_info)
    index["legacy"] = True
    return index


def render_text(index: dict, now: float | None = None) -> str:
    """A readable table, one line a session, for ``--text``."""
    lines = [index.get("title", "")]
    rows = index.get("sessions", [])
    if not rows:
        lines.append("no sessions")
    for r in rows:
        state = r["state"] + ("" if r["status"] == "active" else " (stale)")
        if r.get("waiting_for"):
            state += ": " + r["waiting_for"]
        lines.append("%-8s %-28s ctx %3d%%  %2da  %-12s %-16s %s" % (
            r["session_id"][:8], state[:28], r["context_pct"], r["agents"],
            timefmt.ago(r["age_seconds"]), (r.get("project") or "-")[:16], title.shorten(r["task"], 40)))
    s = index.get("summary", {})
    load_info = s.get("load") or {}
    lines.append("%d sessions (%d active, %d stale), %d agents, max context %d%%, load %s (%s)%s" % (
        s.get("total_sessions", 0), s.get("active_sessions", 0), s.get("stale_sessions", 0),
        s.get("total_agents", 0), s.get("max_context_pct", 0), load_info.get("status"), load_info.get("load_avg"),
        ", %d unreadable files skipped" % s["skipped_files"] if s.get("skipped_files") else ""))
    return "\n".join(lines)


def main(argv: list | None = None, prog: str = "python -m core.aggregate") -> int:
    """``python -m core.aggregate`` (``claude-status aggregate``): re-aggregate, rewrite ``index.json``, print it."""
    import argparse
    import json

    from core import __version__

    parser = argparse.ArgumentParser(prog=prog,
                                     description="Re-aggregate Claude Code session status files and print the index.")
    parser.add_argument("--version", action="version", version="claude-status-tray %s" % __version__)
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--title", action="store_true", help="print only the tray title line")
    out.add_argument("--text", action="store_true", help="print a readable table, one line a session")
    parser.add_argument("--dir", metavar="DIR", help="status dir to read (default: %(default)s)",
                        default=paths.status_dir())
    parser.add_argument("--dry-run", action="store_true", help="write and delete nothing")
    args = parser.parse_args(argv)
    sdir = os.path.abspath(os.path.expanduser(args.dir))
    if os.path.lexists(sdir) and not os.path.isdir(sdir):
        print("error: cannot read status dir %s: it is a file, not a directory" % sdir, file=sys.stderr)
        return 1
    try:
        index = aggregate(sdir, dry_run=args.dry_run)
    except OSError as exc:
        try:
            aggregate(sdir, dry_run=True)
        except OSError:
            print("error: cannot read status dir %s: %s" % (sdir, exc.strerror or exc), file=sys.stderr)
        else:  # reading works: only writing (index.json, links, clean-up) fails
            print("error: cannot write to status dir %s: %s (%s); --dry-run reads without writing" % (
                sdir, exc.strerror or exc, getattr(exc, "filename", None) or sdir), file=sys.stderr)
        return 1
    if args.title:
        print(index["title"])
    elif args.text:
        print(render_text(index))
    else:
        print(json.dumps(index, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
