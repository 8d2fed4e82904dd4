"""The pure event logic: states, tasks, agents, late events (time is a parameter)."""

from __future__ import annotations

from core import state
from hook import events

T0 = 1_800_000_000.0


def ev(name, **fields):
    out = {"session_id": "s", "hook_event_name": name, "cwd": "/home/u/my-proj"}
    out.update(fields)
    return out


def run(*evs, start=T0):
    s = None
    for i, e in enumerate(evs):
        s = events.apply(s, e, start + i)
    return s


def test_state_machine_through_a_turn():
    s = run(ev("SessionStart", source="startup"))
    assert s["state"] == "idle"
    s = events.apply(s, ev("UserPromptSubmit", prompt="Fix the login bug\nmore text"), T0 + 1)
    assert (s["state"], s["task"]["name"]) == ("working", "Fix the login bug")
    s = events.apply(s, ev("PermissionRequest", tool_name="Bash"), T0 + 2)
    assert (s["state"], s["waiting_for"]) == ("waiting", "permission for Bash")
    assert s["state_ts"] == T0 + 2
    s = events.apply(s, ev("Notification", notification_type="permission_prompt"), T0 + 8)
    assert (s["waiting_for"], s["state_ts"]) == ("permission for Bash", T0 + 2)  # kept, same wait
    s = events.apply(s, ev("PostToolUse", tool_name="Bash"), T0 + 9)
    assert (s["state"], s["waiting_for"]) == ("working", None)
    s = events.apply(s, ev("Stop", background_tasks=[]), T0 + 10)
    assert s["state"] == "idle"
    assert s["task"]["status"] == "idle"


def test_ask_user_question_and_plan_approval_wait():
    assert run(ev("PreToolUse", tool_name="AskUserQuestion"))["waiting_for"] == "your answer"
    assert run(ev("PreToolUse", tool_name="ExitPlanMode"))["waiting_for"] == "plan approval"


def test_idle_prompt_clears_a_stuck_working_state():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("Notification", notification_type="idle_prompt"))
    assert s["state"] == "idle"


def test_todo_list_drives_task_and_progress():
    todos = [{"content": "Write tests", "status": "completed", "activeForm": "Writing tests"},
             {"content": "Fix parser", "status": "in_progress", "activeForm": "Fixing parser"},
             {"content": "Ship", "status": "pending", "activeForm": "Shipping"}]
    s = run(ev("UserPromptSubmit", prompt="do it"), ev("PostToolUse", tool_name="TodoWrite", tool_input={"todos": todos}))
    assert s["task"]["name"] == "Fix parser"
    assert s["task"]["progress"] == 33


def test_task_tools_drive_task_and_progress():
    s = run(ev("PostToolUse", tool_name="TaskCreate", tool_input={"subject": "A"}, tool_response={"task": {"id": "1", "subject": "A"}}),
            ev("PostToolUse", tool_name="TaskCreate", tool_input={"subject": "B"}, tool_response={"task": {"id": "2", "subject": "B"}}),
            ev("PostToolUse", tool_name="TaskUpdate", tool_input={"taskId": "1", "status": "completed"}),
            ev("PostToolUse", tool_name="TaskUpdate", tool_input={"id": "2", "status": "in_progress"}))
    assert (s["task"]["name"], s["task"]["id"], s["task"]["progress"]) == ("B", "2", 50)
    s = events.apply(s, ev("PostToolUse", tool_name="TaskUpdate", tool_input={"task_id": "2", "status": "deleted"}), T0 + 9)
    assert (s["task"]["name"], s["task"]["progress"]) == ("my-proj", 100)


def test_title_order_and_fallbacks():
    s = run(ev("SessionStart", source="startup"))
    assert s["task"]["name"] == "my-proj"
    s = events.apply(s, ev("UserPromptSubmit", prompt="  \n  Refactor the cache layer please"), T0 + 1)
    assert s["task"]["name"] == "Refactor the cache layer please"
    s = events.apply(s, ev("UserPromptSubmit", prompt="x", session_title="Cache work"), T0 + 2)
    assert s["task"]["name"] == "Cache work"
    s["titles"]["ai"] = "AI title"
    s["titles"]["custom"] = "My name"
    events.finish(s)
    assert s["task"]["name"] == "My name"


