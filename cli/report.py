"""`claude-status report [--day YYYY-MM-DD] [--json] [--dir DIR]`: one day in numbers from the daily
ledger (core.ledger.day_report): sessions, the minutes they waited on you, longest waits, prompts, cost and
the rate limits reached. Reads only; stdlib only."""

from __future__ import annotations

import argparse

HELP = "one day in numbers: waiting on you, prompts, cost, rate limits (--json for scripts)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--day", metavar="YYYY-MM-DD", help="the day to report (default: today, local time)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--dir", help="status dir (default: $CLAUDE_STATUS_DIR, else ~/.claude/status)")


def table(rep: dict, now: float | None = None) -> str:
    from core import present

    t = rep["totals"]
    lines = ["%s: %d session%s · %s · %d prompt%s · %s" % (
        rep["day"], t["sessions"], "" if t["sessions"] == 1 else "s", present.attention_line(rep),
        t["prompts"], "" if t["prompts"] == 1 else "s", present.cost_line(rep))]
    if rep.get("limits") or rep.get("limits_note"):
        lines.append(present.limits_line(rep.get("limits"), rep.get("limits_note"), now))
    peaks = rep.get("peaks") or {}
    reached = ["%s %d%%" % (short, round(peaks[w])) for w, short in (("five_hour", "5 h"), ("seven_day", "week"))
               if w in peaks and present.limit_level(peaks[w]) != "ok"]
    if reached:
        lines.append("Limits reached: " + ", ".join(reached))
    if rep["sessions"]:
        lines.append("")
        head = ("session", "name", "waited", "longest", "waits", "prompts", "cost")
        def mins(r: dict, key: str) -> str:
            return present.minutes(r[key]) if r["waits"] else "0 min"

        rows = [head] + [(r["session_id"][:12], (r.get("name") or "")[:24], mins(r, "waiting_seconds"),
                          mins(r, "longest_wait_seconds"), str(r["waits"]), str(r["prompts"]),
                          "$%.2f" % r["cost_usd"]) for r in rep["sessions"]]
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        for row in rows:
            lines.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
                         .rstrip())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import json
    import os

    from core import ledger
    from tray import dirs as dirs_mod

    from .errors import CliError

    sdir = dirs_mod.resolve(status_dir=os.path.abspath(args.dir) if getattr(args, "dir", None) else None).status
    try:
        day = ledger.parse_day(args.day) if args.day else None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    rep = ledger.day_report(sdir, day)
    if args.json:
        print(json.dumps(rep, ensure_ascii=False, indent=2))
    else:
        print(table(rep))
    return 0
