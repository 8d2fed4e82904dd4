"""The tray title (PRD FR-3): one pure function shared by the tray, the dashboard, the CLI and the hook's
index. Its words, marks and name fallback are `core.present`'s."""

from __future__ import annotations

from core.present import CLOUD, context_pct, shorten, task_name, title_mark

__all__ = ["shorten", "title"]  # shorten: `core.present`'s, re-exported for older imports


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def title(index: dict) -> str:
    """``☁️ –`` / ``☁️ {task} | Ctx:22% | 0a | ✓`` / ``☁️ 2s | Ctx:22%/65% | 3a | ✓`` over active sessions."""
    rows = [r for r in index.get("sessions", []) if isinstance(r, dict) and r.get("status") != "stale"]
    if not rows:
        return CLOUD + " –"
    summary = index.get("summary") or {}
    load = summary.get("load") or {}
    m = title_mark(rows, load.get("status"))
    # The summary counts every session, also those a capped index leaves out.
    count = max(len(rows), _int(summary.get("active_sessions")))
    agents = max(sum(int(r.get("agents") or 0) for r in rows), _int(summary.get("total_agents")))
    if count == 1:
        r = rows[0]
        return "%s %s | Ctx:%d%% | %da | %s" % (CLOUD, shorten(task_name(r)), context_pct(r), agents, m)
    # The two highest-context sessions, written in index order so the title never reshuffles.
    top = sorted(range(len(rows)), key=lambda i: (-context_pct(rows[i]), i))[:2]
    pcts = "/".join("%d%%" % context_pct(rows[i]) for i in sorted(top))
    return "%s %ds | Ctx:%s | %da | %s" % (CLOUD, count, pcts, agents, m)
