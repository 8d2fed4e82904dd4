"""Broken setups are told, not hidden: the hook logs somewhere reachable and doctor fails with a fix that works.

Each test builds the broken setup for real (a file where the status dir should be, a read-only mount
simulated by a read-only dir, a reduced registration from before Claude Code was on PATH) in a temporary
HOME and CLAUDE_CONFIG_DIR, and runs the real hook command / doctor checks.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from cli import doctor
from hook import install
from tests.conftest import ROOT, event, run_hook
from tests.tray_helpers import tray_env  # noqa: F401


def _env(tmp_path, **over):
    env = dict(os.environ)
    env.update(HOME=str(tmp_path / "home"), CLAUDE_CONFIG_DIR=str(tmp_path / "claude"))
    env.update(over)
    return env


# ---- CLAUDE_STATUS_DIR is a file


def test_hook_with_status_dir_on_a_file_logs_to_the_fallback_log(tmp_path):
    not_a_dir = tmp_path / "status-file"
    not_a_dir.write_text("I am a file")
    env = _env(tmp_path, CLAUDE_STATUS_DIR=str(not_a_dir))
    proc = run_hook(event("UserPromptSubmit", "s1", prompt="hi"), env=env)
    assert (proc.returncode, proc.stdout) == (0, b"")
    assert not_a_dir.read_text() == "I am a file"
    fallback = tmp_path / "claude" / "claude-status-hook.log"
    text = fallback.read_text()
    assert str(not_a_dir) in text and "hook error" in text


def test_doctor_fails_for_a_status_dir_that_is_a_file(tmp_path):
    not_a_dir = tmp_path / "status-file"
    not_a_dir.write_text("x")
    env = _env(tmp_path, CLAUDE_STATUS_DIR=str(not_a_dir))
    check = doctor.check_status_dir(env)
    assert check.status == doctor.FAIL
    assert "is a file, not a directory" in check.detail
    assert "CLAUDE_STATUS_DIR" in check.fix and "chmod" not in check.fix


def test_doctor_shows_what_the_hook_logged_in_the_fallback_log(tmp_path):
    not_a_dir = tmp_path / "status-file"
    not_a_dir.write_text("x")
    env = _env(tmp_path, CLAUDE_STATUS_DIR=str(not_a_dir))
    run_hook(event("UserPromptSubmit", "s1", prompt="hi"), env=env)
    check = doctor.check_hook_log(env)
    assert check.status == doctor.FAIL
    assert "claude-status-hook.log" in check.detail and "hook error" in check.detail


# ---- a read-only status dir


def test_read_only_file_system_is_not_a_chmod_problem(tmp_path, monkeypatch):
    sdir = tmp_path / "status"
    sdir.mkdir()
    env = _env(tmp_path, CLAUDE_STATUS_DIR=str(sdir))

    def erofs(*a, **k):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(doctor.tempfile, "mkstemp", erofs)
    check = doctor.check_status_dir(env)
    assert check.status == doctor.FAIL and "read-only file system" in check.detail.lower()
    assert "chmod" not in check.fix and "CLAUDE_STATUS_DIR" in check.fix


def test_permission_denied_suggests_chmod(tmp_path, monkeypatch):
    """(Simulated: the suite runs as root in CI, and root writes through permission bits.)"""
    sdir = tmp_path / "status"
    sdir.mkdir()

    def eacces(*a, **k):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(doctor.tempfile, "mkstemp", eacces)
    check = doctor.check_status_dir(_env(tmp_path, CLAUDE_STATUS_DIR=str(sdir)))
    assert check.status == doctor.FAIL and check.fix == f"fix permissions: chmod u+rwx {sdir}"


def test_aggregate_cli_on_a_read_only_dir(tmp_path, capfd, monkeypatch):
    from core import aggregate

    sdir = tmp_path / "status"
    sdir.mkdir()
    run_hook(event("UserPromptSubmit", "s1", prompt="hi"), env=_env(tmp_path, CLAUDE_STATUS_DIR=str(sdir)))

    def erofs(*a, **k):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(sdir / "index.json"))

    monkeypatch.setattr(aggregate, "publish", erofs)
    assert aggregate.main(["--dir", str(sdir)]) == 1
    err = capfd.readouterr().err
    assert "cannot write" in err and "cannot read" not in err and "--dry-run" in err
    assert aggregate.main(["--dir", str(sdir), "--dry-run", "--title"]) == 0


# ---- a reduced registration (before Claude Code was on PATH)


def test_doctor_says_register_again_when_claude_code_supports_more(tray_env, monkeypatch):  # noqa: F811
    cfg = tray_env["CLAUDE_CONFIG_DIR"]
    install.install(cfg, detect=False)  # `claude` not on PATH: shell form, no async, 11 events
    assert len(install.status(cfg)) == 11
    monkeypatch.setattr(install, "detect_claude_version", lambda timeout=5.0: "2.1.259")
    check, _ = doctor.check_registered(tray_env)
    assert check.status == doctor.FAIL
    assert "register again: your Claude Code now supports exec form, async and 4 more events" in check.detail
    assert "install-hook" in check.fix
    install.install(cfg, claude_version="2.1.259")
    check, _ = doctor.check_registered(tray_env)
    assert check.status == doctor.PASS, check


def test_doctor_is_content_with_a_full_registration_when_claude_is_missing(tray_env, monkeypatch):  # noqa: F811
    cfg = tray_env["CLAUDE_CONFIG_DIR"]
    install.install(cfg, claude_version="2.1.259")
    monkeypatch.setattr(install, "detect_claude_version", lambda timeout=5.0: None)
    check, _ = doctor.check_registered(tray_env)
    assert check.status == doctor.PASS


# ---- the command the user can actually run


def test_fixes_name_the_command_that_started_us(tmp_path):
    """From a venv that is not on PATH, doctor's fixes say `.venv/bin/claude-status …`, not `claude-status`."""
    venv_bin = os.path.dirname(sys.executable)
    script = os.path.join(venv_bin, "claude-status")
    if not os.path.exists(script):
        pytest.skip("needs the console script (pip install -e .)")
    env = _env(tmp_path, PATH="/usr/bin:/bin", CLAUDE_STATUS_DIR=str(tmp_path / "status"))
    out = subprocess.run([script, "doctor"], capture_output=True, text=True, env=env, cwd=str(tmp_path),
                         timeout=300, check=False)
    assert "fix: run: %s install-hook" % script in out.stdout, out.stdout + out.stderr
    rel = os.path.relpath(script, str(ROOT))
    out = subprocess.run([rel, "doctor"], capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=300,
                         check=False)
    assert "fix: run: %s install-hook" % rel in out.stdout, out.stdout + out.stderr


