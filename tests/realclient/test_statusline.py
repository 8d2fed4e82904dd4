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


def test_the_tap_learns_claude_codes_window_per_model(scenario):
    """Finding 6, learned windows: what the tap remembered (core.windows, for later sessions it never sees) is
    Claude Code's own window for every model its status line named."""
    r = scenario("int_tap")["measured"]
    said = {(t["cc_model"], t["cc_window"]) for t in r["turns"]}
    assert said and all(model for model, _ in said), said
    assert {m: r["learned_windows"].get(m) for m, _ in said} == dict(said), r["learned_windows"]


def test_tap_alone_prints_its_own_line_and_records(scenario):
    r = scenario("int_tap_alone")["measured"]
    assert r["line_seen_s"] is not None
    assert r["recorded_usage"]["input_tokens"] + r["recorded_usage"]["cache_read_input_tokens"] == 64_000
    assert r["ours"]["file_tokens"] == 64_000 and r["ours"]["row_window"] == 1_000_000
    assert set(r["settings_statusline"]) == {"type", "command"}  # nothing added that the user did not have


def test_during_the_first_permission_dialog_we_show_claude_codes_figure(scenario):
    """The first turn's permission dialog with the tap installed. Claude Code holds 54,000 tokens; whether its
    status line says so during the dialog is a race on its side (measured both ways: most renders carry
    ``current_usage: null``, some carry the 54,000). Whatever it says, the session shows waiting and Claude
    Code's own figure: from the status line when a render carried it, else from the transcript (followed by
    the hook), never 0 and never another number."""
    r = scenario("int_tap_first_prompt")["measured"]
    assert r["dialog_open"], r
    assert r["ours"]["row_state"] == "waiting", r
    said = [tokens for _, tokens in r["renders_after_prompt"] if tokens]
    assert all(tokens == 54_000 for tokens in said), r  # Claude Code never says another number
    assert r["ours"]["file_tokens"] == 54_000, r


def test_report_cost_equals_claude_codes_last_status_line_input(scenario):
    """Issue 12: `claude-status report` gives the session the cost Claude Code's own status-line input said
    (the tap records it into the daily ledger); this client sends no rate_limits (no subscription behind the
    mock), so the report says why instead of showing zeros."""
    import json
    import os
    import subprocess
    import sys

    r = scenario("int_tap")
    workdir = r["workdir"]
    inputs = []
    with open(os.path.join(workdir, "statusline.jsonl"), encoding="utf-8") as f:
        for line in f:
            try:
                inputs.append(json.loads(json.loads(line)["raw"]))
            except (ValueError, KeyError):
                continue
    costs = [i["cost"]["total_cost_usd"] for i in inputs if isinstance(i.get("cost"), dict)
             and i.get("session_id") == r["measured"]["sid"]]
    assert costs, "Claude Code sent no cost in its status-line input"
    out = subprocess.run([sys.executable, "-m", "cli", "report", "--json", "--dir", os.path.join(workdir, "status")],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    rep = json.loads(out.stdout)
    mine = [s for s in rep["sessions"] if s["session_id"] == r["measured"]["sid"]]
    assert mine and mine[0]["total_cost_usd"] == max(costs), (mine, costs)
    if not any(i.get("rate_limits") for i in inputs):
        assert rep["limits"] is None and rep["limits_note"]
