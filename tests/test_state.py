"""core/state.py, the one state machine: its tables, its reasons, the state -> task.status map, and the
record it leaves on disk when the hook runs as Claude Code runs it."""

from __future__ import annotations

import json
import os

import pytest

from core import aggregate, record, schema, state, timefmt
from hook import events, install
from tests.conftest import event, read_index, read_session, run_hook

T0 = 1_800_000_000.0  # a whole second: state_since (whole seconds) and first_seen (microseconds) meet here


def ev(name, **fields):
    out = {"session_id": "s", "hook_event_name": name, "cwd": "/home/u/proj"}
    out.update(fields)
    return out


def run(*evs, start=T0, step=1.0):
    s = None
    for i, e in enumerate(evs):
        s = events.apply(s, e, start + i * step)
    return s


def test_handler_tables_cover_every_event_hook_install_can_register():
    assert set(install.EVENTS) <= set(state.MAIN_HANDLERS)
    assert set(events.NOTES) == set(state.MAIN_HANDLERS)


def test_task_status_map_covers_every_state():
    assert {s: state.task_status(s) for s in state.STATES} == {
        "working": "active", "compacting": "active", "waiting": "waiting", "idle": "idle", "error": "error",
        "unknown": "idle"}


@pytest.mark.parametrize("target, reason", [
    ("working", state.TOOL), ("waiting", state.PERMISSION), ("idle", state.FINISHED),
    ("compacting", state.COMPACT), ("error", state.API_ERROR)])
def test_transition_keeps_task_status_in_step(target, reason):
    s = record.new_session("s", T0)
    state.transition(s, target, reason, T0 + 1)
    assert (s["state"], s["reason"], s["task"]["status"]) == (target, reason, state.TASK_STATUS[target])
    assert s["state_ts"] == (T0 if target == "idle" else T0 + 1)  # stamped only on a change


REASON_CASES = [
    ((ev("SessionStart", source="startup"),), "idle", state.READY),
    ((ev("UserPromptSubmit", prompt="go"),), "working", state.PROMPT),
    ((ev("UserPromptSubmit", prompt="go"), ev("PostToolUse", tool_name="Read")), "working", state.TOOL),
    ((ev("UserPromptSubmit", prompt="go"), ev("Stop", background_tasks=[])), "idle", state.FINISHED),
    ((ev("UserPromptSubmit", prompt="go"), ev("Stop", background_tasks=[
        {"id": "w1", "type": "workflow", "status": "running"}])), "working", state.BACKGROUND),
    ((ev("PostToolUseFailure", tool_name="Bash", is_interrupt=True),), "idle", state.INTERRUPTED),
    ((ev("PermissionRequest", tool_name="Bash"),), "waiting", state.PERMISSION),
    ((ev("PreToolUse", tool_name="AskUserQuestion"),), "waiting", state.QUESTION),
    ((ev("Notification", notification_type="elicitation_dialog"),), "waiting", state.INPUT),
    ((ev("Notification", notification_type="permission_prompt"),), "waiting", state.PERMISSION),
    ((ev("UserPromptSubmit", prompt="go"), ev("Notification", notification_type="idle_prompt")), "idle",
     state.FINISHED),
    ((ev("PreCompact", trigger="auto"),), "compacting", state.COMPACT),
    ((ev("PreCompact", trigger="auto"), ev("PostCompact", trigger="auto")), "working", state.COMPACTED),
    ((ev("PreCompact", trigger="manual"), ev("SessionStart", source="compact")), "idle", state.COMPACTED),
    ((ev("StopFailure", error="rate_limit"),), "error", state.API_ERROR),
]


@pytest.mark.parametrize("evs, want_state, want_reason", REASON_CASES)
def test_each_rule_writes_its_state_and_reason(evs, want_state, want_reason):
    s = run(*evs)
    assert (s["state"], s["reason"]) == (want_state, want_reason)
    assert s["reason"] in state.REASONS
    assert s["task"]["status"] == state.task_status(want_state)


