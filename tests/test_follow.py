"""Issue 10, "follow transcripts between hooks": the incremental tail reader (core.transcript.follow),
its one application (core.aggregate.follow_record) in the hook and the readers, and the hook's follower
that catches the reply Claude Code writes after Stop, with no tray running."""

from __future__ import annotations

import json
import os
import time

from core import aggregate, state, transcript
from tests.conftest import event, read_index, read_session, run_hook


def _assistant(tokens: int, tool: str | None = None, mid: str = "m1") -> dict:
    content = [{"type": "text", "text": "ok"}]
    if tool:
        content.append({"type": "tool_use", "id": tool, "name": "Bash", "input": {"command": "ls"}})
    return {"type": "assistant", "message": {"id": mid, "model": "claude-sonnet-4-5", "content": content,
                                             "usage": {"input_tokens": tokens, "output_tokens": 5}}}


def _user(text: str) -> dict:
    return {"type": "user", "message": {"role": "user", "content": [{"type": "text", "text": text}]}}


def _result(tool_use_id: str) -> dict:
    return {"type": "user", "message": {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": tool_use_id, "content": "done"}]}}


def _append(path, *recs, partial: bytes = b"") -> None:
    with open(path, "ab") as f:
        for r in recs:
            f.write(json.dumps(r).encode() + b"\n")
        f.write(partial)


def test_follow_reads_only_new_complete_lines(tmp_path):
    t = tmp_path / "t.jsonl"
    _append(t, _user("hi"), _assistant(1000))
    sig, info, _facts = transcript.follow(str(t), None)
    assert info["tokens"] == 1000 and sig[0] == os.path.getsize(t) and sig[2] == str(t)
    same = transcript.follow(str(t), sig)
    assert same[0] == sig and same[2] == []
    _append(t, _assistant(2000, mid="m2"), partial=b'{"type": "assistant", "mess')
    sig2, info2, facts2 = transcript.follow(str(t), sig)
    assert facts2 == [(state.FACT_REPLY, 2000)] and info2["tokens"] == 2000
    assert sig2[0] == os.path.getsize(t) - len(b'{"type": "assistant", "mess')  # the half line is read next time
    with open(t, "ab") as f:
        f.write(b'age": {"id": "m3", "model": "claude-sonnet-4-5", "usage": {"input_tokens": 3000}}}\n')
    sig3, _, facts3 = transcript.follow(str(t), sig2)
    assert facts3 == [(state.FACT_REPLY, 3000)] and sig3[0] == os.path.getsize(t)


def test_follow_facts_in_order_tool_result_interrupt_compact(tmp_path):
    t = tmp_path / "t.jsonl"
    _append(t, _user("go"), _assistant(500, tool="toolu_1"))
    sig, _, _ = transcript.follow(str(t), None)
    _append(t, _result("toolu_1"), _user("[Request interrupted by user for tool use]"),
            {"type": "system", "subtype": "compact_boundary", "compactMetadata": {"postTokens": 2860}})
    _, _, facts = transcript.follow(str(t), sig)
    assert facts == [(state.FACT_TOOL_RESULT, "toolu_1"), (state.FACT_INTERRUPTED, None),
                     (state.FACT_COMPACT_BOUNDARY, 2860)]


def test_follow_restarts_from_the_tail_when_the_file_shrank_or_was_replaced(tmp_path):
    t = tmp_path / "t.jsonl"
    _append(t, _user("a"), _assistant(9000), _assistant(9100, mid="m2"))
    sig, _, _ = transcript.follow(str(t), None)
    t.write_bytes(b"")
    _append(t, _assistant(42))
    sig2, info, _facts = transcript.follow(str(t), sig)
    assert info["tokens"] == 42 and sig2[0] == os.path.getsize(t)
    other = tmp_path / "u.jsonl"
    _append(other, _assistant(77))
    assert transcript.follow(str(other), sig2)[1]["tokens"] == 77  # another path: read from its tail


def test_follow_is_bounded(tmp_path):
    t = tmp_path / "t.jsonl"
    _append(t, _assistant(1))
    sig, _, _ = transcript.follow(str(t), None)
    _append(t, *[_assistant(i, mid="m%d" % i) for i in range(2, 20000)])
    sig2, _, facts = transcript.follow(str(t), sig, max_bytes=64 * 1024)
    assert sig2[0] - sig[0] <= 64 * 1024 and len(facts) == 1  # replies collapse to the newest read
    while sig2[0] < os.path.getsize(t):
        sig2, _, facts = transcript.follow(str(t), sig2, max_bytes=64 * 1024)
    assert facts[-1] == (state.FACT_REPLY, 19999)


def _env(tmp_path) -> dict:
    env = dict(os.environ)
    env.update({"HOME": str(tmp_path / "home"), "CLAUDE_CONFIG_DIR": str(tmp_path / "claude"),
                "CLAUDE_STATUS_DIR": str(tmp_path / "status")})
    return env


def _wait(cond, deadline: float = 20.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    return cond()


def _tokens(sdir, sid):
    try:
        rec, idx = read_session(sdir, sid), read_index(sdir)
    except (OSError, ValueError):
        return None
    row = next((r for r in idx.get("sessions", []) if r.get("session_id") == sid), {})
    return rec["context"]["current_tokens"], row.get("context", {}).get("current_tokens", row.get("context_tokens"))


def test_reply_written_after_stop_reaches_the_file_and_index_with_no_tray(tmp_path):
    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    _append(t, _user("one"), _assistant(44_000))
    assert run_hook(event("UserPromptSubmit", transcript_path=str(t), prompt="two"), env).returncode == 0
    _append(t, _user("two"))
    proc = run_hook(event("Stop", transcript_path=str(t)), env)
    assert proc.returncode == 0 and proc.stdout == b""
    assert read_session(sdir, "s1")["state"] == "idle"  # the event itself is applied at once
    time.sleep(0.15)  # Claude Code writes the reply 0.10-0.20 s after Stop
    _append(t, _assistant(120_000, mid="m2"))
    got = _wait(lambda: _tokens(sdir, "s1") == (120_000, 120_000) or None)
    assert got, _tokens(sdir, "s1")


def test_readers_apply_the_tail_interrupt_and_approval(tmp_path):
    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    _append(t, _user("go"), _assistant(30_000, tool="toolu_9"))
    pre = event("PreToolUse", transcript_path=str(t), tool_name="Bash", tool_input={"command": "ls"},
                tool_use_id="toolu_9")
    run_hook(pre, env)
    run_hook(event("PermissionRequest", transcript_path=str(t), tool_name="Bash", tool_input={"command": "ls"}), env)
    assert read_session(sdir, "s1")["state"] == "waiting"
    _append(t, _result("toolu_9"))  # approved: no hook fires
    idx = aggregate.aggregate(str(sdir), time.time(), aggregate.Options(environ=env))
    assert [r["state"] for r in idx["sessions"]] == ["working"]
    assert read_session(sdir, "s1")["state"] == "working" and read_index(sdir)["sessions"][0]["state"] == "working"
    _append(t, _user("[Request interrupted by user]"))  # Esc: no hook fires
    aggregate.aggregate(str(sdir), time.time(), aggregate.Options(environ=env))
    assert read_session(sdir, "s1")["state"] == "idle" and read_index(sdir)["sessions"][0]["state"] == "idle"


def test_esc_at_a_permission_dialog_reaches_the_file_and_index_with_no_tray(tmp_path):
    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    _append(t, _user("go"), _assistant(30_000, tool="toolu_7"))
    call = {"tool_name": "Bash", "tool_input": {"command": "ls"}}
    run_hook(event("PreToolUse", transcript_path=str(t), tool_use_id="toolu_7", **call), env)
    run_hook(event("PermissionRequest", transcript_path=str(t), **call), env)
    assert read_session(sdir, "s1")["state"] == "waiting"
    time.sleep(0.5)
    _append(t, _result("toolu_7"), _user("[Request interrupted by user for tool use]"))  # Esc: no hook fires

    def idle():
        try:
            return read_session(sdir, "s1")["state"] == "idle" and read_index(sdir)["sessions"][0]["state"] == "idle"
        except (OSError, ValueError, KeyError, IndexError):
            return False
    assert _wait(idle), read_session(sdir, "s1")["state"]
