"""FR-3 title rules."""

from __future__ import annotations

import pytest

from core.title import shorten, title


def idx(*rows, load="OK"):
    full = []
    for r in rows:
        base = {"session_id": "id", "task": "t", "context_pct": 0, "agents": 0, "status": "active", "state": "idle"}
        base.update(r)
        full.append(base)
    return {"sessions": full, "summary": {"load": {"status": load}}}


def test_no_active_sessions():
    assert title(idx()) == "☁️ –"
    assert title(idx({"status": "stale"})) == "☁️ –"


def test_one_session():
    assert title(idx({"task": "Log analysis", "context_pct": 22})) == "☁️ Log analysis | Ctx:22% | 0a | ✓"


def test_one_session_long_and_non_ascii_task_is_shortened():
    t = title(idx({"task": "Réécrire le module d’authentification 🔐 complètement", "agents": 2}))
    name = t.split(" | ")[0][len("☁️ "):]
    assert len(name) == 24 and name.endswith("…")
    assert t.endswith(" | Ctx:0% | 2a | ✓")


def test_several_sessions_top_two_in_index_order():
    rows = [{"context_pct": 22, "agents": 1}, {"context_pct": 5, "agents": 0}, {"context_pct": 65, "agents": 2}]
    assert title(idx(*rows)) == "☁️ 3s | Ctx:22%/65% | 3a | ✓"
    # Numbers change, order stays by index position, not by size.
    rows[0]["context_pct"] = 70
    assert title(idx(*rows)) == "☁️ 3s | Ctx:70%/65% | 3a | ✓"


def test_stale_sessions_do_not_count():
    rows = [{"context_pct": 90, "agents": 5, "status": "stale"}, {"context_pct": 10, "agents": 1, "task": "x"}]
    assert title(idx(*rows)) == "☁️ x | Ctx:10% | 1a | ✓"


@pytest.mark.parametrize(("state", "load", "mark"), [
    ("waiting", "CRITICAL", "⏳"), ("idle", "HIGH", "⚠"), ("idle", "CRITICAL", "⚠"), ("working", "OK", "✓")])
def test_marks(state, load, mark):
    assert title(idx({"state": state}, {"state": "idle"}, load=load)).endswith("| " + mark)


def test_shorten():
    assert shorten("short") == "short"
    assert shorten("a\nb\tc") == "a b c"
    assert shorten("x" * 30, 10) == "x" * 9 + "…"