def test_work_finished_within_the_first_second_is_finished_not_ready():
    """The old guess (state_since <= first_seen) called this session "ready": both fall in one second."""
    s = run(ev("SessionStart", source="startup"), ev("UserPromptSubmit", prompt="go"),
            ev("Stop", background_tasks=[]), start=T0 + 0.1, step=0.2)
    row = schema.row(s, T0 + 1, False, s["updated_ts"])
    assert (row["state"], row["reason"]) == ("idle", "finished")


def test_a_restarted_session_is_ready_even_when_its_file_is_old():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("SessionStart", source="resume"))
    assert (s["state"], s["reason"]) == ("idle", state.READY)


def test_idle_prompt_keeps_why_the_session_is_idle():
    s = run(ev("PostToolUseFailure", tool_name="Bash", is_interrupt=True),
            ev("Notification", notification_type="idle_prompt"))
    assert s["reason"] == state.INTERRUPTED


def test_reason_is_never_read_back_from_detail():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("Stop", background_tasks=[]))
    s["detail"] = "interrupted"
    s = events.apply(s, ev("Notification", notification_type="idle_prompt"), T0 + 5)
    assert s["reason"] == state.FINISHED


def test_the_interrupt_marker_enters_through_the_same_machine():
    s = run(ev("UserPromptSubmit", prompt="go"))
    assert state.on_fact(s, state.FACT_INTERRUPTED, T0 + 30) is True
    assert (s["state"], s["reason"], s["task"]["status"], s["event_ts"]) == ("idle", "interrupted", "idle", T0)
    assert state.on_fact(s, state.FACT_INTERRUPTED, T0 + 31) is False  # already idle: nothing to change
    assert state.on_fact(s, "no-such-fact", T0 + 31) is False


def test_subagent_permission_waits_and_its_own_tool_event_ends_the_wait():
    s = run(ev("UserPromptSubmit", prompt="go"),
            ev("PermissionRequest", tool_name="Bash", agent_id="a1", agent_type="coder", tool_input={"command": "x"}))
    assert (s["state"], s["reason"], s["waiting_for"]) == ("waiting", "permission", "permission for Bash (coder)")
    s = events.apply(s, ev("PostToolUse", tool_name="Bash", agent_id="a2", tool_input={"command": "x"}), T0 + 9)
    assert s["state"] == "waiting"  # another agent's call
    s = events.apply(s, ev("PostToolUse", tool_name="Bash", agent_id="a1", tool_input={"command": "x"}), T0 + 10)
    assert (s["state"], s["reason"]) == ("working", state.TOOL)


def test_hook_writes_reason_to_file_and_index(sdir):
    run_hook(event("SessionStart", "r1", source="startup"))
    assert (read_session(sdir, "r1")["reason"], read_index(sdir)["sessions"][0]["reason"]) == ("ready", "ready")
    run_hook(event("UserPromptSubmit", "r1", prompt="go"))
    run_hook(event("Stop", "r1", background_tasks=[]))
    assert (read_session(sdir, "r1")["reason"], read_index(sdir)["sessions"][0]["reason"]) == ("finished", "finished")


def test_hook_finishes_the_record_once_per_event(monkeypatch, tmp_path):
    from hook import main

    calls = []
    real = events.finish
    monkeypatch.setattr(events, "finish", lambda s: (calls.append(1), real(s)))
    env = dict(os.environ, CLAUDE_STATUS_DIR=str(tmp_path / "st"))
    main.run(json.dumps(event("UserPromptSubmit", "f1", prompt="go")).encode(), env, T0)
    assert len(calls) == 1
    s = json.loads((tmp_path / "st" / "f1.json").read_text())
    assert (s["task"]["name"], s["task"]["status"]) == ("go", "active")


# ---------------------------------------------------------------- the record and its one upgrade


V100 = {"version": "1.0.0", "updated_at": "2027-01-15T08:00:00Z", "session_id": "old",
        "task": {"name": "Log analysis", "id": "abc123", "progress": 45, "status": "active"},
        "context": {"current_tokens": 44000, "total_tokens": 200000, "percentage": 22},
        "agents": {"active": 2, "names": ["researcher", "coder"]},
        "load": {"profile": "balanced", "status": "OK", "load_avg": 3.2}}


