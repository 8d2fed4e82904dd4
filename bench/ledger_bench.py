#!/usr/bin/env python3
"""The hook's cost with the issue-12 ledger: the real hook command of this checkout against another checkout
(``--before``, e.g. ``git archive <commit> | tar -x -C /tmp/before``), interleaved run by run, on events that
write ledger lines (a prompt, a wait opening, the wait closing, Stop), 20 session files; plus the in-process
cost of one ledger compaction of a full day's file (the rare step on the hook path).

    python bench/ledger_bench.py --before /tmp/before [--runs 30]

Prints a Markdown table ready for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

import hook_bench  # noqa: E402

from hook import install  # noqa: E402

CYCLE = [
    {"hook_event_name": "UserPromptSubmit", "prompt": "go"},
    {"hook_event_name": "PermissionRequest", "tool_name": "Bash", "tool_input": {"command": "make"}},
    {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "make"},
     "tool_response": {"stdout": "ok"}},
    {"hook_event_name": "Stop"},
]


def events(transcript: str) -> list:
    return [json.dumps({"session_id": "bench-000", "cwd": "/home/u/project", "transcript_path": transcript,
                        "permission_mode": "default", **e}).encode() for e in CYCLE]


def run(before: str, runs: int, python: str) -> list:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        variants, envs = [], []
        for name, root in (("before", before), ("after", ROOT)):
            base = os.path.join(tmp, name)
            os.mkdir(base)
            env = hook_bench._env(base)
            transcript = os.path.join(base, "t.jsonl")
            hook_bench.make_transcript(transcript, 10_000)
            cmd = install.hook_argv(python, root)
            hook_bench.populate(env["CLAUDE_STATUS_DIR"], 20, env, cmd)
            for data in events(transcript):
                variants.append((cmd, data, transcript))
                envs.append(env)
        timings = hook_bench.interleaved(variants, runs, envs)
        n = len(CYCLE)
        for name, part in (("before", timings[:n]), ("after", timings[n:])):
            flat = [x for t in part for x in t]
            rows.append((name, statistics.median(flat), hook_bench.pct(flat, 0.95)))
        ledger_files = [f for f in os.listdir(os.path.join(tmp, "after", "status")) if f.startswith(".ledger-")]
        assert ledger_files, "the after checkout wrote no ledger"
    return rows


def compaction_ms() -> tuple:
    from core import ledger

    with tempfile.TemporaryDirectory() as tmp:
        now = time.time()
        path = ledger.path_for(tmp, ledger.day_of(now))
        lines = []
        for k in range(9000):
            lines.append({"k": "c", "s": "%08d-aaaa" % (k % 30), "t": now + k, "usd": k * 0.01, "add": k, "del": k,
                          "api": k * 10})
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join("\n" + json.dumps(e) for e in lines))
        size = os.path.getsize(path)
        t = time.perf_counter()
        ledger.compact(path)
        took = (time.perf_counter() - t) * 1000
        return took, size, os.path.getsize(path)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", required=True, help="checkout without the ledger")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--python", default=sys.executable)
    a = p.parse_args()
    rows = run(os.path.abspath(a.before), a.runs, a.python)
    print("Machine: %s, %s CPUs, Python %s; load average %s; %d interleaved rounds x %d events" % (
        platform.platform(), os.cpu_count(), platform.python_version(), os.getloadavg(), a.runs, len(CYCLE)))
    print()
    print("| checkout | hook median | hook p95 |")
    print("|---|---|---|")
    for name, med, p95 in rows:
        print("| %s | %.1f ms | %.1f ms |" % (name, med, p95))
    print("| after / before | %.2fx | %.2fx |" % (rows[1][1] / rows[0][1], rows[1][2] / rows[0][2]))
    took, size, after = compaction_ms()
    print()
    print("Compaction of a %d KB day file (in process): %.1f ms -> %d KB" % (size // 1024, took, after // 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
