"""The presentation rules, in one place: names, state words, marks, context thresholds, the menu order.

Used by the title (`core.title`), the tray (`tray.view`, `tray.app`, `tray.notify`), `claude-status menu`
and the dashboard (which gets the user's thresholds in its payload). Pure functions of index rows; standard
library only (`python -m core.aggregate --title` and the hook's index share it).

The state and its reason are decided by the state machine and arrive in each row (`state`, `reason`);
this module only words them.
"""

from __future__ import annotations

import time

CLOUD = "☁️"

# The title's end mark: a session waits for you / load is not OK / all fine.
WAITING_MARK, WARNING_MARK, OK_MARK = "⏳", "⚠", "✓"

STATE_MARKS = {
    "working": "●",
    "waiting": WAITING_MARK,
    "idle": OK_MARK,
    "compacting": "◌",
    "error": "✗",
    "unknown": "?",
}
STATE_WORDS = {
    "working": "working",
    "waiting": "waiting for you",
    "idle": "finished",
    "compacting": "compacting",
    "error": "error",
    "unknown": "unknown",
}
# An idle session whose reason says it finished nothing is worded by its reason instead.
IDLE_REASON_WORDS = {"interrupted": "interrupted", "ready": "ready"}
NEWER_VERSION_WORDS = "written by a newer version"

# Where a mark cannot be drawn (pystray's xorg backend sends Latin-1 only), each has an ASCII form.
# The cloud is dropped: the icon already is one.
ASCII_FORMS = {
    CLOUD: "",
    "☁": "",
    WAITING_MARK: "WAIT",
    WARNING_MARK: "!",
    OK_MARK: "ok",
    "●": "*",
    "◌": "o",
    "✗": "x",
    "–": "-",
    "—": "-",
    "…": "...",
}

# Context use: below WARN is fine, from WARN it is a warning, from HIGH it is high (defaults of the
# tray settings `context_warn` / `context_high`, which the dashboard receives too).
CONTEXT_WARN = 50
CONTEXT_HIGH = 80
LEVEL_NONE, LEVEL_OK, LEVEL_WARN, LEVEL_HIGH = 0, 1, 2, 3
LEVEL_NAMES = ("none", "ok", "warn", "high")

TASK_WIDTH = 24  # the title
LABEL_WIDTH = 32  # a menu row
ASK_WIDTH = 48  # what a waiting session asks, in its menu row

# Menu order: who needs you first, then who is busy, then who is done; stale sessions go last.
ORDER = {"waiting": 0, "working": 1, "compacting": 1, "idle": 2, "error": 2, "unknown": 2}
STALE_RANK = 3
# The tool_input key that says best what a tool call does, for the "what is asked" line.
ASK_KEYS = ("command", "file_path", "notebook_path", "url", "pattern", "query", "path", "prompt")


