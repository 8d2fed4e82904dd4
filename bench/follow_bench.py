#!/usr/bin/env python3
"""Issue 10, following transcripts: what it costs the hook and how soon the reply written after ``Stop``
reaches the session file and ``index.json`` (no tray running).

Two hook roots side by side, interleaved run by run (default: this checkout and ``--before DIR``, e.g. an
export of the commit before the change: ``git archive <sha> | tar -x -C DIR``):

- ``Stop`` wall time of the hook process, the reply NOT yet written (the case the follower handles: the
  parent returns at once, a detached child waits for the transcript);
- ``PostToolUse`` wall time (no follower: the per-event cost);
- catch-up: from appending the reply's record after ``Stop`` to the file and the index both holding it.

    python bench/follow_bench.py --before /tmp/before [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hook import install  # noqa: E402


def _assistant(tokens: int) -> bytes:
    return (json.dumps({"type": "assistant", "message": {"id": "m%d" % tokens, "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": "ok"}], "usage": {"input_tokens": tokens}}}) + "\n").encode()


def _user(text: str) -> bytes:
    return (json.dumps({"type": "user", "message": {"role": "user", "content": text}}) + "\n").encode()


def _ev(name: str, sid: str, transcript: str, **extra: object) -> bytes:
    ev = {"session_id": sid, "hook_event_name": name, "cwd": "/home/u/p", "transcript_path": transcript}
    ev.update(extra)
    return json.dumps(ev).encode()


def _tokens(sdir: str, sid: str) -> tuple:
    try:
        with open(os.path.join(sdir, sid + ".json"), "rb") as f:
            rec = json.load(f)
        with open(os.path.join(sdir, "index.json"), "rb") as f:
            idx = json.load(f)
    except (OSError, ValueError):
        return None, None
    row = next((r for r in idx.get("sessions", []) if r.get("session_id") == sid), {})
    return rec.get("context", {}).get("current_tokens"), row.get("context_tokens")


def one_round(cmd: list, tmp: str, i: int) -> tuple:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "CLAUDE_STATUS_DIR": os.path.join(tmp, "status"),
           "CLAUDE_CONFIG_DIR": os.path.join(tmp, "claude")}
    sdir = env["CLAUDE_STATUS_DIR"]
    sid = "bench-%d" % i
    t = os.path.join(tmp, sid + ".jsonl")
    with open(t, "wb") as f:
        f.write(_user("one") + _assistant(1000))
    subprocess.run(cmd, input=_ev("UserPromptSubmit", sid, t, prompt="two"), env=env, check=True)
    with open(t, "ab") as f:
        f.write(_user("two"))
    start = time.perf_counter()
    subprocess.run(cmd, input=_ev("Stop", sid, t), env=env, check=True, stdout=subprocess.DEVNULL)
    stop_ms = (time.perf_counter() - start) * 1000
    time.sleep(0.15)  # Claude Code writes the reply 0.10-0.20 s after Stop
    want = 2000 + i
    with open(t, "ab") as f:
        f.write(_assistant(want))
    written = time.perf_counter()
    caught = None
    while time.perf_counter() - written < 3.0:
        if _tokens(sdir, sid) == (want, want):
            caught = (time.perf_counter() - written) * 1000
            break
        time.sleep(0.005)
    start = time.perf_counter()
    subprocess.run(cmd, input=_ev("PostToolUse", sid, t, tool_name="Bash", tool_input={"command": "ls"}),
                   env=env, check=True, stdout=subprocess.DEVNULL)
    post_ms = (time.perf_counter() - start) * 1000
    time.sleep(FOLLOW_SETTLE)  # let a follower (there is none after PostToolUse) finish before the next round
    return stop_ms, post_ms, caught


FOLLOW_SETTLE = 0.1


def med(values: list) -> str:
    values = [v for v in values if v is not None]
    return "%.1f" % statistics.median(values) if values else "—"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="root of the hook before the change")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    roots = {"before": os.path.abspath(args.before), "after": ROOT}
    cmds = {k: install.hook_argv(args.python, r) for k, r in roots.items()}
    res: dict = {k: ([], [], []) for k in roots}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            for k in (list(roots) if i % 2 == 0 else list(roots)[::-1]):
                d = os.path.join(tmp, "%s-%d" % (k, i))
                os.makedirs(d)
                for acc, v in zip(res[k], one_round(cmds[k], d, i)):
                    acc.append(v)
    print("| hook | Stop, reply not yet written (ms) | PostToolUse (ms) | reply after Stop in file + index (ms) "
          "| caught up |")
    print("|---|---|---|---|---|")
    for k in roots:
        stop, post, caught = res[k]
        n = sum(1 for c in caught if c is not None)
        print("| %s | %s | %s | %s | %d of %d within 3 s |" % (k, med(stop), med(post), med(caught), n, len(caught)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
