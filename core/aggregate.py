"""Aggregate per-session files into ``index.json``, mark stale sessions, clean up, keep ``status.json``.

Used by the hook (inside its lock), by the tray and dashboard (every few seconds) and by
``python -m core.aggregate``, in three steps: read (``scan``: the files, liveness, transcript facts; no
decisions), decide (``decide``, pure: stale, expired, what the transcript facts change, the links) and
write (``write``, under the lock). ``removes`` is the one cleanup decision.
"""

from __future__ import annotations

import os
import sys
import time

from core import ledger_write, limits, liveness, load, paths, record, state, store, timefmt, title, transcript
from core import scan as dirscan

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
    return dirscan.is_candidate(name)


class Options:
    """How to aggregate. ``dry_run``: write and delete nothing. ``deep``: also read each Claude registry
    file (``/clear`` or ``/resume`` without a SessionEnd) and look for the Esc marker in transcripts (the
    hook passes False). ``load_info``: the load to report (default: measured now). ``remove_stale``: also
    remove what the index shows as stale (the "clean up" command)."""

    __slots__ = ("deep", "dry_run", "environ", "load_info", "remove_stale")

    def __init__(self, *, dry_run: bool = False, environ: dict | None = None, deep: bool = True,
                 load_info: dict | None = None, remove_stale: bool = False) -> None:
        self.dry_run = dry_run
        self.environ = environ
        self.deep = deep
        self.load_info = load_info
        self.remove_stale = remove_stale


_DEFAULT = Options()  # read only: callers that change options make their own


# ---------------------------------------------------------------- 1. read: scan, no decisions


def load_sessions(sdir: str, skip: str | None = None) -> tuple[list, list]:
    """``record.Entry`` for each session file in ``sdir`` (except ``skip``), and the skipped files as
    ``[name, reason, mtime]`` lists (reason: unreadable, oversized, corrupt, version, foreign; see
    ``core.scan``). Files of a newer version are entries too (``record.Newer``). A missing dir is empty;
    any other unreadable dir raises OSError.
    """
    entries, skipped, _ = dirscan.read_dir(sdir, skip)
    return entries, skipped


class Scan:
    """What the read step found: entries (with ``alive`` marked), the skipped files (``[name, reason,
    mtime]`` lists, or a count), the ids whose process is certainly gone, transcript facts per session id,
    the load, how many sessions were not read (``omitted``: the hook's cold sessions, ``core.scan``) and
    what the summary counts of those (``cold``: ``active``, ``agents``, ``waiting``, ``max_context_pct``)."""

    __slots__ = ("cold", "entries", "facts", "gone", "load_info", "omitted", "skipped")

    def __init__(self, entries: list, skipped: object = 0, gone: frozenset | set = frozenset(),
                 facts: dict | None = None, load_info: dict | None = None, omitted: int = 0,
                 cold: dict | None = None) -> None:
        self.cold = cold
        self.entries = entries
        self.skipped = skipped
        self.gone = gone
        self.facts = facts or {}
        self.load_info = load_info
        self.omitted = omitted


def _records(entries: list) -> list:
    return [e for e in entries if not isinstance(e.record, record.Newer)]


def check_alive(entries: list, deep: bool = False) -> set:
    """Ids whose Claude process is certainly gone; marks ``alive`` on the entries known to be running.
    ``deep`` also reads each registry file: one that now names another session (``/clear`` or
    ``/resume`` without a SessionEnd) means ours is gone."""
    gone = set()
    for e in _records(entries):
        rec = e.record
        pid, reg = rec.get("pid"), rec.get("pid_file")
        if pid is None:
            continue
        if liveness.is_gone(pid, reg, rec["session_id"] if deep else None):
            gone.add(rec["session_id"])
        else:
            e.alive = True
    return gone


TAIL = "tail"  # the pseudo-fact that carries what ``read_tail`` read: ``(TAIL, (sig, info))``


def read_tail(rec: object) -> list | None:
    """The read half of following a transcript between hooks (issue 10): what the session's transcript
    says since the offset its record remembers (``transcript_sig``, see ``core.transcript.follow``), as
    facts for ``apply_tail``: ``[(state.FACT_*, value), ..., (TAIL, (sig, info))]``; None when nothing new
    (or no transcript). Bounded: at most ``transcript.FOLLOW_MAX`` bytes a call."""
    if not isinstance(rec, dict) or isinstance(rec, record.Newer):
        return None
    since = rec.get("transcript_sig")
    sig, info, facts = transcript.follow(rec.get("transcript_path"), since)
    if sig is None or (sig == since and not facts):
        return None
    return [*facts, (TAIL, (sig, info))]