def test_upgrade_from_v100_fills_every_field_once():
    rec = record.upgrade(json.loads(json.dumps(V100)), "old")
    assert rec["version"] == record.VERSION
    assert (rec["state"], rec["reason"]) == ("working", None)  # from task.status "active"
    assert rec["updated_ts"] == timefmt.parse_iso("2027-01-15T08:00:00Z")
    assert (rec["todos"], rec["agent_list"], rec["agents_done"], rec["titles"]) == ([], [], [], {})
    assert record.upgrade(dict(V100, task={"status": "waiting"}), "old")["state"] == "waiting"
    assert record.upgrade(dict(V100, task="junk"), "old")["state"] == "unknown"


def test_upgrade_of_a_110_file_without_reason_reads_the_old_meaning_once():
    base = {"version": "1.1.0", "session_id": "x", "state": "idle", "first_seen_at": "2027-01-15T08:00:00.250000Z"}
    assert record.upgrade(dict(base, detail="interrupted", state_since="2027-01-15T08:10:00Z"), "x")["reason"] == \
        "interrupted"
    assert record.upgrade(dict(base, state_since="2027-01-15T08:00:00Z"), "x")["reason"] == "ready"
    assert record.upgrade(dict(base, state_since="2027-01-15T08:10:00Z"), "x")["reason"] == "finished"
    assert record.upgrade(dict(base, state="working", state_since="2027-01-15T08:10:00Z"), "x")["reason"] is None
    kept = record.upgrade(dict(base, reason="finished", detail="interrupted"), "x")
    assert kept["reason"] == "finished"  # an explicit reason is never second-guessed


def test_upgrade_fills_the_project_from_cwd():
    assert record.upgrade(dict(V100, cwd="C:\\Users\\u\\proj"), "old")["project"] == "proj"
    assert record.upgrade(dict(V100, cwd="/a/b", project=""), "old")["project"] == "b"


@pytest.mark.parametrize("raw, stem, want", [
    ({"version": "2.0.0", "session_id": "n"}, "n", "newer"),
    ({"version": "10.1", "session_id": "n"}, "n", "newer"),
    ({"version": "0.9.0", "session_id": "n"}, "n", None),
    ({"version": 2, "session_id": "n"}, "n", None),
    ({"version": "x.y", "session_id": "n"}, "n", None),
    ({"version": "1.1.0", "session_id": "other"}, "n", None),
    (["not", "a", "dict"], "n", None),
])
def test_upgrade_results(raw, stem, want):
    out = record.upgrade(raw, stem)
    if want == "newer":
        assert isinstance(out, record.Newer) and (out.session_id, out.version) == ("n", raw["version"])
    else:
        assert out is want


def test_v100_file_in_the_hook_is_upgraded_in_place(sdir):
    sdir.mkdir(mode=0o700)
    (sdir / "old.json").write_text(json.dumps(V100))
    run_hook(event("PostToolUse", "old", tool_name="Read"))
    s = read_session(sdir, "old")
    assert (s["version"], s["state"], s["reason"], s["task"]["status"]) == ("1.1.0", "working", "tool", "active")
    assert s["context"]["current_tokens"] == 44000


def test_annotations_stay_beside_the_record_and_are_never_written(sdir, tmp_path):
    reg = tmp_path / "claude" / "sessions"
    reg.mkdir(parents=True)
    (reg / ("%d.json" % os.getpid())).write_text(json.dumps({"sessionId": "live"}))
    t = tmp_path / "t.jsonl"
    t.write_text("")
    run_hook(event("UserPromptSubmit", "live", prompt="go", transcript_path=str(t)))
    t.write_text(json.dumps({"type": "user", "message": {"content": "[Request interrupted by user]"}}) + "\n")
    s = read_session(sdir, "live")
    s.update(pid=os.getpid(), pid_file=str(reg / ("%d.json" % os.getpid())), updated_ts=s["updated_ts"] - 60)
    (sdir / "live.json").write_text(json.dumps(s))
    aggregate.aggregate(str(sdir))
    on_disk = read_session(sdir, "live")
    assert on_disk["reason"] == "interrupted"
    assert not [k for k in on_disk if k.startswith("_")]
    assert not [k for r in read_index(sdir)["sessions"] for k in r if k.startswith("_")]


