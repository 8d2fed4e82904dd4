"""The daily ledger (issue 12): waits, prompts, cost and rate limits recorded by the real hook and the real
status-line tap, read back by core.ledger.day_report and `claude-status report`."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time

import pytest

from core import ledger
from hook import main as hook_main
from hook import statusline
from tests.conftest import FIXTURES, event, read_session, run_hook

WITH_LIMITS = json.loads((FIXTURES / "hook-events" / "StatusLine__expardus-fleet_v2.1.226_later-render.json")
                         .read_text(encoding="utf-8"))
NO_LIMITS = json.loads((FIXTURES / "hook-events" / "StatusLine__realclient_v2.1.332_int_bg_prompt_later.json")
                       .read_text(encoding="utf-8"))
T0 = time.mktime((2026, 12, 1, 9, 0, 0, 0, 0, -1))  # 09:00 local on 2026-12-01
DAY = "2026-12-01"


def hook_at(sdir, payload: dict, now: float) -> None:
    """The hook's own run() at a chosen time (scripted scenarios with exact event times)."""
    hook_main.run(json.dumps(payload).encode(), dict(os.environ), now)


def report_cli(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "cli", "report", "--json", *args], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ), check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def session(report: dict, sid: str) -> dict:
    return next(r for r in report["sessions"] if r["session_id"] == sid)


# --- scripted scenario with exact event times (the hook's run(), the code path of the real hook) ----------
def test_waits_prompts_and_longest_wait_from_a_scripted_day(sdir):
    sid = "s-wait"
    hook_at(sdir, event("SessionStart", sid), T0)
    hook_at(sdir, event("UserPromptSubmit", sid, prompt="fix it"), T0 + 1)
    hook_at(sdir, event("PermissionRequest", sid, tool_name="Bash", tool_input={"command": "ls"}), T0 + 10)
    hook_at(sdir, event("PostToolUse", sid, tool_name="Bash", tool_input={"command": "ls"}), T0 + 70)  # 60 s
    hook_at(sdir, event("UserPromptSubmit", sid, prompt="again"), T0 + 100)
    hook_at(sdir, event("PermissionRequest", sid, tool_name="Bash", tool_input={"command": "rm x"}), T0 + 200)
    hook_at(sdir, event("PostToolUse", sid, tool_name="Bash", tool_input={"command": "rm x"}), T0 + 560)  # 360 s
    hook_at(sdir, event("Stop", sid), T0 + 600)
    rep = ledger.day_report(str(sdir), DAY, now=T0 + 3600)
    r = session(rep, sid)
    assert abs(r["waiting_seconds"] - 420) <= 1
    assert abs(r["longest_wait_seconds"] - 360) <= 1
    assert r["prompts"] == 2 and r["waits"] == 2
    assert rep["totals"]["waiting_seconds"] == r["waiting_seconds"] and rep["totals"]["prompts"] == 2
    assert abs(rep["hours"][9] - 420) <= 1 and sum(rep["hours"]) == pytest.approx(420, abs=1)


def test_an_open_wait_counts_up_to_now_and_a_wait_across_midnight_is_split(sdir):
    sid = "s-night"
    late = time.mktime((2026, 12, 1, 23, 50, 0, 0, 0, -1))
    hook_at(sdir, event("SessionStart", sid), late - 60)
    hook_at(sdir, event("PermissionRequest", sid, tool_name="Bash", tool_input={"command": "x"}), late)
    # still waiting 5 minutes later: counts up to now
    assert abs(session(ledger.day_report(str(sdir), DAY, now=late + 300), sid)["waiting_seconds"] - 300) <= 1
    hook_at(sdir, event("PostToolUse", sid, tool_name="Bash", tool_input={"command": "x"}), late + 1200)  # 00:10
    today = ledger.day_report(str(sdir), DAY, now=late + 1300)
    tomorrow = ledger.day_report(str(sdir), "2026-12-02", now=late + 1300)
    assert abs(session(today, sid)["waiting_seconds"] - 600) <= 1
    assert abs(session(tomorrow, sid)["waiting_seconds"] - 600) <= 1


