"""Bad input: exit 0, silent stdout, at most one log line, nothing else written."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import event, read_session, run_hook


def _ev(**over):
    base = {"session_id": "s1", "hook_event_name": "PreToolUse", "tool_name": "Bash"}
    base.update(over)
    return json.dumps(base).encode()


BAD = [
    pytest.param(b"", id="empty"),
    pytest.param(b"   \n", id="blank"),
    pytest.param(b"not json", id="not-json"),
    pytest.param(b"[1, 2, 3]", id="json-array"),
    pytest.param(b'"just a string"', id="json-string"),
    pytest.param(b"\xff\xfe\x00garbage", id="invalid-utf8"),
    pytest.param(b'{"hook_event_name": "Stop"}', id="missing-session-id"),
    pytest.param(_ev(session_id=42), id="int-session-id"),
    pytest.param(_ev(session_id=None), id="null-session-id"),
    pytest.param(_ev(session_id=""), id="empty-session-id"),
    pytest.param(_ev(session_id="../evil"), id="dotdot"),
    pytest.param(_ev(session_id="a/b"), id="slash"),
    pytest.param(_ev(session_id="a\\b"), id="backslash"),
    pytest.param(_ev(session_id="a\x00b"), id="nul"),
    pytest.param(_ev(session_id="x" * 129), id="too-long"),
    pytest.param(_ev(session_id="index"), id="reserved-index"),
    pytest.param(_ev(session_id="status"), id="reserved-status"),
    pytest.param(_ev(session_id="INDEX"), id="reserved-index-upper"),
    pytest.param(_ev(session_id=".hidden"), id="dot-prefix"),
    pytest.param(b'{"session_id": "s1", "x": NaN}', id="nan"),
    pytest.param(b"[" * 100000 + b"]" * 100000, id="deep-nesting"),
    pytest.param(b'{"session_id": "s1", "pad": "' + b"a" * (8 * 1024 * 1024) + b'"}', id="over-8MiB"),
]


@pytest.mark.parametrize("data", BAD)
def test_bad_input_is_harmless(data, sdir, tmp_path):
    before = sorted(os.listdir(tmp_path))
    proc = run_hook(data)
    assert proc.returncode == 0
    assert proc.stdout == b""
    assert proc.stderr == b""
    assert sorted(os.listdir(sdir)) == ["hook.log"]
    lines = (sdir / "hook.log").read_text().splitlines()
    assert len(lines) == 1
    assert sorted(os.listdir(tmp_path)) == sorted({*before, "status"})
    assert not (tmp_path / "claude").exists()


def test_large_but_legitimate_tool_response_is_used(sdir):
    big = "x" * (5 * 1024 * 1024)
    proc = run_hook(event("PostToolUse", tool_name="Read", tool_response={"content": big}))
    assert proc.returncode == 0 and proc.stdout == b""
    assert read_session(sdir, "s1")["last_tool"] == "Read"
    assert not (sdir / "hook.log").exists()


WRONG_TYPES = [
    pytest.param({"tool_name": 5, "tool_input": "not a dict"}, id="tool-types"),
    pytest.param({"cwd": 123, "permission_mode": ["x"]}, id="cwd-int"),
    pytest.param({"transcript_path": {"a": 1}}, id="transcript-dict"),
    pytest.param({"hook_event_name": 17}, id="event-name-int"),
    pytest.param({"agent_id": 99}, id="agent-id-int"),
    pytest.param({"background_tasks": "nope"}, id="background-str"),
    pytest.param({"background_tasks": [1, None, {"type": "subagent"}]}, id="background-junk"),
    pytest.param({"tool_name": "TodoWrite", "tool_input": {"todos": [1, {"content": 3}, None]}}, id="todos-junk"),
    pytest.param({"tool_name": "TaskUpdate", "tool_input": {"taskId": [], "status": 4}}, id="taskupdate-junk"),
    pytest.param({"context_tokens": "many"}, id="context-tokens-str"),
]


@pytest.mark.parametrize("over", WRONG_TYPES)
def test_wrong_types_are_ignored_and_rest_used(over, sdir):
    payload = event("PostToolUse", tool_name="Edit")
    payload.update(over)
    proc = run_hook(payload)
    assert proc.returncode == 0 and proc.stdout == b""
    s = read_session(sdir, "s1")
    assert s["session_id"] == "s1"
    assert not (sdir / "hook.log").exists()


@pytest.mark.parametrize("path", ["/dev/zero", "/", "/proc/self/mem"])
def test_hostile_transcript_paths_do_not_hang(path, sdir):
    proc = run_hook(event("Stop", transcript_path=path))
    assert proc.returncode == 0 and proc.stdout == b""
    assert read_session(sdir, "s1")["context"]["current_tokens"] == 0


def test_transcript_with_invalid_bytes(sdir, tmp_path):
    t = tmp_path / "bad.jsonl"
    t.write_bytes(b"\xff\xfe garbage\n{not json}\n" + os.urandom(4096) + b"\n")
    proc = run_hook(event("Stop", transcript_path=str(t)))
    assert proc.returncode == 0 and proc.stdout == b""
    assert read_session(sdir, "s1")["context"]["current_tokens"] == 0


def test_unwritable_status_dir_still_exits_zero(tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    env = dict(os.environ, CLAUDE_STATUS_DIR=str(blocker / "status"))
    proc = run_hook(event("Stop"), env=env)
    assert proc.returncode == 0 and proc.stdout == b"" and proc.stderr == b""


def test_log_is_size_capped(sdir):
    sdir.mkdir(mode=0o700)
    (sdir / "hook.log").write_bytes(b"x" * (300 * 1024))
    run_hook(b"garbage")
    assert (sdir / "hook.log").stat().st_size < 1024
    assert (sdir / "hook.log.1").stat().st_size == 300 * 1024
    run_hook(b"garbage")
    assert len((sdir / "hook.log").read_text().splitlines()) == 2


def test_lone_surrogate_in_a_prompt_is_kept_not_fatal(sdir):
    raw = b'{"session_id": "s1", "hook_event_name": "UserPromptSubmit", "prompt": "\\ud83d hi"}'
    proc = run_hook(raw)
    assert (proc.returncode, proc.stdout) == (0, b"")
    assert read_session(sdir, "s1")["task"]["name"] == "? hi"
    assert not (sdir / "hook.log").exists()
