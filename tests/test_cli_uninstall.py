"""`claude-status uninstall`: everything we installed goes, each thing on its own line; `--dry-run` changes nothing.

Run as a real process (`python -m cli uninstall`) in a temporary HOME / CLAUDE_CONFIG_DIR / XDG_CONFIG_HOME
after a real install-hook, autostart entry, staged hook sources, backups and the legacy status.json link.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from hook import install
from tests.conftest import ROOT, event, run_hook

T0 = 1_800_000_000.0
USER_STATUSLINE = {"type": "command", "command": "~/bin/my-status-line.sh"}
SETTINGS = '{\n  "model": "opus",\n  "cost": 2.50,\n  "statusLine": {"type": "command", "command": "~/bin/my-status-line.sh"}\n}\n'
DAY = 86400.0


def _setup(tmp_path):
    home = tmp_path / "home"
    claude = tmp_path / "claude"
    claude.mkdir()
    env = dict(os.environ, HOME=str(home), CLAUDE_CONFIG_DIR=str(claude), XDG_CONFIG_HOME=str(home / ".config"),
               PYSTRAY_BACKEND="dummy")
    env.pop("CLAUDE_STATUS_DIR", None)
    (claude / "settings.json").write_text(SETTINGS)
    (claude / "status.json").write_text(json.dumps({"session_id": "theirs"}))  # another tool's file
    for day in range(3):  # three days of changes: three backups of ours
        install.install(str(claude), claude_version="2.0.45" if day % 2 else "2.1.259", now=T0 + day * DAY)
    from hook import statusline
    from tray import autostart

    statusline.install(str(claude))  # the tap wraps the user's own status line
    assert statusline.status(str(claude))["wrapped"] == USER_STATUSLINE
    autostart.enable(sys.platform, env)
    staged = claude / "claude-status-tray" / "hook-0.1.0" / "hook"
    staged.mkdir(parents=True)
    (staged / "main.py").write_text("# staged by install-hook from the binary\n")
    run_hook(event("UserPromptSubmit", "s1", prompt="hi"), env=env)  # the link replaces their status.json
    assert (claude / "status.json").is_symlink()
    return env, claude, home


def _uninstall(env, *flags):
    return subprocess.run([sys.executable, "-m", "cli", "uninstall", *flags], capture_output=True, text=True,
                          env=env, cwd=str(ROOT), timeout=120, check=False)


def _snapshot(root):
    out = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            p = os.path.join(folder, name)
            out[p] = os.readlink(p) if os.path.islink(p) else open(p, "rb").read()
    return out


def test_dry_run_lists_everything_and_changes_nothing(tmp_path):
    env, claude, _home = _setup(tmp_path)
    before = _snapshot(tmp_path)
    r = _uninstall(env, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert _snapshot(tmp_path) == before
    out = r.stdout
    assert "would remove 15 hook entries from %s" % (claude / "settings.json") in out
    assert "would remove the status-line tap from %s" % (claude / "settings.json") in out
    assert "would remove the autostart entry" in out
    assert "would remove the staged hook sources %s" % (claude / "claude-status-tray") in out
    assert "would remove 2 old backups of settings.json" in out
    assert "would restore %s from status.json.bak-claude-status" % (claude / "status.json") in out


def test_uninstall_removes_everything_we_installed(tmp_path):
    env, claude, _home = _setup(tmp_path)
    r = _uninstall(env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(line.startswith("removed 15 hook entries from") for line in lines), r.stdout
    assert "removed the status-line tap from" in r.stdout
    assert (claude / "settings.json").read_text() == SETTINGS  # the user's status line back, every byte kept
    assert install.status(str(claude)) == {}
    from tray import autostart

    assert not autostart.is_enabled(sys.platform, env)
    assert not (claude / "claude-status-tray").exists()
    assert len(install.backups(str(claude / "settings.json"))) == 1  # the newest backup stays
    assert not (claude / "status.json").is_symlink()
    assert json.loads((claude / "status.json").read_text()) == {"session_id": "theirs"}
    assert "kept the status dir" in r.stdout  # session data: said, not deleted
    again = _uninstall(env)
    assert again.returncode == 0 and "nothing to remove" in again.stdout
    assert "removed" not in again.stdout.replace("nothing to remove", "")


def test_uninstall_is_a_registered_command():
    from cli import main

    assert main.COMMANDS["uninstall"] == "cli.uninstall"
    r = subprocess.run([sys.executable, "-m", "cli", "uninstall", "--help"], capture_output=True, text=True,
                       cwd=str(ROOT), check=False)
    assert r.returncode == 0 and "--dry-run" in r.stdout and "usage: claude-status uninstall" in r.stdout