# --- the real hook, in real processes --------------------------------------------------------------------
def test_real_hook_waiting_time_is_within_the_bounds_of_the_real_events(sdir):
    sid = "s-real"
    assert run_hook(event("SessionStart", sid)).returncode == 0
    run_hook(event("UserPromptSubmit", sid, prompt="go"))
    a0 = time.time()
    run_hook(event("PermissionRequest", sid, tool_name="Bash", tool_input={"command": "make"}))
    a1 = time.time()
    assert read_session(sdir, sid)["state"] == "waiting"
    b0 = time.time()
    run_hook(event("PostToolUse", sid, tool_name="Bash", tool_input={"command": "make"}))
    b1 = time.time()
    rep = report_cli("--dir", str(sdir))
    r = session(rep, sid)
    # the wait began during the first hook process and ended during the second: nothing else is true
    assert b0 - a1 - 0.06 <= r["waiting_seconds"] <= b1 - a0 + 0.06  # rounded to 0.1 s
    assert r["prompts"] == 1 and r["waits"] == 1
    path = ledger.path_for(str(sdir), ledger.day_of(a0))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_hook_killed_before_its_session_write_is_not_double_counted(sdir):
    """A hook SIGKILLed after its ledger line but before its session file write: the next hook sees the
    same transition again and appends the same keys; the report counts them once."""
    sid = "s-kill"
    run_hook(event("SessionStart", sid))
    run_hook(event("PermissionRequest", sid, tool_name="Bash", tool_input={"command": "a"}))
    waiting = (sdir / (sid + ".json")).read_bytes()
    run_hook(event("PostToolUse", sid, tool_name="Bash", tool_input={"command": "a"}))
    (sdir / (sid + ".json")).write_bytes(waiting)  # as if that hook died before writing the session file
    run_hook(event("PostToolUse", sid, tool_name="Bash", tool_input={"command": "a"}))  # closes it again
    day = ledger.day_of(time.time())
    lines = [json.loads(x) for x in ledger.path_for(str(sdir), day) and
             open(ledger.path_for(str(sdir), day), encoding="utf-8").read().split("\n") if x]
    closes = [e for e in lines if e["k"] == "w" and "b" in e]
    assert len(closes) == 2 and closes[0]["a"] == closes[1]["a"]  # the replay really happened
    rep = report_cli("--dir", str(sdir), "--day", day)
    r = session(rep, sid)
    assert r["waits"] == 1
    assert r["waiting_seconds"] <= closes[1]["b"] - closes[1]["a"] + 0.06  # the report rounds to 0.1 s


def test_a_torn_line_from_a_sigkilled_write_damages_only_itself(sdir):
    sid = "s-torn"
    run_hook(event("SessionStart", sid))
    day = ledger.day_of(time.time())
    path = ledger.path_for(str(sdir), day)
    with open(path, "ab") as f:
        f.write(b'\n{"k":"p","s":"s-torn","t":17')  # a write cut short by SIGKILL
    run_hook(event("UserPromptSubmit", sid, prompt="one"))
    run_hook(event("UserPromptSubmit", sid, prompt="two"))
    assert session(report_cli("--dir", str(sdir)), sid)["prompts"] == 2


