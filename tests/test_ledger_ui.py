"""Issue 12 in the tray menu, `claude-status menu` and notifications: the words come from core.ledger."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

from core import ledger, present
from tests.conftest import cli_menu as menu
from tests.conftest import event, run_hook
from tests.test_ledger import NO_LIMITS, WITH_LIMITS, tap
from tray import notify, view


@pytest.mark.skipif(sys.platform == "win32", reason="the tap runs under /bin/sh like Claude Code")
def test_menu_shows_limits_waits_and_the_sessions_cost(sdir):
    sid = WITH_LIMITS["session_id"]
    run_hook(event("SessionStart", sid))
    tap(WITH_LIMITS)
    text = menu()
    resets = time.strftime("%H:%M", time.localtime(WITH_LIMITS["rate_limits"]["five_hour"]["resets_at"]))
    weekly = time.strftime("%H:%M", time.localtime(WITH_LIMITS["rate_limits"]["seven_day"]["resets_at"]))
    lines = [x.strip() for x in text.splitlines()]
    limit_lines = [x for x in lines if x.startswith("Limits:")]
    # the recorded input is from August 2026: both windows have reset since, and the menu says so
    assert limit_lines[0].startswith("Limits: 5 h 7%% (old: reset %s) · week 75%% (old: reset %s)" % (
        resets, weekly)), limit_lines
    assert len(limit_lines) == 1
    assert any(x.startswith("waited on you 0 min today · cost today $0.17") for x in lines), lines
    assert any(x.startswith("Cost $0.17 · +0 −0 lines · API 4.9 s") for x in lines), lines


@pytest.mark.skipif(sys.platform == "win32", reason="the tap runs under /bin/sh like Claude Code")
def test_menu_says_once_why_there_are_no_limits(sdir):
    for sid in ("a1", "a2"):
        run_hook(event("SessionStart", sid))
        tap(dict(NO_LIMITS, session_id=sid))
    lines = [x.strip() for x in menu().splitlines()]
    said = [x for x in lines if x.startswith("Limits:")]
    assert said == ["Limits: not reported (API key: Claude Code sends limits to subscribers only)  (disabled)"]


def test_waiting_minutes_reach_the_menu(sdir):
    from hook import main as hook_main

    now = time.time()
    for payload, at in ((event("SessionStart", "w1"), now - 420),
                        (event("PermissionRequest", "w1", tool_name="Bash", tool_input={"command": "x"}), now - 400),
                        (event("PostToolUse", "w1", tool_name="Bash", tool_input={"command": "x"}), now - 20)):
        hook_main.run(json.dumps(payload).encode(), dict(os.environ), at)
    if ledger.day_of(now - 400) != ledger.day_of(now):
        pytest.skip("the scripted wait would straddle midnight")
    lines = [x.strip() for x in menu().splitlines()]
    assert any(x.startswith("waited on you 6 min today · longest 6 min") for x in lines), lines
    assert any(x.startswith("Waited on you 6 min (longest 6 min) · 0 prompts") for x in lines), lines


def test_warning_mark_from_80_percent():
    lim = {"five_hour": {"used_percentage": 82.0, "resets_at": None}, "seven_day": {"used_percentage": 79.4,
                                                                                      "resets_at": None}}
    assert present.limits_line(lim) == "Limits: ⚠ 5 h 82% · week 79%"
    soon = dict(lim, five_hour={"used_percentage": 42.0, "resets_at": 1000 + 3600})
    assert present.limits_line(soon, now=1000).startswith("Limits: 5 h 42% · resets ")
    assert present.limit_level(79.9) == "ok" and present.limit_level(80) == "warn" and present.limit_level(95) == "alert"


def index_with(pct: float, resets: int = 1786263600) -> dict:
    lim = {"five_hour": {"used_percentage": pct, "resets_at": resets},
           "seven_day": {"used_percentage": 10.0, "resets_at": 1786406400}}
    return {"sessions": [], "ledger": {"limits": lim}}


def test_one_notification_per_window_at_80_and_95():
    n = notify.Notifier()
    seen = []
    for i, (pct, resets) in enumerate([(85, 1), (70, 1), (82, 1), (84, 1), (79, 1), (81, 1), (96, 1), (99, 1),
                                       (50, 2), (97, 2)]):
        for op in n.feed(index_with(pct, resets), 1000.0 + i):
            assert isinstance(op, notify.Notice)
            seen.append((op.kind, op.title.split(" limit")[0], op.key, op.critical))
    # 85 first is the baseline (the tray starting never pings); 82 crosses 80; 81 after 79 is the same window
    assert seen == [("limits", "⚠ 5-hour", "limits:five_hour", False),
                    ("limits", "⚠ 5-hour", "limits:five_hour", True),
                    ("limits", "⚠ 5-hour", "limits:five_hour", True)]


def test_the_view_is_pure_of_the_index_figures():
    idx = {"sessions": [{"session_id": "x", "state": "working", "status": "active", "task": "T"}],
           "ledger": {"limits_line": "Limits: 5 h 1%", "attention_line": "waited on you 0 min today",
                      "cost_line": "cost today $0.00",
                      "sessions": {"x": {"total_cost_usd": 1.5, "lines_added": 3, "lines_removed": 1,
                                         "api_seconds": 75.0, "waits": 1, "waiting_seconds": 130,
                                         "longest_wait_seconds": 130, "prompts": 2}}}}
    text = view.entry_lines(view.menu_spec(idx))
    assert "Limits: 5 h 1%  (disabled)" in text
    assert "  Cost $1.50 · +3 −1 lines · API 1 min  (disabled)" in text
    assert "  Waited on you 2 min (longest 2 min) · 2 prompts  (disabled)" in text


def test_a_wait_that_just_opened_does_not_rebuild_the_menu_every_poll(sdir):
    """The menu's time-free key (tray.app rebuilds when it changes, closing open menus) stays the same while
    a wait grows within its first minute: '<1 min' from the moment it opens."""
    from core import aggregate
    from hook import main as hook_main

    now = time.time()
    for payload, at in ((event("UserPromptSubmit", "k1", prompt="go"), now - 1),
                        (event("PermissionRequest", "k1", tool_name="Bash", tool_input={"command": "x"}), now)):
        hook_main.run(json.dumps(payload).encode(), dict(os.environ), at)

    def key(at: float) -> tuple:
        idx = aggregate.aggregate(str(sdir), now=at, options=aggregate.Options(dry_run=True))
        idx["ledger"] = ledger.glance(str(sdir), at)
        return view.menu_spec(idx, view.ViewOptions(), None)

    first = key(now)
    assert key(now + 0.05) == first and key(now + 30) == first
    assert any(e.text.startswith("waited on you <1 min today") for e in first)
