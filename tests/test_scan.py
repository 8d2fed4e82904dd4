"""core.scan: the hook's incremental view of the status dir (issue 8 item 6): flat per-event cost."""

from __future__ import annotations

import json
import os

from core import scan
from hook import main as hook_main
from tests.conftest import read_index


def _event(sid, tool="Bash"):
    return json.dumps({"session_id": sid, "hook_event_name": "PostToolUse", "tool_name": tool,
                       "cwd": "/p/" + sid}).encode()


def _count_reads(monkeypatch):
    reads: list = []
    real = scan.read_entry

    def counting(path, name, size, is_file):
        reads.append(name)
        return real(path, name, size, is_file)

    monkeypatch.setattr(scan, "read_entry", counting)
    return reads


def test_an_event_reads_no_other_session_file(sdir, monkeypatch):
    env = dict(os.environ)
    for i in range(30):
        hook_main.run(_event("s%02d" % i), env)
    reads = _count_reads(monkeypatch)
    for i in range(5):
        hook_main.run(_event("s%02d" % (i * 7), "Read"), env)
    assert reads == []  # the other 29 files were not opened
    rows = {r["session_id"]: r for r in read_index(sdir)["sessions"]}
    assert len(rows) == 30 and rows["s07"]["last_tool"] == "Read" and rows["s01"]["last_tool"] == "Bash"


def test_after_an_outside_change_only_changed_files_are_read_again(sdir, monkeypatch):
    env = dict(os.environ)
    for i in range(10):
        hook_main.run(_event("s%02d" % i), env)
    rec = json.loads((sdir / "s03.json").read_text())
    rec["task"]["name"] = "renamed elsewhere"
    tmp = sdir / "x.tmp-outside"
    tmp.write_text(json.dumps(rec))
    os.replace(tmp, sdir / "s03.json")  # another writer: the dir changes
    (sdir / "s05.json").unlink()
    reads = _count_reads(monkeypatch)
    hook_main.run(_event("s00", "Read"), env)
    assert reads == ["s03.json"]
    rows = {r["session_id"]: r for r in read_index(sdir)["sessions"]}
    assert "s05" not in rows and rows["s03"]["task"] == "renamed elsewhere" and len(rows) == 9


def test_a_torn_or_missing_state_means_a_full_read(sdir, monkeypatch):
    env = dict(os.environ)
    for i in range(4):
        hook_main.run(_event("s%02d" % i), env)
    state = sdir / scan.STATE_NAME
    data = state.read_bytes()
    with open(state, "r+b") as f:  # as a hook killed in the middle of its in-place write leaves it
        f.write(data[: len(data) // 2])
        f.truncate()
    reads = _count_reads(monkeypatch)
    hook_main.run(_event("s00", "Read"), env)
    assert sorted(reads) == ["s01.json", "s02.json", "s03.json"]  # nothing to reuse: every other file read
    assert {r["session_id"] for r in read_index(sdir)["sessions"]} == {"s00", "s01", "s02", "s03"}
