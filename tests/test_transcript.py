"""Reading context, model, titles and the interrupt marker from the END of real transcripts."""

from __future__ import annotations

import json

from core import schema, transcript
from tests.conftest import TRANSCRIPTS


def test_real_transcripts():
    got = transcript.tail_info(str(TRANSCRIPTS / "agentlogs_v2.0.13_task_subagent_inline_sidechain.jsonl"))
    # The newest main-chain usage (sidechain lines are inline in v2.0.13 and must be skipped): 10 + 369 + 15650.
    assert got["tokens"] == 16029
    assert got["model"] == "claude-sonnet-4-5-20250929"
    heavy = transcript.tail_info(str(TRANSCRIPTS / "spotter_v2.1.38_main_session_tool_heavy.jsonl"))
    assert heavy["model"] == "claude-opus-4-6"
    assert heavy["interrupted"] is True  # this real session ended with Esc
    assert heavy["tokens"] == 27666


def test_subagent_only_transcript_gives_no_main_context():
    assert "tokens" not in transcript.tail_info(str(TRANSCRIPTS / "spotter_v2.1.39_subagents_agent-aac57f5.jsonl"))


def _line(**rec):
    return json.dumps(rec) + "\n"


def _assistant(tokens, model="claude-sonnet-4-5", **extra):
    return _line(type="assistant", message={"model": model, "usage": {
        "input_tokens": tokens, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 9}},
        **extra)


def test_compact_boundary_resets_and_newer_usage_wins(tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_text(_assistant(150_000) + _line(type="system", subtype="compact_boundary",
                                             compactMetadata={"trigger": "auto", "preTokens": 150_000, "postTokens": 12_000}))
    assert transcript.tail_info(str(t))["tokens"] == 12_000
    with t.open("a") as f:
        f.write(_assistant(20_000))
    assert transcript.tail_info(str(t))["tokens"] == 20_000


def test_synthetic_api_error_and_sidechain_lines_are_skipped(tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_text(_assistant(30_000) + _assistant(0, model="<synthetic>") + _assistant(1, isApiErrorMessage=True)
                 + _assistant(99_999, isSidechain=True))
    assert transcript.tail_info(str(t))["tokens"] == 30_000


def test_titles_and_one_m_marker(tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_text(_line(type="custom-title", customTitle="Old") + _line(type="ai-title", aiTitle="AI")
                 + _line(type="attachment", attachment={"identity": {"modelId": "claude-opus-4-6[1m]"}})
                 + _line(type="custom-title", customTitle="Mine") + _assistant(10))
    got = transcript.tail_info(str(t))
    assert (got["custom_title"], got["one_m"]) == ("Mine", True)  # custom wins; the scan stops there
    t.write_text(_line(type="ai-title", aiTitle="Old AI") + _line(type="ai-title", aiTitle="AI") + _assistant(10))
    got = transcript.tail_info(str(t))
    assert (got["ai_title"], "custom_title" in got, "one_m" in got) == ("AI", False, False)


def test_cost_is_bounded_by_the_tail(tmp_path):
    t = tmp_path / "big.jsonl"
    filler = _line(type="progress", data={"type": "hook_progress", "pad": "p" * 500})
    with t.open("w") as f:
        f.write(_assistant(5_000))
        for _ in range(int(transcript.MAX_BYTES / len(filler)) + 10):
            f.write(filler)
    assert "tokens" not in transcript.tail_info(str(t))  # beyond the window: not read at all
    with t.open("a") as f:
        f.write(_assistant(7_000))
    assert transcript.tail_info(str(t))["tokens"] == 7_000


def test_partial_last_line_is_ignored(tmp_path):
    """In a fresh ``python -I -S`` process: inside pytest ``json`` is already imported, which hid issue 8's
    SystemError (tests/test_jsonio_fresh.py runs the same on every installed 3.9-3.13)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    t = tmp_path / "t.jsonl"
    t.write_text(_assistant(1_000) + '{"type":"assistant","message":{"usage":{"input_tok')
    code = ("import sys; sys.path.insert(0, %r); from core import transcript; "
            "assert 'json' not in sys.modules; print(transcript.tail_info(%r)['tokens'])" % (str(ROOT), str(t)))
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.stdout.strip() == "1000", out.stderr


def test_context_window_rules():
    env = {}
    assert schema.context_window("claude-sonnet-4-5", 10, False, env) == 200_000
    assert schema.context_window("claude-opus-4-6[1m]", 10, False, env) == 1_000_000
    assert schema.context_window("claude-sonnet-4-5", 250_000, False, env) == 1_000_000
    assert schema.context_window("claude-fable-5", 10, False, env) == 1_000_000
    assert schema.context_window("claude-opus-4-8", 10, False, env) == 1_000_000
    assert schema.context_window("claude-opus-4-8", 10, False, {"CLAUDE_CODE_USE_BEDROCK": "1"}) == 200_000
    assert schema.context_window("claude-fable-5", 10, True, {"CLAUDE_CODE_DISABLE_1M_CONTEXT": "1"}) == 200_000
    assert schema.context_window("x", 10, False, {"CLAUDE_CODE_MAX_CONTEXT_TOKENS": "400000"}) == 400_000


def test_hook_reads_context_from_transcript(tmp_path):
    from tests.conftest import event, read_session, run_hook

    t = tmp_path / "t.jsonl"
    t.write_text(_assistant(44_000))
    run_hook(event("Stop", transcript_path=str(t)))
    s = read_session(tmp_path / "status", "s1")
    assert s["context"] == {"current_tokens": 44_000, "total_tokens": 200_000, "percentage": 22}
    assert s["model"] == "claude-sonnet-4-5"
