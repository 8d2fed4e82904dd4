"""Parallel hooks: no lost update, the index reflects every session's latest file, no temp files left."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import hook_cmd, read_index, read_session


def _spawn_all(payloads):
    """Start every hook process before waiting for any, so they really overlap."""
    procs = [subprocess.Popen(hook_cmd(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in payloads]

    def feed(pair):
        proc, payload = pair
        out, err = proc.communicate(json.dumps(payload).encode(), timeout=60)
        return proc.returncode, out, err

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(feed, zip(procs, payloads)))


def test_eight_simultaneous_subagent_starts_leave_eight_agents(sdir):
    results = _spawn_all([{"session_id": "main", "hook_event_name": "SubagentStart",
                           "agent_id": "agent%d" % i, "agent_type": "Explore"} for i in range(8)])
    assert all(r == (0, b"", b"") for r in results)
    assert read_session(sdir, "main")["agents"] == {"active": 8, "names": ["Explore"] * 8}
    assert read_index(sdir)["summary"]["total_agents"] == 8


def test_many_processes_many_sessions_index_matches_files(sdir):
    payloads = []
    for i in range(48):
        sid = "sess%d" % (i % 12)
        payloads.append({"session_id": sid, "hook_event_name": "PostToolUse", "tool_name": "Tool%d" % i,
                         "cwd": "/p/" + sid})
    results = _spawn_all(payloads)
    assert all(r[0] == 0 and r[1] == b"" for r in results)
    index = read_index(sdir)
    files = {n[:-5] for n in os.listdir(sdir) if n.startswith("sess")}
    assert {r["session_id"] for r in index["sessions"]} == files and len(files) == 12
    for r in index["sessions"]:
        s = read_session(sdir, r["session_id"])
        assert r["updated_at"] == s["updated_at"]
        assert r["last_tool"] == s["last_tool"]
        assert s["events"] == 4  # every update of every session survived
    assert not [n for n in os.listdir(sdir) if n.endswith(".tmp")]


def test_readers_aggregating_meanwhile_never_leave_a_stale_index(sdir):
    """The tray and dashboard aggregate every few seconds while hooks run: they lock, so no stale write wins."""
    import threading

    from core import aggregate

    sdir.mkdir(mode=0o700)
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            aggregate.aggregate(str(sdir))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        results = _spawn_all([{"session_id": "r%d" % (i % 6), "hook_event_name": "PreToolUse", "tool_name": "T%d" % i}
                              for i in range(30)])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert all(r[0] == 0 for r in results)
    index = read_index(sdir)
    assert len(index["sessions"]) == 6
    for r in index["sessions"]:
        assert r["updated_at"] == read_session(sdir, r["session_id"])["updated_at"]
        assert r["last_tool"] == read_session(sdir, r["session_id"])["last_tool"]


def test_permission_prompt_wins_the_async_race_with_its_own_pre_tool_use(tmp_path):
    """Async PreToolUse and PermissionRequest of one call start within a millisecond; whichever process
    reads the clock or takes the lock first, the session must end up waiting."""
    outcomes = []
    for i in range(15):
        env = dict(os.environ, CLAUDE_STATUS_DIR=str(tmp_path / ("s%d" % i)))
        base = {"session_id": "R", "cwd": "/w/p", "permission_mode": "default", "tool_name": "Bash",
                "tool_input": {"command": "make -j8", "description": "build"}}
        subprocess.run(hook_cmd(), input=json.dumps({"session_id": "R", "hook_event_name": "UserPromptSubmit",
                                                     "prompt": "build it"}).encode(), env=env, check=True)
        procs = [subprocess.Popen(hook_cmd(), stdin=subprocess.PIPE, env=env) for _ in range(2)]
        pair = [dict(base, hook_event_name="PreToolUse", tool_use_id="toolu_1"), dict(base, hook_event_name="PermissionRequest")]
        if i % 2:
            pair.reverse()
        for proc, payload in zip(procs, pair):
            proc.stdin.write(json.dumps(payload).encode())
            proc.stdin.close()
        for proc in procs:
            assert proc.wait(60) == 0
        outcomes.append(json.loads((tmp_path / ("s%d" % i) / "R.json").read_text())["state"])
    assert outcomes == ["waiting"] * 15
