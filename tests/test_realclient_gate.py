"""The real-client suite's gate: skipped with the reason locally when a tool is missing, a failure under CI."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def run_suite(tmp_path, ci: bool) -> subprocess.CompletedProcess:
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = str(empty)  # no tmux, no unshare, no npm
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
                           "tests/realclient/test_print.py::test_print_session_context_and_end"],
                          cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=300, check=False)


def test_missing_tools_skip_locally_with_the_reason(tmp_path):
    out = run_suite(tmp_path, ci=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 skipped" in out.stdout and "tmux is not installed" in out.stdout, out.stdout


def test_missing_tools_fail_under_ci(tmp_path):
    out = run_suite(tmp_path, ci=True)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "real-client suite cannot run under CI: tmux is not installed" in out.stdout, out.stdout
