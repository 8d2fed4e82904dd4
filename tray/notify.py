"""Which notifications to show, as a pure state machine over successive indexes.

Once per transition; "waiting for you" and "finished" are different kinds; nothing for sessions in
`bypassPermissions`/`dontAsk`; several at once are grouped into one toast per kind; a per-session
cooldown stops a flapping session from pinging repeatedly (docs/platform-notes.md, lessons from other
monitors). Going idle is "finished" only after real work: not after Esc (reason "interrupted") and not for
a session idle since it started (reason "ready").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from core.title import shorten

from . import view

SILENT_MODES = frozenset({"bypassPermissions", "dontAsk"})
WAITING = "waiting"
FINISHED = "finished"


@dataclass(frozen=True)
class Notice:
    kind: str  # WAITING or FINISHED
    title: str
    message: str
    session_ids: tuple[str, ...]


def _task(row: dict[str, Any]) -> str:
    return shorten(view.task_name(row), 40)


@dataclass
class Notifier:
    cooldown: float = 30.0
    waiting: bool = True
    finished: bool = True
    _states: Optional[dict[str, str]] = None
    _last: dict[tuple[str, str], float] = field(default_factory=dict)

    def feed(self, index: dict[str, Any], now: float) -> list[Notice]:
        """Compare with the previous index; return the notices to show now (possibly none).
        The first index only sets the baseline: starting the tray never pings."""
        rows = [r for r in index.get("sessions") or [] if isinstance(r, dict) and r.get("status") != "stale"]
        current = {str(r.get("session_id")): str(r.get("state") or "unknown") for r in rows}
        previous = self._states
        self._states = current
        if previous is None:
            return []
        fired: dict[str, list[dict[str, Any]]] = {WAITING: [], FINISHED: []}
        for row in rows:
            sid = str(row.get("session_id"))
            before, after = previous.get(sid), current[sid]
            if before == after:
                continue
            if after == "waiting":
                kind = WAITING
            elif (
                after == "idle"
                and before in ("working", "waiting", "compacting")
                and not view.interrupted(row)  # Esc: the user stopped it, nothing finished
                and not view.never_worked(row)  # (re)started and idle since: nothing ran to finish
            ):
                kind = FINISHED
            else:
                continue
            if row.get("permission_mode") in SILENT_MODES:
                continue
            if (kind == WAITING and not self.waiting) or (kind == FINISHED and not self.finished):
                continue
            last = self._last.get((sid, kind))
            if last is not None and now - last < self.cooldown:
                continue
            self._last[(sid, kind)] = now
            fired[kind].append(row)
        # forget cooldowns of sessions that are gone
        for key in [k for k in self._last if k[0] not in current]:
            del self._last[key]
        return [n for n in (_group(WAITING, fired[WAITING]), _group(FINISHED, fired[FINISHED])) if n]


def _group(kind: str, rows: list[dict[str, Any]]) -> Optional[Notice]:
    if not rows:
        return None
    ids = tuple(str(r.get("session_id")) for r in rows)
    if kind == WAITING:
        if len(rows) == 1:
            row = rows[0]
            what = f" ({row['waiting_for']})" if row.get("waiting_for") else ""
            return Notice(kind, "Claude is waiting for you", f"{_task(row)}{what}", ids)
        return Notice(kind, f"{len(rows)} sessions are waiting for you", "\n".join(_task(r) for r in rows[:5]), ids)
    if len(rows) == 1:
        return Notice(kind, "Claude finished", _task(rows[0]), ids)
    return Notice(kind, f"{len(rows)} sessions finished", "\n".join(_task(r) for r in rows[:5]), ids)
