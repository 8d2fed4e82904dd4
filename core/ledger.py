"""The daily ledger (issue 12): the minutes your sessions waited on you, prompts, cost and rate limits, kept
in the status dir so today's figures survive sessions ending, tray restarts and SIGKILLed hooks.

Writers (under the status-dir lock, never a process of its own): the hook (``hook/main.py``) and the
status-line tap (``hook/statusline.py``) call ``core.ledger_write.note(sdir, old, new, now, event)`` with the
session record before and after their change; ``note`` compares them (it never re-decides state: ``core.state`` did) and
appends one short JSON line per fact to ``<status dir>/.ledger-YYYY-MM-DD.jsonl`` (local day, 0600):

- ``{"k": "w", "s": sid, "a": start}``: a wait opened (``a`` = the record's ``state_ts``: the wait's key);
- ``{"k": "w", "s": sid, "a": start, "b": end}``: that wait closed;
- ``{"k": "p", "s": sid, "t": ts}``: a prompt (UserPromptSubmit), keyed by its time;
- ``{"k": "c", "s": sid, "t": ts, "usd": total, "add": n, "del": n, "api": ms}``: the session's ABSOLUTE
  ``cost`` totals from Claude Code's status-line input, whenever they grew;
- ``{"k": "l", "t": ts, "rl": rate_limits}``: Claude Code's ``rate_limits`` whenever they changed.

Every entry is idempotent: a hook killed after appending but before writing its session file makes the
next hook append the same keys again, and the reader dedupes (waits by ``(sid, a)``, prompts by
``(sid, t)``, cost by the maximum; a day's cost is today's maximum minus the maximum before today). Each
line is written with ONE ``write`` starting with a newline, so a torn line damages only itself.

Bounded: when a day's file crosses a multiple of ``COMPACT_STEP`` it is rewritten compacted (the newest
cost per session, prompts as counts, limits as the newest and the peaks, closed waits without their
opening line); past ``MAX_DAY_BYTES`` nothing more is appended that day. Files older than ``KEEP_DAYS`` days
are removed when a day's first line is written.

The reader (``day_report``, ``history``, ``current_limits``) is pure: it only reads, and is the one home of
these figures for the tray, ``claude-status menu``/``report`` and the dashboard. Stdlib only.
"""

from __future__ import annotations

import os
import time

from core.ledger_write import (  # noqa: F401 - the writer's names are part of this module's API
    COMPACT_STEP,
    FILE_MODE,
    KEEP_DAYS,
    MAX_DAY_BYTES,
    PREFIX,
    SUFFIX,
    WAIT_LOOKBACK_DAYS,
    WINDOWS,
    _cost,
    _limits,
    _num,
    _r,
    append,
    compact,
    day_of,
    entries_for,
    note,
    path_for,
    prune,
    snapshot,
)
from core.present import (  # the words and the limit levels are presentation rules: core.present
    LIMIT_ALERT,
    LIMIT_WARN,
    attention_line,
    cost_line,
    limits_level,
    limits_line,
    session_lines,
)

# --------------------------------------------------------------------------------------------------------
# Reading (pure)
# --------------------------------------------------------------------------------------------------------
_CACHE: dict = {}  # path -> ((size, mtime_ns, ino), entries): the tray and dashboard re-read often


def _parse(path: str) -> list:
    """The valid entries of one file, exact duplicates (a replayed line) dropped; [] when missing."""
    from core import jsonio

    try:
        st = os.stat(path)
    except OSError:
        return []
    sig = (st.st_size, st.st_mtime_ns, st.st_ino)
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == sig:
        return hit[1]
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_DAY_BYTES + COMPACT_STEP)
    except OSError:
        return []
    out: list = []
    seen: set = set()
    for raw in data.split(b"\n"):
        line = raw.strip()
        if not line or line in seen:
            continue
        seen.add(line)
        try:
            e = jsonio.loads(line)
        except (ValueError, RecursionError):
            continue  # a torn line (a hook killed mid-write) or foreign text
        if isinstance(e, dict) and isinstance(e.get("k"), str) and (e["k"] == "l" or isinstance(e.get("s"), str)):
            out.append(e)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[path] = (sig, out)
    return out


def _day_bounds(day: str) -> tuple:
    y, m, d = (int(x) for x in day.split("-"))
    start = time.mktime((y, m, d, 0, 0, 0, 0, 0, -1))
    end = time.mktime((y, m, d + 1, 0, 0, 0, 0, 0, -1))
    return start, end


