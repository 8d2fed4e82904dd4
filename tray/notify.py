"""Notifications: which ones to show (a pure state machine over successive indexes) and how they reach
the desktop (desktop-notifier: macOS UserNotifications, Linux org.freedesktop.Notifications over
dbus-fast, Windows toasts).

The rules (docs/platform-notes.md, lessons from other monitors; issue 11):
- one notification per session, under a stable key: replaced when that session changes, withdrawn when
  it no longer waits ("waiting") or is no longer idle ("finished");
- "waiting for you" (critical urgency) and "finished" (normal) are different kinds; nothing for sessions
  in `bypassPermissions`/`dontAsk`; going idle is "finished" only after real work (not after Esc, not for
  a session idle since it started);
- several of a kind within `group_window` seconds are one grouped notification, which later members join
  and answered ones leave;
- a session still waiting after `reminder` seconds is announced again, once per wait;
- a per-session cooldown stops a flapping session's "finished" pings. A waiting session always has its
  notification: each permission prompt is a new question.
The first index only sets the baseline: starting the tray never pings.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from core.title import shorten

from . import view

log = logging.getLogger("claude-status.notify")

SILENT_MODES = frozenset({"bypassPermissions", "dontAsk"})
WAITING = "waiting"
FINISHED = "finished"
APP_NAME = "Claude Status"
ACTION_SHOW = "show"
ACTION_DASHBOARD = "dashboard"


@dataclass(frozen=True)
class Notice:
    """One notification as shown: `key` is stable per session (or per group) so it can be replaced."""

    kind: str  # WAITING or FINISHED
    title: str
    message: str
    session_ids: tuple[str, ...]
    key: str = ""
    critical: bool = False


@dataclass(frozen=True)
class Close:
    key: str


Op = Union[Notice, Close]


def _task(row: dict[str, Any]) -> str:
    return shorten(view.task_name(row), 40)


def _ask(row: dict[str, Any]) -> tuple[Any, ...]:
    """What a waiting session asks; a new question replaces its notification."""
    return (row.get("waiting_for"), row.get("detail"), row.get("state_since"))


def _minutes(seconds: float) -> str:
    m = int(seconds // 60)
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d} min"


@dataclass
class _Shown:
    kind: str
    members: list[str]
    fired: float
    reminder: bool = False


@dataclass
class Notifier:
    cooldown: float = 30.0
    waiting: bool = True
    finished: bool = True
    reminder: float = 300.0  # seconds; 0 = off
    group_window: float = 3.0
    _states: Optional[dict[str, str]] = None
    _asks: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    _last: dict[tuple[str, str], float] = field(default_factory=dict)
    _shown: dict[str, _Shown] = field(default_factory=dict)
    _member_of: dict[str, str] = field(default_factory=dict)
    _wait_since: dict[str, float] = field(default_factory=dict)
    _reminded: set[str] = field(default_factory=set)
    _groups: int = 0
    # issue 12: where what the limit notifications said is remembered across tray restarts (the status dir:
    # core.ledger read_notified/write_notified); None keeps it in memory only
    memory: Optional[str] = None
    _limits: Optional[dict[str, Any]] = None  # the previous rate-limit reading (None: baseline)
    _limits_said: set[tuple[Any, ...]] = field(default_factory=set)  # (window, resets_at, threshold)
    _memory_loaded: bool = False

    def shown(self) -> dict[str, tuple[str, ...]]:
        """Key -> session ids of every notification currently shown."""
        return {k: tuple(v.members) for k, v in self._shown.items()}

    def feed(self, index: dict[str, Any], now: float) -> list[Op]:
        """Compare with the previous index; return what to show, replace (a Notice with a known key) or
        withdraw (Close), in order."""
        rows = [r for r in index.get("sessions") or [] if isinstance(r, dict) and r.get("status") != "stale"]
        by_id = {str(r.get("session_id")): r for r in rows}
        current = {sid: str(r.get("state") or "unknown") for sid, r in by_id.items()}
        previous, self._states = self._states, current
        limit_ops = self._limit_notices(index, now)
        asks = {sid: _ask(r) for sid, r in by_id.items() if current[sid] == "waiting"}
        previous_asks, self._asks = self._asks, asks
        for sid in list(self._wait_since):
            if current.get(sid) != "waiting":
                del self._wait_since[sid]
                self._reminded.discard(sid)
        for sid, ask in asks.items():
            if sid not in self._wait_since or ask != previous_asks.get(sid):
                self._wait_since[sid] = now
                self._reminded.discard(sid)
        if previous is None:
            return limit_ops
        ops: list[Op] = []
        changed: set[str] = set()

        # 1. withdraw what is no longer true; a waiting session asked something new is fired afresh below
        for sid, key in list(self._member_of.items()):
            kind = self._shown[key].kind
            still = current.get(sid) == ("waiting" if kind == WAITING else "idle")
            if kind == WAITING and still and asks.get(sid) != previous_asks.get(sid):
                still = False
            if not still:
                self._leave(sid)
                changed.add(key)

        # 2. new transitions
        fired: dict[str, list[str]] = {WAITING: [], FINISHED: []}
        for sid, row in by_id.items():
            before, after = previous.get(sid), current[sid]
            kind = None
            if after == "waiting" and (before != "waiting" or asks.get(sid) != previous_asks.get(sid)):
                kind = WAITING
            elif (
                after == "idle"
                and before in ("working", "waiting", "compacting")
                and not view.interrupted(row)  # Esc: the user stopped it, nothing finished
                and not view.never_worked(row)  # (re)started and idle since: nothing ran to finish
            ):
                kind = FINISHED
            if kind is None or row.get("permission_mode") in SILENT_MODES:
                continue
            if (kind == WAITING and not self.waiting) or (kind == FINISHED and not self.finished):
                continue
            if kind == FINISHED:
                last = self._last.get((sid, kind))
                if last is not None and now - last < self.cooldown:
                    continue
                self._last[(sid, kind)] = now
            fired[kind].append(sid)

        # 3. reminders: still waiting after `reminder` seconds, once per wait
        reminders: list[str] = []
        if self.reminder > 0 and self.waiting:
            for sid, since in self._wait_since.items():
                if (
                    sid not in self._reminded
                    and now - since >= self.reminder
                    and sid not in fired[WAITING]
                    and by_id[sid].get("permission_mode") not in SILENT_MODES
                ):
                    self._reminded.add(sid)
                    reminders.append(sid)

        # place the fired sessions: alone, or grouped with what fired within the window
        for kind in (WAITING, FINISHED):
            for sid in fired[kind]:
                if sid in self._member_of:
                    changed.add(self._member_of[sid])
                    self._leave(sid)
            if not fired[kind]:
                continue
            recent = [k for k, s in self._shown.items() if s.kind == kind and not s.reminder
                      and now - s.fired <= self.group_window]
            if len(fired[kind]) == 1 and not recent:
                self._join(fired[kind][0], f"session:{fired[kind][0]}", kind, now)
                changed.add(f"session:{fired[kind][0]}")
                continue
            group = next((k for k in recent if k.startswith("group:")), None)
            if group is None:
                self._groups += 1
                group = f"group:{kind}:{self._groups}"
            for key in recent:
                if key != group:  # fold the recent single notifications into the group
                    for sid in list(self._shown[key].members):
                        self._leave(sid)
                        self._join(sid, group, kind, now)
                    ops.append(Close(key))
                    changed.discard(key)
            for sid in fired[kind]:
                self._join(sid, group, kind, now)
            self._shown[group].fired = now
            changed.add(group)
        for sid in reminders:
            if sid in self._member_of:
                changed.add(self._member_of[sid])
                self._leave(sid)
            key = f"session:{sid}"
            self._join(sid, key, WAITING, now)
            self._shown[key].reminder = True
            changed.add(key)

        for key in sorted(changed, key=lambda k: (k in self._shown, k)):
            shown = self._shown.get(key)
            if shown is None:
                ops.append(Close(key))
            else:
                ops.append(self._render(key, shown, by_id, now))

        # forget cooldowns of sessions that are gone
        for k in [k for k in self._last if k[0] not in current]:
            del self._last[k]
        return ops + limit_ops

    def _limit_notices(self, index: dict[str, Any], now: float) -> list[Op]:
        """One notification when a rate-limit window crosses 80 % and 95 % (core.ledger decides), once per
        window; the first reading is the baseline."""
        from core import ledger, present

        day = index.get("ledger")
        if not isinstance(day, dict) or not isinstance(day.get("limits"), dict):
            return []
        self._recall_limits()
        cur, prev = day["limits"], self._limits
        self._limits = cur
        out: list[Op] = []
        said_before = set(self._limits_said)
        for window, threshold, pct, resets_at in ledger.limit_crossings(prev, cur):
            said = (window, resets_at, threshold)
            if said in self._limits_said:
                continue
            self._limits_said.add(said)
            title, message = present.crossing_words(window, threshold, pct, resets_at, now)
            out.append(Notice("limits", title, message, (), f"limits:{window}", threshold >= present.LIMIT_ALERT))
        if self.memory is not None and (self._limits_said != said_before or
                                        not ledger.same_reading(prev, cur)):
            try:
                ledger.write_notified(self.memory, cur, self._limits_said)
            except OSError:
                log.warning("could not remember the limit notifications in %s", self.memory, exc_info=True)
        return out

    def _recall_limits(self) -> None:
        """Once per notifier (one tray lifetime): what a previous lifetime saw and said. With a remembered
        reading, the first reading of this lifetime is compared with it (a crossing while the tray was off is
        said once; a new window, another ``resets_at``, starts from 0); without one it is the baseline."""
        if self._memory_loaded or self.memory is None:
            return
        self._memory_loaded = True
        from core import ledger

        got = ledger.read_notified(self.memory)
        if self._limits is None:
            self._limits = got["last"]
        self._limits_said |= got["said"]

    def _join(self, sid: str, key: str, kind: str, now: float) -> None:
        shown = self._shown.setdefault(key, _Shown(kind, [], now))
        if sid not in shown.members:
            shown.members.append(sid)
        self._member_of[sid] = key

    def _leave(self, sid: str) -> None:
        key = self._member_of.pop(sid, None)
        if key is None:
            return
        shown = self._shown[key]
        if sid in shown.members:
            shown.members.remove(sid)
        if not shown.members:
            del self._shown[key]

    def _render(self, key: str, shown: _Shown, by_id: dict[str, dict[str, Any]], now: float) -> Notice:
        rows = [by_id[s] for s in shown.members if s in by_id]
        ids = tuple(shown.members)
        critical = shown.kind == WAITING
        if shown.kind == WAITING:
            if len(rows) == 1:
                row = rows[0]
                what = f" ({row['waiting_for']})" if row.get("waiting_for") else ""
                if shown.reminder:
                    waited = _minutes(now - self._wait_since.get(ids[0], now)) if ids else ""
                    title = f"Still waiting for you ({waited})"
                else:
                    title = "Claude is waiting for you"
                return Notice(WAITING, title, f"{_task(row)}{what}", ids, key, critical)
            return Notice(WAITING, f"{len(rows)} sessions are waiting for you",
                          "\n".join(_task(r) for r in rows[:5]), ids, key, critical)
        if len(rows) == 1:
            return Notice(FINISHED, "Claude finished", _task(rows[0]), ids, key)
        return Notice(FINISHED, f"{len(rows)} sessions finished", "\n".join(_task(r) for r in rows[:5]), ids, key)


# ------------------------------------------------------------------ delivery


class Delivery:
    """Where notices go. `apply` takes the state machine's ops; `message` is a one-off (About, errors)."""

    def apply(self, ops: list[Op]) -> None:
        raise NotImplementedError

    def message(self, title: str, body: str) -> None:
        self.apply([Notice("message", title, body, (), "message")])

    def close(self) -> None:
        """Withdraw everything (the tray is quitting: its actions would go nowhere)."""