def apply_tail(rec: record.SessionRecord, items: list, now: float, environ: dict | None = None) -> bool:
    """The one application of a transcript's new tail to a record (the hook on every event, before the
    event's own rule; the readers through ``decide``): the facts through ``core.state.decide`` (interrupt
    -> idle, the waiting call's tool result -> working, the reply's and the compaction's figures), then
    the offset, model, titles and the context window. True when the record changed."""
    changed = False
    context = rec.get("context")
    if not isinstance(context, dict):
        return False
    for fact, value in items:
        if fact != TAIL:
            changed = state.decide(rec, fact, now, value=value) or changed
            continue
        sig, info = value
        changed = changed or rec.get("transcript_sig") != sig
        rec["transcript_sig"] = sig
        if isinstance(info.get("tokens"), int):
            changed = changed or context.get("current_tokens") != info["tokens"]
            context["current_tokens"] = info["tokens"]
        if isinstance(info.get("model"), str):
            rec["model"] = info["model"]
        if info.get("one_m"):
            rec["one_m"] = True
        titles = rec.get("titles")
        if isinstance(titles, dict):
            for key, name in (("custom_title", "custom"), ("ai_title", "ai")):
                if isinstance(info.get(key), str):
                    titles[name] = info[key]
    tokens = context.get("current_tokens") or 0
    if isinstance(tokens, int) and tokens > record.DEFAULT_WINDOW:
        rec["one_m"] = True
    env: dict = os.environ if environ is None else environ  # type: ignore[assignment]
    context["total_tokens"] = record.context_window(rec.get("model"), tokens if isinstance(tokens, int) else 0,
                                                    bool(rec.get("one_m")), env, record.reported_window(rec),
                                                    record.learned_window(rec))
    context["percentage"] = record.percentage(context)
    return changed


def claude_status_facts(rec: object) -> list:
    """What Claude Code's own session registry says that the hooks do not (issue 10 finding 4: no hook
    fires on approve): for a session we show waiting, ``[(state.FACT_CLAUDE_BUSY, when)]`` once Claude Code
    says "busy"; else []. One small read, for waiting sessions only."""
    if not isinstance(rec, dict) or isinstance(rec, record.Newer) or rec.get("state") != state.WAITING:
        return []
    found = liveness.registry_status(rec.get("pid_file"), rec.get("session_id"))
    return [(state.FACT_CLAUDE_BUSY, found[1])] if found is not None and found[0] == "busy" else []


def transcript_facts(entries: list, now: float) -> dict:
    """``{session id: read_tail(...)}`` for every main session whose transcript grew since its record's
    offset (the interrupt marker, an approved call's result, the reply after Stop, the compaction boundary),
    then what Claude Code's registry says of a waiting session (``claude_status_facts``). One ``stat`` per
    session when nothing changed; reads only the new bytes, bounded."""
    facts: dict = {}
    for e in _records(entries):
        items = read_tail(e.record)
        if items and items[-1][1][1].get("restart") and now - record.updated_ts(e) < STUCK_CHECK_SECONDS:
            # read from the end (no offset yet): the marker may predate the newest event; trust it once quiet
            items = [item for item in items if item[0] != state.FACT_INTERRUPTED]
        busy = claude_status_facts(e.record)
        if busy:
            items = [*(items or []), *busy]  # after the transcript's facts: Esc's marker comes first
        if items:
            facts[e.session_id] = items
    return facts


def scan(sdir: str, now: float, options: Options | None = None, entries: list | None = None, skipped: object = 0,
         omitted: int = 0, cold: dict | None = None) -> Scan:
    """The read step: the session files (unless ``entries`` are given), liveness, transcript facts, load.
    ``omitted``/``cold``: sessions the caller did not read and their counts (see ``Scan``)."""
    options = _DEFAULT if options is None else options
    own_read = entries is None  # a reader's full read follows every transcript; the hook follows its own
    if entries is None:
        entries, skipped = load_sessions(sdir)
    gone = check_alive(entries, options.deep)
    facts = transcript_facts(entries, now) if options.deep or own_read else {}
    load_info = options.load_info if options.load_info is not None else load.current(options.environ)
    return Scan(entries, skipped, gone, facts, load_info, omitted, cold)


# ---------------------------------------------------------------- 2. decide: pure


def expired(entry: record.Entry, now: float, remove_after: float, gone: bool) -> bool:
    """Pure: delete this session? Its process is gone, or it is older than ``remove_after`` and not
    known to be alive."""
    if gone:
        return True
    return now - record.updated_ts(entry) > remove_after and not entry.alive