def test_command_name_for_each_way_of_starting(monkeypatch):
    from cli import doctor as d
    from cli import hints as progname

    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/claude-status", "doctor"])
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin")
    monkeypatch.setattr(progname.shutil, "which", lambda name, path=None: "/usr/local/bin/claude-status")
    assert d.command_name() == "claude-status"
    monkeypatch.setattr(sys, "argv", [".venv/bin/claude-status", "doctor"])
    monkeypatch.setattr(progname.shutil, "which", lambda name, path=None: None)
    assert d.command_name() == ".venv/bin/claude-status"
    monkeypatch.setattr(sys, "argv", [str(ROOT / "cli" / "__main__.py"), "doctor"])  # python -m cli
    assert d.command_name().endswith(" -m cli") and d.command_name().startswith(sys.executable)


def test_the_symlink_keeps_a_backup_of_a_status_json_that_is_not_ours(tmp_path):
    claude = tmp_path / "claude"
    claude.mkdir()
    theirs = claude / "status.json"
    theirs.write_text(json.dumps({"session_id": "old", "task": {"name": "from another tool"}}))
    env = _env(tmp_path, CLAUDE_STATUS_DIR="")
    env.pop("CLAUDE_STATUS_DIR")
    run_hook(event("UserPromptSubmit", "s1", prompt="hi"), env=env)
    assert theirs.is_symlink()
    backups = sorted(claude.glob("status.json.bak*"))
    assert [json.loads(b.read_text())["task"]["name"] for b in backups] == ["from another tool"]
    run_hook(event("Stop", "s1"), env=env)
    assert len(sorted(claude.glob("status.json.bak*"))) == 1


@pytest.mark.parametrize("command", ["menu", "tray"])
def test_a_dir_typo_says_the_dir_does_not_exist(tmp_path, command):
    """`menu --dir ~/.claude/statsu` must not fall back to the legacy ~/.claude/status.json session."""
    claude = tmp_path / "claude"
    claude.mkdir()
    (claude / "status.json").write_text(json.dumps({"session_id": "legacy-one", "task": {"name": "old single"}}))
    env = _env(tmp_path, PYSTRAY_BACKEND="dummy")
    env.pop("CLAUDE_STATUS_DIR", None)
    typo = tmp_path / "claude" / "statsu"
    r = subprocess.run([sys.executable, "-m", "cli", command, "--dir", str(typo)], capture_output=True, text=True,
                       env=env, cwd=str(ROOT), timeout=120, check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stderr.strip() == f"claude-status: error: status dir {typo} does not exist (--dir)"
    assert "old single" not in r.stdout
