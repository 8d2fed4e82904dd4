"""Issue 10's "correct rules" in the one state machine: Stop keeps a running subagent's wait,
PermissionDenied ends a wait at once, PostToolBatch and MessageDisplay as activity, and the entry point for
transcript facts learned between hooks. Pure tests, then the real hook process."""

from __future__ import annotations

import json

from core import aggregate, record, state
from hook import events
from tests.conftest import event, read_index, read_session, run_hook

T0 = 1_800_000_000.0
RM = {"command": "rm -rf build"}


def ev(name, **fields):
    out = {"session_id": "s", "hook_event_name": name, "cwd": "/home/u/proj"}
    out.update(fields)
    return out


def run(*evs):
    s = None
    for i, e in enumerate(evs):
        s = events.apply(s, e, T0 + i)
    return s


BG_AGENT = [{"id": "bg1", "type": "subagent", "status": "running", "agent_type": "coder"}]


def _subagent_waiting():
    return run(ev("UserPromptSubmit", prompt="go"), ev("SubagentStart", agent_id="bg1", agent_type="coder"),
               ev("PermissionRequest", agent_id="bg1", agent_type="coder", tool_name="Bash", tool_input=RM))


def test_stop_does_not_end_a_running_subagents_wait():
    s = _subagent_waiting()
    s = events.apply(s, ev("Stop", background_tasks=BG_AGENT), T0 + 10)
    assert (s["state"], s["reason"], s["waiting_for"]) == ("waiting", "permission", "permission for Bash (coder)")
    assert s["task"]["status"] == "waiting"


def test_stop_ends_the_wait_of_a_subagent_that_is_gone():
    s = _subagent_waiting()
    s = events.apply(s, ev("Stop", background_tasks=[]), T0 + 10)
    assert (s["state"], s["reason"]) == ("idle", "finished")


def test_permission_denied_ends_a_wait_at_once():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("PermissionRequest", tool_name="Bash", tool_input=RM),
            ev("PermissionDenied", tool_name="Bash", tool_input=RM, tool_use_id="t1", reason="classifier"))
    assert (s["state"], s["reason"], s["waiting_for"], s["ask"]) == ("working", "denied", None, None)


def test_a_subagents_permission_denied_ends_its_own_wait_only():
    s = _subagent_waiting()
    s = events.apply(s, ev("PermissionDenied", tool_name="Bash", tool_input=RM), T0 + 9)
    assert s["state"] == "waiting"  # the main conversation's denial is not the subagent's dialog
    s = events.apply(s, ev("PermissionDenied", agent_id="bg1", tool_name="Bash", tool_input=RM), T0 + 10)
    assert (s["state"], s["reason"]) == ("working", "denied")


def test_post_tool_batch_ends_a_wait_for_one_of_its_calls_only():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("PermissionRequest", tool_name="Bash", tool_input=RM))
    other = events.apply(json.loads(json.dumps(s)), ev("PostToolBatch", tool_calls=[
        {"tool_name": "Read", "tool_input": {"file_path": "/a"}, "tool_use_id": "t2"}]), T0 + 5)
    assert other["state"] == "waiting"
    done = events.apply(s, ev("PostToolBatch", tool_calls=[
        {"tool_name": "Read", "tool_input": {"file_path": "/a"}},
        {"tool_name": "Bash", "tool_input": RM, "tool_use_id": "t1"}]), T0 + 5)
    assert (done["state"], done["reason"]) == ("working", "tool")
    sub = events.apply(_subagent_waiting(), ev("PostToolBatch", tool_calls=[{"tool_name": "Bash", "tool_input": RM}]),
                       T0 + 10)
    assert sub["state"] == "waiting"


def test_message_display_means_nobody_is_asked_but_never_wakes_an_idle_session():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("PermissionRequest", tool_name="Bash", tool_input=RM),
            ev("MessageDisplay", turn_id="u1", message_id="m1", index=0, final=False, delta="Done"))
    assert (s["state"], s["reason"]) == ("working", "reply")
    idle = run(ev("Stop", background_tasks=[]), ev("MessageDisplay", delta="late"))
    assert (idle["state"], idle["reason"]) == ("idle", "finished")
    sub = events.apply(_subagent_waiting(), ev("MessageDisplay", delta="main text"), T0 + 10)
    assert sub["state"] == "waiting"


# ---------------------------------------------------------------- transcript facts between hooks


