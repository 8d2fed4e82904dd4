#!/usr/bin/env python3
# ruff: noqa: E501  (mutations quote exact source lines)
"""Mutation check for the state, record and aggregation rules (issue 9): make one single change at a time,
run the rule tests, and report which test fails. A mutation no test catches is a missing test.

    python scripts/mutation_check.py [--only N]

Each mutation is (file, exact text, replacement, what it breaks). The file is restored after each run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = ["tests/test_state.py", "tests/test_events.py", "tests/test_aggregate.py", "tests/test_late_events.py",
         "tests/test_hook_fixtures.py", "tests/test_tray_view.py", "tests/test_tray_notify.py", "tests/test_state_live_rules.py"]

MUTATIONS = [
    ("core/state.py", "    transition(s, WORKING, PROMPT, now)\n", "    pass\n",
     "drop a transition: UserPromptSubmit no longer makes the session working"),
    ("core/state.py", "    if running:\n        transition(s, WORKING, BACKGROUND",
     "    if False:\n        transition(s, WORKING, BACKGROUND", "Stop ignores running background work"),
    ("core/state.py", 'WAITING: "waiting", ', "", "state -> task.status map loses 'waiting'"),
    ("core/state.py", "        task[\"status\"] = task_status(state)\n", "        pass\n",
     "transition no longer keeps task.status (the Esc path in aggregation relied on its own copy)"),
    ("core/record.py", "_LEGACY_STATES.get(legacy, state.UNKNOWN) if", "state.UNKNOWN if",
     "upgrade skips the v1.0.0 task.status -> state"),
    ("core/record.py", '(("updated_ts", "updated_at"), ("first_seen_ts", "first_seen_at"))', '(("first_seen_ts", "first_seen_at"),)',
     "upgrade skips the v1.0.0 updated_at -> updated_ts"),
    ("core/record.py", '    if raw.get("detail") == "interrupted":\n        return state.INTERRUPTED\n', "",
     "upgrade of a pre-reason file forgets 'interrupted'"),
    ("core/record.py", "    return Newer(stem, version[:40]) if major > int(MAJOR) else True", "    return major <= int(MAJOR)",
     "a newer-version file is dropped again"),
    ("core/aggregate.py", "STALE_SECONDS = 300.0", "STALE_SECONDS = 600.0", "stale threshold 5 -> 10 minutes"),
    ("core/aggregate.py", "state.state_of(rec) != state.WAITING", "True",
     "a waiting session goes stale like any other"),
    ("core/aggregate.py", "    if sid == drop or expired(", "    if expired(", "SessionEnd's drop is ignored"),
    ("core/aggregate.py", "    return options.remove_stale and is_stale(", "    return False and is_stale(",
     "'clean up stale sessions' removes nothing stale"),
    ("core/aggregate.py", "    best = max(ours, key=record.updated_ts, default=None)",
     "    best = min(ours, key=record.updated_ts, default=None)", "links point at the oldest session"),
    ("core/state.py", "    FACT_INTERRUPTED: _fact_interrupted,\n", "",
     "the transcript's Esc marker no longer reaches the state machine"),
    ("core/state.py", "    return not (name == \"PermissionRequest\" and", "    return False and not (name == \"PermissionRequest\" and",
     "late events are applied as if in order"),
    ("hook/events.py", "    _fill_identity(s, event)\n", "", "late events fill in no identity (issue 8 item 4)"),
    ("core/state.py", "    transition(s, IDLE, READY, now)\n", "    transition(s, IDLE, FINISHED, now)\n",
     "SessionStart says finished instead of ready"),
    ("core/state.py", '    elif kind == "idle_prompt" and s.get("state") != IDLE:',
     '    elif kind == "idle_prompt":', "idle_prompt overwrites why an idle session is idle"),
    ("core/state.py", "PARALLEL_BATCH_SECONDS = 2.0", "PARALLEL_BATCH_SECONDS = 0.0",
     "a parallel call's PreToolUse ends a permission wait"),
    ("core/state.py", "    if s.get(\"state\") != state:\n        s[\"state_since\"]", "    if True:\n        s[\"state_since\"]",
     "state_since restamped on every event"),
    ("hook/events.py", '        "status": state.task_status(s.get("state")),', '        "status": "idle",',
     "the hook's record no longer maps state -> task.status"),
    ("tray/view.py", '    return row.get("state") == "idle" and row.get("reason") == "ready"',
     '    return False', "the tray no longer tells ready from finished"),
    ("core/aggregate.py", "        updated = _with_facts(entry, found.facts[entry.session_id], now) if entry.session_id in found.facts else None",
     "        updated = None", "aggregation drops the transcript facts it read"),
    ("core/state.py", "    if _subagent_still_asks(s):\n        return\n    bg = running_background(event)",
     "    bg = running_background(event)", "issue 10: the main Stop ends a running subagent's wait"),
    ("core/state.py", '    "PermissionDenied": _on_denied,\n', "", "issue 10: PermissionDenied no longer ends a wait"),
    ("core/state.py", '    if s.get("state") == WAITING and not (pending is not None and pending.get("agent")):',
     '    if not (pending is not None and pending.get("agent")):', "issue 10: MessageDisplay wakes an idle session"),
    ("core/state.py", '    if value is not None and pending.get("id") and value != pending["id"]:\n        return False\n', "",
     "issue 10: a parallel call's tool result ends the wait"),
    ("core/aggregate.py", "    ranked = sorted(entries, key=lambda e: (not _must_show(e), -record.updated_ts(e)))",
     "    ranked = sorted(entries, key=lambda e: -record.updated_ts(e))", "index cap leaves out a waiting session"),
]


def run_one(i: int, path: str, old: str, new: str) -> tuple[bool, str]:
    full = os.path.join(ROOT, path)
    with open(full, encoding="utf-8") as f:
        text = f.read()
    if text.count(old) != 1:
        return False, "MUTATION NOT APPLICABLE (text found %d times)" % text.count(old)
    try:
        with open(full, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))
        out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
                             cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    finally:
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    failed = [line.split(" ", 1)[1].split(" - ")[0] for line in out.stdout.splitlines() if line.startswith("FAILED ")]
    return out.returncode != 0, ", ".join(failed) or out.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", type=int, default=None)
    args = parser.parse_args()
    survived = 0
    for i, (path, old, new, what) in enumerate(MUTATIONS, 1):
        if args.only is not None and i != args.only:
            continue
        caught, detail = run_one(i, path, old, new)
        survived += not caught
        print("%2d %-8s %s: %s\n   -> %s" % (i, "caught" if caught else "SURVIVED", path, what, detail), flush=True)
    print("%d mutations, %d survived" % (len(MUTATIONS) if args.only is None else 1, survived))
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main())
