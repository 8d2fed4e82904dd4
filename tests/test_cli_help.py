"""One command line, one voice: help names the command you typed, every entry point takes --version, defaults are
shown, and the dashboard's failures say what to do (port in use, no browser, a non-loopback host)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run(*argv, env=None, timeout=60):
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=str(ROOT),
                          env=env or dict(os.environ), timeout=timeout, check=False)


def test_aggregate_help_under_claude_status_names_claude_status():
    r = run("-m", "cli", "aggregate", "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: claude-status aggregate"), r.stdout
    r = run("-m", "core.aggregate", "--help")
    assert r.stdout.startswith("usage: python -m core.aggregate")


@pytest.mark.parametrize("module", ["core.aggregate", "dashboard", "hook.install", "cli", "tray"])
def test_every_entry_point_takes_version(module):
    r = run("-m", module, "--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "claude-status 0.1.0", r.stdout


@pytest.mark.parametrize("argv", [["-m", "cli", "menu", "--help"], ["-m", "cli", "tray", "--help"],
                                  ["-m", "cli", "doctor", "--help"], ["-m", "core.aggregate", "--help"],
                                  ["-m", "dashboard", "--help"]])
def test_dir_help_shows_its_default(argv, tmp_path):
    env = dict(os.environ, CLAUDE_STATUS_DIR=str(tmp_path / "my-status"), COLUMNS="250")
    r = run(*argv, env=env)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.strip().startswith("--dir"))
    assert "default" in line and str(tmp_path / "my-status") in line, line


def test_port_in_use_is_one_line_with_a_hint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = run("-m", "cli", "dashboard", "--port", str(port))
    assert r.returncode == 1
    assert r.stderr.startswith("claude-status: error: cannot listen on 127.0.0.1:%d" % port), r.stderr
    assert "--port 0" in r.stderr and r.stderr.count("\n") == 1


def _serve_briefly(*flags, env):
    """Start the dashboard; its first stdout line and first stderr line (blocking reads, no clock), then stop it."""
    p = subprocess.Popen([sys.executable, "-m", "cli", "dashboard", "--port", "0", *flags], cwd=str(ROOT), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = p.stdout.readline()
        err = p.stderr.readline()
    finally:
        p.terminate()
        p.communicate(timeout=30)
    return first, err


def _no_browser_env(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path), BROWSER="")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def test_open_without_a_browser_says_so(tmp_path):
    first, err = _serve_briefly("--open", env=_no_browser_env(tmp_path))
    assert first.startswith("Claude status dashboard: http://127.0.0.1:")
    assert "claude-status: warning: no browser to open" in err and "open http://127.0.0.1:" in err, err


def test_a_non_loopback_host_warns_at_run_time(tmp_path):
    first, err = _serve_briefly("--host", "0.0.0.0", env=dict(os.environ))
    assert first.startswith("Claude status dashboard:")
    assert "claude-status: warning: --host 0.0.0.0 is reachable from other machines" in err, err
    # loopback: the first warning is the browser one, printed after the host check
    first, err = _serve_briefly("--host", "127.0.0.1", "--open", env=_no_browser_env(tmp_path))
    assert "no browser to open" in err and "--host" not in err, err
