"""Print mode (``claude -p --output-format stream-json --verbose``) against the real Claude Code."""

from __future__ import annotations

import pytest

from tests.realclient.scenarios import WINDOW_MODELS

ONE_M_BY_CLAUDE_CODE = ("claude-haiku-5-5", "haiku", "claude-mythos-5", "claude-mythos-5-2")


def test_print_session_context_and_end(scenario):
    r = scenario("print_session")["measured"]
    for turn in r["turns"]:
        truth, o = turn["truth"], turn["ours"]
        assert o["file_tokens"] == truth["tokens"], turn
        assert o["row_window"] == truth["window"], turn
        assert o["row_pct"] == round(truth["tokens"] * 100 / truth["window"]), turn
        assert o["model"] == truth["model"], turn
        assert o["file_state"] == o["row_state"] == "idle", turn
        assert turn["latency_s"] is not None, turn
    assert r["rc"] == 0
    assert r["session_end"] == ["other"]
    assert r["removed_after_end_s"] is not None, "SessionEnd must drop the session file and its index row"


@pytest.mark.parametrize("model", [m for m in WINDOW_MODELS if m not in ONE_M_BY_CLAUDE_CODE])
def test_window_per_model(scenario, model):
    row = next(m for m in scenario("print_models")["measured"]["models"] if m["asked"] == model)
    assert row["truth_window"], row
    assert row["our_window"] == row["row_window"] == row["truth_window"], row
    assert row["our_pct"] == row["truth_pct"], row


@pytest.mark.parametrize("model", ONE_M_BY_CLAUDE_CODE)
def test_window_per_model_1m(scenario, model):
    row = next(m for m in scenario("print_models")["measured"]["models"] if m["asked"] == model)
    assert row["truth_window"] == 1_000_000, row  # Claude Code's own figure: if this changes, update the list
    assert row["our_window"] == row["row_window"] == row["truth_window"], row


def test_a_learned_window_reaches_a_print_session(scenario):
    """Claude Code's window for a model our table does not know, said once through the status-line tap, is
    the window of a later print-mode session of that model (which has no status line)."""
    r = scenario("print_learned_window")["measured"]
    truth = r["truth_window_second"]
    assert truth and truth == r["truth_window_first"], r
    assert r["first"]["file_window"] != truth, "the table knows this model now: pick another for this test"
    assert r["tap_rc"] == 0, r
    assert r["second"]["file_window"] == r["second"]["row_window"] == truth, r
    assert r["second"]["row_pct"] == r["second_pct_truth"], r


def test_parallel_sessions(scenario):
    r = scenario("print_parallel")["measured"]
    assert r["together"]["working"] == 3 and r["together"]["summary_active"] == 3, r
    assert len(r["after"]) == 3
    for sid, o in r["after"].items():
        assert o["sent"] == o["truth_tokens"] == o["file_tokens"], (sid, o)
        assert o["row_state"] == "idle", (sid, o)
    assert r["all_removed_s"] is not None


def test_foreground_and_background_subagents(scenario):
    r = scenario("print_subagents")["measured"]
    assert r["fg_stats"]["requested"]["foreground"] == 1 and r["fg_stats"]["completed"] == 1, r
    assert r["fg_zero_after_s"] is not None, "foreground agent still counted after it finished"
    assert r["bg_counted_s"] is not None, "background agent never counted"
    assert r["bg_during"]["agents"] == r["bg_during"]["row_agents"] == 1, r
    assert r["bg_zero_after_s"] is not None, "background agent still counted after its SubagentStop"
    assert r["starts"] == 2


def test_tool_failure_and_api_error(scenario):
    r = scenario("print_errors")["measured"]
    assert r["post_tool_failure"] == ["Exit code 1"]
    assert r["stop_failure"] == ["server_error"]
    assert r["res2"]["api_error_status"] == 500 and r["res2"]["is_error"] is True
    assert r["ours"]["file_state"] == r["ours"]["row_state"] == "error", r
    assert r["error_latency_s"] is not None


def test_sigkill_leaves_no_ghost(scenario):
    r = scenario("print_sigkill")["measured"]
    assert r["before"]["file_state"] == "working"
    assert not r["session_end_fired"]
    assert r["aggregate_rc"] == 0
    assert r["row_after"] is None and not r["file_after"], r