def _shift(day: str, days: int) -> str:
    start, _ = _day_bounds(day)
    return day_of(start + 43200 + days * 86400)


def parse_day(text: str) -> str:
    """``text`` if it is a valid ``YYYY-MM-DD`` day, else ValueError."""
    parts = text.split("-")
    if len(parts) != 3 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError("not a day (YYYY-MM-DD): %r" % text)
    y, m, d = (int(p) for p in parts)
    t = time.localtime(time.mktime((y, m, d, 12, 0, 0, 0, 0, -1)))
    if (t.tm_year, t.tm_mon, t.tm_mday) != (y, m, d):
        raise ValueError("not a day (YYYY-MM-DD): %r" % text)
    return "%04d-%02d-%02d" % (y, m, d)


def _sessions_now(sdir: str) -> dict:
    """session id -> record, for the live session files (open waits, names, limits)."""
    from core import jsonio

    out: dict = {}
    try:
        names = os.listdir(sdir)
    except OSError:
        return out
    for name in names:
        if not name.endswith(".json") or name.startswith(".") or name in ("index.json", "status.json"):
            continue
        try:
            with open(os.path.join(sdir, name), "rb") as f:
                rec = jsonio.loads(f.read(256 * 1024))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(rec, dict) and isinstance(rec.get("session_id"), str):
            out[rec["session_id"]] = rec
    return out


def _waits(sdir: str, day: str, now: float, live: dict) -> dict:
    """(sid, start) -> end for every wait that may touch ``day``. A closed wait ends at its latest recorded
    end (a replayed close keeps one). An open wait that is the session's current one (its file still waits
    with that ``state_ts``) counts up to ``now``; any other open wait (its closing hook was killed, or the
    session ended while waiting) ends at the session's next sign of life in the ledger, else at its file's
    ``updated_ts``, else it counts nothing."""
    first, last = _shift(day, -WAIT_LOOKBACK_DAYS), _shift(day, 1)
    waits: dict = {}
    signs: dict = {}
    d = first
    while d <= last:
        for e in _parse(path_for(sdir, d)):
            sid = e.get("s")
            for key in ("a", "b", "t"):
                t = _num(e.get(key))
                if t is not None and sid is not None:
                    signs.setdefault(sid, []).append(t)
            if e.get("k") != "w":
                continue
            a = _num(e.get("a"))
            if a is None:
                continue
            b = _num(e.get("b"))
            if b is not None:
                waits[(sid, a)] = max(waits.get((sid, a)) or b, b)
            else:
                waits.setdefault((sid, a), None)
        d = _shift(d, 1)
    for key, end in list(waits.items()):
        if end is not None:
            continue
        sid, a = key
        rec = live.get(sid)
        current = _num(rec.get("state_ts")) if rec is not None and rec.get("state") == "waiting" else None
        if current is not None and abs(current - a) < 0.01:
            waits[key] = max(a, now)
            continue
        later = [t for t in signs.get(sid, ()) if t > a]
        upd = _num(rec.get("updated_ts")) if rec is not None else None
        if later:
            waits[key] = min(later)
        elif upd is not None and upd > a:
            waits[key] = min(upd, max(a, now))
        else:
            waits[key] = a
    return waits


def _clip(a: float, b: float, lo: float, hi: float) -> float:
    return max(0.0, min(b, hi) - max(a, lo))


def _hours(waits: dict, lo: float, hi: float) -> list:
    """Waiting seconds per local hour of the day [lo, hi) (23 to 25 hours on DST days)."""
    edges = [lo]
    while edges[-1] < hi:
        edges.append(min(hi, edges[-1] + 3600))
    out = [0.0] * (len(edges) - 1)
    for (_sid, a), b in waits.items():
        if b <= lo or a >= hi:
            continue
        for i in range(len(out)):
            out[i] += _clip(a, b, edges[i], edges[i + 1])
    return [round(x, 1) for x in out]


def _limit_candidates(sdir: str, day: str, live: dict) -> list:
    """(ts, rate_limits) from the live session files and the ledger (this day and the days before)."""
    cands: list = []
    for rec in live.values():
        tap = rec.get("statusline")
        if isinstance(tap, dict):
            rl = _limits(rec)
            if rl is not None:
                cands.append((_num(tap.get("ts")) or 0.0, rl))
    d = day
    for _ in range(KEEP_DAYS):
        found = [(_num(e.get("t")) or 0.0, e.get("rl")) for e in _parse(path_for(sdir, d))
                 if e.get("k") == "l" and isinstance(e.get("rl"), dict)]
        cands.extend(found)
        if found:
            break
        d = _shift(d, -1)
    return cands