class PystrayDelivery(Delivery):
    """The fallback: pystray's own notifier (one notification at a time, no actions, no withdrawal)."""

    def __init__(self, icon: Callable[[], Any], can_notify: Callable[[], bool]) -> None:
        self._icon = icon
        self._can_notify = can_notify  # the backend's capability (xorg has none)

    def apply(self, ops: list[Op]) -> None:
        icon = self._icon()
        for op in ops:
            if isinstance(op, Close):
                continue
            if icon is None or not self._can_notify():
                log.info("notification: %s: %s", op.title, op.message)
                continue
            try:
                # always pass a title: darwin's notify crashes without one (docs/platform-notes.md)
                icon.notify(op.message, op.title)
            except Exception:
                log.warning("notification failed", exc_info=True)


BACKOFF = 60.0  # s without trying again after the notification service failed


class _Failures(logging.Filter):
    """desktop-notifier logs a failed send as a warning with a traceback (which would reach stderr):
    turn that into one line in our log, once until a send works again."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.reported = False
        self.backoff_until = float("-inf")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        exc = record.exc_info[1] if record.exc_info else None
        self.failed(f"{type(exc).__name__}: {exc}" if exc else record.getMessage(), None)
        return False

    def failed(self, why: str, now: Optional[float]) -> None:
        self.count += 1
        if not self.reported:
            log.warning("notifications unavailable (%s); the tray goes on without them", why.strip()[:300])
            self.reported = True

    def ok(self) -> None:
        if self.reported:
            log.info("notifications work again")
        self.reported = False


class DesktopDelivery(Delivery):
    """desktop-notifier on its own asyncio loop in a daemon thread (it is async over dbus-fast on Linux).

    `on_action(action, session_ids)` is called (in a worker thread) for "Show" (ACTION_SHOW, also a click
    on the body) and "Open dashboard" (ACTION_DASHBOARD). A missing or crashing notification service is
    logged once and costs the notifications, never the tray."""

    def __init__(self, on_action: Callable[[str, tuple[str, ...]], None], icon_path: Optional[str] = None,
                 app_name: str = APP_NAME) -> None:
        from desktop_notifier import DesktopNotifier, Icon  # the tray extra; ImportError -> the fallback
        from desktop_notifier.main import get_backend_class

        if get_backend_class().__name__ == "DummyNotificationCenter":
            # macOS outside an app bundle (running from source), old Windows: desktop-notifier would drop
            # every notification; the tray's own notifier (osascript, balloons) does better there
            raise RuntimeError("desktop-notifier has no backend here (macOS needs the app bundle)")

        self._on_action = on_action
        self._ids: dict[str, str] = {}  # our key -> desktop-notifier identifier
        self._loop = asyncio.new_event_loop()
        self._failures = _Failures()
        from pathlib import Path

        icon = Icon(path=Path(icon_path)) if icon_path and os.path.exists(icon_path) else None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="notifications", daemon=True)
        self._notifier: Any = None
        self._thread.start()
        self._ready.wait(5)

        async def make() -> Any:
            return DesktopNotifier(app_name=app_name, app_icon=icon)

        self._notifier = self._call(make(), 10)
        # filters apply where a record is made, not in parent loggers: every desktop_notifier logger
        for name in [n for n in list(logging.Logger.manager.loggerDict) if n.startswith("desktop_notifier")]:
            logging.getLogger(name).addFilter(self._failures)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._ready.set)
        self._loop.run_forever()

    def _call(self, coro: Any, timeout: Optional[float] = None) -> Any:
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return fut.result(timeout) if timeout is not None else fut

    def _action(self, action: str, ids: tuple[str, ...]) -> Callable[[], None]:
        def fire() -> None:
            threading.Thread(target=self._safe_action, args=(action, ids), daemon=True).start()

        return fire

    def _safe_action(self, action: str, ids: tuple[str, ...]) -> None:
        try:
            self._on_action(action, ids)
        except Exception:
            log.error("notification action %s failed", action, exc_info=True)

    async def _apply(self, ops: list[Op]) -> None:
        from desktop_notifier import Button, Urgency

        for op in ops:
            old = self._ids.pop(op.key, None)
            if old is not None:
                try:
                    await self._notifier.clear(old)
                except Exception:  # already closed by the user, or never delivered
                    log.debug("withdrawing %s failed", op.key, exc_info=True)
            if isinstance(op, Close):
                continue
            if self._failures.backoff_until > self._loop.time():
                continue  # no notification service a moment ago: do not open a bus connection per notice
            buttons: tuple[Any, ...] = ()
            on_clicked = None
            if op.session_ids:
                show = self._action(ACTION_SHOW, op.session_ids)
                buttons = (Button("Show", on_pressed=show),
                           Button("Open dashboard", on_pressed=self._action(ACTION_DASHBOARD, op.session_ids)))
                on_clicked = show
            urgency = Urgency.Critical if op.critical else Urgency.Normal
            failures = self._failures.count
            try:
                # critical notifications stay until answered or withdrawn; the rest time out as usual
                ident = await self._notifier.send(
                    title=op.title, message=op.message, urgency=urgency, buttons=buttons, on_clicked=on_clicked,
                    thread=op.kind,
                )
            except Exception as err:  # desktop-notifier logs rather than raises, but be sure
                self._failures.failed(f"{type(err).__name__}: {err}", self._loop.time())
                continue
            if self._failures.count == failures:
                self._ids[op.key] = ident
                self._failures.ok()
            else:
                self._failures.backoff_until = self._loop.time() + BACKOFF

    def apply(self, ops: list[Op]) -> None:
        if ops and self._notifier is not None:
            self._call(self._apply(list(ops)))

    def close(self) -> None:
        if self._notifier is None:
            return
        try:
            self._call(self._apply([Close(k) for k in list(self._ids)]), 3)
        except Exception:
            log.debug("withdrawing notifications at exit failed", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(3)  # no daemon thread left inside dbus-fast when the interpreter exits
