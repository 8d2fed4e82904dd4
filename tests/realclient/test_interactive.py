"""Interactive Claude Code under tmux: issue 10's findings, measured against Claude Code's own figures.

A finding the product does not handle yet is an ``xfail(strict=True)`` test whose reason says what was
measured: it turns into a failure the moment the behaviour becomes right (then drop the mark).
"""

from __future__ import annotations

import pytest

from hook import install
from tests.realclient import claude


# --- finding 1: context after every turn ---------------------------------------------------------------
def test_claude_codes_own_figures_agree(scenario):
    """The ground truth is consistent: the status line's used_percentage is the usage the mock sent over the
    window Claude Code reports (if this fails, Claude Code changed its rule; update the suite)."""
    for t in scenario("int_turns")["measured"]["turns"]:
        assert t["cc_pct"] == round(t["sent_tokens"] * 100 / t["cc_window"]), t


def test_context_right_after_every_turn(scenario):
    turns = scenario("int_turns")["measured"]["turns"]
    wrong = [t for t in turns if t["latency_s"] is None]
    assert not wrong, ["turn %d: Claude Code %s%%, ours %s%%" % (t["turn"], t["cc_pct"], t["ours_after"]["row_pct"])
                       for t in wrong]


def test_context_during_first_permission_prompt(scenario):
    """Two sessions' first prompts (whether the async hook happens to run after the record is a race)."""
    r = scenario("int_permission")["measured"]
    e = scenario("int_escape")["measured"]["first_turn"]
    assert r["ctx_right_s"] is not None, r["ours_during_dialog"]
    assert e["ctx_right_s"] is not None, e


# --- finding 4: waiting / approve / Esc ----------------------------------------------------------------
def test_waiting_when_dialog_opens(scenario):
    r = scenario("int_permission")["measured"]
    assert r["waiting_latency_s"] is not None, r


def test_working_after_approve(scenario):
    r = scenario("int_permission")["measured"]
    assert r["working_after_approve_s"] is not None, r


def test_idle_after_esc_at_prompt(scenario):
    r = scenario("int_escape")["measured"]["esc_prompt"]
    assert r["idle_s"] is not None, r


def test_idle_after_esc_during_tool(scenario):
    r = scenario("int_escape")["measured"]["esc_tool"]
    assert r["idle_s"] is not None, r


def _overlaps(seen: list) -> list:
    """Seconds during which two followers were alive at once, for each such stretch (sampled every 20 ms)."""
    out, since = [], None
    for x in seen:
        if len(x["pids"]) > 1 and since is None:
            since = x["wall"]
        elif len(x["pids"]) <= 1 and since is not None:
            out.append(round(x["wall"] - since, 3))
            since = None
    return out + ([float("inf")] if since is not None else [])


@pytest.mark.parametrize("name", ["int_permission", "int_escape", "int_turns"])
def test_followers_never_pile_up(scenario, name):
    """Every followed event forks a follower (Stop, PreToolUse, PermissionRequest, ...); a newer one makes the
    older leave at its next poll (0.1 s): never more than two alive at once, and two only for a hand-over (the
    measured ones: 0.02-0.06 s; the bound is generous for a loaded machine)."""
    seen = scenario(name)["captured"]["followers"]
    assert any(x["pids"] for x in seen), seen
    assert max(len(x["pids"]) for x in seen) <= 2, seen
    assert all(o <= 1.0 for o in _overlaps(seen)), _overlaps(seen)


def test_no_hook_fires_on_esc(scenario):
    """Claude Code's own behaviour the fixes must work around (if a hook appears here, use it)."""
    r = scenario("int_escape")["measured"]
    assert r["esc_prompt"]["hooks_after_esc"] == [] and r["esc_tool"]["hooks_after_esc"] == [], r


# --- issue 12: the minutes spent waiting on you ----------------------------------------------------------
GOAL_LEDGER_S = 1.0


@pytest.mark.parametrize("name", ["int_permission", "int_escape", "int_bg_prompt"])
def test_ledger_waiting_time_is_the_truth(scenario, name):
    """Every wait (dialog first on screen -> approved / Esc'd, as the suite saw and did it) counts in the daily
    ledger within 1 s, with no tray running: approve and Esc fire no hook, so the follower closes the wait."""
    r = scenario(name)["measured"]["ledger_wait"]
    assert r["waits"] == 1 and r["diff_s"] is not None and abs(r["diff_s"]) <= GOAL_LEDGER_S, r


