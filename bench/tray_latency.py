"""Benchmark (not a test): hook event -> what the panel sees, with file-system events (tray.watch) and
with polling only (settings watch_files=false), side by side; and the tray's idle CPU with N sessions.

The real AppIndicator tray runs under Xvfb + a private D-Bus session + the fake StatusNotifierWatcher
(tests/sni_fake.py). Each sample: the real hook command (as hook.install registers it) writes a
PermissionRequest or a PostToolUse for one of the sessions; the clock starts when the hook process has
exited (its file is written) and stops when the SNI label read over D-Bus shows the change (read every
5 ms). Events are spaced by a random 0.3-1.3 s so they fall anywhere in the poll cycle.

    .venv/bin/python bench/tray_latency.py --sessions 20 --events 40 --idle 30
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.desktop import Desktop, wait_for  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def sid(i: int) -> str:
    return f"be{i:06d}-0000-4000-8000-{i:012d}"


def payload(i: int, name: str, **extra: object) -> dict:
    e = {"session_id": sid(i), "transcript_path": f"/nonexistent/{i}.jsonl", "cwd": f"/tmp/bench-{i}",
         "permission_mode": "default", "hook_event_name": name}
    e.update(extra)
    return e


def run_mode(watch: bool, sessions: int, events: int, idle: float, seed: int) -> dict:
    from hook import install

    tmp = tempfile.mkdtemp(prefix="tray-latency-")
    home = os.path.join(tmp, "home")
    env = dict(os.environ, HOME=home, CLAUDE_CONFIG_DIR=os.path.join(home, ".claude"),
               CLAUDE_STATUS_DIR=os.path.join(home, ".claude", "status"),
               XDG_CONFIG_HOME=os.path.join(home, ".config"),
               CLAUDE_STATUS_TRAY_CONFIG=os.path.join(home, ".config", "claude-status-tray"),
               CLAUDE_STATUS_LOAD_PROFILE="performance")
    os.makedirs(env["CLAUDE_STATUS_TRAY_CONFIG"])
    with open(os.path.join(env["CLAUDE_STATUS_TRAY_CONFIG"], "settings.json"), "w") as fh:
        json.dump({"watch_files": watch, "notifications": False}, fh)
    hook = install.hook_argv()

    def fire(e: dict) -> None:
        subprocess.run(hook, input=json.dumps(e).encode(), env=env, check=True, timeout=30)

    for i in range(sessions):
        fire(payload(i, "UserPromptSubmit", prompt=f"bench task {i}"))
    d = Desktop(tmp).start()
    try:
        child = d.env(env)
        tray = d.popen([sys.executable, "-m", "cli", "tray"], cwd=ROOT, env=child,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        items = wait_for(lambda: d.records("items.jsonl"), 60)
        assert items, "the tray did not register"
        item = items[0]
        assert wait_for(lambda: d.prop(item, "XAyatanaLabel").startswith(f"☁️ {sessions}s"), 60)
        rng = random.Random(seed)
        samples = []
        waiting = set()
        for k in range(events):
            i = rng.randrange(sessions)
            if i in waiting:
                e, want = payload(i, "PostToolUse", tool_name="Bash", tool_input={"command": "ls"}), False
            else:
                e, want = payload(i, "PermissionRequest", tool_name="Bash", tool_input={"command": "ls"}), True
            time.sleep(0.3 + rng.random())
            # the label ends in ⏳ while any session waits: test the one we change when it is alone
            for j in list(waiting):
                if j != i:
                    fire(payload(j, "PostToolUse", tool_name="Bash", tool_input={"command": "ls"}))
                    waiting.discard(j)
            if waiting - {i}:
                continue
            wait_for(lambda i=i: d.prop(item, "XAyatanaLabel").endswith("⏳") == (i in waiting), 10)
            fire(e)
            t0 = time.perf_counter()
            ok = wait_for(lambda want=want: d.prop(item, "XAyatanaLabel").endswith("⏳") == want, 20,
                          interval=0.005)
            t1 = time.perf_counter()
            if ok:
                samples.append((t1 - t0) * 1000)
            (waiting.add if want else waiting.discard)(i)
            del k
        # idle: no events at all
        time.sleep(3)
        c0, w0 = cpu_seconds(tray.pid), time.monotonic()
        time.sleep(idle)
        cpu = (cpu_seconds(tray.pid) - c0) / (time.monotonic() - w0) * 100
        tray.terminate()
        tray.wait(20)
    finally:
        d.stop()
        subprocess.run(["rm", "-rf", tmp], check=False)
    samples.sort()
    return {
        "n": len(samples),
        "p50": statistics.median(samples),
        "p95": samples[max(0, int(len(samples) * 0.95) - 1)],
        "max": samples[-1],
        "idle_cpu": cpu,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--events", type=int, default=40)
    ap.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measurement per mode")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    res = {mode: run_mode(mode == "watch", args.sessions, args.events, args.idle, args.seed)
           for mode in ("watch", "poll")}
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average at start {load:.2f}; "
          f"{args.sessions} sessions, {args.events} events a mode, idle {args.idle:.0f} s; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print()
    print("| mode | samples | event -> tray p50 | p95 | max | idle CPU (% of a core) |")
    print("|---|---|---|---|---|---|")
    for mode, r in res.items():
        label = "file-system events (watchfiles)" if mode == "watch" else "polling only (1 s)"
        print(f"| {label} | {r['n']} | {r['p50']:.0f} ms | {r['p95']:.0f} ms | {r['max']:.0f} ms | "
              f"{r['idle_cpu']:.2f} % |")
    print(f"\np95 ratio poll / watch: {res['poll']['p95'] / res['watch']['p95']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
