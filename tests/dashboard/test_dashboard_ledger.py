"""Issue 12 in the dashboard: limits, today's waiting minutes and cost in the header, and the waiting-minutes
chart (today per hour, the last 7 days), from core.ledger through /api/status/live; light and dark."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from test_dashboard_e2e import TIMEOUT_MS, assert_contrast, browser, env, save, served  # noqa: F401

from core import ledger
from hook import main as hook_main
from hook import statusline

pytestmark = pytest.mark.e2e
SID = "0d9b8c7a-1111-4222-8333-444455556666"


def seed(environ, now):
    def at(payload, t):
        hook_main.run(json.dumps({"session_id": SID, "cwd": "/home/maria/code/shop",
                                  "transcript_path": "", **payload}).encode(), environ, t)

    at({"hook_event_name": "SessionStart"}, now - 3 * 86400 - 600)
    at({"hook_event_name": "PermissionRequest", "tool_name": "Bash", "tool_input": {"command": "a"}}, now - 3 * 86400)
    at({"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "a"}}, now - 3 * 86400 + 900)
    at({"hook_event_name": "UserPromptSubmit", "prompt": "ship it"}, now - 1500)
    at({"hook_event_name": "PermissionRequest", "tool_name": "Bash", "tool_input": {"command": "b"}}, now - 1200)
    at({"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "b"}}, now - 600)
    tap = {"session_id": SID, "cost": {"total_cost_usd": 1.25, "total_lines_added": 12, "total_lines_removed": 3,
                                       "total_api_duration_ms": 48000},
           "rate_limits": {"five_hour": {"used_percentage": 86.0, "resets_at": int(now + 5400)},
                           "seven_day": {"used_percentage": 41.0, "resets_at": int(now + 4 * 86400)}}}
    assert statusline.record(tap, environ, now - 60)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_header_and_chart_show_the_ledger(env, served, browser, tmp_path, scheme):  # noqa: F811
    now = time.time()
    if ledger.day_of(now - 1500) != ledger.day_of(now):
        pytest.skip("the scripted waits would straddle midnight")
    seed(env, now)
    with urllib.request.urlopen(served.url + "api/status/live", timeout=30) as r:
        live = json.loads(r.read())
    day = live["ledger"]
    assert day["limits"]["five_hour"]["used_percentage"] == 86.0
    assert day["totals"]["cost_usd"] == pytest.approx(1.25)
    assert abs(day["totals"]["waiting_seconds"] - 600) <= 1
    assert [d["waiting_seconds"] for d in day["week"]][3] == pytest.approx(900, abs=1)
    page = browser.new_page(viewport={"width": 1100, "height": 900}, color_scheme=scheme)
    page.goto(served.url)
    page.locator("#chart-today .col").nth(0).wait_for(timeout=TIMEOUT_MS)
    assert page.locator("#sum-limits").inner_text().startswith("⚠ 5 h 86% · resets ")
    assert page.locator("#sum-limits").get_attribute("data-level") == "warn"
    assert page.locator("#sum-waited").inner_text() == "10 min · longest 10 min"
    assert page.locator("#sum-cost").inner_text() == "$1.25"
    assert page.locator("#chart-today .col").count() in (23, 24, 25)
    assert page.locator("#chart-week .col").count() == 7
    figures = page.locator('.card[data-session-id="%s"] .figures' % SID).all_inner_texts()
    assert figures == ["Cost $1.25 · +12 −3 lines · API 48.0 s", "Waited on you 10 min (longest 10 min) · 1 prompt"]
    tall = page.evaluate("Math.max(...[...document.querySelectorAll('#chart-week .bar')].map(b => b.offsetHeight))")
    assert tall > 0
    assert_contrast(page)
    save(page, tmp_path, "dashboard-ledger-%s.png" % scheme)
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_contrast(page)
