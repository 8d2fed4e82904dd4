"""Benchmark (not a test): the real tray's CPU and memory with 20 live sessions.

Runs the tray (its own StatusNotifierItem, or pystray's AppIndicator with --backend appindicator) under
Xvfb + a private D-Bus session + the fake StatusNotifierWatcher
from tests/sni_fake.py, with N sessions created through the real hook. Two phases of equal length:
  idle   - sessions present, no hook events (what the tray costs all day)
  active - one hook event every --event-every seconds, round-robin over the sessions
Samples /proc/<pid>/stat (utime+stime) and /proc/<pid>/status (VmRSS) every 5 s and prints a
Markdown table for docs/benchmarks.md.

    .venv/bin/python bench/tray_footprint.py --minutes 10 --sessions 20
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from tests.desktop import Desktop, wait_for  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def fire(env: dict, sid: str, name: str, **extra) -> None:
    from hook import main as hook_main

    event = {
        "session_id": sid,
        "transcript_path": f"/nonexistent/{sid}.jsonl",
        "cwd": f"/tmp/bench/{sid[:8]}",
        "permission_mode": "default",
        "hook_event_name": name,
    }
    event.update(extra)
    hook_main.run(json.dumps(event).encode(), env, time.time())


def phase(pid: int, seconds: float, env: dict, sids: list, event_every: float | None) -> dict:
    samples = []
    start_cpu, start = cpu_seconds(pid), time.monotonic()
    last_cpu, last_t = start_cpu, start
    next_event, n = start, 0
    while time.monotonic() - start < seconds:
        now = time.monotonic()
        if event_every and now >= next_event:
            sid = sids[n % len(sids)]
            fire(
                env,
                sid,
                ["PreToolUse", "PostToolUse", "PermissionRequest", "Stop"][(n // len(sids)) % 4],
                tool_name="Bash",
                tool_input={"command": "make"},
            )
            n += 1
            next_event += event_every
        if now - last_t >= 5:
            c = cpu_seconds(pid)
            samples.append({"cpu_pct": 100 * (c - last_cpu) / (now - last_t), "rss": rss_mb(pid)})
            last_cpu, last_t = c, now
        time.sleep(0.05)
    total = cpu_seconds(pid) - start_cpu
    elapsed = time.monotonic() - start
    return {
        "seconds": elapsed,
        "events": n,
        "cpu_pct_total": 100 * total / elapsed,
        "cpu_pct_median": statistics.median(s["cpu_pct"] for s in samples),
        "rss_median": statistics.median(s["rss"] for s in samples),
        "rss_max": max(s["rss"] for s in samples),
    }


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--event-every", type=float, default=2.0)
    p.add_argument("--backend", choices=["sni", "appindicator"], default="sni",
                   help="sni: the tray's own StatusNotifierItem (tray/sni.py, the default where a watcher runs); "
                        "appindicator: pystray's libayatana backend (CLAUDE_STATUS_SNI=0)")
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="tray-bench-")
    env = {
        "HOME": tmp,
        "CLAUDE_CONFIG_DIR": f"{tmp}/.claude",
        "CLAUDE_STATUS_DIR": f"{tmp}/.claude/status",
        "XDG_CONFIG_HOME": f"{tmp}/.config",
        "CLAUDE_STATUS_TRAY_CONFIG": f"{tmp}/.config/cst",
        # the idle phase must not age the sessions into "stale"
        "CLAUDE_STATUS_STALE_SECONDS": "86400",
        "CLAUDE_STATUS_REMOVE_SECONDS": "86400",
    }
    sids = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(args.sessions)]
    for i, sid in enumerate(sids):
        fire(env, sid, "UserPromptSubmit", prompt=f"bench task {i}")
    desktop = Desktop(tmp).start()
    child_env = desktop.env()
    child_env.update(env)
    if args.backend == "appindicator":
        child_env["CLAUDE_STATUS_SNI"] = "0"
    tray = subprocess.Popen(
        [sys.executable, "-m", "tray", "tray"],
        cwd=ROOT,
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: desktop.records("items.jsonl"), 30), "tray did not register"
        time.sleep(3)
        half = args.minutes * 60 / 2
        idle = phase(tray.pid, half, env, sids, None)
        active = phase(tray.pid, half, env, sids, args.event_every)
    finally:
        tray.terminate()
        tray.wait(10)
        desktop.stop()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; sessions: {args.sessions}; "
        f"duration: {args.minutes} min (two halves); backend: {args.backend}"
    )
    print(
        "| phase | seconds | hook events | CPU % of one core (total) | CPU % (median of 5 s samples) "
        "| RSS median MB | RSS max MB |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in (("idle", idle), ("active", active)):
        print(
            f"| {name} | {r['seconds']:.0f} | {r['events']} | {r['cpu_pct_total']:.2f} | {r['cpu_pct_median']:.2f} "
            f"| {r['rss_median']:.1f} | {r['rss_max']:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
