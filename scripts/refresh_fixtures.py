#!/usr/bin/env python3
"""Refresh ``tests/fixtures/hook-events/`` from the real-client suite's captured payloads.

For a new Claude Code version: set ``VERSION`` in ``tests/realclient/claude.py`` (and docs/claude-code-compat.md),
then run

    python scripts/refresh_fixtures.py            # runs the suite with captures on, then writes fixtures
    python scripts/refresh_fixtures.py --from DIR # use the result.json files already captured in DIR

Each hook payload the suite's recording hook received becomes one fixture,
``<Event>__realclient_v<version>_<scenario>[_<variant>].json``: the first payload of each event and variant in
the suite run, from the first scenario that produced it (variants: SessionStart ``source``, SessionEnd
``reason``, Notification ``notification_type``, subagent events ``sub``), plus the status-line inputs
(``StatusLine__realclient_v<version>_<scenario>_first`` and ``_later``, from the first scenario with two
renders). Payloads are the exact stdin bytes
Claude Code sent; temp paths are replaced by stable placeholders (``/tmp/realclient``) so fixtures do not churn
between runs. A SOURCES.md section lists them.
Old ``__realclient_`` fixtures of the same version are replaced; other fixtures are never touched.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.realclient import claude  # noqa: E402

OUT = os.path.join(ROOT, "tests", "fixtures", "hook-events")
SECTION = "## Real-client captures (scripts/refresh_fixtures.py)"


def variant(payload: dict) -> str:
    name = payload.get("hook_event_name")
    if name == "SessionStart":
        return str(payload.get("source") or "")
    if name == "SessionEnd":
        return str(payload.get("reason") or "")
    if name == "Notification":
        return str(payload.get("notification_type") or "")
    if payload.get("agent_id"):
        return "sub"
    return ""


def scrub(raw: str, workdir: str) -> str:
    """Replace the run's temp dir (and its JSON-escaped and dash-encoded project forms) with a placeholder."""
    out = raw.replace(workdir, "/tmp/realclient")
    encoded = re.sub(r"[^A-Za-z0-9]", "-", workdir)
    return out.replace(encoded, "-tmp-realclient")


def collect(results: list) -> dict:
    """``{file name: raw text}`` for every fixture to write."""
    files: dict = {}
    seen: set = set()
    v = claude.VERSION
    for path in results:
        with open(path, encoding="utf-8") as f:
            result = json.load(f)
        scenario = result.get("scenario", os.path.basename(path)[:-5])
        workdir = result.get("workdir") or ""
        captured = result.get("captured") or {}
        for rec in captured.get("hooks") or []:
            payload = {k: val for k, val in rec.items() if k not in ("wall", "_raw")}
            name = payload.get("hook_event_name")
            if not isinstance(name, str):
                continue
            var = variant(payload)
            if (name, var) in seen:
                continue
            seen.add((name, var))
            fname = "%s__realclient_v%s_%s%s.json" % (name, v, scenario, "_" + var if var else "")
            raw = rec.get("_raw") or json.dumps(payload, ensure_ascii=False) + "\n"
            files[fname] = scrub(raw, workdir)
        lines = captured.get("statuslines") or []
        if len(lines) < 2 or any(n.startswith("StatusLine__") for n in files):
            continue  # one scenario's first and later render is enough
        for label, rec in (("first", lines[0] if lines else None), ("later", lines[-1] if len(lines) > 1 else None)):
            if rec:
                payload = {k: val for k, val in rec.items() if k not in ("wall", "_raw")}
                raw = rec.get("_raw") or json.dumps(payload, ensure_ascii=False)
                files["StatusLine__realclient_v%s_%s_%s.json" % (v, scenario, label)] = scrub(raw, workdir)
    return files


def write(files: dict) -> None:
    v = claude.VERSION
    for old in glob.glob(os.path.join(OUT, "*__realclient_v%s_*.json" % v)):
        os.unlink(old)
    for name, text in sorted(files.items()):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            f.write(text)
    sources = os.path.join(OUT, "SOURCES.md")
    with open(sources, encoding="utf-8") as f:
        body = f.read()
    body = body.split("\n" + SECTION, 1)[0].rstrip("\n") + "\n"
    body += ("\n%s\n\nClaude Code %s from the npm registry, run offline by `tests/realclient` against its loopback "
             "mock API (print mode and interactive under tmux, inside `unshare --net`); payloads are the exact stdin "
             "the suite's recording hook got, with the run's temp dir replaced by `/tmp/realclient`. %d files:\n\n"
             % (SECTION, v, len(files)))
    body += "".join("- `%s`\n" % n for n in sorted(files))
    with open(sources, "w", encoding="utf-8") as f:
        f.write(body)


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="source", metavar="DIR", help="captured result files (skip running the suite)")
    args = ap.parse_args(argv)
    source = args.source
    if not source:
        source = tempfile.mkdtemp(prefix="realclient-capture-")
        env = dict(os.environ, CLAUDE_STATUS_REALCLIENT_CAPTURE=source)
        rc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/realclient"],
                            cwd=ROOT, env=env, check=False).returncode
        if rc not in (0, 1):
            print("the real-client suite did not run (pytest exit %d)" % rc, file=sys.stderr)
            return rc
    results = sorted(glob.glob(os.path.join(source, "*.json")))
    if not results:
        print("no captured results in %s" % source, file=sys.stderr)
        return 1
    files = collect(results)
    write(files)
    print("wrote %d fixtures for Claude Code %s into %s" % (len(files), claude.VERSION, OUT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
