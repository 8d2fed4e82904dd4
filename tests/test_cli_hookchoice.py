"""cli.hookchoice: how the standalone binary picks its hook command. The frozen paths themselves run
against the real bundle in packaging/smoke.py; here, the parts that work the same from source."""

from __future__ import annotations

import os
import stat
import sys

from cli import hookchoice
from hook import install


def _script(path, body):
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_verify_python_resolves_the_real_interpreter():
    exe, version = hookchoice.verify_python(sys.executable)
    assert exe and os.path.isabs(exe) and os.path.isfile(exe)
    assert version == "%d.%d" % sys.version_info[:2]


def test_verify_python_rejects_old_and_broken_interpreters(tmp_path):
    old = _script(tmp_path / "python2", f"echo {sys.executable}; echo 2.7\n")
    assert hookchoice.verify_python(old) == (None, f"{old}: Python 2.7 is older than 3.9")
    broken = _script(tmp_path / "python3", "exit 3\n")
    assert hookchoice.verify_python(broken) == (None, f"{broken}: exit 3")
    assert hookchoice.verify_python(str(tmp_path / "missing"))[0] is None


def test_measure_runs_the_real_hook_and_times_it():
    ms, err = hookchoice.measure(install.hook_argv(sys.executable), runs=2)
    assert err == "" and ms is not None and ms > 0


def test_measure_rejects_a_command_that_prints_or_writes_nothing(tmp_path):
    assert hookchoice.measure([_script(tmp_path / "chatty", "echo hi\n")], runs=1) == (None, "printed to stdout")
    assert hookchoice.measure([_script(tmp_path / "idle", "cat >/dev/null\n")], runs=1) == (
        None,
        "wrote no status file",
    )
    assert hookchoice.measure([_script(tmp_path / "bad", "exit 2\n")], runs=1)[1].startswith("exit 2")


def test_not_frozen_offers_nothing_bundled():
    assert not hookchoice.frozen()
    assert hookchoice.bundled_sources() is None
    assert hookchoice.choose(runs=1) == (None, [])


def test_windows_store_alias_is_never_a_candidate(monkeypatch):
    alias = r"C:\Users\u\AppData\Local\Microsoft\WindowsApps\python3.exe"
    monkeypatch.setattr(hookchoice.shutil, "which", lambda name: alias if name == "python3" else None)
    monkeypatch.setattr(hookchoice.os.path, "isfile", lambda p: True)
    assert hookchoice.python_candidates("win32") == []


def test_kind_of_names_both_shapes():
    argv = install.hook_argv("/usr/bin/python3", "/opt/claude-status/_internal/hooksrc")
    assert hookchoice.kind_of(argv) == (
        "Python at /usr/bin/python3 running the stdlib hook from /opt/claude-status/_internal/hooksrc"
    )
    assert hookchoice.kind_of(["/opt/claude-status/claude-status-hook"]) == (
        "bundled claude-status-hook at /opt/claude-status/claude-status-hook"
    )
