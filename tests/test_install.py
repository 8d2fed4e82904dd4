"""hook.install: merging, idempotence, backups, exact identification, versions, and the command really runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hook import install
from tests.conftest import ROOT, read_session

OTHER = {
    "model": "opus",
    "env": {"FOO": "bär"},
    "hooks": {
        "Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "say done", "timeout": 3}]}],
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}],
        "WorktreeCreate": [{"hooks": [{"type": "command", "command": "mk-worktree"}]}],
    },
}


@pytest.fixture
def cfg(tmp_path):
    d = tmp_path / "cfg"
    d.mkdir()
    (d / "settings.json").write_text(json.dumps(OTHER, indent=4, ensure_ascii=False))
    return d


def load(cfg):
    return json.loads((cfg / "settings.json").read_text())


def test_install_keeps_everything_else_and_is_idempotent(cfg):
    r = install.install(str(cfg), claude_version="2.1.259")
    assert r.changed and r.backup and os.path.exists(r.backup)
    assert json.loads(open(r.backup).read()) == OTHER
    s = load(cfg)
    assert (s["model"], s["env"]) == ("opus", {"FOO": "bär"})
    assert s["hooks"]["Stop"][0] == OTHER["hooks"]["Stop"][0]
    assert s["hooks"]["PreToolUse"][0] == OTHER["hooks"]["PreToolUse"][0]
    assert s["hooks"]["WorktreeCreate"] == OTHER["hooks"]["WorktreeCreate"]
    assert sorted(install.status(str(cfg))) == sorted(install.events_for((2, 1, 259)))
    text = (cfg / "settings.json").read_bytes()
    r2 = install.install(str(cfg), claude_version="2.1.259")
    assert not r2.changed and r2.backup is None
    assert (cfg / "settings.json").read_bytes() == text
    assert len(list(cfg.glob("settings.json.bak-*"))) == 1


def test_uninstall_removes_exactly_ours(cfg):
    install.install(str(cfg), claude_version="2.1.259")
    r = install.uninstall(str(cfg))
    assert r.removed == len(install.events_for((2, 1, 259)))
    assert load(cfg) == OTHER
    assert install.uninstall(str(cfg)).removed == 0


def test_lookalike_user_hooks_are_never_touched(cfg):
    code = install.hook_argv()[4]
    lookalikes = [
        {"type": "command", "command": "echo '%s'" % code},  # our code as a substring
        {"type": "command", "command": sys.executable, "args": ["-I", "-S", "-c", code + ";print(1)"]},
        {"type": "command", "command": sys.executable, "args": ["-c", code]},
        {"type": "command", "command": "/opt/claude-status-hook-wrapper.sh"},
    ]
    settings = load(cfg)
    settings["hooks"]["Notification"] = [{"hooks": lookalikes}]
    (cfg / "settings.json").write_text(json.dumps(settings))
    install.install(str(cfg), claude_version="2.1.259")
    install.uninstall(str(cfg))
    assert load(cfg)["hooks"]["Notification"] == [{"hooks": lookalikes}]


def test_other_interpreter_or_path_is_still_ours(cfg):
    old = install.handler((2, 1, 259), ["/old/venv/bin/python3", "-I", "-S", "-c",
                                        'import sys;sys.path.insert(0,"/old/place");from hook.main import main;main()'])
    settings = load(cfg)
    settings["hooks"]["Stop"].append({"hooks": [old]})
    (cfg / "settings.json").write_text(json.dumps(settings))
    assert install.is_ours(old)
    install.install(str(cfg), claude_version="2.1.259")
    stop = load(cfg)["hooks"]["Stop"]
    assert sum(install.is_ours(h) for g in stop for h in g["hooks"]) == 1
    frozen = "/Applications/Claude Status.app/Contents/MacOS/claude-status-hook"
    assert install.is_ours({"type": "command", "command": frozen, "args": []})
    assert install.is_ours({"type": "command", "command": "'%s'" % frozen})
    assert not install.is_ours({"type": "command", "command": frozen + " --extra"})


def test_invalid_json_is_refused_and_untouched(cfg):
    (cfg / "settings.json").write_bytes(b'{"model": "opus",, }')
    with pytest.raises(install.InstallError, match="not valid JSON"):
        install.install(str(cfg), claude_version="2.1.259")
    assert (cfg / "settings.json").read_bytes() == b'{"model": "opus",, }'
    assert not list(cfg.glob("*.bak-*"))
    out = subprocess.run([sys.executable, "-m", "hook.install", "--config-dir", str(cfg)], capture_output=True,
                         text=True, cwd=str(ROOT), check=False)
    assert out.returncode == 1 and out.stderr.startswith("error:") and out.stderr.count("\n") == 1


@pytest.mark.parametrize(("version", "form", "is_async", "events"), [
    (None, "shell", False, 11),
    ("2.0.45", "shell", False, 11),
    ("2.1.100", "shell", True, 14),   # no PostToolUseFailure (first version unknown: 2.1.240)
    ("2.1.139", "exec", True, 14),
    ("2.1.259", "exec", True, 15),   # no PostToolBatch (first version unknown: only from 2.1.332)
    ("2.1.332", "exec", True, 16),
    ("1.0.60", "shell", False, 7),
])
def test_version_rules(cfg, version, form, is_async, events):
    r = install.install(str(cfg), claude_version=version, detect=False)
    registered = install.status(str(cfg))
    assert len(registered) == events == len(r.events)
    h = next(iter(registered.values()))[0]
    assert ("args" in h) == (form == "exec")
    assert h.get("async", False) is is_async
    assert h["timeout"] == install.TIMEOUT_SECONDS
    assert "WorktreeCreate" not in registered and "MessageDisplay" not in registered


def test_missing_settings_file_is_created(tmp_path):
    d = tmp_path / "fresh"
    r = install.install(str(d), claude_version="2.1.332")
    assert r.changed and r.backup is None
    assert sorted(load(d)["hooks"]) == sorted(install.EVENTS)


def test_dry_run_writes_nothing(cfg):
    before = (cfg / "settings.json").read_bytes()
    out = subprocess.run([sys.executable, "-m", "hook.install", "--config-dir", str(cfg), "--dry-run",
                          "--claude-version", "2.1.259"], capture_output=True, text=True, cwd=str(ROOT), check=False)
    assert out.returncode == 0 and "Would register 15 events" in out.stdout
    assert (cfg / "settings.json").read_bytes() == before
    assert not list(cfg.glob("*.bak-*"))


@pytest.mark.parametrize("version", ["2.1.259", None])
def test_registered_command_runs_from_anywhere(cfg, version, tmp_path):
    install.install(str(cfg), claude_version=version, detect=False)
    h = install.status(str(cfg))["Stop"][0]
    payload = json.dumps({"session_id": "inst", "hook_event_name": "Stop", "cwd": "/x/y"}).encode()
    env = {"PATH": "/usr/bin:/bin", "CLAUDE_STATUS_DIR": str(tmp_path / "status"), "HOME": str(tmp_path)}
    if "args" in h:
        proc = subprocess.run([h["command"], *h["args"]], input=payload, capture_output=True, cwd="/", env=env, check=False)
    else:
        proc = subprocess.run(["/bin/sh", "-c", h["command"]], input=payload, capture_output=True, cwd="/", env=env, check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    assert read_session(tmp_path / "status", "inst")["project"] == "y"


def test_claude_config_dir_is_respected(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "cc"))
    install.install(claude_version="2.1.259")
    assert (tmp_path / "cc" / "settings.json").exists()
    assert not (tmp_path / "home" / ".claude").exists()


def test_parse_version():
    assert install.parse_version("2.1.259 (Claude Code)") == (2, 1, 259)
    assert install.parse_version("garbage") is None


def test_symlinked_settings_file_is_updated_through_the_link(tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "claude-settings.json"
    real.write_text(json.dumps(OTHER))
    real.chmod(0o644)
    cfg = tmp_path / "cfg2"
    cfg.mkdir()
    (cfg / "settings.json").symlink_to(real)
    install.install(str(cfg), claude_version="2.1.259")
    assert (cfg / "settings.json").is_symlink()
    assert sorted(json.loads(real.read_text())["hooks"]) == sorted({*OTHER["hooks"], *install.events_for((2, 1, 259))})
    assert real.stat().st_mode & 0o777 == 0o644


def test_python_and_python3_of_one_venv_register_the_same_command(tmp_path):
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python3").symlink_to(sys.executable)
    (venv / "python").symlink_to("python3")
    assert install.canonical_python(str(venv / "python")) == str(venv / "python3")
    assert install.canonical_python(str(venv / "python3")) == str(venv / "python3")
    lone = tmp_path / "other" / "py"
    lone.parent.mkdir()
    lone.symlink_to(sys.executable)
    assert install.canonical_python(str(lone)) == str(lone)


def test_module_and_console_script_installs_agree(cfg):
    """`python -m hook.install` then `claude-status install-hook` (whose script names python3) must not flip-flop."""
    bin_dir = os.path.dirname(sys.executable)
    for exe in ("python", "python3"):
        path = os.path.join(bin_dir, exe)
        if not os.path.exists(path):
            pytest.skip("needs a venv with python and python3")
        out = subprocess.run([path, "-m", "hook.install", "--config-dir", str(cfg), "--claude-version", "2.1.259"],
                             capture_output=True, text=True, cwd=str(ROOT), check=True)
    assert out.stdout.startswith("Already registered")
    assert len(list(cfg.glob("settings.json.bak-*"))) == 1