def limits_note(live: dict) -> str:
    """Why no limits are shown, in a few words."""
    taps = [r for r in live.values() if isinstance(r.get("statusline"), dict)]
    if not taps:
        return "not reported (status-line tap not installed: claude-status install-statusline)"
    return "not reported (API key: Claude Code sends limits to subscribers only)"


def _window_rank(win: dict, ts: float) -> tuple:
    """Which of several readings of one window kind is the newest figure: the latest window (``resets_at``),
    then the highest use (within a window the use only grows), then the latest input."""
    resets = _num(win.get("resets_at"))
    return (resets if resets is not None else float("-inf"), _num(win.get("used_percentage")) or 0.0, ts)


def current_limits(sdir: str, now: float | None = None, live: dict | None = None) -> dict:
    """``{"limits": {"five_hour": {...}, "seven_day": {...}} | None, "ts": float|None, "note": str|None}``:
    Claude Code's rate limits from the status-line inputs of every session, surviving session ends through the
    ledger. Each window kind takes its newest figure: every session reports the figure of its own last API
    response, so with several sessions the newest input is often an older figure (one session idle for an
    hour still says what it saw then); within a window (one ``resets_at``) the use only grows, and a later
    ``resets_at`` is a newer window. So the menu never flips between the sessions' figures."""
    now = time.time() if now is None else now
    live = _sessions_now(sdir) if live is None else live
    cands = _limit_candidates(sdir, day_of(now), live)
    if not cands:
        return {"limits": None, "ts": None, "note": limits_note(live)}
    best: dict = {}
    for ts, rl in cands:
        for w in WINDOWS:
            win = rl.get(w) if isinstance(rl, dict) else None
            if not (isinstance(win, dict) and _num(win.get("used_percentage")) is not None):
                continue
            if w not in best or _window_rank(win, ts) > _window_rank(*best[w]):
                best[w] = (win, ts)
    if not best:
        return {"limits": None, "ts": None, "note": limits_note(live)}
    return {"limits": {w: best[w][0] for w in WINDOWS if w in best}, "ts": max(t for _, t in best.values()),
            "note": None}


