"""The scenarios. Each runs inside the driver's private network namespace against the real Claude Code and
returns its measurements: Claude Code's own figures beside ours, with the latencies observed.

Ground truth is always what Claude Code itself said or was told: the usage the mock sent, the stream-json
``result`` (``modelUsage[model].contextWindow``), the status-line input, the screen. Never our computation.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.realclient.driver import Run

GOAL_CONTEXT_S = 1.0
GOAL_WAITING_S = 0.5
GOAL_WORKING_S = 1.0
GOAL_IDLE_S = 2.0
WINDOW_MODELS = ("claude-haiku-5-5", "haiku", "claude-mythos-5", "claude-mythos-5-2", "claude-sonnet-4-5",
                 "claude-opus-5-5")


def usage(ctx: int, cache_read: int = 0, out: int = 40) -> dict:
    """A usage block whose context (input + cache creation + cache read) is ``ctx``."""
    return {"input_tokens": ctx - cache_read, "cache_creation_input_tokens": 0, "cache_read_input_tokens": cache_read,
            "output_tokens": out}


def ctx_of(u: dict | None) -> int:
    u = u or {}
    return int(u.get("input_tokens") or 0) + int(u.get("cache_creation_input_tokens") or 0) + int(
        u.get("cache_read_input_tokens") or 0)


def bash(command: str, ctx: int, description: str = "scripted command", **extra: object) -> dict:
    return {"tool": "Bash", "input": {"command": command, "description": description, **extra}, "usage": usage(ctx)}


def text(t: str, ctx: int) -> dict:
    return {"text": t, "usage": usage(ctx, cache_read=ctx // 2)}


def ours(run: Run, sid: str) -> dict:
    """Our session file and index row, side by side (None where missing)."""
    s = run.session(sid) or {}
    r = run.row(sid) or {}
    c = s.get("context") or {}
    return {"file_tokens": c.get("current_tokens"), "file_pct": c.get("percentage"), "file_window": c.get("total_tokens"),
            "file_state": s.get("state"), "row_pct": r.get("context_pct"), "row_window": r.get("context_window"),
            "row_state": r.get("state"), "model": s.get("model"), "agents": (s.get("agents") or {}).get("active"),
            "row_agents": r.get("agents")}


def _pct(tokens: int, window: int) -> int:
    return min(100, round(tokens * 100 / window)) if window else 0


# ------------------------------------------------------------------------------------------------------
# Print mode
# ------------------------------------------------------------------------------------------------------
def print_session(run: Run) -> dict:
    """Two turns in one print-mode session (stdin kept open): a Bash call then text, then text; after each
    result our file and index must hold exactly the usage the mock sent and the window Claude Code used."""
    proj = run.project("proj")
    run.start({"pa": [bash("echo one", 54_000), text("Turn one done.", 120_000)],
               "pb": [text("Turn two done.", 150_000)]}, statusline=None)
    ps = run.printer(proj, ("--allowedTools", "Bash"))
    turns = []
    sid = None
    for name in ("pa", "pb"):
        res = ps.turn("do the scripted work @script:" + name)
        sid = ps.session_id
        assert sid
        model = next(iter(res.get("modelUsage") or {"?": {}}))
        truth = {"tokens": ctx_of(run.main_requests(name)[-1]["usage"]),
                 "window": (res.get("modelUsage") or {}).get(model, {}).get("contextWindow"), "model": model}
        lat = run.until(lambda t=truth, sid=sid: ours(run, sid)["file_tokens"] == t["tokens"]
                        and ours(run, sid)["row_pct"] == _pct(t["tokens"], t["window"] or 0), 5)
        turns.append({"script": name, "truth": truth, "ours": ours(run, sid), "latency_s": lat,
                      "result_subtype": res.get("subtype")})
    rc = ps.close()
    assert sid
    gone = run.until(lambda: run.session(sid) is None and run.row(sid) is None, 10)
    return {"sid": sid, "turns": turns, "rc": rc, "removed_after_end_s": gone,
            "session_end": [h.get("reason") for h in run.hooks("SessionEnd")]}


def print_models(run: Run) -> dict:
    """The window per model: Claude Code's ``modelUsage[model].contextWindow`` beside ours, one print session per
    model (the ``haiku`` alias included). The turn's context is 100k so no ``> 200k`` heuristic can help."""
    proj = run.project("proj")
    run.start({"pm": [text("Model check.", 100_000)]}, statusline=None)
    out = []
    for model in WINDOW_MODELS:
        ps = run.printer(proj, ("--model", model))
        res = ps.turn("report @script:pm")
        sid = ps.session_id
        assert sid
        resolved = next(iter(res.get("modelUsage") or {"?": {}}))
        truth_window = (res.get("modelUsage") or {}).get(resolved, {}).get("contextWindow")
        lat = run.until(lambda sid=sid: ours(run, sid)["file_tokens"] == 100_000, 5)
        o = ours(run, sid)  # type: ignore[arg-type]
        out.append({"asked": model, "model": resolved, "sent_model": run.main_requests("pm")[-1]["model"],
                    "truth_window": truth_window, "our_window": o["file_window"], "row_window": o["row_window"],
                    "truth_pct": _pct(100_000, truth_window or 0), "our_pct": o["row_pct"], "latency_s": lat})
        ps.close()
    return {"models": out}


