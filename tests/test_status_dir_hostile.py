"""Whatever is in the status dir, a healthy session's next event lands (issue 8), in the real hook process;
skipped files are reported (index.json, doctor, tray menu) and removed by age; the hook's incremental view
of the dir stays consistent with the files."""

from __future__ import annotations

import json
import os
import time

import pytest

from core import limits
from tests.conftest import event, read_index, read_session, run_hook


def _land(sdir, sid="healthy", env=None, **fields):
    proc = run_hook(event("PostToolUse", sid, tool_name="Read", **fields), env=env)
    assert proc.returncode == 0 and proc.stdout == b"" and proc.stderr == b""
    assert read_session(sdir, sid)["last_tool"] == "Read"
    return read_index(sdir)


def _session_names(sdir):
    out = set()
    for name in os.listdir(sdir):
        if name.endswith(".json") and not name.startswith(".") and name not in ("index.json", "status.json"):
            try:
                data = json.loads((sdir / name).read_text())
            except (ValueError, OSError):
                continue
            if isinstance(data, dict) and data.get("session_id") == name[:-5]:
                out.add(name[:-5])
    return out


HOSTILE = {
    "truncated": b'{"session_id": "corrupt-1", "upd',
    "not-json": b"\x00\xff garbage",
    "array": b"[1, 2, 3]",
    "foreign": json.dumps({"hello": "world"}).encode(),
    "mismatch": json.dumps({"session_id": "someone-else", "version": "1.1.0"}).encode(),
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "oversized": b'{"session_id": "oversized", "pad": "' + b"p" * (2 * 1024 * 1024) + b'"}',
    "bad-utf8": b'{"session_id": "bad-utf8", "x": "\xff\xfe"}',
    "empty": b"",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_file_never_stops_a_healthy_session(kind, sdir):
    sdir.mkdir(parents=True)
    name = ("corrupt-1" if kind == "truncated" else kind) + ".json"
    (sdir / name).write_bytes(HOSTILE[kind])
    index = _land(sdir)
    assert [r["session_id"] for r in index["sessions"]] == ["healthy"]
    assert index["summary"]["skipped_files"] == 1
    assert [s["name"] for s in index["skipped"]] == [name]
    index = _land(sdir)  # and the next one (the incremental view keeps the report)
    assert [s["name"] for s in index["skipped"]] == [name]
    assert not (sdir / "hook.log").exists()


def test_a_directory_and_a_fifo_named_like_sessions(sdir):
    sdir.mkdir(parents=True)
    (sdir / "adir.json").mkdir()
    os.mkfifo(sdir / "fifo.json")
    index = _land(sdir)
    assert sorted((s["name"], s["reason"]) for s in index["skipped"]) == [("adir.json", "unreadable"),
                                                                          ("fifo.json", "unreadable")]


def test_skipped_files_are_removed_by_age_by_their_mtime(sdir):
    sdir.mkdir(parents=True)
    big = sdir / "big.json"
    big.write_bytes(HOSTILE["oversized"])
    (sdir / "young.json").write_bytes(b"{")
    old = time.time() - 3600
    os.utime(big, (old, old))
    env = dict(os.environ, CLAUDE_STATUS_REMOVE_SECONDS="600")
    index = _land(sdir, env=env)
    assert not big.exists()
    assert [s["name"] for s in index["skipped"]] == ["young.json"]


def test_an_oversized_own_file_starts_over(sdir):
    sdir.mkdir(parents=True)
    (sdir / "healthy.json").write_bytes(b'{"session_id": "healthy", "version": "1.1.0", "pad": "' + b"x" * 100_000
                                        + b'"}')
    index = _land(sdir)
    assert (sdir / "healthy.json").stat().st_size <= limits.MAX_FILE
    assert [r["session_id"] for r in index["sessions"]] == ["healthy"]


def test_one_log_line_per_failure_names_type_event_and_version(sdir):
    from core import __version__, hooklog

    sdir.mkdir(parents=True)
    (sdir / "blocked.json").mkdir()  # the session's own path is a directory: its write fails
    (sdir / "blocked.json" / "x").write_text("keep me non-empty")
    proc = run_hook(event("PreToolUse", "blocked", tool_name="Bash"))
    assert proc.returncode == 0 and proc.stdout == b""
    lines = (sdir / "hook.log").read_text().splitlines()
    assert len(lines) == 1
    assert "hook error: IsADirectoryError in PreToolUse (hook %s)" % __version__ in lines[0]
    assert hooklog.last_errors(str(sdir)) == lines
    _land(sdir)  # everyone else still lands


def test_the_log_stays_capped(sdir):
    from hook import main as hook_main

    sdir.mkdir(parents=True)
    (sdir / "hook.log").write_bytes(b"x" * (hook_main.LOG_CAP + 10) + b"\n")
    run_hook(b"not json")
    assert (sdir / "hook.log.1").stat().st_size > hook_main.LOG_CAP
    assert (sdir / "hook.log").stat().st_size < 1000


def test_doctor_reports_skipped_files_and_hook_errors(sdir):
    from tray import doctor

    sdir.mkdir(parents=True)
    (sdir / "corrupt-1.json").write_bytes(HOSTILE["truncated"])
    run_hook(b"not json")
    checks = {c.name: c for c in doctor.check_status_files(dict(os.environ))}
    assert checks["status dir files"].status == doctor.WARN
    assert "corrupt-1.json (corrupt)" in checks["status dir files"].detail
    assert checks["hook errors"].status == doctor.WARN
    assert "ignored event: BadInput stdin is not a JSON object" in checks["hook errors"].detail
    from core import __version__

    assert "(hook %s)" % __version__ in checks["hook errors"].detail


def test_tray_menu_says_how_many_files_were_skipped():
    from tray import view

    index = {"sessions": [], "summary": {"skipped_files": 2, "omitted_sessions": 3}}
    labels = [e.text for e in view.menu_spec(index)]
    assert "2 unreadable files in the status dir (claude-status doctor)" in labels
    assert "3 older sessions not listed" in labels


def test_index_follows_files_changed_behind_the_hooks_back(sdir):
    for sid in ("a", "b", "c"):
        _land(sdir, sid)
    (sdir / "b.json").unlink()  # a user removes a file
    (sdir / "junk.json").write_bytes(b"{")
    index = _land(sdir, "a")
    assert {r["session_id"] for r in index["sessions"]} == {"a", "c"} == _session_names(sdir)
    assert [s["name"] for s in index["skipped"]] == ["junk.json"]
    rec = json.loads((sdir / "c.json").read_text())
    rec["task"]["name"] = "edited in place"
    (sdir / "c.json").write_text(json.dumps(rec))  # in place, not renamed
    index = _land(sdir, "a")
    assert {r["session_id"]: r["task"] for r in index["sessions"]}["c"] == "edited in place"


def test_more_sessions_than_index_rows(sdir):
    n = limits.MAX_INDEX_ROWS + 6
    for i in range(n):
        _land(sdir, "s%03d" % i)
    index = read_index(sdir)
    assert len(index["sessions"]) == limits.MAX_INDEX_ROWS
    assert index["summary"]["omitted_sessions"] == 6
    assert "s000" not in {r["session_id"] for r in index["sessions"]}  # the least recently updated
    index = _land(sdir, "s000")  # a cold session's event brings it back
    ids = {r["session_id"] for r in index["sessions"]}
    assert "s000" in ids and len(ids) == limits.MAX_INDEX_ROWS
    assert index["summary"]["omitted_sessions"] == 6
    assert ids | {"s%03d" % i for i in range(n)} == _session_names(sdir)
    assert run_hook(event("SessionEnd", "s001", reason="exit")).returncode == 0  # a cold session ends
    assert not (sdir / "s001.json").exists()
    assert read_index(sdir)["summary"]["omitted_sessions"] == 5


def test_a_corrupt_file_whose_session_reports_again_is_no_longer_skipped(sdir):
    _land(sdir, "other")
    (sdir / "back.json").write_bytes(b'{"session_id": "back", "upd')
    index = _land(sdir, "other")  # full read: back.json is skipped
    assert [s["name"] for s in index["skipped"]] == ["back.json"]
    index = _land(sdir, "back")  # its own event (from the saved view) starts it over
    assert "skipped" not in index and index["summary"]["skipped_files"] == 0
    assert {r["session_id"] for r in index["sessions"]} == {"other", "back"}


def test_an_end_time_in_the_future_does_not_silence_a_session(sdir):
    """Found by the property tests: a damaged .ended ({"id": 1e308}) dropped every event of that session."""
    sdir.mkdir(parents=True)
    (sdir / ".ended").write_text(json.dumps({"healthy": 1e308, "x": time.time() + 86400}))
    _land(sdir)