def day_report(sdir: str, day: str | None = None, now: float | None = None) -> dict:
    """The day in numbers: ``{"day", "totals": {waiting_seconds, longest_wait_seconds, prompts, cost_usd,
    sessions}, "sessions": [{session_id, name, waiting_seconds, longest_wait_seconds, waits, prompts, cost_usd,
    total_cost_usd, lines_added, lines_removed, api_seconds}], "hours": [waiting seconds per hour],
    "limits": {...} | None, "limits_note": str|None, "peaks": {window: max used_percentage that day}}``."""
    now = time.time() if now is None else now
    day = day_of(now) if day is None else parse_day(day)
    lo, hi = _day_bounds(day)
    live = _sessions_now(sdir)
    horizon = min(now, hi)
    waits = _waits(sdir, day, horizon, live)
    per: dict = {}

    def row(sid: str) -> dict:
        if sid not in per:
            per[sid] = {"session_id": sid, "name": None, "waiting_seconds": 0.0, "longest_wait_seconds": 0.0,
                        "waits": 0, "prompts": 0, "cost_usd": 0.0, "total_cost_usd": None, "lines_added": None,
                        "lines_removed": None, "api_seconds": None}
        return per[sid]

    for (sid, a), b in waits.items():
        part = _clip(a, b, lo, hi)
        if part <= 0 and not (lo <= a < hi):
            continue
        r = row(sid)
        r["waiting_seconds"] += part
        r["longest_wait_seconds"] = max(r["longest_wait_seconds"], part)
        r["waits"] += 1
    today = _parse(path_for(sdir, day))
    prompt_keys: dict = {}
    counted: dict = {}
    for e in today:
        if e.get("k") == "p":
            prompt_keys.setdefault(e["s"], set()).add(e.get("t"))
        elif e.get("k") == "n":
            n, upto = counted.get(e["s"], (0, None))
            t = _num(e.get("t"))
            counted[e["s"]] = (n + int(e.get("n") or 0), t if upto is None or (t is not None and t > upto) else upto)
    for sid in set(prompt_keys) | set(counted):
        n, upto = counted.get(sid, (0, None))
        extra = [t for t in prompt_keys.get(sid, ()) if upto is None or (isinstance(t, (int, float)) and t > upto)]
        row(sid)["prompts"] = n + len(extra)
    best: dict = {}
    for e in today:
        if e.get("k") == "c" and (e["s"] not in best or (e.get("usd") or 0) >= (best[e["s"]].get("usd") or 0)):
            best[e["s"]] = e
    if best:
        base: dict = {}
        d = day
        for _ in range(KEEP_DAYS):
            d = _shift(d, -1)
            for e in _parse(path_for(sdir, d)):
                if e.get("k") == "c" and e["s"] in best:
                    base[e["s"]] = max(base.get(e["s"], 0.0), _num(e.get("usd")) or 0.0)
        for sid, e in best.items():
            r = row(sid)
            total = _num(e.get("usd")) or 0.0
            r["total_cost_usd"] = total
            r["cost_usd"] = round(max(0.0, total - base.get(sid, 0.0)), 6)
            r["lines_added"], r["lines_removed"] = e.get("add"), e.get("del")
            r["api_seconds"] = round(e["api"] / 1000.0, 1) if isinstance(e.get("api"), (int, float)) else None
    for sid, r in per.items():
        rec = live.get(sid)
        if rec is not None:
            try:
                from core import present

                r["name"] = present.task_name(rec) or None
            except Exception:
                r["name"] = None
        r["waiting_seconds"] = round(r["waiting_seconds"], 1)
        r["longest_wait_seconds"] = round(r["longest_wait_seconds"], 1)
    sessions = sorted(per.values(), key=lambda r: (-r["waiting_seconds"], -r["cost_usd"], r["session_id"]))
    peaks: dict = {}
    for e in today:
        if e.get("k") == "l" and isinstance(e.get("rl"), dict):
            for w, win in e["rl"].items():
                pct = _num(win.get("used_percentage")) if isinstance(win, dict) else None
                if pct is not None and pct > peaks.get(w, -1.0):
                    peaks[w] = pct
    lim = current_limits(sdir, now, live) if day == day_of(now) else {"limits": None, "note": None}
    if day != day_of(now) and peaks:
        lim["note"] = "limits are shown for today only; see peaks"
    return {
        "day": day,
        "totals": {
            "waiting_seconds": round(sum(r["waiting_seconds"] for r in sessions), 1),
            "longest_wait_seconds": max((r["longest_wait_seconds"] for r in sessions), default=0.0),
            "prompts": sum(r["prompts"] for r in sessions),
            "cost_usd": round(sum(r["cost_usd"] for r in sessions), 6),
            "sessions": len(sessions),
            "waits": sum(r["waits"] for r in sessions),
        },
        "sessions": sessions,
        "hours": _hours(waits, lo, hi),
        "limits": lim["limits"],
        "limits_note": lim["note"],
        "peaks": peaks,
    }


def history(sdir: str, days: int = 7, now: float | None = None) -> list:
    """``[{"day", "waiting_seconds", "hours"}]`` for today and the ``days - 1`` days before, oldest first."""
    now = time.time() if now is None else now
    live = _sessions_now(sdir)
    out = []
    today = day_of(now)
    for i in range(days - 1, -1, -1):
        d = _shift(today, -i)
        lo, hi = _day_bounds(d)
        hours = _hours(_waits(sdir, d, min(now, hi), live), lo, hi)
        out.append({"day": d, "waiting_seconds": round(sum(hours), 1), "hours": hours})
    return out


def glance(sdir: str, now: float | None = None) -> dict:
    """Today's figures for the tray and ``claude-status menu`` (one call per refresh): ``{"limits",
    "limits_note", "limits_line", "attention_line", "cost_line", "totals", "sessions": {sid: entry}}``."""
    now = time.time() if now is None else now
    rep = day_report(sdir, None, now)
    return {"limits": rep["limits"], "limits_note": rep["limits_note"],
            "limits_line": limits_line(rep["limits"], rep["limits_note"], now),
            "limits_level": limits_level(rep["limits"], now),
            "attention_line": attention_line(rep), "cost_line": cost_line(rep), "totals": rep["totals"],
            "sessions": {r["session_id"]: {**r, "lines": session_lines(r)} for r in rep["sessions"]}}


THRESHOLDS = (LIMIT_WARN, LIMIT_ALERT)


