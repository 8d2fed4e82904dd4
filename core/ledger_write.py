"""The hook's half of the daily ledger (``core.ledger`` documents the format and holds the reader): compare
a record before and after a change and append the lines it makes. Kept small: the hook imports only this
(``os``/``time``, already loaded, and ``core.jsonio`` when a line is written)."""

from __future__ import annotations

import os
import time

PREFIX = ".ledger-"
SUFFIX = ".jsonl"
FILE_MODE = 0o600
KEEP_DAYS = 8
MAX_DAY_BYTES = 1000 * 1000
COMPACT_STEP = 256 * 1024
WAIT_LOOKBACK_DAYS = 7  # a wait closed today may have opened up to this many days before
WINDOWS = ("five_hour", "seven_day")


# --------------------------------------------------------------------------------------------------------
# Writing (the hook path: cheap, no imports beyond os/time and core.jsonio, already loaded by the hook)
# --------------------------------------------------------------------------------------------------------
def day_of(ts: float) -> str:
    """The local calendar day of ``ts``, ``YYYY-MM-DD``."""
    t = time.localtime(ts)
    return "%04d-%02d-%02d" % (t.tm_year, t.tm_mon, t.tm_mday)


def path_for(sdir: str, day: str) -> str:
    return os.path.join(sdir, PREFIX + day + SUFFIX)


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _r(value: float) -> float:
    return round(value, 3)


def snapshot(record: object) -> dict:
    """What ``note`` compares of a record before a change (a copy: the hook's events.step mutates in place)."""
    if not isinstance(record, dict):
        return {}
    return {"state": record.get("state"), "state_ts": record.get("state_ts"),
            "statusline": record.get("statusline")}


def _cost(record: dict) -> dict | None:
    tap = record.get("statusline")
    cost = tap.get("cost") if isinstance(tap, dict) else None
    if not isinstance(cost, dict):
        return None
    usd = _num(cost.get("total_cost_usd"))
    if usd is None:
        return None
    out: dict = {"usd": usd}
    for key, name in (("add", "total_lines_added"), ("del", "total_lines_removed"), ("api", "total_api_duration_ms")):
        v = _num(cost.get(name))
        if v is not None:
            out[key] = int(v)
    return out


def _limits(record: dict) -> dict | None:
    tap = record.get("statusline")
    rl = tap.get("rate_limits") if isinstance(tap, dict) else None
    if not isinstance(rl, dict):
        return None
    out: dict = {}
    for w in WINDOWS:
        win = rl.get(w)
        if isinstance(win, dict):
            pct, resets = _num(win.get("used_percentage")), _num(win.get("resets_at"))
            if pct is not None:
                out[w] = {"used_percentage": pct, "resets_at": int(resets) if resets is not None else None}
    return out or None


def entries_for(old: dict, new: dict, now: float, event: str | None = None) -> list:
    """The ledger lines one change makes (pure): ``old`` = ``snapshot(before)``, ``new`` = the record after."""
    out: list = []
    sid = new.get("session_id")
    if not isinstance(sid, str):
        return out
    was, state = old.get("state"), new.get("state")
    if was != state:
        if was == "waiting":
            # the wait ended when the new state began (a fact stamped at Claude Code's own time: approve)
            start, end = _num(old.get("state_ts")), _num(new.get("state_ts"))
            start = start if start is not None else now
            end = end if end is not None and end != start and start <= end <= now else now
            out.append({"k": "w", "s": sid, "a": _r(start), "b": _r(end)})
        if state == "waiting":
            start = _num(new.get("state_ts"))
            out.append({"k": "w", "s": sid, "a": _r(start if start is not None else now)})
    if event == "UserPromptSubmit":
        out.append({"k": "p", "s": sid, "t": _r(now)})
    if new.get("statusline") is not old.get("statusline"):
        cost, before = _cost(new), _cost(old)
        if cost is not None and (before is None or cost != before) and (before is None or cost["usd"] >= before["usd"]):
            out.append({"k": "c", "s": sid, "t": _r(now), **cost})
        rl = _limits(new)
        if rl is not None and rl != _limits(old):
            out.append({"k": "l", "t": _r(now), "rl": rl})
    return out


