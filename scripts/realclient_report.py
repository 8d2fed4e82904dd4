#!/usr/bin/env python3
"""Print the real-client suite's measurements (for docs/truth.md) from captured scenario results.

    CLAUDE_STATUS_REALCLIENT_CAPTURE=/tmp/cap .venv/bin/python -m pytest -q tests/realclient
    python scripts/realclient_report.py /tmp/cap

Every figure printed is read from a result.json the suite wrote: Claude Code's own figure (what the mock sent,
the status-line input, the stream-json result, the compact_boundary record) beside ours, with latencies.
"""

from __future__ import annotations

import json
import os
import sys


def load(cap: str, name: str) -> dict:
    path = os.path.join(cap, name + ".json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f).get("measured") or {}


def main(argv: list) -> int:
    cap = argv[1] if len(argv) > 1 else os.environ.get("CLAUDE_STATUS_REALCLIENT_CAPTURE", "")
    if not cap or not os.path.isdir(cap):
        print(__doc__)
        return 2
    secs = {}
    for name in sorted(os.listdir(cap)):
        with open(os.path.join(cap, name), encoding="utf-8") as f:
            secs[name[:-5]] = json.load(f).get("secs")
    print("scenario seconds:", json.dumps(secs), "total %.1f" % sum(v or 0 for v in secs.values()))

    t = load(cap, "int_turns")
    turns = t.get("turns", [])
    right = sum(1 for x in turns if x["latency_s"] is not None and x["latency_s"] <= 1.0)
    print("\n[finding 1] interactive turns: %s of %d right within 1 s" % (right, len(turns)))
    for x in turns:
        print("  turn %d: sent %d, Claude Code %s%% (status line %.2f s after Stop), ours %s%% (%s tokens), "
              "right after %s s, transcript record %+.2f s after Stop" % (
                  x["turn"], x["sent_tokens"], x["cc_pct"], x["cc_statusline_after_stop_s"],
                  x["ours_after"]["row_pct"], x["ours_after"]["file_tokens"], x["latency_s"],
                  x["transcript_after_stop_s"] or 0))
    p = load(cap, "int_permission")
    e = load(cap, "int_escape")
    if p:
        during = p["ours_during_dialog"]
        print("\n[finding 1b] first-turn prompt: Claude Code holds %d (window %s); ours %s tokens / %s%%; right: %s s"
              % (p["cc_tokens"], p["cc_window"], during["file_tokens"], during["row_pct"], p["ctx_right_s"]))
    if e:
        print("  second session: Claude Code holds %d; ours %s; right: %s s" % (
            e["first_turn"]["cc_tokens"], e["first_turn"]["ours"]["file_tokens"], e["first_turn"]["ctx_right_s"]))
    c = load(cap, "int_compact")
    for rd in c.get("rounds", []):
        print("[finding 2] /compact from %d: boundary postTokens %s (%+.2f s after PostCompact), status line after: "
              "%s, ours %s, right: %s s" % (rd["pre_tokens"], rd["cc_tokens"], rd["boundary_after_postcompact_s"],
                                            rd.get("cc_statusline_tokens"), rd["ours_after"]["file_tokens"],
                                            rd["latency_s"]))
    b = load(cap, "int_bg_prompt")
    if b:
        print("\n[finding 3] background subagent prompt: waiting %s s after PermissionRequest; main Stop %.2f s "
              "after the dialog opened; 1 s after Stop ours %s; held 2 s more: %s" % (
                  b["waiting_before_stop_s"], b["stop_vs_dialog_s"], b["state_1s_after_stop"], b["waiting_held_3s"]))
    if p:
        print("\n[finding 4] dialog: PermissionRequest %+.2f s vs screen; waiting after %s s; approve: working after "
              "%s s (state while running: %s); tool ran %.2f s" % (
                  p["permission_request_vs_screen_s"] or 0, p["waiting_latency_s"], p["working_after_approve_s"],
                  p["state_while_running"], p["tool_ran_s"]))
    if e:
        print("  Esc at prompt: idle after %s s (after the deadline: %s; hooks fired: %s)" % (
            e["esc_prompt"]["idle_s"], e["esc_prompt"]["after_5s"], e["esc_prompt"]["hooks_after_esc"]))
        print("[finding 5] Esc during tool: idle after %s s (after the deadline: %s; hooks fired: %s)" % (
            e["esc_tool"]["idle_s"], e["esc_tool"]["after_5s"], e["esc_tool"]["hooks_after_esc"]))
    m = load(cap, "print_models")
    print("\n[finding 6] windows (print mode, 100k context):")
    for row in m.get("models", []):
        print("  %-18s -> %-18s Claude Code %s (%s%%), ours %s (%s%%)" % (
            row["asked"], row["model"], row["truth_window"], row["truth_pct"], row["row_window"], row["our_pct"]))
    tap = load(cap, "int_tap")
    for x in tap.get("turns", []):
        print("  with the tap (haiku): turn %d Claude Code %s%% of %s, ours %s%% of %s, windows before render %s, "
              "context right %s s after Stop" % (x["turn"], x["cc_pct"], x["cc_window"], x["ours"]["row_pct"],
                                                 x["ours"]["row_window"], x["windows_before_render"],
                                                 x["context_latency_from_stop_s"]))
    if tap:
        print("  tap replay: %s of %s renders byte-identical" % (tap["replay"]["identical"], tap["replay"]["inputs"]))
    for name in ("print_session", "print_parallel", "print_subagents", "print_errors", "print_sigkill", "int_clear",
                 "int_title", "int_tap_alone"):
        r = load(cap, name)
        if r:
            print("\n[%s] %s" % (name, json.dumps(r, default=str)[:1200]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
