from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_real_home(tmp_path, monkeypatch):
    """Every dashboard test runs against temp dirs; nothing may read or write the real ~/.claude."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    monkeypatch.setenv("CLAUDE_STATUS_DIR", str(tmp_path / "status"))
