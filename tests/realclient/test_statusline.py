"""The status-line tap against the real Claude Code: byte-identical output, Claude Code's figures recorded."""

from __future__ import annotations


def test_tap_output_identical_to_wrapped_command(scenario):
    r = scenario("int_tap")["measured"]
    assert r["replay"]["inputs"] >= 3 and r["replay"]["identical"] == r["replay"]["inputs"], r["replay"]
    for t in r["turns"]:
        assert t["screen_shows_line_s"] is not None, t  # the user's own line reached the screen


def test_tap_keeps_padding_and_refresh_interval(scenario):
    entry = scenario("int_tap")["measured"]["entry"]
    assert entry["padding"] == 1 and entry["refreshInterval"] == 30 and entry["type"] == "command"


def test_tap_records_claude_codes_figures(scenario):
    r = scenario("int_tap")["measured"]
    for key, pair in r["fields"].items():
        assert pair["equal"], (key, pair)
    for t in r["turns"]:
        assert t["recorded_s"] is not None, t
        assert t["right_after_render_s"] is not None, t  # index context % and window = Claude Code's
        assert t["ours"]["row_window"] == t["cc_window"] == 1_000_000, t
        assert t["ours"]["row_pct"] == t["cc_pct"], t


def test_tap_fixes_context_after_each_turn(scenario):
    """Finding 1 with the tap installed: the status line renders after the reply, so its figure lands
    within the goal even where the transcript was written after Stop."""
    for t in scenario("int_tap")["measured"]["turns"]:
        assert t["context_latency_from_stop_s"] is not None, t


def test_window_never_flips_back_to_inference(scenario):
    """Finding 6 with the tap: once Claude Code said 1M for claude-haiku-5-5, no hook event re-infers 200k
    (core.record.context_window takes the reported window first)."""
    for t in scenario("int_tap")["measured"]["turns"][1:]:
        assert t["windows_before_render"] in ([], [t["cc_window"]]), t


def test_tap_alone_prints_its_own_line_and_records(scenario):
    r = scenario("int_tap_alone")["measured"]
    assert r["line_seen_s"] is not None
    assert r["recorded_usage"]["input_tokens"] + r["recorded_usage"]["cache_read_input_tokens"] == 64_000
    assert r["ours"]["file_tokens"] == 64_000 and r["ours"]["row_window"] == 1_000_000
    assert set(r["settings_statusline"]) == {"type", "command"}  # nothing added that the user did not have


def test_status_line_says_nothing_new_while_a_permission_dialog_is_open(scenario):
    """Claude Code's own behaviour (measured): between the prompt and the answer to the first turn's permission
    dialog its status line never carries the 54,000 it holds (no render, or one with ``current_usage`` null,
    even with ``refreshInterval: 1``), so the tap cannot fix finding 1's first-turn case (only following the
    transcript can); we keep showing 0 tokens there."""
    r = scenario("int_tap_first_prompt")["measured"]
    assert r["dialog_open"] and all(tokens == 0 for _, tokens in r["renders_after_prompt"]), r
    assert r["ours"]["row_state"] == "waiting", r