def is_stale(entry: record.Entry, age: float, stale_after: float) -> bool:
    """Pure: no report for ``stale_after`` seconds (PRD FR-4), unless the session is waiting for you
    (nothing fires while a prompt is open) or its Claude process is known to be running (a long tool
    call reports nothing either)."""
    if age <= stale_after or entry.alive:
        return False
    rec = entry.record
    return isinstance(rec, record.Newer) or state.state_of(rec) != state.WAITING


def removes(entry: record.Entry, now: float, options: Options, gone: frozenset | set, drop: str | None = None,
            after: tuple[float, float] | None = None) -> bool:
    """Pure: the one cleanup decision (the hook, the tray, the dashboard, ``python -m core.aggregate``
    and the "clean up" command all use it). ``drop`` names a session that is ending (SessionEnd);
    ``after``: ``thresholds(options.environ)`` when the caller has them already."""
    stale_after, remove_after = thresholds(options.environ) if after is None else after
    sid = entry.session_id
    if sid == drop or expired(entry, now, remove_after, sid in gone):
        return True
    return options.remove_stale and is_stale(entry, now - record.updated_ts(entry), stale_after)


def _count(skipped: object) -> int:
    return len(skipped) if isinstance(skipped, list) else int(skipped or 0)  # type: ignore[call-overload]


def summarize(rows: list, load_info: dict, skipped: object = 0, omitted: int = 0, cold: dict | None = None) -> dict:
    """Pure: the index ``summary`` over every session: ``rows`` (all the sessions read, including any the
    index leaves out) plus ``omitted`` sessions not read at all (the hook's cold ones), whose counts the
    caller gives in ``cold`` (``active``, ``agents``, ``waiting``, ``max_context_pct``). Agents, context and
    waiting count active sessions only."""
    active = [r for r in rows if r.get("status") != "stale"]
    cold = cold or {}
    cold_active = int(cold.get("active") or 0)
    return {
        "total_sessions": len(rows) + omitted,
        "active_sessions": len(active) + cold_active,
        "stale_sessions": len(rows) - len(active) + omitted - cold_active,
        "total_agents": sum(r["agents"] for r in active) + int(cold.get("agents") or 0),
        "max_context_pct": max([r["context_pct"] for r in active] + [int(cold.get("max_context_pct") or 0)]),
        "load": load_info,
        "waiting_sessions": sum(1 for r in active if r.get("state") == "waiting") + int(cold.get("waiting") or 0),
        "skipped_files": _count(skipped),
        "newer_sessions": sum(1 for r in rows if r.get("reason") == state.NEWER_VERSION),
        "omitted_sessions": omitted,
    }


def _must_show(entry: record.Entry) -> bool:
    """A session the index never leaves out: one waiting for the user (it reports nothing while it waits,
    so it is never among the most recently updated) or in error."""
    rec = entry.record
    return not isinstance(rec, record.Newer) and state.state_of(rec) in (state.WAITING, state.ERROR)


def shown(entries: list, limit: int) -> list:
    """Pure: the entries the index lists when there are more than ``limit``: every waiting or error one,
    then the most recently updated."""
    if len(entries) <= limit:
        return entries
    ranked = sorted(entries, key=lambda e: (not _must_show(e), -record.updated_ts(e)))
    return ranked[:limit]


def row_of(entry: record.Entry, now: float, stale_after: float) -> dict:
    """Pure: the index row of one entry (a ``record.Newer`` one shows as written by a newer version)."""
    updated = record.updated_ts(entry)
    stale = is_stale(entry, now - updated, stale_after)
    rec = entry.record
    if isinstance(rec, record.Newer):
        return record.newer_row(rec, now, stale, updated)  # type: ignore[return-value]
    return record.row(rec, now, stale, updated)  # type: ignore[return-value]


