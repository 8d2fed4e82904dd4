"""The real hook command on every real captured payload: exit 0, silent, correct state."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import HOOK_EVENTS, load_event, read_index, read_session, run_hook

ALL_EVENTS = sorted(p.name for p in HOOK_EVENTS.glob("*.json") if not p.name.startswith("StatusLine"))


@pytest.mark.parametrize("name", ALL_EVENTS)
def test_every_real_payload_is_silent_and_recorded(name, sdir):
    payload = load_event(name)
    proc = run_hook((HOOK_EVENTS / name).read_bytes())
    assert proc.returncode == 0
    assert proc.stdout == b""
    assert proc.stderr == b""
    assert not (sdir / "hook.log").exists()
    index = read_index(sdir)
    ids = [r["session_id"] for r in index["sessions"]]
    if payload["hook_event_name"] == "SessionEnd":
        assert payload["session_id"] not in ids
        assert not (sdir / (payload["session_id"] + ".json")).exists()
    else:
        assert ids == [payload["session_id"]]
        s = read_session(sdir, payload["session_id"])
        assert s["version"] == "1.1.0"
        assert set(s) >= {"updated_at", "session_id", "task", "context", "agents", "load"}
        assert set(s["task"]) == {"name", "id", "progress", "status"}
        assert set(s["context"]) == {"current_tokens", "total_tokens", "percentage"}
        assert set(s["agents"]) == {"active", "names"}
        assert set(s["load"]) == {"profile", "status", "load_avg"}
    assert not [n for n in os.listdir(sdir) if n.endswith(".tmp")]


def state(sdir, sid):
    return read_session(sdir, sid)["state"]


def test_permission_request_waits_immediately_and_tool_run_resumes(sdir):
    run_hook(HOOK_EVENTS.joinpath("UserPromptSubmit__leopold_v2.1.259.json").read_bytes())
    perm = load_event("PermissionRequest__leopold_v2.1.259_bash.json")
    run_hook(perm)
    s = read_session(sdir, perm["session_id"])
    assert s["state"] == "waiting"
    assert s["waiting_for"] == "permission for Bash"
    row = next(r for r in read_index(sdir)["sessions"] if r["session_id"] == perm["session_id"])
    assert (row["state"], row["waiting_for"]) == ("waiting", "permission for Bash")
    assert read_index(sdir)["title"].endswith("⏳")
    post = load_event("PostToolUse__leopold_v2.1.259_bash.json")
    post["session_id"] = perm["session_id"]
    run_hook(post)  # a different Bash call finishing (a parallel one) does not end the wait
    assert state(sdir, perm["session_id"]) == "waiting"
    post["tool_input"] = perm["tool_input"]
    run_hook(post)  # the approved call itself ran
    assert state(sdir, perm["session_id"]) == "working"


def test_stop_with_background_subagent_keeps_working_and_counts_it(sdir):
    stop = load_event("Stop__max-lough-orchestra_v2.1.252_background-subagent-running.json")
    run_hook(stop)
    s = read_session(sdir, stop["session_id"])
    assert s["state"] == "working"
    assert s["agents"] == {"active": 1, "names": ["probe-agent"]}
    # The subagent stops: SubagentStop lists itself as running; it must still leave.
    run_hook(load_event("SubagentStop__max-lough-orchestra_v2.1.252_background.json"))
    assert read_session(sdir, stop["session_id"])["agents"]["active"] == 0
    # The next Stop has an empty background list: the turn is really done.
    run_hook(load_event("Stop__max-lough-orchestra_v2.1.252_stop-hook-active.json"))
    s = read_session(sdir, stop["session_id"])
    assert s["state"] == "idle"
    assert s["agents"]["active"] == 0


def test_subagent_tool_event_does_not_change_main_state(sdir):
    start = load_event("UserPromptSubmit__max-lough-orchestra_v2.1.252_task-notification.json")
    perm = {"session_id": start["session_id"], "hook_event_name": "PermissionRequest", "tool_name": "Bash"}
    run_hook(perm)
    before = read_session(sdir, start["session_id"])
    inner = load_event("PreToolUse__max-lough-orchestra_v2.1.252_inside-subagent-read.json")
    assert inner["session_id"] == start["session_id"] and inner["agent_id"]
    run_hook(inner)
    after = read_session(sdir, start["session_id"])
    assert after["state"] == "waiting"
    assert after.get("last_tool") == before.get("last_tool")
    assert after["updated_ts"] >= before["updated_ts"]


def test_task_notification_prompt_is_not_a_task_name(sdir):
    note = load_event("UserPromptSubmit__max-lough-orchestra_v2.1.252_task-notification.json")
    run_hook(note)
    s = read_session(sdir, note["session_id"])
    assert "task-notification" not in s["task"]["name"]
    assert s["task"]["name"] == "target"  # the project folder
    prompt = load_event("UserPromptSubmit__leopold_v2.1.259.json")
    run_hook(prompt)
    first_line = prompt["prompt"].strip().splitlines()[0]
    assert read_session(sdir, prompt["session_id"])["task"]["name"].rstrip("…") in first_line


def test_session_title_beats_prompt(sdir):
    titled = load_event("UserPromptSubmit__inventarch-ia_v2.1.285_titled.json")
    run_hook(titled)
    assert read_session(sdir, titled["session_id"])["task"]["name"] == titled["session_title"]


def test_async_agent_launch_counts_before_subagent_start(sdir):
    launch = load_event("PostToolUse__max-lough-orchestra_v2.1.252_agent-async-launched.json")
    run_hook(launch)
    s = read_session(sdir, launch["session_id"])
    assert s["agents"]["active"] == 1
    # The real SubagentStart for the same agent does not double count.
    start = load_event("SubagentStart__max-lough-orchestra_v2.1.252_custom-agent.json")
    start["session_id"] = launch["session_id"]
    start["agent_id"] = launch["tool_response"]["agentId"]
    run_hook(start)
    assert read_session(sdir, launch["session_id"])["agents"]["active"] == 1


def test_stop_failure_is_error_with_reason(sdir):
    fail = load_event("StopFailure__leopold_v2.1.259_rate_limit.json")
    run_hook(fail)
    s = read_session(sdir, fail["session_id"])
    assert s["state"] == "error"
    assert s["detail"] == fail["error"]


def test_compaction_states(sdir):
    pre = load_event("PreCompact__leopold_v2.1.259_auto.json")
    run_hook(pre)
    assert state(sdir, pre["session_id"]) == "compacting"
    post = load_event("PostCompact__leopold_v2.1.259_auto_summary-truncated.json")
    post["session_id"] = pre["session_id"]
    run_hook(post)
    assert state(sdir, pre["session_id"]) == ("working" if post.get("trigger") == "auto" else "idle")


def test_interrupted_tool_goes_idle(sdir):
    fail = load_event("PostToolUseFailure__leopold_v2.1.259_bash-exit1.json")
    run_hook(fail)
    assert state(sdir, fail["session_id"]) == "working"
    fail["is_interrupt"] = True
    run_hook(fail)
    s = read_session(sdir, fail["session_id"])
    assert (s["state"], s["detail"], s["reason"], s["task"]["status"]) == ("idle", "interrupted", "interrupted", "idle")


def test_windows_payload_paths(sdir):
    win = load_event("SessionStart__max-lough-orchestra_v2.1.252_windows.json")
    run_hook(win)
    s = read_session(sdir, win["session_id"])
    assert s["project"] == win["cwd"].split("\\")[-1]
    assert json.loads((sdir / "index.json").read_text())["sessions"][0]["project"] == s["project"]


def test_session_end_removes_file_and_link_never_dangles(sdir):
    a = load_event("SessionStart__leopold_v2.1.259_startup.json")
    b = load_event("SessionStart__leopold_v2.1.259_resume.json")
    assert a["session_id"] != b["session_id"]
    run_hook(a)
    run_hook(b)
    link = sdir / "status.json"
    assert os.readlink(link) == b["session_id"] + ".json"
    run_hook({"session_id": b["session_id"], "hook_event_name": "SessionEnd", "reason": "other"})
    assert not (sdir / (b["session_id"] + ".json")).exists()
    assert os.readlink(link) == a["session_id"] + ".json"
    assert json.loads(link.read_text())["session_id"] == a["session_id"]
    run_hook({"session_id": a["session_id"], "hook_event_name": "SessionEnd", "reason": "other"})
    assert not os.path.lexists(link)
    assert read_index(sdir)["sessions"] == []


def test_legacy_link_in_claude_dir_when_status_dir_is_default(tmp_path, monkeypatch):
    monkeypatch.delenv("CLAUDE_STATUS_DIR")
    claude = tmp_path / "claude"
    run_hook(load_event("SessionStart__leopold_v2.1.259_startup.json"))
    legacy = claude / "status.json"
    assert os.path.islink(legacy)
    assert json.loads(legacy.read_text())["session_id"] == load_event(
        "SessionStart__leopold_v2.1.259_startup.json")["session_id"]


def test_status_dir_and_files_are_private(sdir):
    run_hook(load_event("SessionStart__leopold_v2.1.259_startup.json"))
    assert (sdir.stat().st_mode & 0o777) == 0o700
    for p in sdir.iterdir():
        if not p.is_symlink():
            assert (p.stat().st_mode & 0o777) == 0o600, p


def test_raw_stdin_with_trailing_newline_and_crlf(sdir):
    raw = (HOOK_EVENTS / "SessionStart__inventarch-ia_v2.1.285_startup-titled.json").read_bytes()
    assert raw.endswith(b"\n")
    assert run_hook(raw.rstrip(b"\n") + b"\r\n").returncode == 0
    assert len(read_index(sdir)["sessions"]) == 1


def test_hook_upgrades_a_v100_file_in_place(sdir):
    sdir.mkdir(mode=0o700)
    v100 = {"version": "1.0.0", "updated_at": "2026-02-14T20:30:00Z", "session_id": "old",
            "task": {"name": "Log analysis", "id": "abc123", "progress": 45, "status": "active"},
            "context": {"current_tokens": 44000, "total_tokens": 200000, "percentage": 22},
            "agents": {"active": 2, "names": ["researcher", "coder"]},
            "load": {"profile": "balanced", "status": "OK", "load_avg": 3.2}}
    (sdir / "old.json").write_text(json.dumps(v100))
    proc = run_hook({"session_id": "old", "hook_event_name": "PreToolUse", "tool_name": "Grep", "cwd": "/x/logs"})
    assert (proc.returncode, proc.stdout) == (0, b"")
    s = read_session(sdir, "old")
    assert (s["version"], s["state"], s["last_tool"], s["context"]["current_tokens"]) == ("1.1.0", "working", "Grep", 44000)
    assert read_index(sdir)["sessions"][0]["session_id"] == "old"