def shorten(text: object, width: int = TASK_WIDTH) -> str:
    """``text`` on one line, cut to ``width`` characters with ``…``."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def cut_words(text: object, width: int) -> str:
    """Like `shorten`, but cut at a word boundary when one is near (never mid-word if avoidable)."""
    flat = " ".join(str(text).split())
    if len(flat) <= width:
        return flat
    head = flat[: width - 1]
    space = head.rfind(" ")
    if space >= width // 2:
        head = head[:space]
    return head.rstrip(" ,;:") + "…"


def _int(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def context_pct(row: dict) -> int:
    return _int(row.get("context_pct"))


def task_name(row: dict) -> str:
    """The row's task (core computes it); when that is empty or blank, the project, else the short id."""
    for value in (row.get("task"), row.get("project")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return str(row.get("session_id") or "?")[:8]


def state(row: dict) -> str:
    """The row's state when it is one we know, else ``unknown``."""
    s = row.get("state") or "unknown"
    return s if s in STATE_WORDS else "unknown"


def reason(row: dict) -> str | None:
    """Why the row is in its state (written by the state machine), e.g. ``interrupted``, ``ready``."""
    r = row.get("reason")
    return r if isinstance(r, str) and r else None


def is_waiting(row: dict) -> bool:
    return row.get("status") != "stale" and state(row) == "waiting"


def mark(row: dict) -> str:
    return STATE_MARKS[state(row)]


def asked(row: dict, width: int = ASK_WIDTH) -> str | None:
    """What a waiting session asks, e.g. ``Bash: git push --force``, cut cleanly; None if not known."""
    ask = row.get("ask")
    if isinstance(ask, dict):
        tool = _text(ask.get("tool"))
        what = _text(ask.get("input")) or _text(ask.get("description"))
        if tool and what:
            head = tool + ": "
            return head + cut_words(what, max(8, width - len(head)))
        if what:
            return cut_words(what, width)
    return None  # a tool alone says less than the hook's words ("your answer", "permission for Bash")


def state_words(row: dict) -> str:
    """``working``, ``waiting for you (permission for Bash)``, ``finished``, ``interrupted``, ``ready``…

    A waiting session says what it asks when the hook recorded it (``waiting for you (Bash: git push)``)."""
    s = state(row)
    why = reason(row)
    if why == "newer_version":
        return NEWER_VERSION_WORDS
    words = STATE_WORDS[s]
    if s == "idle" and why in IDLE_REASON_WORDS:
        words = IDLE_REASON_WORDS[why]
    if s == "waiting":
        ask = row.get("ask")
        tool = _text(ask.get("tool")) if isinstance(ask, dict) else None
        what = asked(row) or row.get("waiting_for") or tool
        if what:
            words = f"{words} ({what})"
    return words


def waited(row: dict, now: float | None) -> str | None:
    """How long a waiting session has waited (``3 min``), from ``state_since``; None without ``now``."""
    if now is None or not is_waiting(row) or not isinstance(row.get("state_since"), str):
        return None
    from core import timefmt

    since = timefmt.parse_iso(row["state_since"])
    return None if since is None else timefmt.duration(max(0.0, now - since))


def session_label(row: dict, now: float | None = None, width: int = LABEL_WIDTH) -> str:
    """A session's menu row: mark, task, state, context % and agents. With ``now`` a waiting row also says
    for how long (``now=None`` gives the time-free key the tray compares to decide on a rebuild)."""
    words = state_words(row)
    wait = waited(row, now)
    if wait:
        words += f" for {wait}"
    label = f"{mark(row)} {shorten(task_name(row), width)} — {words} · {context_pct(row)}%"
    agents = _int(row.get("agents"))
    if agents:
        label += f" · {agents}a"
    return label


def context_level(pct: object, warn: int = CONTEXT_WARN, high: int = CONTEXT_HIGH) -> int:
    """`LEVEL_OK` / `LEVEL_WARN` / `LEVEL_HIGH` for a context percentage."""
    p = _int(pct)
    if p >= high:
        return LEVEL_HIGH
    if p >= warn:
        return LEVEL_WARN
    return LEVEL_OK


def thresholds(warn: int = CONTEXT_WARN, high: int = CONTEXT_HIGH) -> dict:
    """The thresholds as the dashboard payload carries them (``context_thresholds``)."""
    return {"warn": int(warn), "high": int(high)}


def title_mark(active_rows: list, load_status: object) -> str:
    """``⏳`` when a session waits for you, else ``⚠`` when load is not OK, else ``✓``."""
    if any(state(r) == "waiting" for r in active_rows):
        return WAITING_MARK
    if load_status not in (None, "OK"):
        return WARNING_MARK
    return OK_MARK


def ascii_text(text: str) -> str:
    """``text`` with every mark in its ASCII form, then Latin-1 (what python-xlib can send)."""
    for mark_char, plain in ASCII_FORMS.items():
        text = text.replace(mark_char, plain)
    text = text.replace("\ufe0f", "")
    return text.encode("latin-1", "replace").decode("latin-1").strip()


def order_key(row: dict) -> int:
    """The menu's rank of a row (0 first): waiting, working, idle, stale."""
    if row.get("status") == "stale":
        return STALE_RANK
    return ORDER.get(state(row), ORDER["unknown"])


def menu_order(rows: list) -> list:
    """Rows in menu order; within a rank the index order (first seen) is kept, so rows never reshuffle."""
    return sorted(rows, key=order_key)


def split_shown(rows: list, cap: int) -> tuple:
    """(rows listed, rows behind "N more…"), both in menu order. At most ``cap`` are listed, except that a
    waiting session is never hidden: with more waiting sessions than ``cap``, all of them are listed."""
    ordered = menu_order(rows)  # waiting sessions lead (ORDER), so listing at least all of them is enough
    limit = max(1, cap, sum(1 for r in ordered if is_waiting(r)))
    return ordered[:limit], ordered[limit:]


# --------------------------------------------------------------------------------------------------------
# Limits, cost and attention (issue 12): the figures come from core.ledger; these are their words, said the
# same way by the tray menu, `claude-status menu` and `report`, the notifications and the dashboard.
# --------------------------------------------------------------------------------------------------------
LIMIT_WARN = 80.0  # a rate-limit window is a warning from here
LIMIT_ALERT = 95.0  # and an alert from here (one notification at each, once per window)


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def limit_level(pct: object) -> str:
    """``ok`` below 80 %, ``warn`` from 80 %, ``alert`` from 95 % (the limit-warning rule's one home)."""
    p = _num(pct)
    if p is None or p < LIMIT_WARN:
        return "ok"
    return "alert" if p >= LIMIT_ALERT else "warn"


LIMIT_LEVELS = ("ok", "warn", "alert")


def limits_level(limits: object, now: float | None = None) -> str:
    """The highest ``limit_level`` of the rate-limit windows that have not reset yet (a window whose
    ``resets_at`` has passed says nothing about now): what the icon mark and the dashboard header show."""
    now = time.time() if now is None else now
    best = "ok"
    for win in (limits.values() if isinstance(limits, dict) else ()):
        if not isinstance(win, dict):
            continue
        resets = _num(win.get("resets_at"))
        if resets is not None and resets <= now:
            continue
        level = limit_level(win.get("used_percentage"))
        if LIMIT_LEVELS.index(level) > LIMIT_LEVELS.index(best):
            best = level
    return best





def _clock(ts: object, now: float) -> str:
    t = _num(ts)
    if t is None:
        return "?"
    lt = time.localtime(t)
    if t - now >= 86400:
        return "%s %02d:%02d" % (("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[lt.tm_wday], lt.tm_hour, lt.tm_min)
    return "%02d:%02d" % (lt.tm_hour, lt.tm_min)


def limits_line(limits: dict | None, why: str | None = None, now: float | None = None) -> str:
    """``Limits: 5 h 42% · resets 14:30 · week 75%`` (``⚠`` from 80 %), or ``Limits: not reported (...)``."""
    now = time.time() if now is None else now
    if not limits:
        return "Limits: " + (why or "not reported")
    parts = []
    for w, short in (("five_hour", "5 h"), ("seven_day", "week")):
        win = limits.get(w)
        if not isinstance(win, dict) or _num(win.get("used_percentage")) is None:
            continue
        pct = float(win["used_percentage"])
        mark = WARNING_MARK + " " if limit_level(pct) != "ok" else ""
        resets = _num(win.get("resets_at"))
        if resets is not None and resets <= now:  # the window has reset since Claude Code said this
            parts.append("%s %d%% (old: reset %s)" % (short, round(pct), _clock(resets, now)))
            continue
        text = "%s%s %d%%" % (mark, short, round(pct))
        if w == "five_hour" and resets is not None:
            text += " · resets " + _clock(resets, now)
        parts.append(text)
    return "Limits: " + (" · ".join(parts) if parts else (why or "not reported"))


def minutes(seconds: object) -> str:
    """Whole minutes (``<1 min`` under one, a wait that just opened included): a menu showing them changes
    at most once a minute."""
    s = _num(seconds) or 0.0
    return "%d min" % (s // 60) if s >= 60 else "<1 min"


def attention_line(report: dict) -> str:
    """``waited on you 14 min today · longest 6 min``."""
    t = report.get("totals") or {}
    if not t.get("waits"):
        return "waited on you 0 min today"
    return "waited on you %s today · longest %s" % (minutes(t.get("waiting_seconds")),
                                                     minutes(t.get("longest_wait_seconds")))


def cost_line(report: dict) -> str:
    """``cost today $1.23``."""
    return "cost today $%.2f" % ((report.get("totals") or {}).get("cost_usd") or 0.0)


def session_lines(entry: dict | None) -> list:
    """A session's submenu lines: ``Cost $0.17 · +10 −2 lines · API 4.9 s``, ``Waited 3 min · 4 prompts``."""
    if not entry:
        return []
    out = []
    if entry.get("total_cost_usd") is not None:
        text = "Cost $%.2f" % entry["total_cost_usd"]
        if entry.get("lines_added") is not None or entry.get("lines_removed") is not None:
            text += " · +%d −%d lines" % (entry.get("lines_added") or 0, entry.get("lines_removed") or 0)
        if entry.get("api_seconds") is not None:
            api = float(entry["api_seconds"])
            text += " · API %s" % ("%.1f s" % api if api < 60 else "%d min" % (api // 60))
        out.append(text)
    if entry.get("waits") or entry.get("prompts"):
        text = "Waited on you %s" % (minutes(entry.get("waiting_seconds")) if entry.get("waits") else "0 min")
        if entry.get("waits"):
            text += " (longest %s)" % minutes(entry.get("longest_wait_seconds"))
        out.append(text + " · %d prompt%s" % (entry.get("prompts") or 0, "" if entry.get("prompts") == 1 else "s"))
    return out



def crossing_words(window: str, threshold: float, pct: float, resets_at: object, now: float | None = None) -> tuple:
    """(title, message) of a limit notification."""
    now = time.time() if now is None else now
    name = {"five_hour": "5-hour", "seven_day": "weekly"}.get(window, window)
    title = "%s %s limit at %d%%" % (WARNING_MARK, name.capitalize() if name[0].isalpha() else name, round(pct))
    msg = "Claude Code's %s window is %d%% used" % (name, round(pct))
    if resets_at is not None:
        msg += "; it resets at " + _clock(resets_at, now)
    return title, msg