def test_subagent_pairing_and_reconcile():
    s = run(ev("SubagentStart", agent_id="a1", agent_type="Explore"),
            ev("SubagentStart", agent_id="a2", agent_type="Plan"),
            ev("SubagentStop", agent_id="a1", agent_type="Explore"))
    assert s["agents"] == {"active": 1, "names": ["Plan"]}
    # Internal subagents stop without a start and with an empty type: nothing changes.
    s = events.apply(s, ev("SubagentStop", agent_id="internal", agent_type=""), T0 + 5)
    assert s["agents"]["active"] == 1
    # a2 was killed (no SubagentStop, claude-code#92716); a3 started without SubagentStart. Stop heals both.
    s = events.apply(s, ev("Stop", background_tasks=[
        {"id": "a3", "type": "subagent", "status": "running", "agent_type": "coder"},
        {"id": "sh1", "type": "shell", "status": "running", "command": "npm run dev"}]), T0 + 6)
    assert s["agents"] == {"active": 1, "names": ["coder"]}
    assert s["state"] == "working"
    s = events.apply(s, ev("Stop", background_tasks=[
        {"id": "sh1", "type": "shell", "status": "running", "command": "npm run dev"}]), T0 + 7)
    assert s["state"] == "idle"  # a dev server in the background does not keep the session "working"


def test_late_events_do_not_overwrite_newer_state():
    s = run(ev("PermissionRequest", tool_name="Bash"))
    s = events.apply(s, ev("PostToolUse", tool_name="Read"), T0 - 5)
    assert (s["state"], s.get("last_tool")) == ("waiting", None)
    assert s["updated_ts"] == T0
    # A late SubagentStart for an agent that already stopped is not resurrected.
    s = events.apply(s, ev("SubagentStop", agent_id="z"), T0 + 1)
    s = events.apply(s, ev("SubagentStart", agent_id="z", agent_type="x"), T0 + 0.5)
    assert s["agents"]["active"] == 0


def test_subagent_stop_event_does_not_flip_parent_to_idle():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("Stop", agent_id="a9", agent_type="x"))
    assert s["state"] == "working"


def test_compaction_round_trip():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("PreCompact", trigger="auto"))
    assert (s["state"], s["detail"]) == ("compacting", "auto")
    s = events.apply(s, ev("SessionStart", source="compact"), T0 + 5)
    assert s["state"] == "working"
    s = run(ev("PreCompact", trigger="manual"), ev("PostCompact", trigger="manual"))
    assert s["state"] == "idle"


def test_resume_carries_context_tokens():
    s = run(ev("SessionStart", source="resume", context_tokens=50_000))
    assert (s["context"]["current_tokens"], s["context"]["percentage"]) == (50_000, 25)


BASH_RM = {"command": "rm -rf build", "description": "clean"}
BASH_LS = {"command": "ls", "description": "list"}


def test_permission_wait_survives_its_own_pre_tool_use_applied_late():
    """Async hooks race: PreToolUse and PermissionRequest of one call start within a millisecond."""
    s = run(ev("UserPromptSubmit", prompt="go"), ev("PermissionRequest", tool_name="Bash", tool_input=BASH_RM))
    s = events.apply(s, ev("PreToolUse", tool_name="Bash", tool_input=BASH_RM, tool_use_id="t1"), T0 + 1.0005)
    assert (s["state"], s["waiting_for"]) == ("waiting", "permission for Bash")


def test_parallel_calls_finishing_do_not_end_a_wait_but_the_waiting_call_does():
    s = run(ev("PermissionRequest", tool_name="Bash", tool_input=BASH_RM))
    s = events.apply(s, ev("PreToolUse", tool_name="Read", tool_input={"file_path": "/a"}), T0 + 0.3)
    s = events.apply(s, ev("PostToolUse", tool_name="Read", tool_input={"file_path": "/a"}), T0 + 0.5)
    s = events.apply(s, ev("PostToolUse", tool_name="Bash", tool_input=BASH_LS), T0 + 0.6)
    assert s["state"] == "waiting"
    s = events.apply(s, ev("PostToolUse", tool_name="Bash", tool_input=BASH_RM), T0 + 30)
    assert (s["state"], s["waiting_for"]) == ("working", None)


