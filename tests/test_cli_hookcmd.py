"""`claude-status install-hook` from a source install registers exactly `hook.install.install()`'s default."""

from __future__ import annotations

from cli import hookchoice, hookcmd
from hook import install
from tests.tray_helpers import tray_env  # noqa: F401


def test_from_source_install_hook_registers_the_installers_default(tray_env, monkeypatch, capsys):
    monkeypatch.setattr(install, "detect_claude_version", lambda: "2.1.259")
    assert not hookchoice.frozen()
    assert hookcmd._frozen_argv(None, dry_run=False) == (None, "")  # the frozen choice stays out of it
    config = tray_env["CLAUDE_CONFIG_DIR"]
    assert hookcmd.run(config_dir=config) == 0
    registered = install.status(config)
    assert registered and all(h == [install.handler((2, 1, 259), install.hook_argv())] for h in registered.values())
    again = install.install(config, dry_run=True)  # what `python -m hook.install` does in this interpreter
    assert again.changed is False and again.removed == len(registered)


def test_install_hook_takes_a_claude_version(tmp_path):
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    cfg = tmp_path / "cfg"
    out = subprocess.run([sys.executable, "-m", "tray", "install-hook", "--config-dir", str(cfg), "--claude-version", "2.1.259"],
                         capture_output=True, text=True, cwd=str(ROOT), check=False)
    assert out.returncode == 0, out.stderr
    hooks = json.loads((cfg / "settings.json").read_text())["hooks"]
    assert len(hooks) == 15  # 2.1.259: every event but PostToolBatch (known from 2.1.332)
    handler = hooks["Stop"][0]["hooks"][0]
    assert "args" in handler and handler["async"] is True
