"""Issue 12, "optionally in the icon": a rate-limit mark in the icon from 80 % (core.present.LIMIT_WARN),
red from 95 % (LIMIT_ALERT), through the pure icon state (tray.view) and the real command's icon line; the
pixels are tests/test_tray_icons.py's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from core import ledger, present
from tests.conftest import cli_menu as menu
from tests.conftest import event, run_hook
from tests.test_ledger import WITH_LIMITS, tap
from tray import icons, view


def index(level: object = None, sessions: int = 1) -> dict:
    rows = [{"session_id": "s%d" % i, "state": "working", "status": "active", "context_pct": 10}
            for i in range(sessions)]
    out: dict = {"sessions": rows}
    if level is not None:
        out["ledger"] = {"limits_level": level}
    return out


def test_the_icon_state_carries_the_limit_level():
    assert view.icon_state(index()).limit == 0
    assert view.icon_state(index("ok")).limit == 0
    assert view.icon_state(index("warn")).limit == 1
    assert view.icon_state(index("alert")).limit == 2
    assert view.icon_state(index("alert", sessions=0)) == view.IconState(limit=2)  # no session, still said
    assert view.icon_state(index("bogus")).limit == 0 and view.icon_state({"ledger": "x"}).limit == 0
    off = view.ViewOptions(icon_limits=False)
    assert view.icon_state(index("alert"), off).limit == 0
    assert view.icon_description(view.icon_state(index("warn"))).endswith("limits warn mark")
    assert view.icon_description(view.IconState(limit=2)) == "no active session, limits alert mark"


def test_the_level_is_present_s_and_a_reset_window_says_nothing():
    now = 1000.0
    lim = {"five_hour": {"used_percentage": 96.0, "resets_at": 900}, "seven_day": {"used_percentage": 81.0,
                                                                                  "resets_at": 5000}}
    assert present.limits_level(lim, now) == "warn"  # the five-hour window has reset since it said 96 %
    assert present.limits_level(dict(lim, five_hour={"used_percentage": 96.0, "resets_at": 2000}), now) == "alert"
    assert present.limits_level({"five_hour": {"used_percentage": present.LIMIT_WARN - 0.1}}, now) == "ok"
    assert present.limits_level({"five_hour": {"used_percentage": present.LIMIT_WARN}}, now) == "warn"
    assert present.limits_level(None, now) == "ok" and present.limits_level({"x": 5}, now) == "ok"


def test_the_setting_turns_the_mark_off(tmp_path):
    from tray import settings

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"icon_limits": False}), encoding="utf-8")
    cfg, msg = settings.load(str(path))
    assert msg is None and cfg.icon_limits is False
    assert settings.Settings().icon_limits is True


@pytest.mark.skipif(sys.platform == "win32", reason="the tap runs under /bin/sh like Claude Code")
def test_claude_codes_limits_reach_the_icon(sdir):
    """The real tap records Claude Code's rate limits; `claude-status menu` (the tray's view) shows the mark."""
    sid = WITH_LIMITS["session_id"]
    run_hook(event("SessionStart", sid))
    soon = int(time.time()) + 3600
    payload = json.loads(json.dumps(WITH_LIMITS))
    for pct, word in ((42, None), (85, "limits warn mark"), (97, "limits alert mark")):
        payload["rate_limits"] = {"five_hour": {"used_percentage": pct, "resets_at": soon},
                                  "seven_day": {"used_percentage": 30, "resets_at": soon + 86400}}
        tap(payload)
        icon_line = next(x for x in menu().splitlines() if x.startswith("Icon:"))
        assert (word in icon_line) if word else ("limits" not in icon_line), (pct, icon_line)
    glance = ledger.glance(str(sdir))
    assert glance["limits_level"] == "alert"
    state = view.icon_state({"sessions": [], "ledger": glance})
    img = icons.render(state, 22)
    m = icons._mark_size(22)
    red = icons.LIMIT_COLOURS[2][:3]
    assert any(all(abs(a - b) <= 40 for a, b in zip(img.getpixel((x, y))[:3], red)) and img.getpixel((x, y))[3] > 200
               for x in range(22 - m, 22) for y in range(22 - m, 22))


def _report() -> dict:
    out = subprocess.run([sys.executable, "-m", "cli", "report", "--json"], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ), check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.skipif(sys.platform == "win32", reason="the tap runs under /bin/sh like Claude Code")
def test_menu_report_and_dashboard_show_the_newest_figure_of_any_session(sdir):
    """Two sessions report different limits (each the figure of its own last API response): everything shows
    the newest figure, without flipping back when a session with an older figure renders again, and after that
    session ended (the ledger keeps it); the icon mark follows the same figures."""
    from dashboard.app import App

    a, b = "aaaa1111-0000-4000-8000-0000000000aa", "bbbb2222-0000-4000-8000-0000000000bb"
    soon = int(time.time()) + 3600
    for sid in (a, b):
        run_hook(event("SessionStart", sid))

    def said(sid: str, pct: float, resets: int) -> None:
        payload = json.loads(json.dumps(WITH_LIMITS))
        payload["session_id"] = sid
        payload["rate_limits"] = {"five_hour": {"used_percentage": pct, "resets_at": resets},
                                  "seven_day": {"used_percentage": 50, "resets_at": soon + 86400}}
        tap(payload)

    def shown() -> tuple:
        rep = _report()["limits"]["five_hour"]["used_percentage"]
        lines = [x.strip() for x in menu().splitlines()]
        limits = next(x for x in lines if x.startswith("Limits:"))
        icon = next(x for x in lines if x.startswith("Icon:"))
        live = App(str(sdir)).live()["ledger"]
        return rep, limits.split(" · ")[0], live["limits"]["five_hour"]["used_percentage"], live["limits_level"], \
            "limits warn mark" in icon

    said(a, 88, soon)
    assert shown() == (88, "Limits: ⚠ 5 h 88%", 88, "warn", True)
    said(b, 91, soon)  # b made a request since: a newer figure of the same window
    assert shown() == (91, "Limits: ⚠ 5 h 91%", 91, "warn", True)
    said(a, 88, soon)  # a renders again with its older figure: the newest input, not the newest figure
    assert shown() == (91, "Limits: ⚠ 5 h 91%", 91, "warn", True)
    time.sleep(0.01)
    said(b, 12, soon + 18000)  # a new window
    assert shown() == (12, "Limits: 5 h 12%", 12, "ok", False)
    run_hook(event("SessionEnd", b, reason="other"))
    assert not (sdir / (b + ".json")).exists()
    assert shown() == (12, "Limits: 5 h 12%", 12, "ok", False)


@pytest.mark.skipif(sys.platform == "win32", reason="the tap runs under /bin/sh like Claude Code")
def test_a_window_that_has_reset_since_colours_nothing(sdir):
    """The dashboard header's level and the icon mark agree with the limits line: a reading whose window has
    reset since ("old: reset 14:30") is no warning any more."""
    sid = WITH_LIMITS["session_id"]
    run_hook(event("SessionStart", sid))
    payload = json.loads(json.dumps(WITH_LIMITS))
    past = int(time.time()) - 600
    payload["rate_limits"] = {"five_hour": {"used_percentage": 97, "resets_at": past}}
    tap(payload)
    glance = ledger.glance(str(sdir))
    assert "(old: reset" in glance["limits_line"] and "⚠" not in glance["limits_line"]
    assert glance["limits_level"] == "ok"
    assert view.icon_state({"sessions": [], "ledger": glance}).limit == 0
