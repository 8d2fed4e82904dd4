#!/usr/bin/env python3
"""The hook's cost before and after a change, in one interleaved run: the registered hook command of
another checkout (``--before DIR``, e.g. a worktree of main) against this one's, and the floor
(``python -I -S -c "import json"``), run by run in rotating order on 1, 20 and 200 session files.

    git worktree add --detach /tmp/before main
    python bench/hook_compare.py --before /tmp/before [--runs 40]

Prints a Markdown table (medians, p95, ratios) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.hook_bench import ASSISTANT, _env, _event, make_transcript, pct, populate  # noqa: E402
from hook import install  # noqa: E402


def argv_for(root: str, python: str) -> list:
    """The command ``hook.install`` registers, pointed at checkout ``root``."""
    argv = install.hook_argv(python)
    return [a.replace('"%s"' % ROOT, '"%s"' % root) for a in argv]


def scenario(sessions: int, runs: int, python: str, before: str) -> dict:
    import json
    import statistics

    line = (json.dumps(ASSISTANT) + "\n").encode()
    variants = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, root in (("before", before), ("after", ROOT)):
            home = os.path.join(tmp, name)
            os.mkdir(home)
            env = _env(home)
            cmd = argv_for(root, python)
            transcript = os.path.join(home, "t.jsonl")
            make_transcript(transcript, 10_000)
            populate(env["CLAUDE_STATUS_DIR"], sessions, env, cmd)
            variants.append((name, cmd, _event("bench-000", transcript), transcript, env))
        variants.append(("floor", [python, "-I", "-S", "-c", "import json"], b"", None, _env(tmp)))
        times: dict = {v[0]: [] for v in variants}
        cpu: dict = {v[0]: [] for v in variants}
        for i in range(runs + 3):
            k = i % len(variants)
            for name, cmd, data, transcript, env in variants[k:] + variants[:k]:
                if transcript:
                    with open(transcript, "ab") as f:
                        f.write(line)
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.perf_counter()
                subprocess.run(cmd, input=data, env=env, check=True, stdout=subprocess.DEVNULL)
                wall = (time.perf_counter() - t) * 1000
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                if i >= 3:
                    times[name].append(wall)
                    cpu[name].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
        for name, _, _, _, env in variants[:2]:
            log = os.path.join(env["CLAUDE_STATUS_DIR"], "hook.log")
            if os.path.exists(log):
                with open(log, encoding="utf-8", errors="replace") as f:
                    raise SystemExit("%s hook logged errors: %s" % (name, f.read(300)))
    return {k: (statistics.median(v), pct(v, 0.95), statistics.median(cpu[k])) for k, v in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="checkout whose hook is the baseline")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    print("Machine: %s, %d CPUs, Python %s (%s); load average %s" % (
        platform.platform(), os.cpu_count() or 0, platform.python_version(), args.python,
        " ".join("%.2f" % x for x in os.getloadavg())))
    print("Date: %s, %d interleaved rounds per row\n" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), args.runs))
    print("Wall clock (median / p95) and the child's CPU time (user+sys, median; steadier on a loaded machine).\n")
    print("| session files | before wall | after wall | floor wall | after / before (wall) | before CPU | after CPU |"
          " floor CPU | after / before (CPU) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in (1, 20, 200):
        r = scenario(n, args.runs, args.python, os.path.abspath(args.before))
        b, a, f = r["before"], r["after"], r["floor"]
        fmt = "| %d | %.1f / %.1f ms | %.1f / %.1f ms | %.1f / %.1f ms | %.2fx | %.1f ms | %.1f ms | %.1f ms | %.2fx |"
        print(fmt % (
            n, b[0], b[1], a[0], a[1], f[0], f[1], a[0] / b[0], b[2], a[2], f[2], a[2] / b[2]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
