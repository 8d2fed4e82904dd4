"""`claude-status install-hook` from a source install registers exactly `hook.install.install()`'s default."""

from __future__ import annotations

from hook import install
from tests.tray_helpers import tray_env  # noqa: F401
from tray import hookchoice, hookcmd


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
