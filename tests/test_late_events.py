"""Issue 8 item 4: an event applied out of order changes no state but fills in missing identity fields
(``transcript_path``, ``cwd``, ``project``). Real hook processes, as ``hook.install`` registers them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

from hook import events
from tests.conftest import TRANSCRIPTS, hook_cmd, read_index, read_session, run_hook

TRANSCRIPT = TRANSCRIPTS / "agentlogs_v2.0.13_task_subagent_inline_sidechain.jsonl"  # 16,029 tokens
T0 = 1_800_000_000.0


def _spawn_all(payloads, feed_order=None):
    """Start every hook process before feeding any, so they really overlap. The hook reads its clock
    when it starts and its stdin after: feeding in ``feed_order`` applies events out of clock order,
    the async start-up jitter of a loaded machine."""
    procs = [subprocess.Popen(hook_cmd(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in payloads]
    pairs = list(zip(procs, payloads))
    if feed_order is not None:
        pairs = [pairs[i] for i in feed_order]

    def feed(pair):
        proc, payload = pair
        out, err = proc.communicate(json.dumps(payload).encode(), timeout=120)
        return proc.returncode, out, err

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(feed, pairs))


def test_late_main_event_fills_identity_but_not_state():
    s = events.apply(None, {"session_id": "s", "hook_event_name": "SubagentStart", "agent_id": "a1",
                            "agent_type": "Explore"}, T0 + 5)
    late = {"session_id": "s", "hook_event_name": "PostToolUse", "tool_name": "Bash", "cwd": "/home/u/proj",
            "transcript_path": "/t/s.jsonl", "permission_mode": "plan"}
    s = events.apply(s, late, T0)
    assert (s["transcript_path"], s["cwd"], s["project"]) == ("/t/s.jsonl", "/home/u/proj", "proj")
    assert (s["state"], s.get("last_tool"), s.get("permission_mode")) == ("idle", None, None)
    assert s["event_ts"] == T0 + 5


def test_late_event_never_overwrites_identity_it_already_has():
    s = events.apply(None, {"session_id": "s", "hook_event_name": "PostToolUse", "cwd": "/new",
                            "transcript_path": "/t/new.jsonl"}, T0 + 5)
    s = events.apply(s, {"session_id": "s", "hook_event_name": "PostToolUse", "cwd": "/old",
                         "transcript_path": "/t/old.jsonl"}, T0)
    assert (s["cwd"], s["transcript_path"], s["project"]) == ("/new", "/t/new.jsonl", "new")


def test_subagent_start_fills_identity_of_a_session_first_seen_from_it():
    s = events.apply(None, {"session_id": "s", "hook_event_name": "SubagentStart", "agent_id": "a1",
                            "cwd": "/home/u/proj", "transcript_path": "/t/s.jsonl"}, T0)
    assert (s["transcript_path"], s["project"]) == ("/t/s.jsonl", "proj")


def test_late_post_tool_use_in_a_real_hook_fills_transcript_and_context(sdir, tmp_path):
    """Deterministic form of the race: a SubagentStart that started later was applied first."""
    transcript = tmp_path / "main.jsonl"
    shutil.copy(TRANSCRIPT, transcript)
    assert run_hook({"session_id": "m", "hook_event_name": "SubagentStart", "agent_id": "a1",
                     "agent_type": "Explore"}).returncode == 0
    path = sdir / "m.json"
    s = json.loads(path.read_text())
    s["event_ts"] = s["updated_ts"] = s["event_ts"] + 3600  # its clock is ahead of the next event's
    path.write_text(json.dumps(s))
    run_hook({"session_id": "m", "hook_event_name": "PostToolUse", "tool_name": "Read", "cwd": "/home/u/proj",
              "transcript_path": str(transcript)})
    s = read_session(sdir, "m")
    assert (s["transcript_path"], s["project"]) == (str(transcript), "proj")
    assert s["context"]["current_tokens"] == 16029
    assert s.get("last_tool") is None  # state untouched: the event is late


def test_burst_of_16_sessions_and_8_subagent_starts_keeps_context(sdir, tmp_path):
    """The issue's reproducer: 16 sessions x 4 PostToolUse plus 8 SubagentStart for one session, at once."""
    for attempt in range(3):
        if sdir.exists():
            shutil.rmtree(sdir)
        transcripts = {}
        for i in range(16):
            t = tmp_path / ("t%d-%d.jsonl" % (attempt, i))
            shutil.copy(TRANSCRIPT, t)
            transcripts["s%d" % i] = str(t)
        main = [{"session_id": "s0", "hook_event_name": "PostToolUse", "tool_name": "Bash", "cwd": "/p/s0",
                 "transcript_path": transcripts["s0"]} for _ in range(4)]
        others = [{"session_id": sid, "hook_event_name": "PostToolUse", "tool_name": "Bash", "cwd": "/p/" + sid,
                   "transcript_path": t} for sid, t in transcripts.items() if sid != "s0" for _ in range(4)]
        starts = [{"session_id": "s0", "hook_event_name": "SubagentStart", "agent_id": "ag%d" % k,
                   "agent_type": "Explore", "cwd": "/p/s0", "transcript_path": transcripts["s0"]}
                  for k in range(8)]
        payloads = main + others + starts
        results = _spawn_all(payloads, feed_order=list(reversed(range(len(payloads)))))
        assert all(r[0] == 0 and r[1] == b"" for r in results)
        s = read_session(sdir, "s0")
        assert s["transcript_path"] == transcripts["s0"], "attempt %d" % attempt
        assert s["context"]["current_tokens"] == 16029, "attempt %d" % attempt
        row = {r["session_id"]: r for r in read_index(sdir)["sessions"]}["s0"]
        assert row["context_pct"] == 8, "attempt %d" % attempt
        assert not [n for n in os.listdir(sdir) if n.endswith(".tmp")]
