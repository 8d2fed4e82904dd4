from __future__ import annotations

import json

import pytest

from tests.tray_helpers import tray_env  # noqa: F401
from tray import settings as s


def write(tmp_path, text):
    p = tmp_path / "settings.json"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_missing_file_gives_defaults_silently(tmp_path):
    cfg, msg = s.load(str(tmp_path / "nope.json"))
    assert cfg == s.Settings() and msg is None
    assert cfg.poll_interval == 1.0 and cfg.refresh_interval == 5.0 and cfg.max_sessions == 12


def test_valid_file_is_read(tmp_path):
    cfg, msg = s.load(write(tmp_path, json.dumps({"max_sessions": 5, "notifications": False, "show_label": False})))
    assert msg is None and (cfg.max_sessions, cfg.notifications, cfg.show_label) == (5, False, False)


@pytest.mark.parametrize(
    "text,needle",
    [
        pytest.param("{not json", "not valid JSON", id="syntax"),
        pytest.param("[1, 2]", "must be a JSON object", id="not-object"),
        pytest.param('{"poll_interval": 0}', "poll_interval", id="out-of-range"),
        pytest.param('{"max_sessions": "lots"}', "max_sessions", id="wrong-type"),
        pytest.param('{"context_warn": 90, "context_high": 50}', "context_warn must not exceed", id="thresholds"),
    ],
)
def test_bad_file_gives_defaults_and_one_clear_line(tmp_path, text, needle):
    path = write(tmp_path, text)
    cfg, msg = s.load(path)
    assert cfg == s.Settings()
    assert needle in msg and path in msg and msg.endswith("using defaults") and "\n" not in msg


def test_unknown_keys_are_ignored(tmp_path):
    cfg, msg = s.load(write(tmp_path, '{"future_option": 1, "max_sessions": 3}'))
    assert msg is None and cfg.max_sessions == 3


def test_save_round_trips_atomically(tmp_path):
    path = str(tmp_path / "sub" / "settings.json")
    cfg = s.Settings(notifications=False, max_sessions=20)
    s.save(cfg, path)
    assert s.load(path) == (cfg, None)
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["settings.json"]


def test_config_dir_uses_platformdirs_under_xdg(tray_env, monkeypatch):
    monkeypatch.delenv("CLAUDE_STATUS_TRAY_CONFIG")
    import sys

    path = s.settings_file()
    if sys.platform.startswith("linux"):
        assert path == f"{tray_env['XDG_CONFIG_HOME']}/claude-status-tray/settings.json"
    assert path.endswith("settings.json")