def build_index(entries: list, now: float, skipped: object = 0, environ: dict | None = None,
                sdir: str | None = None, load_info: dict | None = None, omitted: int = 0,
                cold: dict | None = None) -> dict:
    """Pure (given ``load_info``): the index for ``entries`` (``record.Entry``) at time ``now``. Bounded:
    at most ``limits.MAX_INDEX_ROWS`` rows (``shown``: waiting and error sessions always, then the most
    recently updated), each capped by ``limits.fit_row``; the summary counts every session, the ones left
    out (``omitted_sessions``) and the ``omitted`` ones not read (counts in ``cold``) included.
    ``skipped``: the skipped files (``[name, reason, mtime]`` lists, as ``load_sessions`` gives; the first
    few are listed by name) or a count."""
    stale_after, _ = thresholds(environ)
    rows_of = {e.session_id: row_of(e, now, stale_after) for e in entries}
    listed = shown(entries, limits.MAX_INDEX_ROWS)
    keyed = sorted((record.first_seen_ts(e, record.updated_ts(e)), e.session_id) for e in listed)
    rows = [limits.fit_row(rows_of[sid]) for _, sid in keyed]
    load_info = load_info if load_info is not None else load.current(environ)
    summary = summarize(list(rows_of.values()), load_info, skipped, omitted, cold)
    summary["omitted_sessions"] = omitted + len(entries) - len(listed)
    index: dict = {
        "version": record.VERSION,
        "updated_at": timefmt.iso(now),
        "status_dir": sdir,
        "sessions": rows,
        "summary": summary,
    }
    if isinstance(skipped, list) and skipped:
        index["skipped"] = dirscan.report(skipped)
    index["title"] = title.title(index)
    return index


def _with_facts(entry: record.Entry, facts: list, now: float) -> record.Entry | None:
    """A new entry whose record the transcript facts changed (through ``core.state``), else None. A fact
    is a name (``state.FACT_*``) or a ``(name, value)`` pair."""
    rec = entry.record
    if isinstance(rec, record.Newer):
        return None
    new = rec.copy()
    for key in ("task", "context"):
        if isinstance(new.get(key), dict):
            new[key] = new[key].copy()
    if isinstance(new.get("titles"), dict):
        new["titles"] = new["titles"].copy()
    pairs = [item if isinstance(item, tuple) else (item, None) for item in facts]
    changed = apply_tail(new, pairs, now)
    if not changed:
        return None
    new["context"]["percentage"] = record.percentage(new["context"])
    return record.Entry(new, entry.mtime, entry.alive)


def newest(entries: list) -> str | None:
    """Pure: the session id both ``status.json`` links point to (the latest report of our version)."""
    ours = _records(entries)
    best = max(ours, key=record.updated_ts, default=None)
    return None if best is None else best.session_id


class Decision:
    """What to write: the index, the entries kept, the ids to remove, the records that changed (and, per
    session id, ``ledger_write.snapshot`` of each before the change) and the session the links point to."""

    __slots__ = ("before", "changed", "doomed", "index", "keep", "link")

    def __init__(self, index: dict, keep: list, doomed: list, changed: list, link: str | None,
                 before: dict | None = None) -> None:
        self.index = index
        self.keep = keep
        self.doomed = doomed
        self.changed = changed
        self.link = link
        self.before = before or {}


def decide(found: Scan, now: float, options: Options | None = None, sdir: str | None = None,
           drop: str | None = None) -> Decision:
    """The decide step, pure: what to remove, what the transcript facts change, the index, the links."""
    options = _DEFAULT if options is None else options
    keep, doomed, changed = [], [], []
    before: dict = {}
    after = thresholds(options.environ)
    for entry in found.entries:
        if removes(entry, now, options, found.gone, drop, after):
            doomed.append(entry.session_id)
            continue
        updated = _with_facts(entry, found.facts[entry.session_id], now) if entry.session_id in found.facts else None
        if updated is not None:
            changed.append(updated)
            before[entry.session_id] = ledger_write.snapshot(entry.record)
        keep.append(updated or entry)
    index = build_index(keep, now, found.skipped, options.environ, sdir, found.load_info, found.omitted, found.cold)
    return Decision(index, keep, doomed, changed, newest(keep), before)


# ---------------------------------------------------------------- 3. write: under the lock


def _sweep_temp_files(sdir: str, now: float) -> None:
    try:
        names = os.listdir(sdir)
    except OSError:
        return
    for name in names:
        if name.startswith(".") and name.endswith(store.TMP_SUFFIX):
            path = os.path.join(sdir, name)
            try:
                if now - os.lstat(path).st_mtime > TMP_GRACE_SECONDS:  # a temp symlink: its own age
                    os.unlink(path)
            except OSError:
                pass
        elif name.startswith(paths.FOLLOW_TOKEN):
            _sweep_follow_token(os.path.join(sdir, name), now)


def _sweep_follow_token(path: str, now: float) -> None:
    """A follower killed with SIGKILL leaves its token: remove it once its pid is gone (after the grace)."""
    try:
        if now - os.lstat(path).st_mtime <= TMP_GRACE_SECONDS:
            return
        with open(path, "rb") as f:
            text = f.read(32).strip()
        pid = int(text) if text.isdigit() else 0
        if pid > 0 and liveness.pid_alive(pid):
            return
        os.unlink(path)
    except OSError:
        pass


