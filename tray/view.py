"""What the tray shows, as pure functions of an index (no pystray, no display, no I/O).

The pystray layer (`tray.app`) and `claude-status menu` both render `menu_spec()`, so what the
command prints is what the menu holds (docs/platform-notes.md, design rules).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Optional

from core import present, timefmt
from core import title as core_title

from . import __version__

# Windows' NOTIFYICONDATAW.szTip is WCHAR[128] including the NUL (docs/platform-notes.md, pystray: title and text).
TOOLTIP_LIMIT = 127
ELLIPSIS = "…"

# The words and marks are `core.present`'s (one home for every presentation rule).
STATE_WORDS = present.STATE_WORDS
STATE_MARKS = present.STATE_MARKS


@dataclass(frozen=True)
class MenuEntry:
    """One menu line. `action` names a callback in `tray.app` (None: an information line)."""

    text: str = ""
    action: Optional[str] = None
    arg: Optional[str] = None
    enabled: bool = True
    checked: Optional[bool] = None
    submenu: Optional[tuple[MenuEntry, ...]] = None
    separator: bool = False


SEPARATOR = MenuEntry(separator=True)


@dataclass(frozen=True)
class ViewOptions:
    """The settings the view depends on (a plain record, converted from `tray.settings`)."""

    max_sessions: int = 12
    notifications: bool = True
    autostart: bool = False
    context_warn: int = present.CONTEXT_WARN
    context_high: int = present.CONTEXT_HIGH
    legacy: bool = False
    icon_limits: bool = True  # the rate-limit mark in the icon from 80 % (issue 12)


@dataclass(frozen=True)
class IconState:
    """Everything the icon image depends on; hashable so rendered images can be cached."""

    sessions: int = 0  # active (non-stale) sessions
    level: int = 0  # 0 = none, 1 = ok, 2 = warn, 3 = high (from the highest context use)
    fill: int = 0  # highest context use in eighths of the ring, 0..8
    waiting: bool = False
    error: bool = False
    limit: int = 0  # rate limits: 0 = below 80 % (no mark), 1 = warn (from 80 %), 2 = alert (from 95 %)


# ---------------------------------------------------------------- rows


def sessions(index: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in index.get("sessions") or [] if isinstance(r, dict)]


def active_rows(index: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in sessions(index) if r.get("status") != "stale"]


def stale_rows(index: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in sessions(index) if r.get("status") == "stale"]


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def task_name(row: dict[str, Any]) -> str:
    """The one name fallback (menu, tooltip, notifications, title): `core.present.task_name`."""
    return present.task_name(row)


def _task(row: dict[str, Any], width: int = 40) -> str:
    return present.shorten(present.task_name(row), width)


def interrupted(row: dict[str, Any]) -> bool:
    """Stopped with Esc: idle, but nothing finished (the state machine's reason)."""
    return present.state(row) == "idle" and present.reason(row) == "interrupted"


def never_worked(row: dict[str, Any]) -> bool:
    """Idle since the session was first seen (e.g. just after SessionStart): ready, not finished."""
    return present.state(row) == "idle" and present.reason(row) == "ready"


def _state(row: dict[str, Any]) -> str:
    return present.state(row)


def _state_words(row: dict[str, Any]) -> str:
    return present.state_words(row)


def _age(row: dict[str, Any], key: str, now: Optional[float], *, as_duration: bool = False) -> Optional[str]:
    if now is None:
        return None
    ts = timefmt.parse_iso(row.get(key) or "") if row.get(key) else None
    if ts is None:
        return None
    seconds = max(0.0, now - ts)
    return timefmt.duration(seconds) if as_duration else timefmt.ago(seconds)


# ---------------------------------------------------------------- title, tooltip, icon


def title(index: dict[str, Any]) -> str:
    """The FR-3 title line; `core` owns the format."""
    return core_title.title(index)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def truncate_utf16(text: str, limit: int = TOOLTIP_LIMIT) -> str:
    """Cut `text` to at most `limit` UTF-16 units, ending in "…", never inside a character or
    before a dangling variation selector / joiner."""
    if utf16_len(text) <= limit:
        return text
    out = ""
    budget = limit - utf16_len(ELLIPSIS)
    for ch in text:
        if utf16_len(out + ch) > budget:
            break
        out += ch
    # do not leave a base character separated from its emoji presentation selector, nor a lone ZWJ
    while out and out[-1] in ("\u200d", "\ufe0f", "\ufe0e", " ", "|", "\n"):
        out = out[:-1]
    return out + ELLIPSIS


def tooltip(index: dict[str, Any], limit: int = TOOLTIP_LIMIT) -> str:
    """The title plus one short line per active session in menu order (waiting first, so a cut never hides
    one), cut cleanly to `limit` UTF-16 units."""
    lines = [title(index)]
    rows = present.menu_order(active_rows(index))
    if len(rows) > 1:
        for row in rows:
            lines.append(f"{present.mark(row)} {_task(row, 24)} {_int(row.get('context_pct'))}%")
    out = lines[0]
    for i, line in enumerate(lines[1:]):
        left = len(lines) - 1 - i
        more = f"\n+{left - 1} more" if left > 1 else ""
        if utf16_len(out + "\n" + line + more) > limit:
            if utf16_len(out + f"\n+{left} more") <= limit:
                out += f"\n+{left} more"
            break
        out += "\n" + line
    return truncate_utf16(out, limit)


def limit_mark(index: dict[str, Any], options: ViewOptions = ViewOptions()) -> int:
    """The icon's rate-limit mark: the index of ``core.present.limits_level`` (the ledger's glance, added by
    tray.source) in ``present.LIMIT_LEVELS``: 0 none, 1 warn, 2 alert; 0 when switched off."""
    day = index.get("ledger")
    level = day.get("limits_level") if isinstance(day, dict) else None
    if not options.icon_limits or level not in present.LIMIT_LEVELS:
        return 0
    return present.LIMIT_LEVELS.index(level)


def icon_state(index: dict[str, Any], options: ViewOptions = ViewOptions()) -> IconState:
    rows = active_rows(index)
    limit = limit_mark(index, options)
    if not rows:
        return IconState(limit=limit)
    top = max(_int(r.get("context_pct")) for r in rows)
    top = max(0, min(100, top))
    level = present.context_level(top, options.context_warn, options.context_high)
    return IconState(
        sessions=len(rows),
        level=level,
        fill=min(8, (top * 8 + 50) // 100),
        waiting=any(_state(r) == "waiting" for r in rows),
        error=any(_state(r) == "error" for r in rows),
        limit=limit,
    )


def icon_description(state: IconState) -> str:
    """A words-only description of an icon state (for `claude-status menu` and tests)."""
    limit = f"limits {present.LIMIT_LEVELS[state.limit]} mark" if state.limit else ""
    if state.sessions == 0:
        return "no active session" + (f", {limit}" if limit else "")
    parts = [f"{state.sessions} active", f"ctx {present.LEVEL_NAMES[state.level]} ({state.fill}/8)"]
    if state.waiting:
        parts.append("WAITING mark")
    if state.error:
        parts.append("error mark")
    if limit:
        parts.append(limit)
    return ", ".join(parts)


# ---------------------------------------------------------------- menu


def session_label(row: dict[str, Any], now: Optional[float] = None) -> str:
    """The submenu label: task, state, context % and agents; with `now`, how long a waiting row waits."""
    return present.session_label(row, now)


def _fmt_tokens(n: Any) -> str:
    return f"{_int(n):,}"


def session_details(row: dict[str, Any], now: Optional[float],
                    ledger_entry: Optional[dict[str, Any]] = None) -> tuple[MenuEntry, ...]:
    """The inside of one session's submenu. With `now=None` the relative times are left out.
    `ledger_entry`: the session's figures of the day (`core.ledger.day_report`): cost, waits, prompts."""
    info: list[str] = []
    task = f"Task: {_task(row, 60)}"
    progress = _int(row.get("progress"))
    if progress:
        task += f" ({progress}%)"
    info.append(task)
    ctx = f"Context: {_int(row.get('context_pct'))}%"
    if row.get("context_tokens") is not None and row.get("context_window"):
        ctx += f" — {_fmt_tokens(row['context_tokens'])} / {_fmt_tokens(row['context_window'])} tokens"
    info.append(ctx)
    names = [str(n) for n in row.get("agent_names") or []]
    agents = f"Agents: {_int(row.get('agents'))}"
    if names:
        agents += " — " + ", ".join(present.shorten(n, 20) for n in names[:6])
        if len(names) > 6:
            agents += f" +{len(names) - 6}"
    info.append(agents)
    state = f"State: {_state_words(row)}"
    since = _age(row, "state_since", now, as_duration=True)
    if since:
        state += f" for {since}"
    info.append(state)
    if row.get("detail"):
        info.append(f"Detail: {present.shorten(str(row['detail']), 60)}")
    folder = row.get("cwd") or row.get("project")
    if folder:
        info.append(f"Project: {folder}")
    if row.get("model"):
        info.append(f"Model: {row['model']}")
    if row.get("permission_mode"):
        info.append(f"Mode: {row['permission_mode']}")
    updated = _age(row, "updated_at", now)
    if updated:
        info.append(f"Updated: {updated}")
    info.extend(present.session_lines(ledger_entry))
    entries = [MenuEntry(text=t, enabled=False) for t in info]
    entries.append(SEPARATOR)
    transcript = row.get("transcript_path")
    sid = str(row.get("session_id") or "")
    entries.append(MenuEntry("Focus terminal", "focus", sid, enabled=bool(sid)))
    entries.append(MenuEntry("Open project folder", "open_path", folder, enabled=bool(folder)))
    entries.append(
        MenuEntry(
            "Open transcript folder",
            "open_path",
            os.path.dirname(transcript) if transcript else None,
            enabled=bool(transcript),
        )
    )
    entries.append(
        MenuEntry("Copy session id", "copy", str(row.get("session_id") or ""), enabled=bool(row.get("session_id")))
    )
    return tuple(entries)


def menu_spec(
    index: dict[str, Any], options: ViewOptions = ViewOptions(), now: Optional[float] = None
) -> tuple[MenuEntry, ...]:
    """The whole menu, top to bottom. `now=None` leaves out relative times, which gives the key
    that decides whether the menu must be rebuilt (rebuilding closes open menus: docs/platform-notes.md,
    pystray: menus)."""
    entries: list[MenuEntry] = [MenuEntry(title(index), enabled=False)]
    if options.legacy:
        entries.append(MenuEntry("Single-session mode (legacy status.json)", enabled=False))
    day = index.get("ledger") if isinstance(index.get("ledger"), dict) else None  # tray.source adds it
    if day is not None:  # issue 12: the words are core.ledger's
        entries.append(MenuEntry(day["limits_line"], enabled=False))
        entries.append(MenuEntry(f"{day['attention_line']} · {day['cost_line']}", enabled=False))
    entries.append(SEPARATOR)
    active = active_rows(index)
    stale = stale_rows(index)
    cap = max(1, options.max_sessions)
    if not active and not stale:
        entries.append(MenuEntry("No Claude Code sessions yet", enabled=False))
    # waiting first, then working, then idle; a waiting session is never hidden in "N more…"
    shown, rest = present.split_shown(active, cap)
    for row in shown:
        figures = (day or {}).get("sessions", {}).get(str(row.get("session_id")))
        entries.append(MenuEntry(session_label(row, now), submenu=session_details(row, now, figures)))
    if rest:
        entries.append(
            MenuEntry(
                f"{len(rest)} more…",
                submenu=tuple(MenuEntry(session_label(r), enabled=False) for r in rest),
            )
        )
    if stale:
        entries.append(SEPARATOR)
        entries.append(MenuEntry(f"Stale ({len(stale)}) — no update for a while", enabled=False))
        for row in stale[:cap]:
            label = f"  {_task(row, 32)} · {_int(row.get('context_pct'))}%"
            updated = _age(row, "updated_at", now)
            if updated:
                label += f" · {updated}"
            entries.append(MenuEntry(label, enabled=False))
        if len(stale) > cap:
            entries.append(MenuEntry(f"  {len(stale) - cap} more…", enabled=False))
    entries.append(SEPARATOR)
    entries.append(MenuEntry("Open dashboard", "dashboard"))
    entries.append(MenuEntry("Refresh now", "refresh"))
    entries.append(MenuEntry("Clean up stale sessions", "cleanup", enabled=bool(stale)))
    entries.append(MenuEntry("Notifications", "toggle_notifications", checked=options.notifications))
    entries.append(MenuEntry("Start at login", "toggle_autostart", checked=options.autostart))
    summary = index.get("summary") or {}
    skipped, omitted = _int(summary.get("skipped_files")), _int(summary.get("omitted_sessions"))
    if skipped:
        plural = "s" if skipped > 1 else ""
        entries.append(MenuEntry(f"{skipped} unreadable file{plural} in the status dir (claude-status doctor)",
                                 enabled=False))
    if omitted:
        entries.append(MenuEntry(f"{omitted} older sessions not listed", enabled=False))
    entries.append(MenuEntry(f"About claude-status-tray {__version__}", "about"))
    entries.append(MenuEntry("Quit", "quit"))
    return tuple(entries)


def entry_lines(entries: tuple[MenuEntry, ...], indent: int = 0) -> list[str]:
    """The menu as indented text: `(disabled)`, `[x]`/`[ ]` for check items, `>` for submenus."""
    lines: list[str] = []
    pad = "  " * indent
    for e in entries:
        if e.separator:
            lines.append(pad + "----")
            continue
        mark = ""
        if e.checked is not None:
            mark = "[x] " if e.checked else "[ ] "
        suffix = " >" if e.submenu is not None else ""
        flag = "" if e.enabled or e.submenu is not None else "  (disabled)"
        lines.append(f"{pad}{mark}{e.text}{suffix}{flag}")
        if e.submenu is not None:
            lines.extend(entry_lines(e.submenu, indent + 1))
    return lines


def render_text(index: dict[str, Any], options: ViewOptions = ViewOptions(), now: Optional[float] = None) -> str:
    """What `claude-status menu` prints: title, tooltip, icon and the whole menu tree."""
    out = [f"Title:   {title(index)}"]
    tip = tooltip(index).split("\n")
    out.append(f"Tooltip: {tip[0]}")
    out.extend(f"         {t}" for t in tip[1:])
    out.append(f"Icon:    {icon_description(icon_state(index, options))}")
    out.append("Menu:")
    out.extend(entry_lines(menu_spec(index, options, now), 1))
    return "\n".join(out) + "\n"
