"""The tray title (PRD FR-3): one pure function shared by the tray, the dashboard and the CLI."""

from __future__ import annotations

CLOUD = "☁️"
WAITING, WARNING, OK = "⏳", "⚠", "✓"
TASK_WIDTH = 24


def shorten(text: str, width: int = TASK_WIDTH) -> str:
    """``text`` on one line, cut to ``width`` characters with ``…``."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def mark(active_rows: list, load_status: object) -> str:
    """``⏳`` when a session waits for you, else ``⚠`` when load is not OK, else ``✓``."""
    if any(r.get("state") == "waiting" for r in active_rows):
        return WAITING
    if load_status not in (None, "OK"):
        return WARNING
    return OK


def title(index: dict) -> str:
    """``☁️ –`` / ``☁️ {task} | Ctx:22% | 0a | ✓`` / ``☁️ 2s | Ctx:22%/65% | 3a | ✓`` over active sessions."""
    rows = [r for r in index.get("sessions", []) if isinstance(r, dict) and r.get("status") != "stale"]
    if not rows:
        return CLOUD + " –"
    summary = index.get("summary") or {}
    load = summary.get("load") or {}
    m = mark(rows, load.get("status"))
    # The summary counts every session, also those a capped index leaves out.
    count = max(len(rows), _int(summary.get("active_sessions")))
    agents = max(sum(int(r.get("agents") or 0) for r in rows), _int(summary.get("total_agents")))
    if count == 1:
        r = rows[0]
        name = shorten(r.get("task") or r.get("project") or r.get("session_id", "")[:8])
        return "%s %s | Ctx:%d%% | %da | %s" % (CLOUD, name, int(r.get("context_pct") or 0), agents, m)
    # The two highest-context sessions, written in index order so the title never reshuffles.
    top = sorted(range(len(rows)), key=lambda i: (-int(rows[i].get("context_pct") or 0), i))[:2]
    pcts = "/".join("%d%%" % int(rows[i].get("context_pct") or 0) for i in sorted(top))
    return "%s %ds | Ctx:%s | %da | %s" % (CLOUD, count, pcts, agents, m)