# --- finding 2: /compact ---------------------------------------------------------------------------------
def test_compact_boundary_lands_after_postcompact(scenario):
    r = scenario("int_compact")["measured"]
    assert r["compact_requests"] == len(r["rounds"]) == 3
    for rd in r["rounds"]:
        assert rd["boundary"]["trigger"] == "manual" and rd["boundary"]["postTokens"] < rd["boundary"]["preTokens"]


def test_context_after_compact(scenario):
    rounds = scenario("int_compact")["measured"]["rounds"]
    wrong = [(rd["pre_tokens"], rd["cc_tokens"], rd["ours_after"]["file_tokens"]) for rd in rounds if rd["latency_s"] is None]
    assert not wrong, wrong


# --- finding 3: a background subagent's permission prompt ----------------------------------------------
def test_background_subagent_prompt_facts(scenario):
    r = scenario("int_bg_prompt")["measured"]
    assert r["request_has_agent_id"] and r["request_agent_type"] == "general-purpose"
    assert r["stop_before_answer"] and r["dialog_still_open_1s_after_stop"]
    assert [t["status"] for t in r["stop_background_tasks"]] == ["running"]
    assert r["waiting_before_stop_s"] is not None, r


def test_background_subagent_prompt_stays_waiting(scenario):
    """Finding 3 (fixed by core/state.py: Stop keeps a running subagent's wait)."""
    r = scenario("int_bg_prompt")["measured"]
    assert r["state_1s_after_stop"] == ["waiting", "waiting"] and r["waiting_held_3s"], r


def test_main_dialog_stays_waiting_while_a_background_subagent_works(scenario):
    """Claude Code's registry (what ends a wait on approve) says "waiting" while the dialog is open even as a
    background subagent runs tools and finishes; we keep waiting (file and index) until the key."""
    r = scenario("int_main_dialog_bg_busy")["measured"]
    assert r["dialog_open_after_subagent_stop"] and "PostToolUse" in r["subagent_events_during_dialog"], r
    assert r["file_left_waiting"] == [] and r["index_left_waiting"] == 0, r
    assert r["not_waiting_after_approve_s"] is not None, r


# --- /clear ----------------------------------------------------------------------------------------------
def test_clear_swaps_sessions(scenario):
    r = scenario("int_clear")["measured"]
    assert r["old"] != r["new"] and r["end_reason"] == "clear"
    assert r["swapped_s"] is not None and r["rows"] == [r["new"]], r


# --- finding 7: events and fields ----------------------------------------------------------------------
def test_registered_events_are_known_to_this_version():
    """An unknown event name makes Claude Code skip the whole settings file."""
    registered = install.events_for(install.parse_version(claude.VERSION))
    assert set(registered) <= set(claude.EVENTS_2_1_332), set(registered) - set(claude.EVENTS_2_1_332)


def test_events_claude_code_sent(scenario):
    """What 2.1.332 really sends in these runs (ground truth for the fixes; see docs/truth.md)."""
    names = {h["hook_event_name"] for name in ("int_permission", "int_escape")
             for h in scenario(name)["captured"]["hooks"]}
    assert {"PostToolBatch", "MessageDisplay", "PermissionRequest", "PreToolUse"} <= names, names
    fields = {}
    for h in scenario("int_permission")["captured"]["hooks"]:
        fields.setdefault(h["hook_event_name"], set()).update(h)
    assert "prompt_id" in fields["PreToolUse"] and "tool_use_id" in fields["PreToolUse"]
    assert "duration_ms" in fields["PostToolUse"]
    efforts = [h["effort"] for h in scenario("int_permission")["captured"]["hooks"] if "effort" in h]
    assert efforts and all(isinstance(e, dict) and "level" in e for e in efforts), efforts


def test_registers_the_events_we_need():
    registered = set(install.events_for(install.parse_version(claude.VERSION)))
    assert {"PermissionDenied", "PostToolBatch"} <= registered, registered


# --- the session title ---------------------------------------------------------------------------------
def test_session_title_from_claude_codes_title_request(scenario):
    """With non-essential traffic allowed (still loopback only), Claude Code asks for a title; the title the
    mock sent becomes the task we show."""
    r = scenario("int_title")["measured"]
    assert r["title_request_s"] is not None and "title" in r["kinds"], r
    assert r["title_shown_s"] is not None and r["task"] == "Scripted title from the mock", r