def print_parallel(run: Run) -> dict:
    """Three print sessions at once in three projects, each with its own figures; all three visible together."""
    projs = [run.project("par%d" % i) for i in range(3)]
    scripts = {"par%d" % i: [bash("sleep 2", 30_000 + i * 1000), text("Parallel %d done." % i, 60_000 + i * 10_000)]
               for i in range(3)}
    run.start(scripts, statusline=None)
    sessions = [run.printer(p, ("--allowedTools", "Bash")) for p in projs]
    for i, ps in enumerate(sessions):
        ps.send("parallel work @script:par%d" % i)
    together, lat_together = run.wait(lambda: _three_working(run), 60, "three sessions working at once")
    for ps in sessions:
        run.wait(lambda ps=ps: ps.results(), 60, "parallel result")
    after = {}
    for i, ps in enumerate(sessions):
        sid = ps.session_id
        want = 60_000 + i * 10_000
        lat = run.until(lambda sid=sid, want=want: ours(run, sid)["file_tokens"] == want, 5)
        after[sid] = {"truth_tokens": want, "sent": ctx_of(run.main_requests("par%d" % i)[-1]["usage"]),
                      **ours(run, sid), "latency_s": lat}
    for ps in sessions:
        ps.close()
    gone = run.until(lambda: not any(run.session(s) or run.row(s) for s in after), 10)
    return {"together": together, "seconds_to_all_three": round(lat_together, 3), "after": after,
            "all_removed_s": gone}


def _three_working(run: Run) -> dict | None:
    import json

    try:
        with open(os.path.join(run.sdir, "index.json"), "rb") as f:
            idx = json.loads(f.read())
    except (OSError, ValueError):
        return None
    rows = [r for r in idx.get("sessions") or [] if r.get("state") == "working"]
    if len(rows) == 3:
        return {"rows": len(idx.get("sessions") or []), "working": 3,
                "summary_active": (idx.get("summary") or {}).get("active_sessions")}
    return None


def print_subagents(run: Run) -> dict:
    """A foreground Agent whose subagent runs its own Bash, then a background Agent; our agent count while each
    subagent runs and after, against Claude Code's own SubagentStart/SubagentStop and ``subagent_stats``."""
    proj = run.project("proj")
    run.start({
        "fg": [{"tool": "Agent", "input": {"description": "foreground helper", "prompt": "work @script:fgsub",
                                           "subagent_type": "general-purpose", "run_in_background": False},
                "usage": usage(40_000)},
               text("Foreground agent finished.", 70_000)],
        "fgsub": [bash("sleep 2", 5_000), text("sub result", 6_000)],
        "bg": [{"tool": "Agent", "input": {"description": "background helper", "prompt": "work @script:bgsub",
                                           "subagent_type": "general-purpose", "run_in_background": True},
                "usage": usage(80_000)},
               text("Background agent launched.", 90_000)],
        "bgsub": [bash("sleep 3", 5_000), text("background result", 6_000)],
    }, statusline=None)
    ps = run.printer(proj, ("--allowedTools", "Bash", "Agent"))
    ps.send("use a helper @script:fg")
    sid = None
    _fg_seen, fg_lat = run.wait(lambda: ps.session_id and (ours(run, ps.session_id)["agents"] or 0) >= 1, 60,
                               "foreground subagent counted")
    sid = ps.session_id
    assert sid
    run.wait(ps.results, 60, "fg result")
    fg_after = run.until(lambda: ours(run, sid)["agents"] == 0, 5)  # type: ignore[arg-type]
    res_fg = ps.results()[-1]
    ps.send("background helper @script:bg")
    bg_seen = run.until(lambda: (ours(run, sid)["agents"] or 0) >= 1, 30)  # type: ignore[arg-type]
    run.wait(lambda: len(ps.results()) >= 2, 60, "bg result")
    bg_during = ours(run, sid)  # type: ignore[arg-type]
    starts = run.hooks("SubagentStart")
    stops = [h for h in run.hooks("SubagentStop") if h.get("agent_type")]
    run.wait(lambda: len([h for h in run.hooks("SubagentStop") if h.get("agent_type")]) >= 2, 60, "bg subagent stop")
    bg_after = run.until(lambda: ours(run, sid)["agents"] == 0, 10)  # type: ignore[arg-type]
    ps.close()
    return {"sid": sid, "fg_counted_s": round(fg_lat, 3), "fg_zero_after_s": fg_after,
            "fg_stats": res_fg.get("subagent_stats"), "bg_counted_s": bg_seen, "bg_zero_after_s": bg_after,
            "bg_during": bg_during, "starts": len(starts), "stops_typed": len(stops),
            "subagent_stops": [{"agent_type": h.get("agent_type"), "has_transcript": bool(h.get("agent_transcript_path"))}
                               for h in run.hooks("SubagentStop")]}