def limit_crossings(prev: dict | None, cur: dict | None) -> list:
    """``[(window, threshold, used_percentage, resets_at)]``: the windows whose use crossed 80 % or 95 %
    between two successive limit readings (the highest threshold crossed, once; a new window, i.e. another
    ``resets_at``, starts from 0). ``prev`` None is the baseline: nothing. Pure; the caller remembers
    ``(window, resets_at, threshold)`` to say it once per window."""
    out: list = []
    if prev is None or not isinstance(cur, dict):
        return out
    for w in WINDOWS:
        win = cur.get(w)
        if not isinstance(win, dict):
            continue
        pct = _num(win.get("used_percentage"))
        if pct is None:
            continue
        before = prev.get(w) if isinstance(prev, dict) else None
        old = 0.0
        if isinstance(before, dict) and before.get("resets_at") == win.get("resets_at"):
            old = _num(before.get("used_percentage")) or 0.0
        crossed = [t for t in THRESHOLDS if old < t <= pct]
        if crossed:
            out.append((w, crossed[-1], pct, win.get("resets_at")))
    return out


# --------------------------------------------------------------------------------------------------------
# What the limit notifications already said (the tray's memory across restarts)
# --------------------------------------------------------------------------------------------------------
NOTIFIED_NAME = ".limits-notified"
NOTIFIED_VERSION = 1
NOTIFIED_MAX_SAID = 16  # (window, resets_at, threshold) triples kept, the newest
NOTIFIED_MAX_BYTES = 16 * 1024


def notified_path(sdir: str) -> str:
    return os.path.join(sdir, NOTIFIED_NAME)


def _said_item(item: object) -> tuple | None:
    if not (isinstance(item, list) and len(item) == 3 and item[0] in WINDOWS):
        return None
    resets, threshold = item[1], item[2]
    if resets is not None and (isinstance(resets, bool) or not isinstance(resets, int)):
        return None
    if _num(threshold) not in THRESHOLDS:
        return None
    return (item[0], resets, float(threshold))


def _reading(last: object) -> dict | None:
    """A limits reading as ``limit_crossings`` compares them: ``{window: {used_percentage, resets_at}}``."""
    if not isinstance(last, dict):
        return None
    out: dict = {}
    for w in WINDOWS:
        win = last.get(w)
        pct = _num(win.get("used_percentage")) if isinstance(win, dict) else None
        if pct is None:
            continue
        resets = win.get("resets_at")  # type: ignore[union-attr]
        out[w] = {"used_percentage": pct,
                  "resets_at": resets if isinstance(resets, int) and not isinstance(resets, bool) else None}
    return out


def same_reading(a: object, b: object) -> bool:
    """Whether two limit readings say the same (``_reading`` of each). Pure."""
    return _reading(a) == _reading(b)


def read_notified(sdir: str) -> dict:
    """``{"last": reading | None, "said": set of (window, resets_at, threshold), "newer": bool}``: what the limit
    notifications said before (``tray.notify``), surviving tray restarts. Missing, foreign or damaged files
    read as nothing said (a notification may then repeat once: never lost)."""
    from core import jsonio, store

    empty: dict = {"last": None, "said": set(), "newer": False}
    try:
        raw = jsonio.loads(store.read_bytes(notified_path(sdir), NOTIFIED_MAX_BYTES + 1))
    except (OSError, ValueError, RecursionError):
        return empty
    if not isinstance(raw, dict) or type(raw.get("v")) is not int:
        return empty
    said = raw.get("said")
    items = [_said_item(i) for i in said[:NOTIFIED_MAX_SAID * 4]] if isinstance(said, list) else []
    return {"last": _reading(raw.get("last")), "said": {i for i in items if i is not None},
            "newer": raw["v"] > NOTIFIED_VERSION}


def write_notified(sdir: str, last: dict | None, said: set) -> bool:
    """Remember the last reading and what was said (atomic, 0600, at most ``NOTIFIED_MAX_SAID`` triples: the
    ones of the newest windows). Never rewrites a newer version's file. Raises OSError."""
    from core import store

    if read_notified(sdir)["newer"]:
        return False
    keep = sorted(said, key=lambda t: (t[1] is not None, t[1] or 0, t[2]))[-NOTIFIED_MAX_SAID:]
    store.write_json(notified_path(sdir), {"v": NOTIFIED_VERSION, "last": _reading(last),
                                           "said": [list(t) for t in keep]})
    return True


def dashboard(sdir: str, now: float | None = None, days: int = 7) -> dict:
    """What the dashboard header and chart show: ``glance`` plus ``hours`` (today's waiting seconds per
    hour) and ``week`` (``history``: the last ``days`` days, oldest first)."""
    now = time.time() if now is None else now
    out = glance(sdir, now)
    week = history(sdir, days, now)
    out["hours"] = week[-1]["hours"] if week else []
    out["week"] = week
    return out
