# ruff: noqa: E501  (mutations quote exact source lines)
"""Mutation check for the presentation, dirs, CLI and tray-table rules (issue 9): each single mutation of a rule
must make at least one test fail.

    python scripts/mutation_check_ui.py [NAME ...]

(scripts/mutation_check.py does the same for the state, record and aggregation rules.)

Copies the committed tree (`git archive HEAD`) to a temporary dir per mutation, applies one text replacement,
runs the listed tests there and prints a Markdown table: mutation, file, result, the first failing test.
Exit 1 if a mutation survives (every test still passes).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (file, old text, new text, tests to run)
MUTATIONS = {
    "context high threshold 80 -> 85": (
        "core/present.py", "CONTEXT_HIGH = 80", "CONTEXT_HIGH = 85", ["tests/test_present.py"]),
    "context level >= high -> > high": (
        "core/present.py", "    if p >= high:", "    if p > high:", ["tests/test_present.py"]),
    "menu action renamed (copy -> copy_id)": (
        "tray/view.py", 'MenuEntry("Copy session id", "copy",', 'MenuEntry("Copy session id", "copy_id",',
        ["tests/test_tray_actions.py"]),
    "action table: refresh runs the cleanup handler": (
        "tray/app.py", '        "refresh": do_refresh,', '        "refresh": do_cleanup,', ["tests/test_tray_actions.py"]),
    "handler dropped from the table (about)": (
        "tray/app.py", '        "about": do_about,\n', "", ["tests/test_tray_actions.py"]),
    "the warning mark loses its ASCII form": (
        "core/present.py", '    WARNING_MARK: "!",\n', "", ["tests/test_present.py"]),
    "menu order: waiting ranks with working": (
        "core/present.py", 'ORDER = {"waiting": 0,', 'ORDER = {"waiting": 1,', ["tests/test_menu_order.py"]),
    "waiting sessions may hide in 'N more'": (
        "core/present.py", "    limit = max(1, cap, sum(1 for r in ordered if is_waiting(r)))",
        "    limit = max(1, cap)", ["tests/test_menu_order.py"]),
    "blank task name not skipped": (
        "core/present.py", "        if isinstance(value, str) and value.strip():", "        if isinstance(value, str) and value:",
        ["tests/test_present.py"]),
    "ask cut mid-word": (
        "core/present.py", "            return head + cut_words(what, max(8, width - len(head)))",
        "            return head + shorten(what, max(8, width - len(head)))", ["tests/test_menu_order.py", "tests/test_present.py"]),
    "backend notifications ignore HAS_NOTIFICATION": (
        "tray/app.py", 'notifications=bool(getattr(icon_class, "HAS_NOTIFICATION", False)),', "notifications=True,",
        ["tests/test_tray_actions.py"]),
    "dirs resolver ignores the --dir flag": (
        "tray/dirs.py", "    if status_dir:\n", "    if False:\n", ["tests/test_cli_dirs.py", "tests/test_tray_source.py"]),
    "dashboard payload without the user's thresholds": (
        "dashboard/app.py", '        index["context_thresholds"] = dict(self.context_thresholds)\n', "",
        ["tests/test_present.py"]),
    "retired status_dir setting silently ignored": (
        "tray/settings.py", '    retired = "; ".join(why for key, why in RETIRED.items() if key in data) or None',
        "    retired = None", ["tests/test_cli_dirs.py"]),
    "CLI error without the 'error:' wording": (
        "cli/main.py", '        print(f"{PROG}: error: {err}", file=sys.stderr)', '        print(f"{PROG}: {err}", file=sys.stderr)',
        ["tests/test_cli_package.py"]),
    "crash report not written": (
        "cli/main.py", "        report = logs.write_report(argv, err)", "        report = None",
        ["tests/test_cli_package.py"]),
    "menu imports pydantic eagerly": (
        "cli/menu.py", "from .errors import CliError\n", "from tray import settings as _eager  # noqa: F401\n\nfrom .errors import CliError\n",
        ["tests/test_cli_package.py"]),
}


def run(name: str) -> tuple[str, str]:
    path, old, new, tests = MUTATIONS[name]
    tmp = tempfile.mkdtemp(prefix="claude-status-mutant-")
    try:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        target = os.path.join(tmp, path)
        with open(target, encoding="utf-8") as fh:
            text = fh.read()
        if text.count(old) != 1:
            return "NOT APPLIED", f"{old!r} found {text.count(old)} times"
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text.replace(old, new))
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests], cwd=tmp,
                           env=env, capture_output=True, text=True, check=False, timeout=600)
        if r.returncode == 0:
            return "SURVIVED", ""
        failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", r.stdout, re.M)
        return "killed", failed[0] if failed else (r.stdout.strip().splitlines() or ["?"])[-1]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    names = argv or list(MUTATIONS)
    print("| mutation | file | result | first failing test |\n|---|---|---|---|")
    survived = 0
    for name in names:
        result, test = run(name)
        survived += result != "killed"
        print(f"| {name} | {MUTATIONS[name][0]} | {result} | {test} |", flush=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