def print_errors(run: Run) -> dict:
    """A Bash call that exits 1 (PostToolUseFailure), then an API error (StopFailure): our state says error."""
    proj = run.project("proj")
    run.start({"fail": [bash("exit 1", 20_000), text("It failed.", 25_000)],
               "apierr": [{"error": 500, "type": "api_error", "times": 50}]}, statusline=None)
    ps = run.printer(proj, ("--allowedTools", "Bash"))
    res1 = ps.turn("run the failing command @script:fail")
    sid = ps.session_id
    assert sid
    t = time.time()
    res2 = ps.turn("now an API error @script:apierr", timeout=120)
    took = time.time() - t
    err_lat = run.until(lambda: ours(run, sid)["file_state"] == "error" and ours(run, sid)["row_state"] == "error", 5)  # type: ignore[arg-type]
    o = ours(run, sid)  # type: ignore[arg-type]
    ps.close()
    return {"sid": sid, "post_tool_failure": [h.get("error") for h in run.hooks("PostToolUseFailure")],
            "stop_failure": [h.get("error") for h in run.hooks("StopFailure")], "res1": res1.get("subtype"),
            "res2": {k: res2.get(k) for k in ("subtype", "is_error", "api_error_status", "result")},
            "error_turn_s": round(took, 2), "error_latency_s": err_lat, "ours": o,
            "api_error_requests": len([e for e in run.mock.log if e.get("error")])}


def print_sigkill(run: Run) -> dict:
    """SIGKILL a print session in the middle of a long tool call: no SessionEnd fires; the aggregator must drop
    the session (its process is gone) instead of leaving a ghost."""
    proj = run.project("proj")
    run.start({"long": [bash("python3 -c 'import time; time.sleep(60)'", 20_000), text("never", 21_000)]}, statusline=None)
    ps = run.printer(proj, ("--allowedTools", "Bash"))
    ps.send("run a long command @script:long")
    run.wait(lambda: ps.session_id and ours(run, ps.session_id)["file_state"] == "working"
             and run.hooks("PreToolUse"), 60, "long tool running")
    sid = ps.session_id
    assert sid
    time.sleep(0.3)
    ps.proc.send_signal(signal.SIGKILL)
    ps.proc.wait(10)
    killed = time.time()
    # The orphaned ``sleep 60`` dies with the driver's private PID namespace.
    before = ours(run, sid)
    agg = subprocess.run([sys.executable, "-m", "core.aggregate"], cwd=_root(), env=run.env(), capture_output=True,
                         text=True, timeout=60, check=False)
    gone = run.until(lambda: run.row(sid) is None or (run.row(sid) or {}).get("status") == "stale", 5)
    return {"sid": sid, "before": before, "aggregate_rc": agg.returncode, "aggregate_out": agg.stdout[-500:],
            "session_end_fired": bool(run.hooks("SessionEnd")), "gone_after_aggregate_s": gone,
            "row_after": run.row(sid), "file_after": bool(run.session(sid)), "seconds_after_kill": round(time.time() - killed, 2)}


def _root() -> str:
    from tests.realclient import claude

    return claude.ROOT
