"""Transcript tails as the real hook meets them (issue 8): the event is never lost and the tokens are those of
the newest complete main-chain usage. Every case runs the hook as registered, in a fresh process."""

from __future__ import annotations

import json

import pytest

from core import transcript
from tests.conftest import event, read_session, run_hook

USAGE = {"input_tokens": 3, "cache_creation_input_tokens": 4100, "cache_read_input_tokens": 20000, "output_tokens": 7}
TOKENS = 24_103  # 3 + 4,100 + 20,000


def _rec(**rec) -> bytes:
    return json.dumps(rec).encode() + b"\n"


def _assistant(usage=USAGE, **extra) -> bytes:
    return _rec(type="assistant", message={"model": "claude-sonnet-4-5", "role": "assistant", "usage": usage,
                                           "content": [{"type": "text", "text": "ok"}]}, **extra)


def _tool_result(size: int) -> bytes:
    return _rec(type="user", message={"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "t1", "content": "o" * size}]})


def _run(sdir, path, name="PostToolUse", sid="s1", **fields):
    proc = run_hook(event(name, sid, transcript_path=str(path), tool_name="Bash", **fields))
    assert proc.returncode == 0 and proc.stdout == b""
    log = sdir / "hook.log"
    assert not log.exists(), log.read_text()
    return read_session(sdir, sid)


TAILS = {
    "half-written-last-line": _assistant() + b'{"type":"assistant","message":{"usage":{"input_tok',
    "half-written-after-huge": _assistant() + _tool_result(200_000)[:150_000],
    "crlf": (_rec(type="user", message={"role": "user", "content": "hi"}) + _assistant()).replace(b"\n", b"\r\n"),
    "bom": b"\xef\xbb\xbf" + _assistant(),
    "nul-padding": _assistant() + b"\x00" * 4096,
    "nul-before-line": b"\x00" * 100 + _assistant() + b"\x00\x00\n",
    "nul-inside-junk": _assistant() + b'{"type":"assistant","x":"\x00"\x00}\n',
    "invalid-utf8": _assistant() + b'{"type":"assistant","message":"\xff\xfe"}\n',
    "many-small-tool-lines-over-1MiB": _assistant() + b"".join(_tool_result(900) for _ in range(1400)),
    "one-tool-line-over-1MiB": _assistant() + _tool_result(1_300_000),
    "tool-output-over-1MiB-then-half-line": _assistant() + _tool_result(1_100_000) + b'{"type":"user","mess',
    "sidechain-after": _assistant() + _assistant(usage={"input_tokens": 99_999}, isSidechain=True),
}


@pytest.mark.parametrize("name", sorted(TAILS))
def test_tail_cases_on_a_brand_new_session(name, tmp_path, sdir):
    t = tmp_path / "t.jsonl"
    t.write_bytes(_rec(type="user", message={"role": "user", "content": "start"}) + TAILS[name])
    s = _run(sdir, t)
    assert s["last_tool"] == "Bash"  # the event landed
    assert s["context"]["current_tokens"] == TOKENS


def test_half_written_line_is_read_once_complete(tmp_path, sdir):
    t = tmp_path / "t.jsonl"
    newer = _assistant(usage={"input_tokens": 30_000})
    t.write_bytes(_assistant() + newer[:40])
    assert _run(sdir, t)["context"]["current_tokens"] == TOKENS
    with t.open("ab") as f:
        f.write(newer[40:])
    assert _run(sdir, t)["context"]["current_tokens"] == 30_000


def test_incremental_read_keeps_tokens_when_only_tool_output_was_appended(tmp_path, sdir):
    t = tmp_path / "t.jsonl"
    t.write_bytes(_assistant())
    assert _run(sdir, t)["context"]["current_tokens"] == TOKENS
    for _ in range(3):
        with t.open("ab") as f:
            f.write(_tool_result(600_000))
        assert _run(sdir, t)["context"]["current_tokens"] == TOKENS
    with t.open("ab") as f:
        f.write(_assistant(usage={"input_tokens": 50_000}))
    assert _run(sdir, t)["context"]["current_tokens"] == 50_000


def test_new_transcript_path_is_read_from_its_end(tmp_path, sdir):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_bytes(_assistant() + _tool_result(1000))
    assert _run(sdir, a)["context"]["current_tokens"] == TOKENS
    b.write_bytes(_assistant(usage={"input_tokens": 7}) + _tool_result(5000))
    assert _run(sdir, b)["context"]["current_tokens"] == 7


def test_bytes_read_stay_bounded(tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_bytes(_assistant() + b"".join(_tool_result(60_000) for _ in range(160)))  # ~9.6 MiB after it
    assert t.stat().st_size > transcript.MAX_BYTES
    reads = []

    class Counting:
        def __init__(self, f):
            self.f = f

        def seek(self, pos):
            self.f.seek(pos)

        def read(self, n):
            data = self.f.read(n)
            reads.append(len(data))
            return data

    with t.open("rb") as f:
        info: dict = {}
        transcript._scan(Counting(f), t.stat().st_size, transcript.MAX_BYTES, info)
    assert sum(reads) <= transcript.MAX_BYTES
    assert "tokens" not in info  # beyond the bound: not found, and not read


def _reference_tokens(data: bytes) -> int | None:
    """The newest complete main-chain usage, by python's json over the complete lines."""
    found = None
    lines = data.split(b"\n")
    if not data.endswith(b"\n"):
        lines = lines[:-1]  # half-written
    for raw in lines:
        try:
            rec = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(rec, dict):
            continue
        if rec.get("type") == "system" and rec.get("subtype") == "compact_boundary":
            found = (rec.get("compactMetadata") or {}).get("postTokens") or 0
            continue
        msg = rec.get("message")
        if (rec.get("type") != "assistant" or rec.get("isSidechain") or rec.get("isApiErrorMessage")
                or not isinstance(msg, dict) or msg.get("model") == "<synthetic>"
                or not isinstance(msg.get("usage"), dict)):
            continue
        found = transcript.usage_tokens(msg["usage"])
    return found


@pytest.mark.parametrize("name", ["agentlogs_v2.0.13_task_subagent_inline_sidechain.jsonl",
                                  "agentlogs_v2.0.14_todowrite.jsonl", "spotter_v2.1.38_main_session_tool_heavy.jsonl",
                                  "spotter_v2.1.39_subagents_agent-aac57f5.jsonl"])
@pytest.mark.parametrize("event_name", ["UserPromptSubmit", "PermissionRequest"])
def test_real_transcripts_cut_mid_line_never_lose_the_event(name, event_name, tmp_path, sdir):
    """Issue 8's reproducer: real transcripts cut in the middle of a line (Claude Code writes while hooks read)."""
    from tests.conftest import TRANSCRIPTS

    data = (TRANSCRIPTS / name).read_bytes()
    ends = [i for i in range(len(data)) if data[i:i + 1] == b"\n"]
    cuts = sorted({ends[len(ends) * k // 6] - 7 for k in range(1, 6)} | {len(data) - 3})
    for n, cut in enumerate(cuts):
        t = tmp_path / ("cut%d.jsonl" % n)
        t.write_bytes(data[:cut])
        sid = "cut%d" % n
        proc = run_hook(event(event_name, sid, transcript_path=str(t), tool_name="Bash", prompt="go",
                              tool_input={"command": "ls"}))
        assert proc.returncode == 0 and proc.stdout == b""
        assert not (sdir / "hook.log").exists(), (sdir / "hook.log").read_text()
        s = read_session(sdir, sid)
        assert s["last_event"] == event_name  # the event landed
        assert s["context"]["current_tokens"] == (_reference_tokens(data[:cut]) or 0), cut