def note(sdir: str, old: dict, new: object, now: float, event: str | None = None) -> None:
    """Append what changed between ``old`` (``snapshot``) and ``new`` (the record about to be written).
    Call under the status-dir lock, before the session file is written. Never raises."""
    try:
        if not isinstance(new, dict):
            return
        lines = entries_for(old, new, now, event)
        if lines:
            append(sdir, lines, now)
    except Exception:  # the ledger must never cost Claude Code an event
        pass


def append(sdir: str, lines: list, now: float) -> None:
    """Append ``lines`` to the day's file with one write; compact or prune as the bounds require."""
    from core import jsonio

    day = day_of(now)
    path = path_for(sdir, day)
    data = "".join("\n" + jsonio.dumps(e) for e in lines).encode("utf-8", "replace")
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        size = -1
    if size + len(data) > MAX_DAY_BYTES:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    if size < 0:
        prune(sdir, now)
    elif size // COMPACT_STEP != (size + len(data)) // COMPACT_STEP:
        compact(path)


def prune(sdir: str, now: float, keep: int = KEEP_DAYS) -> list:
    """Remove ledger files of days older than the last ``keep`` days; returns the removed names."""
    oldest = day_of(now - (keep - 1) * 86400)
    gone: list = []
    try:
        names = os.listdir(sdir)
    except OSError:
        return gone
    for name in names:
        if name.startswith(PREFIX) and name.endswith(SUFFIX) and name[len(PREFIX):-len(SUFFIX)] < oldest:
            try:
                os.unlink(os.path.join(sdir, name))
                gone.append(name)
            except OSError:
                pass
    return gone


def compact(path: str) -> None:
    """Rewrite one day's file with the same figures in fewer lines (atomic; call under the lock)."""
    from core import jsonio, ledger, store

    parsed = ledger._parse(path)
    out: list = []
    costs: dict = {}
    prompts: dict = {}
    waits: dict = {}
    newest_limits = None
    peaks: dict = {}
    for e in parsed:
        k = e.get("k")
        if k == "c":
            best = costs.get(e["s"])
            if best is None or e.get("usd", 0) >= best.get("usd", 0):
                costs[e["s"]] = e
        elif k in ("p", "n"):
            n, upto = prompts.get(e["s"], (0, None))
            if k == "p":
                n, t = n + 1, e.get("t")
            else:
                n, t = n + int(e.get("n") or 0), e.get("t")
            upto = t if upto is None or (isinstance(t, (int, float)) and t > upto) else upto
            prompts[e["s"]] = (n, upto)
        elif k == "w":
            key = (e["s"], e.get("a"))
            if "b" in e or key not in waits:
                prev = waits.get(key)
                if prev is None or "b" not in prev or ("b" in e and e["b"] > prev["b"]):
                    waits[key] = e
        elif k == "l":
            if newest_limits is None or e.get("t", 0) >= newest_limits.get("t", 0):
                newest_limits = e
            for w, win in (e.get("rl") or {}).items():
                if isinstance(win, dict) and (w not in peaks or (win.get("used_percentage") or 0)
                                              > (peaks[w]["rl"][w].get("used_percentage") or 0)):
                    peaks[w] = e
    out.extend(waits.values())
    # prompt counts: duplicates (same key) were already counted once each by _parse's dedupe
    out.extend({"k": "n", "s": s, "n": n, "t": t} for s, (n, t) in prompts.items())
    out.extend(costs.values())
    kept = {id(e): e for e in [*peaks.values(), *([newest_limits] if newest_limits else [])]}
    out.extend(sorted(kept.values(), key=lambda e: e.get("t", 0)))
    store.atomic_write(path, "".join("\n" + jsonio.dumps(e) for e in out).encode("utf-8", "replace"))
    ledger._CACHE.pop(path, None)
