"""Issue 12: one notification when a rate-limit window crosses 80 % and 95 %, once per window, across tray
restarts (what was said lives in the status dir: ``core.ledger`` read_notified/write_notified).

The pure half: two ``Notifier`` lifetimes over one status dir. The real thing: two real tray processes in a
private desktop session, the limits coming from Claude Code's status-line input through the real tap, the
notifications read from the session's notification server (tests/sni_fake.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core import ledger
from tests.desktop import Desktop, wait_for
from tests.test_ledger import WITH_LIMITS, tap
from tests.test_tray_gui import GI_PROBLEM, MISSING, ROOT, event, fire
from tests.tray_helpers import tray_env  # noqa: F401
from tray import notify

R1, R2 = 1_900_000_000, 1_900_018_000  # two five-hour windows


def index_with(pct: float, resets: int) -> dict:
    lim = {"five_hour": {"used_percentage": pct, "resets_at": resets},
           "seven_day": {"used_percentage": 10.0, "resets_at": R2 + 86400}}
    return {"sessions": [], "ledger": {"limits": lim}}


def said(n: notify.Notifier, pct: float, resets: int, now: float = 1000.0) -> list:
    return [(op.title.split(" limit")[0], op.critical) for op in n.feed(index_with(pct, resets), now)
            if isinstance(op, notify.Notice)]


def test_a_restart_within_the_window_says_nothing_again_and_a_new_window_does(tmp_path):
    sdir = str(tmp_path)
    first = notify.Notifier(memory=sdir)
    assert said(first, 50, R1) == []  # the very first reading is the baseline
    assert said(first, 85, R1) == [("⚠ 5-hour", False)]
    assert oct(os.stat(ledger.notified_path(sdir)).st_mode & 0o777) == "0o600" or os.name == "nt"

    second = notify.Notifier(memory=sdir)  # the tray restarted
    assert said(second, 86, R1) == []  # 80 % of this window was said in the first lifetime
    assert said(second, 96, R1) == [("⚠ 5-hour", True)]
    third = notify.Notifier(memory=sdir)
    assert said(third, 97, R1) == []
    assert said(third, 90, R2) == [("⚠ 5-hour", False)]  # a new window (another resets_at)


def test_a_crossing_while_the_tray_was_off_is_said_once_at_start(tmp_path):
    sdir = str(tmp_path)
    assert said(notify.Notifier(memory=sdir), 40, R1) == []
    assert said(notify.Notifier(memory=sdir), 82, R1) == [("⚠ 5-hour", False)]  # it crossed while off
    assert said(notify.Notifier(memory=sdir), 83, R1) == []
    assert said(notify.Notifier(memory=sdir), 81, R2) == [("⚠ 5-hour", False)]  # a new window while off


def test_without_memory_it_stays_in_memory_only(tmp_path):
    n = notify.Notifier()
    assert said(n, 50, R1) == [] and said(n, 85, R1) == [("⚠ 5-hour", False)]
    assert said(notify.Notifier(), 86, R1) == []  # a new notifier without memory: a baseline again
    assert not any(ledger.NOTIFIED_NAME in names for _, _, names in os.walk(tmp_path))


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"[]", b'{"v": "1"}', b'{"v": 1, "said": {"a": 1}}',
                                     b'{"v": 1, "said": [["five_hour", "x", 80], ["week", 1, 80], ["five_hour", 1, 81]'
                                     b'], "last": 5}', b"{" * 5000])
def test_a_damaged_memory_reads_as_nothing_said(tmp_path, content):
    sdir = str(tmp_path)
    with open(ledger.notified_path(sdir), "wb") as f:
        f.write(content)
    got = ledger.read_notified(sdir)
    assert got["said"] == set() and got["last"] is None and not got["newer"]
    n = notify.Notifier(memory=sdir)
    assert said(n, 50, R1) == [] and said(n, 85, R1) == [("⚠ 5-hour", False)]
    assert ledger.read_notified(sdir)["said"] == {("five_hour", R1, 80.0)}


def test_the_memory_is_bounded_and_a_newer_versions_file_is_left_alone(tmp_path):
    sdir = str(tmp_path)
    n = notify.Notifier(memory=sdir)
    said(n, 10, 1000)
    for i in range(40):
        said(n, 50, 1000 + i)
        said(n, 99, 1000 + i)
    kept = ledger.read_notified(sdir)["said"]
    assert len(kept) == ledger.NOTIFIED_MAX_SAID and ("five_hour", 1039, 95.0) in kept
    assert os.path.getsize(ledger.notified_path(sdir)) < ledger.NOTIFIED_MAX_BYTES
    newer = b'{"v": 9, "said": [["five_hour", 5, 80]], "last": {}, "more": true}'
    with open(ledger.notified_path(sdir), "wb") as f:
        f.write(newer)
    m = notify.Notifier(memory=sdir)
    assert said(m, 50, 5) == [] and said(m, 85, 5) == []  # read: 80 % of window 5 was said by the newer tray
    assert said(m, 85, 6) == [("⚠ 5-hour", False)]
    with open(ledger.notified_path(sdir), "rb") as f:
        assert f.read() == newer


# ------------------------------------------------------------------ the real tray, two lifetimes

GUI_SKIP = MISSING or GI_PROBLEM
SID = WITH_LIMITS["session_id"]


def _limits_tap(pct: float, resets: int) -> None:
    payload = json.loads(json.dumps(WITH_LIMITS))
    payload["rate_limits"] = {"five_hour": {"used_percentage": pct, "resets_at": resets},
                              "seven_day": {"used_percentage": 20, "resets_at": R2 + 86400}}
    tap(payload)


def _limit_notes(d: Desktop) -> list:
    return [n["summary"] for n in d.records("notifications.jsonl") if " limit at " in n["summary"]]


def _start_tray(d: Desktop, env: dict, log_path) -> subprocess.Popen:
    child_env = d.env()
    child_env.update(env)
    log = open(log_path, "a")
    return subprocess.Popen([sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=child_env, stdout=log,
                            stderr=subprocess.STDOUT)


def _remembered(sdir: str) -> object:
    """The five-hour use of the last reading a tray remembered."""
    return ((ledger.read_notified(sdir)["last"] or {}).get("five_hour") or {}).get("used_percentage")


@pytest.mark.gui
@pytest.mark.skipif(bool(GUI_SKIP), reason=f"GUI TEST NOT RUN: {MISSING} {GI_PROBLEM}")
@pytest.mark.skipif(sys.platform == "win32", reason="the tap runs under /bin/sh like Claude Code")
def test_two_tray_lifetimes_notify_once_per_window(tmp_path, tray_env):  # noqa: F811
    d = Desktop(str(tmp_path)).start()
    env = dict(tray_env)
    sdir = env["CLAUDE_STATUS_DIR"]
    log_path = tmp_path / "tray.log"
    tray = None
    try:
        fire(env, event(SID, "UserPromptSubmit", prompt="Spend the budget"))
        _limits_tap(50, R1)
        tray = _start_tray(d, env, log_path)
        assert wait_for(lambda: d.records("items.jsonl"), 60), log_path.read_text()
        assert wait_for(lambda: os.path.exists(ledger.notified_path(sdir)), 60), log_path.read_text()  # baseline
        _limits_tap(85, R1)
        assert wait_for(lambda: _limit_notes(d) == ["⚠ 5-hour limit at 85%"], 60), (_limit_notes(d),
                                                                                     log_path.read_text())
        tray.terminate()
        tray.wait(30)

        _limits_tap(87, R1)  # still the same window while the tray is off
        tray = _start_tray(d, env, log_path)
        assert wait_for(lambda: len(d.records("items.jsonl")) >= 2, 60), log_path.read_text()
        _limits_tap(88, R1)
        # the second tray has read this window (it remembers each new reading): no second "80 %" for it
        assert wait_for(lambda: _remembered(sdir) == 88, 60), (ledger.read_notified(sdir), log_path.read_text())
        _limits_tap(90, R2)  # a new window: said once more
        assert wait_for(lambda: len(_limit_notes(d)) >= 2, 60), (_limit_notes(d), log_path.read_text())
        assert _limit_notes(d) == ["⚠ 5-hour limit at 85%", "⚠ 5-hour limit at 90%"], d.records(
            "notifications.jsonl")
        assert ledger.read_notified(sdir)["said"] == {("five_hour", R1, 80.0), ("five_hour", R2, 80.0)}
        assert "Traceback" not in log_path.read_text()
    finally:
        if tray is not None and tray.poll() is None:
            tray.kill()
        d.stop()
