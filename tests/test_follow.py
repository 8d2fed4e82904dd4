"""Issue 10, "follow transcripts between hooks": the incremental tail reader (core.transcript.follow),
its one application (core.aggregate.follow_record) in the hook and the readers, and the hook's follower
that catches the reply Claude Code writes after Stop, with no tray running."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

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
    assert facts == [(state.FACT_TOOL_RESULT, ("toolu_1", None)), (state.FACT_INTERRUPTED, None),
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


# ---------------------------------------------------------------- approve and Esc during a tool (findings 4, 5)


def _registry(env, sid: str, status: str, when: float) -> str:
    """Claude Code's session registry as 2.1.332 writes it (``sessions/<pid>.json``: pid, sessionId, status,
    statusUpdatedAt in ms), for the process the hook runs under (this test: run_hook's parent)."""
    d = os.path.join(env["CLAUDE_CONFIG_DIR"], "sessions")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "%d.json" % os.getpid())
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"pid": os.getpid(), "sessionId": sid, "status": status, "statusUpdatedAt": int(when * 1000),
                   "updatedAt": int(when * 1000)}, f)
    os.replace(tmp, path)
    return path


def _marker(ts: float) -> dict:
    rec = _user("[Request interrupted by user for tool use]")
    rec["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%03dZ" % int((ts % 1) * 1000)
    return rec


def _states(sdir, sid="s1"):
    try:
        row = next((r for r in read_index(sdir)["sessions"] if r.get("session_id") == sid), {})
        return read_session(sdir, sid)["state"], row.get("state")
    except (OSError, ValueError, KeyError):
        return None


LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts followers in /proc")


def _followers(sdir) -> list:
    """Live processes whose environment names this status dir (Linux /proc): the detached followers."""
    mine = ("CLAUDE_STATUS_DIR=%s" % sdir).encode()
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                if mine in f.read().split(b"\0"):
                    with open("/proc/%s/stat" % name, "rb") as g:
                        if g.read().rsplit(b")", 1)[1].split()[0] != b"Z":
                            out.append(int(name))
        except OSError:
            continue
    return out


def test_claude_codes_busy_ends_a_wait_at_its_own_time():
    s = {"session_id": "s1", "state": "waiting", "state_ts": 100.0, "task": {},
         "waiting_call": {"call": ["Bash", "ls"], "agent": None, "ts": 100.0, "id": "t1"}}
    assert not state.decide(s, state.FACT_CLAUDE_BUSY, 105.0, value=99.5)  # the busy from before the dialog
    assert s["state"] == "waiting"
    sub = {**s, "waiting_call": {**s["waiting_call"], "agent": "a1"}}
    assert not state.decide(sub, state.FACT_CLAUDE_BUSY, 105.0, value=102.0)  # a subagent's dialog: not this
    assert state.decide(s, state.FACT_CLAUDE_BUSY, 105.0, value=102.0)
    assert (s["state"], s["reason"], s["detail"], s["state_ts"]) == ("working", "tool", "Bash", 102.0)
    idle = {"session_id": "s1", "state": "idle", "state_ts": 100.0, "task": {}}
    assert not state.decide(idle, state.FACT_CLAUDE_BUSY, 105.0, value=102.0)


@LINUX
def test_approve_then_esc_during_the_command_with_no_tray(tmp_path):
    """Approve fires no hook and writes nothing to the transcript until the command ends; Claude Code's own
    registry says "busy" at once: the follower makes the file and index say working, and the ledger's wait
    ends at that moment. Esc while the approved command runs: its marker lands, the same follower says idle."""
    from core import ledger

    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    _registry(env, "s1", "idle", time.time() - 5)
    run_hook(event("SessionStart", transcript_path=str(t), source="startup"), env)
    _append(t, _user("go"), _assistant(30_000, tool="toolu_5"))
    run_hook(event("UserPromptSubmit", transcript_path=str(t), prompt="go"), env)
    assert read_session(sdir, "s1")["pid"] == os.getpid()
    call = {"tool_name": "Bash", "tool_input": {"command": "make"}}
    run_hook(event("PreToolUse", transcript_path=str(t), tool_use_id="toolu_5", **call), env)
    _registry(env, "s1", "waiting", time.time())
    a0 = time.time()
    run_hook(event("PermissionRequest", transcript_path=str(t), **call), env)
    a1 = read_session(sdir, "s1")["state_ts"]
    assert _states(sdir) == ("waiting", "waiting") and a0 <= a1
    time.sleep(0.6)
    approved = time.time()
    _registry(env, "s1", "busy", approved)  # approve: no hook, no transcript line
    assert _wait(lambda: _states(sdir) == ("working", "working")), _states(sdir)
    rec = read_session(sdir, "s1")
    assert rec["reason"] == "tool" and abs(rec["state_ts"] - int(approved * 1000) / 1000) < 0.002
    r = next(x for x in ledger.day_report(str(sdir))["sessions"] if x["session_id"] == "s1")
    assert r["waits"] == 1 and abs(r["waiting_seconds"] - (approved - a1)) <= 0.1, (r, approved - a1)
    time.sleep(0.5)
    esc = time.time()
    _append(t, _result("toolu_5"), _marker(esc))  # Esc during the command: no hook fires
    assert _wait(lambda: _states(sdir) == ("idle", "idle")), _states(sdir)
    assert abs(read_session(sdir, "s1")["state_ts"] - esc) < 0.01  # the marker's own time
    # a later hook and a reader see the same change: nothing double-counted
    run_hook(event("PostToolUseFailure", transcript_path=str(t), is_interrupt=True, **call), env)
    aggregate.aggregate(str(sdir), time.time(), aggregate.Options(environ=env))
    r2 = next(x for x in ledger.day_report(str(sdir))["sessions"] if x["session_id"] == "s1")
    assert (r2["waits"], r2["waiting_seconds"]) == (r["waits"], r["waiting_seconds"])
    assert _wait(lambda: not _followers(sdir)), _followers(sdir)



def _bash_call_running(tmp_path, call_id: str, command: str) -> tuple:
    """A session whose turn runs a Bash call (``call_id``): the hook has seen the prompt and its PreToolUse."""
    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    _append(t, _user("go"), _assistant(30_000, tool=call_id))
    run_hook(event("UserPromptSubmit", transcript_path=str(t), prompt="go"), env)
    run_hook(event("PreToolUse", transcript_path=str(t), tool_use_id=call_id, tool_name="Bash",
                   tool_input={"command": command}), env)
    return env, sdir, t


def test_esc_while_a_tool_runs_reaches_the_file_and_index_with_no_tray(tmp_path):
    _, sdir, t = _bash_call_running(tmp_path, "toolu_8", "sleep 30")
    assert _states(sdir) == ("working", "working")
    time.sleep(0.5)
    _append(t, _result("toolu_8"), _marker(time.time()))
    assert _wait(lambda: _states(sdir) == ("idle", "idle")), _states(sdir)
    assert read_session(sdir, "s1")["reason"] == "interrupted"


@LINUX
def test_a_finished_tool_ends_its_follower(tmp_path):
    _, sdir, t = _bash_call_running(tmp_path, "toolu_2", "ls")
    assert _wait(lambda: len(_followers(sdir)) == 1), _followers(sdir)
    _append(t, _result("toolu_2"))
    assert _wait(lambda: not _followers(sdir)), _followers(sdir)
    assert not [n for n in os.listdir(sdir) if n.startswith(".follow-")]


@LINUX
def test_one_follower_per_session(tmp_path):
    """Every PreToolUse forks a follower; a newer one makes the older leave: never more than one a session."""
    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    _append(t, _user("go"), _assistant(30_000, tool="toolu_a"))
    run_hook(event("UserPromptSubmit", transcript_path=str(t), prompt="go"), env)
    for i in range(5):
        run_hook(event("PreToolUse", transcript_path=str(t), tool_use_id="toolu_%d" % i, tool_name="Bash",
                       tool_input={"command": "step %d" % i}), env)
    assert _wait(lambda: len(_followers(sdir)) == 1), _followers(sdir)
    time.sleep(0.5)
    assert len(_followers(sdir)) == 1
    _append(t, _result("toolu_4"))  # the newest call's result: its follower leaves too
    assert _wait(lambda: not _followers(sdir)), _followers(sdir)


def test_a_wait_closes_when_the_new_state_began():
    """The ledger closes a wait at the new state's ``state_ts`` (a fact stamped at Claude Code's own time),
    not when the change was written; a record whose state_ts did not move (SessionEnd's "ended") closes now."""
    from core import ledger_write

    was = {"state": "waiting", "state_ts": 100.0}
    lines = ledger_write.entries_for(was, {"session_id": "s", "state": "working", "state_ts": 102.5}, 103.0)
    assert lines == [{"k": "w", "s": "s", "a": 100.0, "b": 102.5}]
    ended = ledger_write.entries_for(was, {"session_id": "s", "state": "ended", "state_ts": 100.0}, 103.0)
    assert ended == [{"k": "w", "s": "s", "a": 100.0, "b": 103.0}]
    future = ledger_write.entries_for(was, {"session_id": "s", "state": "idle", "state_ts": 110.0}, 103.0)
    assert future == [{"k": "w", "s": "s", "a": 100.0, "b": 103.0}]  # never past now


@LINUX
def test_a_follower_leaves_when_its_session_ends(tmp_path):
    """Claude Code exits during a call (SessionEnd, no tool result): the follower does not sleep on for 10 min."""
    env, sdir, t = _bash_call_running(tmp_path, "toolu_3", "sleep 60")
    assert _wait(lambda: len(_followers(sdir)) == 1), _followers(sdir)
    run_hook(event("SessionEnd", transcript_path=str(t), reason="prompt_input_exit"), env)
    assert _wait(lambda: not _followers(sdir)), _followers(sdir)
    assert not [n for n in os.listdir(sdir) if n.startswith(".follow-")]


def test_esc_at_a_dialog_ends_the_wait_at_claude_codes_time(tmp_path):
    """Esc at a dialog writes the rejected call's result, then the marker: whoever reads them (the follower
    or a reader, however late), the wait ends at the records' own time, in the record and in the ledger."""
    from core import ledger

    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    _append(t, _user("go"), _assistant(30_000, tool="toolu_6"))
    call = {"tool_name": "Bash", "tool_input": {"command": "rm -rf build"}}
    run_hook(event("PreToolUse", transcript_path=str(t), tool_use_id="toolu_6", **call), env)
    run_hook(event("PermissionRequest", transcript_path=str(t), **call), env)
    opened = read_session(sdir, "s1")["state_ts"]
    esc = opened + 0.4
    result = _result("toolu_6")
    result["timestamp"] = _marker(esc)["timestamp"]
    time.sleep(max(0.0, esc + 0.6 - time.time()))  # read 0.6 s after Claude Code wrote them
    _append(t, result, _marker(esc + 0.002))
    aggregate.aggregate(str(sdir), time.time(), aggregate.Options(environ=env))
    rec = read_session(sdir, "s1")
    assert rec["state"] == "idle" and abs(rec["state_ts"] - esc) < 0.01, (rec["state_ts"] - esc)
    r = next(x for x in ledger.day_report(str(sdir))["sessions"] if x["session_id"] == "s1")
    assert r["waits"] == 1 and abs(r["waiting_seconds"] - 0.4) <= 0.06, r


def test_a_transcript_that_appears_after_stop_is_followed(tmp_path):
    """The first turn: Claude Code may create the transcript file after the hook ran (Stop before any line)."""
    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "late.jsonl"
    assert run_hook(event("UserPromptSubmit", transcript_path=str(t), prompt="one"), env).returncode == 0
    assert run_hook(event("Stop", transcript_path=str(t)), env).returncode == 0
    time.sleep(0.2)
    _append(t, _user("one"), _assistant(44_000))
    got = _wait(lambda: _tokens(sdir, "s1") == (44_000, 44_000) or None, 10)
    assert got, _tokens(sdir, "s1")


def test_a_killed_followers_token_is_swept_by_the_next_full_read(tmp_path):
    """A follower killed with SIGKILL cannot remove its ``.follow-<sid>`` token; the next full read by
    ``python -m core.aggregate`` (a real process) removes a token whose follower is gone, once it is older
    than the temp-file grace; a live follower's token and a just-written one stay."""
    import subprocess
    import sys
    import time

    from core import aggregate, paths
    from tests.conftest import ROOT

    sdir = tmp_path / "status"
    sdir.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    old = time.time() - aggregate.TMP_GRACE_SECONDS - 5
    gone = sdir / (paths.FOLLOW_TOKEN + "gone-1")
    gone.write_text("%d\n" % dead.pid)
    os.utime(gone, (old, old))
    fresh = sdir / (paths.FOLLOW_TOKEN + "fresh-1")
    fresh.write_text("%d\n" % dead.pid)
    live = sdir / (paths.FOLLOW_TOKEN + "live-1")
    live.write_text("%d\n" % os.getpid())
    os.utime(live, (old, old))
    junk = sdir / (paths.FOLLOW_TOKEN + "junk-1")
    junk.write_text("not a pid")
    os.utime(junk, (old, old))
    out = subprocess.run([sys.executable, "-S", "-m", "core.aggregate", "--dir", str(sdir)], cwd=str(ROOT),
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert not gone.exists() and not junk.exists()
    assert fresh.exists() and live.exists()


@LINUX
def test_a_burst_of_calls_leaves_one_follower(tmp_path):
    """20 PreToolUse hooks of one session at once (async hooks run concurrently): the followers that
    lost the token leave, however the file system reuses the token file's inode."""
    import subprocess

    from tests.conftest import hook_cmd

    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    _append(t, _user("go"), _assistant(30_000, tool="toolu_x"))
    run_hook(event("UserPromptSubmit", transcript_path=str(t), prompt="go"), env)
    procs = [subprocess.Popen(hook_cmd(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env) for _ in range(20)]
    for i, p in enumerate(procs):
        assert p.stdin is not None
        p.stdin.write(json.dumps(event("PreToolUse", transcript_path=str(t), tool_use_id="toolu_%d" % i,
                                       tool_name="Bash", tool_input={"command": "c%d" % i})).encode())
        p.stdin.close()
    for p in procs:
        p.wait(60)
    try:
        assert _wait(lambda: len(_followers(sdir)) <= 1, 10), _followers(sdir)
        time.sleep(1.0)
        assert len(_followers(sdir)) <= 1, _followers(sdir)
    finally:
        for pid in _followers(sdir):
            os.kill(pid, 15)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_in_claude_codes_registry_never_blocks_the_hook_or_a_reader(tmp_path):
    """A FIFO where Claude Code's ``sessions/<pid>.json`` would be (the hook's parent is this test): the
    hook, run as registered, and ``python -m core.aggregate`` finish and write; nothing waits on it."""
    import subprocess

    from tests.conftest import ROOT, hook_cmd

    env = _env(tmp_path)
    reg = tmp_path / "claude" / "sessions"
    reg.mkdir(parents=True)
    os.mkfifo(str(reg / ("%d.json" % os.getpid())))
    for name in ("SessionStart", "UserPromptSubmit", "PermissionRequest"):
        out = subprocess.run(hook_cmd(), input=json.dumps(event(name, prompt="go", tool_name="Bash",
                                                                tool_input={"command": "ls"})).encode(),
                             capture_output=True, env=env, timeout=30, check=False)
        assert out.returncode == 0 and out.stdout == b""
    assert read_session(tmp_path / "status", "s1")["state"] == "waiting"
    agg = subprocess.run([sys.executable, "-S", "-m", "core.aggregate", "--dir", str(tmp_path / "status")],
                         cwd=str(ROOT), capture_output=True, env=env, timeout=30, check=False)
    assert agg.returncode == 0, agg.stderr


def test_a_registry_time_that_is_no_time_is_ignored(tmp_path):
    from core import liveness

    path = tmp_path / "1.json"
    for when in ("9" * 400, "1e400", "-5", "true", '"soon"'):
        path.write_text('{"sessionId": "s1", "status": "busy", "statusUpdatedAt": %s}' % when)
        assert liveness.registry_status(str(path), "s1") is None, when
    path.write_text('{"sessionId": "s1", "status": "busy", "statusUpdatedAt": 1796124125000}')
    assert liveness.registry_status(str(path), "s1") == ("busy", 1796124125.0)


@LINUX
def test_esc_whose_marker_lands_after_the_calls_result_still_ends_working(tmp_path):
    """Esc during a call writes the rejected call's result, then the marker: a follower that reads the
    result alone (between the two writes) must not leave before the marker, with no tray running."""
    _, sdir, t = _bash_call_running(tmp_path, "toolu_9", "sleep 30")
    assert _wait(lambda: len(_followers(sdir)) == 1), _followers(sdir)
    _append(t, _result("toolu_9"))
    time.sleep(0.3)  # the follower's poll (0.1 s) sees the result alone
    _append(t, _marker(time.time()))
    assert _wait(lambda: _states(sdir) == ("idle", "idle"), 5), _states(sdir)


def test_a_wait_the_hook_ends_from_the_transcript_closes_at_the_markers_time(tmp_path):
    """No follower or reader applied Esc (Windows has none; a follower killed): the next hook applies the
    transcript's tail (waiting -> idle at the marker's time) before its own event, and the ledger closes
    the wait at the marker's time, not at the next prompt's."""
    from core import ledger

    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    _append(t, _user("go"), _assistant(30_000, tool="toolu_1"))
    call = {"tool_name": "Bash", "tool_input": {"command": "rm x"}, "tool_use_id": "toolu_1"}
    run_hook(event("UserPromptSubmit", transcript_path=str(t), prompt="go"), env)
    run_hook(event("PreToolUse", transcript_path=str(t), **call), env)
    run_hook(event("PermissionRequest", transcript_path=str(t), **call), env)
    for pid in _followers(sdir):
        os.kill(pid, 9)
    opened = read_session(sdir, "s1")["state_ts"]
    esc = opened + 1.0
    _append(t, {**_result("toolu_1"), "timestamp": _marker(esc)["timestamp"]}, _marker(esc))
    time.sleep(max(0.0, esc + 2.0 - time.time()))  # the next prompt comes 2 s after Esc
    run_hook(event("UserPromptSubmit", transcript_path=str(t), prompt="next"), env)
    for pid in _followers(sdir):
        os.kill(pid, 9)
    r = next(x for x in ledger.day_report(str(sdir))["sessions"] if x["session_id"] == "s1")
    assert abs(r["waiting_seconds"] - 1.0) < 0.1, r


def test_a_parallel_calls_result_does_not_end_another_calls_dialog(tmp_path):
    """A batch [WebFetch that asks permission, Read]: both PreToolUse hooks come before the PermissionRequest
    (which has no tool_use_id). The Read's result in the transcript must not end WebFetch's wait, for a
    reader and for the follower."""
    env = _env(tmp_path)
    sdir = tmp_path / "status"
    t = tmp_path / "s1.jsonl"
    fetch = {"tool_name": "WebFetch", "tool_input": {"url": "https://example.com", "prompt": "read it"}}
    read = {"tool_name": "Read", "tool_input": {"file_path": "/tmp/x"}}
    _append(t, _user("go"), _assistant(30_000, tool="toolu_f"))
    run_hook(event("UserPromptSubmit", transcript_path=str(t), prompt="go"), env)
    run_hook(event("PreToolUse", transcript_path=str(t), tool_use_id="toolu_f", **fetch), env)
    run_hook(event("PreToolUse", transcript_path=str(t), tool_use_id="toolu_r", **read), env)
    run_hook(event("PermissionRequest", transcript_path=str(t), **fetch), env)
    assert _states(sdir) == ("waiting", "waiting")
    assert read_session(sdir, "s1")["waiting_call"]["id"] == "toolu_f"
    _append(t, _result("toolu_r"))
    time.sleep(0.5)  # the follower's polls
    aggregate.aggregate(str(sdir), time.time(), aggregate.Options(environ=env))
    assert _states(sdir) == ("waiting", "waiting")
    _append(t, _result("toolu_f"))  # the dialog was answered and the fetch ran
    aggregate.aggregate(str(sdir), time.time(), aggregate.Options(environ=env))
    assert _states(sdir) == ("working", "working")
    for pid in _followers(sdir):
        os.kill(pid, 15)
