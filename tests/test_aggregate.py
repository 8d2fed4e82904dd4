"""Aggregation, staleness, cleanup, liveness and the CLI, with a fixed clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from core import aggregate, record, timefmt
from tests.conftest import ROOT

NOW = 1_800_000_000.0
CALM = {"profile": "balanced", "status": "OK", "load_avg": 0.5}  # the machine's real load must not matter


def write(sdir, sid, age, **extra):
    """A session file as the hook writes it, last updated ``age`` seconds before NOW."""
    sdir.mkdir(mode=0o700, exist_ok=True)
    body = {"version": "1.1.0", "updated_at": timefmt.iso(NOW - age), "updated_ts": NOW - age, "session_id": sid,
            "task": {"name": "task " + sid, "id": None, "progress": 0, "status": "active"},
            "context": {"current_tokens": 1000, "total_tokens": 200000, "percentage": 10},
            "agents": {"active": 1, "names": ["Explore"]},
            "load": {"profile": "balanced", "status": "OK", "load_avg": 0.5},
            "state": "working", "first_seen_ts": NOW - 10000 + len(sid)}
    body.update(extra)
    (sdir / (sid + ".json")).write_text(json.dumps(body))
    return body


V100 = {"version": "1.0.0", "updated_at": "", "session_id": "legacy",
        "task": {"name": "Log analysis", "id": "abc123", "progress": 45, "status": "active"},
        "context": {"current_tokens": 44000, "total_tokens": 200000, "percentage": 22},
        "agents": {"active": 2, "names": ["researcher", "coder"]},
        "load": {"profile": "balanced", "status": "OK", "load_avg": 3.2}}


def test_index_schema_order_and_summary(sdir):
    write(sdir, "b", 10, first_seen_ts=NOW - 50, context={"current_tokens": 0, "total_tokens": 200000, "percentage": 65})
    write(sdir, "a", 20, first_seen_ts=NOW - 40)
    write(sdir, "c", 400, first_seen_ts=NOW - 500, context={"percentage": 99})  # stale
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    assert [r["session_id"] for r in index["sessions"]] == ["c", "b", "a"]
    assert set(index) >= {"updated_at", "sessions", "summary"}
    for r in index["sessions"]:
        assert set(r) >= {"session_id", "task", "context_pct", "agents", "status", "updated_at"}
    assert [r["status"] for r in index["sessions"]] == ["stale", "active", "active"]
    s = index["summary"]
    assert (s["total_sessions"], s["active_sessions"], s["stale_sessions"]) == (3, 2, 1)
    assert (s["total_agents"], s["max_context_pct"]) == (2, 65)
    assert set(s["load"]) == {"profile", "status", "load_avg"}
    assert index["title"] == "☁️ 2s | Ctx:65%/10% | 2a | ✓"
    assert json.loads((sdir / "index.json").read_text()) == index


def test_v100_files_aggregate(sdir):
    sdir.mkdir()
    body = dict(V100, updated_at=timefmt.iso(NOW - 30))
    (sdir / "legacy.json").write_text(json.dumps(body))
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    (row,) = index["sessions"]
    assert (row["task"], row["context_pct"], row["agents"], row["status"]) == ("Log analysis", 22, 2, "active")
    assert row["state"] == "working"
    assert index["title"] == "☁️ Log analysis | Ctx:22% | 2a | ✓"


def test_corrupt_and_foreign_files_are_skipped_and_counted(sdir):
    write(sdir, "good", 5)
    (sdir / "broken.json").write_text("{not json")
    (sdir / "foreign.json").write_text(json.dumps({"hello": "world"}))
    (sdir / "mismatch.json").write_text(json.dumps(dict(V100, session_id="other", updated_at=timefmt.iso(NOW))))
    (sdir / "binary.json").write_bytes(os.urandom(64))
    (sdir / "ancient.json").write_text(json.dumps(dict(V100, session_id="ancient", version="0.9.0")))
    (sdir / "notes.txt").write_text("ignored, not .json")
    for name in ("broken", "foreign", "mismatch", "ancient", "binary"):
        os.utime(sdir / (name + ".json"), (NOW - 60, NOW - 60))
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    assert [r["session_id"] for r in index["sessions"]] == ["good"]
    assert index["summary"]["skipped_files"] == 5
    assert index["skipped"] == [{"name": "ancient.json", "reason": "version"},
                                {"name": "binary.json", "reason": "corrupt"}, {"name": "broken.json", "reason": "corrupt"},
                                {"name": "foreign.json", "reason": "foreign"},
                                {"name": "mismatch.json", "reason": "foreign"}]
    assert (sdir / "broken.json").exists()  # young: kept (and reported)
    # removed by age like any session, by file mtime since the content cannot be read
    index = aggregate.aggregate(str(sdir), NOW + aggregate.REMOVE_SECONDS, options=aggregate.Options(load_info=CALM))
    assert index["summary"]["skipped_files"] == 0 and "skipped" not in index
    assert not any((sdir / (n + ".json")).exists() for n in ("broken", "foreign", "mismatch", "ancient", "binary"))
    assert (sdir / "notes.txt").exists()  # not a session name: never ours to delete


def test_a_file_written_by_a_newer_version_is_shown_not_dropped(sdir):
    write(sdir, "good", 5)
    future = sdir / "future.json"
    future.write_text(json.dumps({"version": "2.0.0", "session_id": "future", "shape": ["all", "new"]}))
    os.utime(future, (NOW - 3, NOW - 3))
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    rows = {r["session_id"]: r for r in index["sessions"]}
    assert set(rows) == {"good", "future"}
    newer = rows["future"]
    assert (newer["state"], newer["reason"], newer["written_by"], newer["status"]) == (
        "unknown", "newer_version", "2.0.0", "active")
    assert newer["detail"] == "written by a newer version (2.0.0)"
    assert set(newer) == set(rows["good"])  # every renderer finds every key
    assert index["summary"]["newer_sessions"] == 1 and index["summary"]["skipped_files"] == 0
    assert os.readlink(sdir / "status.json") == "good.json"  # links point only at files of our version
    assert json.loads(future.read_text())["shape"] == ["all", "new"]  # never rewritten
    os.utime(future, (NOW - 99999, NOW - 99999))
    aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    assert not future.exists()  # removed by age (its mtime) like any other


def test_cleanup_after_thirty_minutes_with_fixed_clock(sdir):
    write(sdir, "fresh", 60)
    write(sdir, "stale", 600)
    write(sdir, "old", 1801)
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    assert [r["session_id"] for r in index["sessions"]] == ["fresh", "stale"] or \
        {r["session_id"] for r in index["sessions"]} == {"fresh", "stale"}
    assert not (sdir / "old.json").exists()
    again = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))  # idempotent
    assert again["sessions"] == index["sessions"]


def test_thresholds_from_environment(sdir, monkeypatch):
    monkeypatch.setenv("CLAUDE_STATUS_STALE_SECONDS", "10")
    monkeypatch.setenv("CLAUDE_STATUS_REMOVE_SECONDS", "100")
    write(sdir, "a", 5)
    write(sdir, "b", 50)
    write(sdir, "c", 150)
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    assert {r["session_id"]: r["status"] for r in index["sessions"]} == {"a": "active", "b": "stale"}


def test_dry_run_writes_and_deletes_nothing(sdir):
    write(sdir, "old", 5000)
    before = sorted(os.listdir(sdir))
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(dry_run=True))
    assert index["sessions"] == []
    assert sorted(os.listdir(sdir)) == before


def test_missing_dir_is_an_empty_index(tmp_path):
    index = aggregate.aggregate(str(tmp_path / "nope"), NOW)
    assert index["sessions"] == [] and index["title"] == "☁️ –"
    assert not (tmp_path / "nope").exists()


def test_liveness_removes_dead_sessions_but_never_live_ones(sdir, tmp_path):
    reg = tmp_path / "claude" / "sessions"
    reg.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (reg / ("%d.json" % dead.pid)).write_text(json.dumps({"sessionId": "dead"}))
    (reg / ("%d.json" % os.getpid())).write_text(json.dumps({"sessionId": "live"}))
    write(sdir, "dead", 5, pid=dead.pid, pid_file=str(reg / ("%d.json" % dead.pid)))
    write(sdir, "live", 7200, pid=os.getpid(), pid_file=str(reg / ("%d.json" % os.getpid())))
    write(sdir, "exited", 5, pid=os.getpid(), pid_file=str(reg / "999999.json"))  # registry file removed on exit
    write(sdir, "unknown", 5)
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    # A live process is never removed, and not even stale: a long tool call reports nothing for minutes.
    assert {r["session_id"]: r["status"] for r in index["sessions"]} == {"live": "active", "unknown": "active"}


def test_interrupted_session_shows_idle(sdir, tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_text(
        json.dumps({"type": "assistant", "message": {"model": "m", "usage": {"input_tokens": 5}}}) + "\n"
        + json.dumps({"type": "user", "message": {"role": "user", "content": [
            {"type": "text", "text": "[Request interrupted by user]"}]}}) + "\n")
    write(sdir, "esc", 60, transcript_path=str(t))
    write(sdir, "busy", 2, transcript_path=str(t))  # too recent to second-guess
    rows = {r["session_id"]: r for r in aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))["sessions"]}
    assert (rows["esc"]["state"], rows["esc"]["detail"]) == ("idle", "interrupted")
    assert rows["busy"]["state"] == "working"
    # Written back under the lock, so the hook's next index (which reads no transcripts) agrees.
    on_disk = json.loads((sdir / "esc.json").read_text())
    assert (on_disk["state"], on_disk["detail"], on_disk["updated_ts"]) == ("idle", "interrupted", NOW - 60)
    assert (on_disk["reason"], rows["esc"]["reason"], on_disk["task"]["status"]) == ("interrupted", "interrupted", "idle")
    assert on_disk["waiting_for"] is None and on_disk["state_ts"] == NOW
    dry = json.loads((sdir / "busy.json").read_text())
    assert dry["state"] == "working"


def test_dry_run_never_persists_an_override(sdir, tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_text(json.dumps({"type": "user", "message": {"content": "[Request interrupted by user]"}}) + "\n")
    write(sdir, "esc", 60, transcript_path=str(t))
    assert aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(dry_run=True, load_info=CALM))["sessions"][0]["state"] == "idle"
    assert json.loads((sdir / "esc.json").read_text())["state"] == "working"


def test_waiting_sessions_do_not_go_stale(sdir):
    write(sdir, "asks", 1200, state="waiting", waiting_for="permission for Bash")
    write(sdir, "quiet", 1200)
    rows = {r["session_id"]: r for r in aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))["sessions"]}
    assert (rows["asks"]["status"], rows["quiet"]["status"]) == ("active", "stale")
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    assert index["title"].endswith("⏳") and index["summary"]["waiting_sessions"] == 1


def test_registry_file_naming_another_session_means_gone(sdir, tmp_path):
    reg = tmp_path / "claude" / "sessions"
    reg.mkdir(parents=True)
    path = reg / ("%d.json" % os.getpid())
    path.write_text(json.dumps({"sessionId": "after-clear"}))
    write(sdir, "before-clear", 5, pid=os.getpid(), pid_file=str(path))
    assert aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))["sessions"] == []
    assert not (sdir / "before-clear.json").exists()


def test_cleanup_command_removes_stale_on_request(sdir):
    write(sdir, "fresh", 10)
    write(sdir, "stale", 400)
    assert aggregate.cleanup(str(sdir), NOW, include_stale=True) == 1
    assert sorted(p.name for p in sdir.glob("*.json") if p.name != "index.json" and not p.is_symlink()) == ["fresh.json"]


def test_signature_changes_on_write(sdir):
    write(sdir, "a", 10)
    first = aggregate.signature(str(sdir))
    write(sdir, "a", 5)
    assert aggregate.signature(str(sdir)) != first
    assert aggregate.signature(str(sdir / "missing")) == ()


def test_legacy_index_from_single_status_json(tmp_path):
    claude = tmp_path / "claude"
    claude.mkdir()
    (claude / "status.json").write_text(json.dumps(dict(V100, updated_at=timefmt.iso(NOW))))
    index = aggregate.legacy_index(now=NOW, load_info=CALM)
    assert index["legacy"] is True
    assert index["title"] == "☁️ Log analysis | Ctx:22% | 2a | ✓"


def _cli(*args, **kw):
    return subprocess.run([sys.executable, "-S", "-m", "core.aggregate", *args], capture_output=True,
                          text=True, cwd=str(ROOT), timeout=60, check=False, **kw)


def test_cli_json_title_text_and_errors(sdir, tmp_path):
    write(sdir, "a", 1, updated_ts=None, updated_at=timefmt.iso(__import__("time").time()))
    out = _cli("--dir", str(sdir))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["summary"]["total_sessions"] == 1
    title = _cli("--dir", str(sdir), "--title")
    assert title.stdout.strip().startswith("☁️ task a | Ctx:10% | 1a |")
    text = _cli("--dir", str(sdir), "--text")
    assert "task a" in text.stdout and "1 sessions" in text.stdout
    assert _cli("--bogus").returncode == 2
    assert _cli("--title", "--text").returncode == 2
    f = tmp_path / "plainfile"
    f.write_text("x")
    bad = _cli("--dir", str(f))
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1 and "cannot read status dir" in bad.stderr
    empty = _cli("--dir", str(tmp_path / "missing"), "--title")
    assert (empty.returncode, empty.stdout.strip()) == (0, "☁️ –")


def test_cli_dry_run_leaves_dir_untouched(sdir):
    write(sdir, "old", 99999)
    before = {p.name: p.stat().st_mtime_ns for p in sdir.iterdir()}
    assert _cli("--dir", str(sdir), "--dry-run").returncode == 0
    assert {p.name: p.stat().st_mtime_ns for p in sdir.iterdir()} == before


@settings(max_examples=50, deadline=None)
@given(st.permutations(range(6)), st.lists(st.integers(0, 100), min_size=6, max_size=6))
def test_build_index_ignores_input_order(order, pcts):
    sessions = [record.Entry(record.upgrade({
        "session_id": "s%d" % i, "version": "1.1.0", "updated_ts": NOW - i, "first_seen_ts": NOW - 100 + i,
        "context": {"percentage": pcts[i]}, "agents": {"active": i}, "task": {"name": "t%d" % i}}, "s%d" % i), NOW)
        for i in range(6)]
    load = {"profile": "balanced", "status": "OK", "load_avg": 0.1}
    a = aggregate.build_index(sessions, NOW, load_info=load)
    b = aggregate.build_index([sessions[i] for i in order], NOW, load_info=load)
    assert a == b


def test_tray_and_dashboard_share_the_one_legacy_fallback(tmp_path, monkeypatch):
    """No status dir: both readers get their index from aggregate.current, the one fallback rule."""
    from dashboard.app import App
    from tray import dirs
    from tray.source import IndexSource

    claude = tmp_path / "claude"
    claude.mkdir()
    (claude / "status.json").write_text(json.dumps(dict(V100, updated_at=timefmt.iso(NOW))))
    calls = []
    real = aggregate.current
    monkeypatch.setattr(aggregate, "current", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    missing = str(tmp_path / "no-status-dir")
    src = IndexSource(dirs.resolve(status_dir=missing, claude_dir=str(claude)), clock=lambda: NOW)
    tray_index = src.poll(force=True)
    dash_index = App(status_dir=missing, claude_dir=str(claude), clock=lambda: NOW).live()
    assert calls == [missing, missing]
    assert src.legacy is True and tray_index["legacy"] is True and dash_index["legacy"] is True
    assert [r["session_id"] for r in tray_index["sessions"]] == [r["session_id"] for r in dash_index["sessions"]] \
        == ["legacy"]


def test_cleanup_command_and_aggregation_use_one_decision(sdir, monkeypatch):
    write(sdir, "fresh", 5)
    write(sdir, "stale", 400)
    write(sdir, "old", 99999)
    seen = []
    real = aggregate.removes
    monkeypatch.setattr(aggregate, "removes", lambda e, *a, **k: seen.append(e.session_id) or real(e, *a, **k))
    assert aggregate.cleanup(str(sdir), NOW, include_stale=True) == 2
    assert sorted(seen) == ["fresh", "old", "stale"]
    assert sorted(n for n in os.listdir(sdir) if not n.startswith(".")) == ["fresh.json", "index.json", "status.json"]


def test_a_capped_index_never_leaves_out_a_waiting_session_and_counts_every_one(sdir):
    """The lead's rule for the 64-row cap: the oldest session is waiting for the user (it reports nothing
    while it waits): it stays listed, and the summary and title count all sessions."""
    from core import limits

    n = limits.MAX_INDEX_ROWS + 6
    for i in range(n):
        write(sdir, "s%03d" % i, 10 + i, agents={"active": 1, "names": ["x"]})
    write(sdir, "oldest", 200, state="waiting", waiting_for="permission for Bash")
    write(sdir, "broken", 199, state="error")
    index = aggregate.aggregate(str(sdir), NOW, options=aggregate.Options(load_info=CALM))
    ids = [r["session_id"] for r in index["sessions"]]
    assert len(ids) == limits.MAX_INDEX_ROWS and "oldest" in ids and "broken" in ids
    assert "s%03d" % (n - 1) not in ids  # the least recently updated of the others is left out
    summary = index["summary"]
    assert (summary["total_sessions"], summary["active_sessions"], summary["omitted_sessions"]) == (n + 2, n + 2, 8)
    assert (summary["waiting_sessions"], summary["total_agents"]) == (1, n + 2)
    assert index["title"].startswith("☁️ %ds |" % (n + 2)) and index["title"].endswith("| %da | ⏳" % (n + 2))


def test_cold_sessions_the_caller_did_not_read_are_counted():
    from core import limits

    entries = [record.Entry(record.upgrade({"session_id": "h%d" % i, "version": "1.1.0", "updated_ts": NOW - i,
                                            "state": "working", "agents": {"active": 1}}, "h%d" % i), NOW)
               for i in range(3)]
    cold = {"active": 4, "agents": 2, "waiting": 0, "max_context_pct": 91}
    index = aggregate.build_index(entries, NOW, load_info=CALM, omitted=10, cold=cold)
    s = index["summary"]
    assert (s["total_sessions"], s["active_sessions"], s["stale_sessions"], s["omitted_sessions"]) == (13, 7, 6, 10)
    assert (s["total_agents"], s["max_context_pct"]) == (5, 91)
    assert len(index["sessions"]) == 3 <= limits.MAX_INDEX_ROWS
