#!/usr/bin/env python3
"""Time the exact hook command that ``hook.install`` registers against the floor of any JSON-reading
Python hook (``python -I -S -c "import json"``, same interpreter), interleaved run by run.

Scenarios: 1, 20, 200 and 1,000 session files (small transcript) side by side with the floor in one
interleaved run, and a 10 KB vs a 50 MB transcript (20 sessions; one line is appended before every run so the
hook really reads the tail each time).

    python bench/hook_bench.py [--runs 60] [--sessions 1,20,200,1000] [--root DIR] [--json results.json]

``--root`` times the hook of another checkout (e.g. ``git archive <commit> | tar -x -C /tmp/old``) with this
script, for before/after numbers.

Prints a Markdown table (medians, p95, ratio to the floor) ready for docs/benchmarks.md.
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

from hook import install  # noqa: E402

ASSISTANT = {"type": "assistant", "isSidechain": False, "message": {
    "model": "claude-sonnet-4-5", "role": "assistant", "content": [{"type": "text", "text": "ok"}],
    "usage": {"input_tokens": 12, "cache_creation_input_tokens": 3000, "cache_read_input_tokens": 41000,
              "output_tokens": 80}}}
TOOL_RESULT = {"type": "user", "isSidechain": False, "message": {"role": "user", "content": [
    {"type": "tool_result", "tool_use_id": "toolu_x", "content": "x" * 1500}]}}


def make_transcript(path: str, size: int) -> None:
    a = (json.dumps(ASSISTANT) + "\n").encode()
    u = (json.dumps(TOOL_RESULT) + "\n").encode()
    with open(path, "wb") as f:
        written = 0
        while written < size:
            f.write(u + a)
            written += len(u) + len(a)


def populate(sdir: str, n: int, env: dict, cmd: list) -> None:
    """``n`` session files: the first few written by the real hook, the rest copies of one of them with their
    own id and times (fast, so 1,000 sessions take seconds, not minutes)."""
    real = min(n, 20)
    for i in range(real):
        ev = {"session_id": "bench-%03d" % i, "hook_event_name": "SessionStart", "source": "startup",
              "cwd": "/home/u/project-%d" % i}
        subprocess.run(cmd, input=json.dumps(ev).encode(), env=env, check=True)
    if n <= real:
        return
    with open(os.path.join(sdir, "bench-%03d.json" % (real - 1)), encoding="utf-8") as f:
        template = json.load(f)
    now = time.time()
    for i in range(real, n):
        rec = dict(template, session_id="bench-%03d" % i, cwd="/home/u/project-%d" % i, project="project-%d" % i)
        t = now - 0.001 * (n - i)
        rec.update(first_seen_ts=t, updated_ts=t, event_ts=t, state_ts=t)
        with open(os.path.join(sdir, "bench-%03d.json" % i), "w", encoding="utf-8") as f:
            json.dump(rec, f, separators=(",", ":"))


def pct(values: list, p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))]


def _env(tmp: str) -> dict:
    return {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "CLAUDE_STATUS_DIR": os.path.join(tmp, "status"),
            "CLAUDE_CONFIG_DIR": os.path.join(tmp, "claude")}


OPTIONS = {"event": "PostToolUse"}  # --event: PreToolUse forks the follower that watches the running call


def _event(sid: str, transcript: str) -> bytes:
    return json.dumps({"session_id": sid, "hook_event_name": OPTIONS["event"], "tool_name": "Bash",
                       "tool_use_id": "toolu_b", "tool_input": {"command": "ls"}, "tool_response": {"stdout": "a\nb"},
                       "cwd": "/home/u/project", "transcript_path": transcript, "permission_mode": "default"}).encode()


def interleaved(variants: list, runs: int, env: object) -> list:
    """Run each variant once per round, rotating the order; returns one list of ms timings per variant.
    ``env``: one environment for all, or a list (one per variant)."""
    line = (json.dumps(ASSISTANT) + "\n").encode()
    out: list = [[] for _ in variants]
    for i in range(runs + 3):
        order = list(range(len(variants)))
        k = i % len(order)
        for j in order[k:] + order[:k]:
            argv, data, transcript = variants[j]
            if transcript:  # Claude appends between events: force a real tail read every run
                with open(transcript, "ab") as f:
                    f.write(line)
            t = time.perf_counter()
            subprocess.run(argv, input=data, env=env[j] if isinstance(env, list) else env, check=True,
                           stdout=subprocess.DEVNULL)
            if i >= 3:  # warm-up rounds are not counted
                out[j].append((time.perf_counter() - t) * 1000)
    return out


def summary(name: str, t: list) -> dict:
    return {"name": name, "runs": len(t), "median_ms": statistics.median(t), "p95_ms": pct(t, 0.95)}


def sessions_scenario(counts: list, runs: int, python: str, root: str) -> list:
    """One dir per session count, all timed in the same interleaved rounds with the floor."""
    cmd = install.hook_argv(python, root) if root else install.hook_argv(python)
    with tempfile.TemporaryDirectory() as tmp:
        variants = []
        envs = []
        for n in counts:
            base = os.path.join(tmp, "n%d" % n)
            os.mkdir(base)
            env = _env(base)
            transcript = os.path.join(base, "t.jsonl")
            make_transcript(transcript, 10_000)
            populate(env["CLAUDE_STATUS_DIR"], n, env, cmd)
            variants.append((cmd, _event("bench-000", transcript), transcript))
            envs.append(env)
        variants.append(([python, "-I", "-S", "-c", "import json"], b"", None))
        envs.append(envs[0])
        timings = interleaved(variants, runs, envs)
        for n, env in zip(counts, envs):
            names = [x for x in os.listdir(env["CLAUDE_STATUS_DIR"]) if x.startswith("bench-")]
            assert len(names) == n, (n, len(names))
    out = [summary("hook, %d sessions" % n, t) for n, t in zip(counts, timings)]
    out.append(summary("floor", timings[-1]))
    return out


def transcript_scenario(runs: int, python: str, root: str | None = None) -> tuple:
    cmd = install.hook_argv(python, root) if root else install.hook_argv(python)
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(tmp)
        small, big = os.path.join(tmp, "small.jsonl"), os.path.join(tmp, "big.jsonl")
        make_transcript(small, 10_000)
        make_transcript(big, 50_000_000)
        populate(env["CLAUDE_STATUS_DIR"], 20, env, cmd)
        a, b, f = interleaved([(cmd, _event("bench-000", small), small), (cmd, _event("bench-001", big), big),
                               ([python, "-I", "-S", "-c", "import json"], b"", None)], runs, env)
    return summary("hook, 10 KB transcript", a), summary("hook, 50 MB transcript", b), summary("floor", f)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--python", default=sys.executable, help="interpreter to register and to time")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--sessions", default="1,20,200,1000", help="session-file counts, comma-separated")
    parser.add_argument("--root", help="checkout whose hook to time (default: this one)")
    parser.add_argument("--event", default="PostToolUse", choices=("PostToolUse", "PreToolUse"),
                        help="the event timed (default: %(default)s)")
    parser.add_argument("--no-transcripts", action="store_true", help="skip the 10 KB vs 50 MB transcript table")
    args = parser.parse_args()
    OPTIONS["event"] = args.event
    machine = platform.processor() or platform.machine()
    print("Machine: %s, %s, %d CPUs, Python %s (%s)" % (
        platform.platform(), machine, os.cpu_count() or 0, platform.python_version(), args.python))
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print("Date: %s, %d interleaved rounds per table row, event %s\n" % (stamp, args.runs, args.event))
    results = []
    counts = [int(x) for x in args.sessions.split(",")]
    rows = sessions_scenario(counts, args.runs, args.python, args.root)
    floor = rows[-1]
    results.append({"sessions": dict(zip([*counts, "floor"], rows))})
    print("| session files | hook median | hook p95 | floor median | floor p95 | median / floor | p95 / floor p95 |")
    print("|---|---|---|---|---|---|---|")
    for n, hook in zip(counts, rows):
        print("| %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.2fx | %.2fx |" % (
            n, hook["median_ms"], hook["p95_ms"], floor["median_ms"], floor["p95_ms"],
            hook["median_ms"] / floor["median_ms"], hook["p95_ms"] / floor["p95_ms"]))
    if args.no_transcripts:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
        return 0
    small, big, floor = transcript_scenario(args.runs, args.python, args.root)
    results.append({"transcripts": [small, big, floor]})
    print("\n| 20 session files | median | p95 | / floor |")
    print("|---|---|---|---|")
    for r in (small, big, floor):
        print("| %s | %.1f ms | %.1f ms | %.2fx |" % (
            r["name"], r["median_ms"], r["p95_ms"], r["median_ms"] / floor["median_ms"]))
    print("\n50 MB vs 10 KB transcript, same run: %.2fx" % (big["median_ms"] / small["median_ms"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