def test_a_new_call_after_the_batch_ends_a_denied_wait():
    s = run(ev("PermissionRequest", tool_name="Bash", tool_input=BASH_RM))
    s = events.apply(s, ev("PreToolUse", tool_name="Bash", tool_input=BASH_LS), T0 + 20)  # denied; Claude moved on
    assert s["state"] == "working"


def test_subagent_permission_request_waits_and_its_own_call_resumes():
    s = run(ev("UserPromptSubmit", prompt="go"), ev("SubagentStart", agent_id="a1", agent_type="Explore"))
    s = events.apply(s, ev("PermissionRequest", tool_name="Bash", tool_input=BASH_RM, agent_id="a1", agent_type="Explore"), T0 + 5)
    assert (s["state"], s["waiting_for"]) == ("waiting", "permission for Bash (Explore)")
    s = events.apply(s, ev("PostToolUse", tool_name="Grep", tool_input={}, agent_id="other"), T0 + 6)
    assert s["state"] == "waiting"  # another agent's work does not answer the prompt
    s = events.apply(s, ev("PostToolUse", tool_name="Bash", tool_input=BASH_RM, agent_id="a1"), T0 + 40)
    assert s["state"] == "working"


def test_idle_prompt_does_not_hide_a_wait():
    s = run(ev("PermissionRequest", tool_name="Bash", tool_input=BASH_RM), ev("Notification", notification_type="idle_prompt"))
    assert s["state"] == "waiting"


def test_an_old_todo_list_does_not_name_a_new_request():
    todos = [{"content": "Old step", "status": "in_progress"}, {"content": "Done", "status": "completed"}]
    s = run(ev("UserPromptSubmit", prompt="first"), ev("PostToolUse", tool_name="TodoWrite", tool_input={"todos": todos}))
    assert (s["task"]["name"], s["task"]["progress"]) == ("Old step", 50)
    s = events.apply(s, ev("UserPromptSubmit", prompt="Something else entirely"), T0 + 9)
    assert (s["task"]["name"], s["task"]["progress"]) == ("Something else entirely", 0)
    s = events.apply(s, ev("PostToolUse", tool_name="TodoWrite", tool_input={"todos": todos}), T0 + 10)
    assert s["task"]["name"] == "Old step"


def test_long_subjects_and_titles_are_capped():
    huge = "x" * 100_000
    s = run(ev("PostToolUse", tool_name="TodoWrite", tool_input={"todos": [{"content": huge, "status": "in_progress"}]}),
            ev("SessionStart", source="resume", session_title=huge))
    assert len(s["todos"][0]["subject"]) == events.SUBJECT_WIDTH
    assert len(s["titles"]["session"]) == events.SUBJECT_WIDTH


def test_session_first_seen_from_a_subagent_gets_its_project():
    s = run(ev("PreToolUse", tool_name="Read", agent_id="a1", cwd="/home/u/shop"))
    assert (s["project"], s["task"]["name"]) == ("shop", "shop")


def test_permission_request_whose_clock_reads_earlier_than_its_pre_tool_use_still_waits():
    s = run(ev("UserPromptSubmit", prompt="go"))
    s = events.apply(s, ev("PreToolUse", tool_name="Bash", tool_input=BASH_RM), T0 + 1.0005)
    s = events.apply(s, ev("PermissionRequest", tool_name="Bash", tool_input=BASH_RM), T0 + 1.0001)
    assert (s["state"], s["waiting_for"]) == ("waiting", "permission for Bash")
    # ...but an unrelated late event is still dropped.
    s = events.apply(s, ev("PostToolUse", tool_name="Read", tool_input={}), T0 + 0.5)
    assert s["state"] == "waiting"


def test_stop_without_background_list_is_idle_even_with_a_leaked_agent():
    s = run(ev("SubagentStart", agent_id="leak", agent_type="Explore"), ev("Stop"))
    assert (s["state"], s["agents"]["active"]) == ("idle", 1)


def test_call_fingerprint_work_is_bounded_and_still_tells_calls_apart():
    big = {"file_path": "/x", "content": "y" * 5_000_000}
    key = state.fingerprint("Write", big)
    assert len(key[1]) <= state.FINGERPRINT_CHARS + 4
    assert key == state.fingerprint("Write", dict(big))
    assert key != state.fingerprint("Write", {"file_path": "/z", "content": "y"})
    assert state.fingerprint("Bash", BASH_RM) != state.fingerprint("Bash", BASH_LS)