def test_only_the_record_module_knows_the_old_shapes():
    """The v1.0.0 rules live in core/record.py alone: no other core or hook module names them."""
    from tests.conftest import ROOT

    for path in list((ROOT / "core").glob("*.py")) + list((ROOT / "hook").glob("*.py")):
        if path.name == "record.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "_LEGACY_STATES" not in text and '"1.0.0"' not in text, path.name


def test_a_waiting_call_keeps_what_it_asks_until_the_wait_ends(sdir):
    run_hook(event("UserPromptSubmit", "w1", prompt="go"))
    run_hook(event("PermissionRequest", "w1", tool_name="Bash",
                   tool_input={"command": "git push --force " + "x" * 500, "description": "Push"}))
    ask = {"tool": "Bash", "input": ("git push --force " + "x" * 500)[:200], "description": "Push"}
    assert read_session(sdir, "w1")["ask"] == ask
    assert read_index(sdir)["sessions"][0]["ask"] == ask
    run_hook(event("PostToolUse", "w1", tool_name="Bash",
                   tool_input={"command": "git push --force " + "x" * 500, "description": "Push"}))
    assert read_session(sdir, "w1")["ask"] is None and read_index(sdir)["sessions"][0]["ask"] is None


def test_ask_names_the_first_telling_input_field():
    s = run(ev("PreToolUse", tool_name="WebFetch", tool_input={"prompt": "p", "url": "https://x"}))
    assert s.get("ask") is None  # not a wait
    s = run(ev("PermissionRequest", tool_name="WebFetch", tool_input={"prompt": "p", "url": "https://x"}))
    assert s["ask"] == {"tool": "WebFetch", "input": "https://x", "description": None}
    s = run(ev("PreToolUse", tool_name="AskUserQuestion", tool_input={"questions": [{"question": "?"}]}))
    assert s["ask"] == {"tool": "AskUserQuestion", "input": None, "description": None}


def test_newer_version_session_shows_in_menu_command_dashboard_and_cli(sdir):
    """A file written by a newer hook is shown by `claude-status menu`, the dashboard and
    `python -m core.aggregate --text`, instead of "No Claude Code sessions yet"."""
    import subprocess
    import sys

    from dashboard.app import App
    from tests.conftest import ROOT

    sdir.mkdir(mode=0o700)
    (sdir / "next-gen.json").write_text(json.dumps({"version": "2.3.0", "session_id": "next-gen"}))
    menu = subprocess.run([sys.executable, "-m", "tray", "menu"], capture_output=True, text=True, cwd=str(ROOT),
                          env=dict(os.environ), timeout=60, check=False)
    assert menu.returncode == 0, menu.stderr
    assert "No Claude Code sessions yet" not in menu.stdout
    assert "next-gen — written by a newer version" in menu.stdout
    live = App(status_dir=str(sdir)).live()
    assert [(r["session_id"], r["reason"], r["written_by"]) for r in live["sessions"]] == [
        ("next-gen", "newer_version", "2.3.0")]
    text = subprocess.run([sys.executable, "-m", "core.aggregate", "--text", "--dir", str(sdir)], capture_output=True,
                          text=True, cwd=str(ROOT), timeout=60, check=False)
    assert "next-gen" in text.stdout and "unknown" in text.stdout


def test_events_and_transcript_facts_enter_through_one_function():
    s = run(ev("UserPromptSubmit", prompt="go"))
    assert state.decide(s, "PermissionRequest", T0 + 1, ev("PermissionRequest", tool_name="Bash")) is True
    assert (s["state"], s["reason"]) == ("waiting", "permission")
    assert state.decide(s, state.FACT_INTERRUPTED, T0 + 2) is True
    assert (s["state"], s["reason"]) == ("idle", "interrupted")
    assert state.decide(s, "NoSuchEvent", T0 + 3, {}) is False
    assert set(state.FACT_HANDLERS).isdisjoint(state.MAIN_HANDLERS)