def test_tool_result_of_the_approved_call_means_working():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("PreToolUse", tool_name="Bash", tool_input=RM, tool_use_id="t1"),
            ev("PermissionRequest", tool_name="Bash", tool_input=RM))
    assert s["waiting_call"]["id"] == "t1"
    assert state.on_fact(s, state.FACT_TOOL_RESULT, T0 + 9, "t-parallel") is False  # a parallel call's result
    assert s["state"] == "waiting"
    assert state.on_fact(s, state.FACT_TOOL_RESULT, T0 + 10, "t1") is True
    assert (s["state"], s["reason"], s["task"]["status"], s["detail"]) == ("working", "tool", "active", "Bash")


def test_late_pre_tool_use_gives_the_wait_its_call_id():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("PermissionRequest", tool_name="Bash", tool_input=RM))
    s = events.apply(s, ev("PreToolUse", tool_name="Bash", tool_input=RM, tool_use_id="t7"), T0 + 1.5)
    assert (s["state"], s["waiting_call"]["id"]) == ("waiting", "t7")


def test_a_subagents_wait_is_not_ended_by_a_main_chain_tool_result():
    s = _subagent_waiting()
    assert state.on_fact(s, state.FACT_TOOL_RESULT, T0 + 10, None) is False


def test_reply_after_stop_and_compact_boundary_carry_their_figures():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("Stop", background_tasks=[]))
    assert state.on_fact(s, state.FACT_REPLY, T0 + 3, 120_000) is True
    assert (s["context"]["current_tokens"], s["state"]) == (120_000, "idle")
    assert state.on_fact(s, state.FACT_REPLY, T0 + 3, 120_000) is False  # nothing new
    assert state.on_fact(s, state.FACT_REPLY, T0 + 3, "junk") is False
    c = run(ev("UserPromptSubmit", prompt="go"), ev("PreCompact", trigger="auto"))
    assert state.on_fact(c, state.FACT_COMPACT_BOUNDARY, T0 + 9, 2565) is True
    assert (c["context"]["current_tokens"], c["state"], c["reason"]) == (2565, "working", "compacted")


def test_interrupt_marker_fact_is_idle_at_once():
    s = run(ev("UserPromptSubmit", prompt="go"))
    assert state.on_fact(s, state.FACT_INTERRUPTED, T0 + 1.1) is True
    assert (s["state"], s["reason"]) == ("idle", "interrupted")


def test_aggregation_applies_valued_facts_and_writes_them(sdir):
    run_hook(event("UserPromptSubmit", "f1", prompt="go"))
    run_hook(event("Stop", "f1", background_tasks=[]))
    entries, skipped = aggregate.load_sessions(str(sdir))
    now = read_session(sdir, "f1")["updated_ts"] + 1
    found = aggregate.Scan(entries, skipped, facts={"f1": [(state.FACT_REPLY, 120_000)]},
                           load_info={"profile": "balanced", "status": "OK", "load_avg": 0.1})
    decision = aggregate.update(str(sdir), now, found, aggregate.Options())
    assert [e.session_id for e in decision.changed] == ["f1"]
    s = read_session(sdir, "f1")
    assert (s["context"]["current_tokens"], s["context"]["percentage"]) == (120_000, 60)
    assert read_index(sdir)["sessions"][0]["context_pct"] == 60
    assert isinstance(entries[0], record.Entry) and entries[0].record["context"]["current_tokens"] == 0  # untouched


# ---------------------------------------------------------------- the real hook process


def test_real_hook_subagent_wait_survives_the_main_stop(sdir):
    run_hook(event("UserPromptSubmit", "r1", prompt="go"))
    run_hook(event("SubagentStart", "r1", agent_id="bg1", agent_type="coder"))
    run_hook(event("PermissionRequest", "r1", agent_id="bg1", agent_type="coder", tool_name="Bash", tool_input=RM))
    run_hook(event("Stop", "r1", background_tasks=BG_AGENT))
    row = read_index(sdir)["sessions"][0]
    assert (row["state"], row["reason"], row["ask"]["input"]) == ("waiting", "permission", "rm -rf build")
    run_hook(event("PermissionDenied", "r1", agent_id="bg1", tool_name="Bash", tool_input=RM))
    assert (read_session(sdir, "r1")["state"], read_index(sdir)["sessions"][0]["reason"]) == ("working", "denied")