def test_sigkilled_hooks_in_a_storm_never_inflate_the_figures(sdir):
    """Hooks killed at random points (the real SIGKILL): no more prompts than were sent, and no wait longer
    than the storm itself."""
    import random
    import signal

    rng = random.Random(12)
    sid = "s-storm"
    run_hook(event("SessionStart", sid))
    start = time.time()
    sent = 0
    cmd = __import__("tests.conftest", fromlist=["hook_cmd"]).hook_cmd()
    for i in range(24):
        name = ("UserPromptSubmit", "PermissionRequest", "PostToolUse")[i % 3]
        sent += name == "UserPromptSubmit"
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=dict(os.environ))
        assert p.stdin is not None
        p.stdin.write(json.dumps(event(name, sid, prompt="p%d" % i, tool_name="Bash",
                                       tool_input={"command": "c%d" % (i // 3)})).encode())
        p.stdin.close()
        if rng.random() < 0.5:
            time.sleep(rng.random() * 0.05)
            p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
    run_hook(event("Stop", sid))
    end = time.time()
    r = session(report_cli("--dir", str(sdir)), sid)
    assert r["prompts"] <= sent
    assert r["waiting_seconds"] <= end - start + 0.06


# --- the real status-line tap: cost and rate limits as Claude Code gave them -------------------------------
def tap(payload: dict) -> None:
    out = subprocess.run(["/bin/sh", "-c", statusline.tap_command()], input=json.dumps(payload).encode(),
                         capture_output=True, env=dict(os.environ), timeout=60, check=False)
    assert out.returncode == 0, out.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="the tap runs under /bin/sh like Claude Code")
def test_limits_and_cost_equal_the_status_line_input_and_survive_session_end(sdir):
    sid = WITH_LIMITS["session_id"]
    run_hook(event("SessionStart", sid))
    first = json.loads(json.dumps(WITH_LIMITS))
    first["cost"]["total_cost_usd"] = 0.05
    tap(first)
    tap(WITH_LIMITS)
    tap(WITH_LIMITS)  # the same render again: nothing more recorded
    rep = report_cli("--dir", str(sdir))
    assert rep["limits"] == {w: {"used_percentage": WITH_LIMITS["rate_limits"][w]["used_percentage"],
                                 "resets_at": WITH_LIMITS["rate_limits"][w]["resets_at"]}
                             for w in ("five_hour", "seven_day")}
    r = session(rep, sid)
    assert r["cost_usd"] == pytest.approx(WITH_LIMITS["cost"]["total_cost_usd"])
    assert r["api_seconds"] == pytest.approx(WITH_LIMITS["cost"]["total_api_duration_ms"] / 1000, abs=0.1)
    assert r["lines_added"] == 0 and r["lines_removed"] == 0
    run_hook(event("SessionEnd", sid))
    assert not (sdir / (sid + ".json")).exists()
    after = report_cli("--dir", str(sdir))
    assert after["limits"] == rep["limits"]
    assert session(after, sid)["cost_usd"] == pytest.approx(WITH_LIMITS["cost"]["total_cost_usd"])
    assert after["totals"]["cost_usd"] == pytest.approx(WITH_LIMITS["cost"]["total_cost_usd"])


@pytest.mark.skipif(sys.platform == "win32", reason="the tap runs under /bin/sh like Claude Code")
def test_without_rate_limits_the_report_says_why(sdir):
    sid = NO_LIMITS["session_id"]
    run_hook(event("SessionStart", sid))
    tap(NO_LIMITS)
    rep = report_cli("--dir", str(sdir))
    assert rep["limits"] is None and "API key" in rep["limits_note"]
    assert session(rep, sid)["cost_usd"] == pytest.approx(NO_LIMITS["cost"]["total_cost_usd"])


def test_no_tap_at_all_says_install_it(sdir):
    run_hook(event("SessionStart", "s-plain"))
    rep = report_cli("--dir", str(sdir))
    assert rep["limits"] is None and "install-statusline" in rep["limits_note"]


def test_cost_of_a_session_spanning_midnight_is_counted_once_per_day(sdir):
    s = str(sdir)
    os.makedirs(s, exist_ok=True)
    rec = {"session_id": "s-mid", "state": "working"}

    def cost(usd: float, at: float) -> None:
        new = dict(rec, statusline={"ts": at, "cost": {"total_cost_usd": usd}})
        ledger.note(s, ledger.snapshot(rec), new, at)
        rec.update(new)

    evening = time.mktime((2026, 12, 1, 23, 0, 0, 0, 0, -1))
    cost(1.0, evening)
    cost(2.5, evening + 60)
    cost(2.5, evening + 90)
    cost(4.0, evening + 7200)  # 01:00 the next day
    assert ledger.day_report(s, DAY, now=evening + 7300)["totals"]["cost_usd"] == pytest.approx(2.5)
    assert ledger.day_report(s, "2026-12-02", now=evening + 7300)["totals"]["cost_usd"] == pytest.approx(1.5)


# --- bounds ----------------------------------------------------------------------------------------------
def busy_day(s: str, sessions: int = 30) -> None:
    """30 busy sessions over 10 hours: 150 prompts, 150 waits, 1,500 cost updates and limit changes each."""
    recs = {i: {"session_id": "%08d-1111-2222-3333-444444444444" % i, "state": "working", "state_ts": T0}
            for i in range(sessions)}
    steps = 1500
    for k in range(steps):
        at = T0 + k * 24.0
        for i, rec in recs.items():
            t = at + i * 0.1
            new = dict(rec)
            if k % 10 == 0:
                ledger.note(s, ledger.snapshot(rec), new, t, "UserPromptSubmit")
            if k % 10 == 3:
                new["state"], new["state_ts"] = "waiting", t
            elif k % 10 == 5:
                new["state"], new["state_ts"] = "working", t
            new["statusline"] = {"ts": t, "cost": {"total_cost_usd": round(k * 0.01 + i, 4),
                                                   "total_lines_added": k, "total_lines_removed": k // 2,
                                                   "total_api_duration_ms": k * 900},
                                 "rate_limits": {"five_hour": {"used_percentage": k * 100 // steps,
                                                               "resets_at": 1786263600},
                                                 "seven_day": {"used_percentage": 40 + k * 40 // steps,
                                                               "resets_at": 1786406400}}}
            ledger.note(s, ledger.snapshot(rec), new, t)
            recs[i] = new


def test_a_day_of_30_busy_sessions_stays_under_1_mb_with_exact_figures(sdir):
    s = str(sdir)
    os.makedirs(s)
    busy_day(s)
    size = os.path.getsize(ledger.path_for(s, DAY))
    assert size < ledger.MAX_DAY_BYTES
    rep = ledger.day_report(s, DAY, now=T0 + 86400 / 2)
    assert rep["totals"]["sessions"] == 30
    r = session(rep, "%08d-1111-2222-3333-444444444444" % 7)
    assert r["prompts"] == 150 and r["waits"] == 150
    assert r["waiting_seconds"] == pytest.approx(150 * 48.0, abs=1)
    assert r["total_cost_usd"] == pytest.approx(1499 * 0.01 + 7)
    assert rep["peaks"]["five_hour"] == 99 and rep["limits"]["seven_day"]["used_percentage"] == 79


def test_compaction_keeps_every_figure(sdir):
    s = str(sdir)
    os.makedirs(s)
    busy_day(s, sessions=4)
    before = ledger.day_report(s, DAY, now=T0 + 40000)
    ledger.compact(ledger.path_for(s, DAY))
    after = ledger.day_report(s, DAY, now=T0 + 40000)
    assert after == before


def test_files_are_rotated_after_eight_days(sdir):
    s = str(sdir)
    os.makedirs(s)
    for d in range(12):
        ledger.append(s, [{"k": "p", "s": "x", "t": T0 + d * 86400}], T0 + d * 86400)
    names = sorted(n for n in os.listdir(s) if n.startswith(ledger.PREFIX))
    assert len(names) == ledger.KEEP_DAYS
    assert names[-1] == ledger.PREFIX + ledger.day_of(T0 + 11 * 86400) + ledger.SUFFIX


def test_ledger_lines_are_not_session_files(sdir):
    run_hook(event("SessionStart", "s-x"))
    run_hook(event("UserPromptSubmit", "s-x", prompt="p"))
    index = json.loads((sdir / "index.json").read_text(encoding="utf-8"))
    assert [r["session_id"] for r in index["sessions"]] == ["s-x"] and not index.get("skipped")


def test_report_table_and_bad_day(sdir):
    hook_at(sdir, event("SessionStart", "s-t"), T0)
    hook_at(sdir, event("PermissionRequest", "s-t", tool_name="Bash", tool_input={"command": "x"}), T0 + 5)
    hook_at(sdir, event("PostToolUse", "s-t", tool_name="Bash", tool_input={"command": "x"}), T0 + 365)
    out = subprocess.run([sys.executable, "-m", "cli", "report", "--day", DAY, "--dir", str(sdir)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "2026-12-01" in out.stdout and "6 min" in out.stdout and "s-t" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "cli", "report", "--day", "2026-13-01", "--dir", str(sdir)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("claude-status:") and "Traceback" not in bad.stderr
    shutil.rmtree(sdir)
    empty = report_cli("--dir", str(sdir), "--day", DAY)
    assert empty["totals"]["waiting_seconds"] == 0 and empty["sessions"] == []


def test_a_session_that_ends_while_waiting_keeps_its_wait(sdir):
    """SessionEnd while a permission prompt is open (the user closed the terminal): the wait ends there and
    counts; it is not lost with the session file (real hook processes)."""
    sid = "s-end-waiting"
    run_hook(event("SessionStart", sid))
    a0 = time.time()
    run_hook(event("PermissionRequest", sid, tool_name="Bash", tool_input={"command": "make"}))
    a1 = time.time()
    assert read_session(sdir, sid)["state"] == "waiting"
    time.sleep(0.5)
    b0 = time.time()
    run_hook(event("SessionEnd", sid, reason="prompt_input_exit"))
    b1 = time.time()
    assert not (sdir / (sid + ".json")).exists()
    r = session(report_cli("--dir", str(sdir)), sid)
    assert r["waits"] == 1
    assert b0 - a1 - 0.06 <= r["waiting_seconds"] <= b1 - a0 + 0.06, r
