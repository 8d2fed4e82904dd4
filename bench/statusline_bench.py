#!/usr/bin/env python3
"""Time the status-line tap exactly as ``install-statusline`` registers it (run by ``/bin/sh -c`` with a real
status-line JSON on stdin, as Claude Code 2.1.332 runs it) against the floor ``python -I -S -c "import json"``
(same interpreter, also through ``/bin/sh -c``), interleaved round by round.

Rows: the tap alone (its own line; records into the session file and re-aggregates 20 session files), and
the tap wrapping a trivial user command (``cat >/dev/null; echo line``) against that command alone, so the
tap's overhead is ``(tap + command) - command``.

    python bench/statusline_bench.py [--runs 60] [--sessions 20] [--json results.json]
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

from hook import install, statusline  # noqa: E402

RENDER = os.path.join(ROOT, "tests", "fixtures", "hook-events", "StatusLine__expardus-fleet_v2.1.226_later-render.json")
USER_CMD = "cat >/dev/null; echo line"


def pct(values: list, p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))]


def timed(command: str, data: bytes, env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(["/bin/sh", "-c", command], input=data, env=env, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args()
    python = install.canonical_python(os.path.realpath(sys.executable))
    with open(RENDER, "rb") as f:
        data = f.read()
    sid = json.loads(data)["session_id"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
               "CLAUDE_CONFIG_DIR": os.path.join(tmp, "claude"), "CLAUDE_STATUS_DIR": os.path.join(tmp, "status")}
        hook = install.hook_argv(python)
        for i in range(args.sessions - 1):
            ev = {"session_id": "bench-%03d" % i, "hook_event_name": "SessionStart", "cwd": "/p/%d" % i}
            subprocess.run(hook, input=json.dumps(ev).encode(), env=env, check=True)
        subprocess.run(hook, input=json.dumps({"session_id": sid, "hook_event_name": "SessionStart",
                                               "cwd": "/p/x"}).encode(), env=env, check=True)
        rows = {
            "floor": '%s -I -S -c "import json"' % python,
            "tap alone (own line)": statusline.tap_command(None, python),
            "user command alone": USER_CMD,
            "tap wrapping it": statusline.tap_command({"type": "command", "command": USER_CMD}, python),
        }
        times: dict = {k: [] for k in rows}
        for r in range(args.runs + 3):
            for name, cmd in rows.items():
                ms = timed(cmd, data, env)
                if r >= 3:
                    times[name].append(ms)
        with open(os.path.join(env["CLAUDE_STATUS_DIR"], sid + ".json"), "rb") as f:
            recorded = "statusline" in json.loads(f.read())
    med = {k: statistics.median(v) for k, v in times.items()}
    floor = med["floor"]
    overhead = [a - b for a, b in zip(times["tap wrapping it"], times["user command alone"])]
    print("Machine: %s, %s, %d CPUs, Python %s (%s); load %s; %d rounds, %d session files; recorded: %s" % (
        platform.system(), platform.machine(), os.cpu_count() or 0, platform.python_version(), python,
        "%.2f" % os.getloadavg()[0] if hasattr(os, "getloadavg") else "?", args.runs, args.sessions, recorded))
    print()
    print("| command (through /bin/sh -c) | median | p95 | / floor |")
    print("|---|---|---|---|")
    for name, v in times.items():
        print("| %s | %.1f ms | %.1f ms | %.2fx |" % (name, med[name], pct(v, 0.95), med[name] / floor))
    print("| tap overhead on the user command (paired) | %.1f ms | %.1f ms | %.2fx |" % (
        statistics.median(overhead), pct(overhead, 0.95), statistics.median(overhead) / floor))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"times_ms": times, "medians": med, "overhead_ms": overhead}, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