def publish(sdir: str, index: dict, link: str | None, environ: dict | None = None) -> None:
    """Write ``index.json`` and point both ``status.json`` links at session ``link``. Raises OSError."""
    store.write_json(paths.index_path(sdir), index)
    name = None if link is None else link + ".json"
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


def write(sdir: str, decision: Decision, now: float, environ: dict | None = None, sweep: bool = True) -> None:
    """The write step (the caller holds the lock): records a transcript fact changed, the index, the
    links, removals, old temp files (``sweep``; the hook sweeps on its full reads only). A changed record
    keeps its ``event_ts``: any later event still wins. A wait a transcript or registry fact ended (approve,
    Esc) closes in the daily ledger here, at that moment (issue 12): under the lock, before the record is
    written, as the hook does, so whoever applies the change first closes it and nobody twice."""
    for e in decision.changed:
        ledger_write.note(sdir, decision.before.get(e.session_id, {}), e.record, now, None)
        store.write_session(paths.session_path(sdir, e.session_id), e.record)
    publish(sdir, decision.index, decision.link, environ)
    for sid in decision.doomed:
        store.remove(paths.session_path(sdir, sid))
    if sweep:
        _sweep_temp_files(sdir, now)


def update(sdir: str, now: float, found: Scan, options: Options | None = None, drop: str | None = None,
           sweep: bool = True) -> Decision:
    """Decide and (unless ``options.dry_run``) write; the caller holds the lock (the hook does)."""
    options = _DEFAULT if options is None else options
    decision = decide(found, now, options, sdir, drop)
    if not options.dry_run:
        write(sdir, decision, now, options.environ, sweep)
    return decision


def _scan_and_tidy(sdir: str, now: float, options: Options) -> Scan:
    """The full read of a writer other than the hook (under the lock): skipped files old enough are
    removed, and the hook's incremental view is told the dir changed."""
    found = scan(sdir, now, options)
    _, remove_after = thresholds(options.environ)
    found.skipped = dirscan.remove_old_skipped(sdir, found.skipped, now, remove_after)  # type: ignore[arg-type]
    dirscan.invalidate(sdir)
    return found


def _run(sdir: str, now: float, options: Options, wait: float | None) -> Decision:
    if options.dry_run or not os.path.isdir(sdir):
        return decide(scan(sdir, now, options), now, options, sdir)
    try:
        with store.DirLock(paths.lock_path(sdir), **({} if wait is None else {"timeout": wait})):
            return update(sdir, now, _scan_and_tidy(sdir, now, options), options)
    except TimeoutError:
        if wait is None:
            raise
        return decide(scan(sdir, now, options), now, options, sdir)


def aggregate(sdir: str | None = None, now: float | None = None, options: Options | None = None) -> dict:
    """Read, decide and write (under the status-dir lock) and return the index. When another process
    holds the lock for long, this returns the fresh index without writing."""
    options = _DEFAULT if options is None else options
    sdir = paths.status_dir(options.environ) if sdir is None else sdir
    now = time.time() if now is None else now
    return _run(sdir, now, options, 1.0).index


def current(sdir: str | None = None, now: float | None = None, options: Options | None = None) -> dict:
    """The index readers show: the status dir's, else (no status dir at all, NFR-2) one from the legacy
    single-session ``status.json`` (``index["legacy"]`` is True), else an empty one."""
    options = _DEFAULT if options is None else options
    sdir = paths.status_dir(options.environ) if sdir is None else sdir
    now = time.time() if now is None else now
    if os.path.isdir(sdir):
        return aggregate(sdir, now, options)
    legacy = legacy_index(options.environ, now, options.load_info)
    return legacy if legacy is not None else build_index([], now, 0, options.environ, sdir, options.load_info)


def cleanup(sdir: str | None = None, now: float | None = None, *, include_stale: bool = False,
            environ: dict | None = None) -> int:
    """Remove expired (with ``include_stale``: all stale) sessions now, under the lock; returns how many."""
    sdir = paths.status_dir(environ) if sdir is None else sdir
    now = time.time() if now is None else now
    if not os.path.isdir(sdir):
        return 0
    return len(_run(sdir, now, Options(environ=environ, remove_stale=include_stale), None).doomed)


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
    rec = record.upgrade(raw, raw["session_id"])
    if rec is None:
        return None
    index = build_index([record.Entry(rec, mtime)], now, 0, environ, None, load_info)
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
    parser.add_argument("--version", action="version", version="claude-status %s" % __version__)
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
        index = aggregate(sdir, options=Options(dry_run=args.dry_run))
    except OSError as exc:
        try:
            aggregate(sdir, options=Options(dry_run=True))
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
