"""`claude-status doctor`'s checks, in-process: it reads settings.json through `hook.install` only."""

from __future__ import annotations

import json
import os
import sys

from cli import doctor
from hook import install
from tests.tray_helpers import tray_env  # noqa: F401


def _settings(tray_env, data):
    path = os.path.join(tray_env["CLAUDE_CONFIG_DIR"], "settings.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(data if isinstance(data, str) else json.dumps(data))
    return path


def test_registered_is_what_the_installer_reports(tray_env):
    install.install(tray_env["CLAUDE_CONFIG_DIR"], claude_version="2.1.259")
    check, ours = doctor.check_registered(tray_env)
    status = install.status(tray_env["CLAUDE_CONFIG_DIR"])
    assert check.status == doctor.PASS
    assert ours == {event: handlers[-1] for event, handlers in status.items()}


def test_lookalike_handlers_are_not_ours(tray_env):
    """The installer's policy: the whole command, parsed; never a substring like `-m hook` or `claude-status`."""
    lookalikes = [
        {"type": "command", "command": "/opt/claude-status/bin/notify --from-claude-status"},
        {"type": "command", "command": f"{sys.executable} -m hook"},
    ]
    path = _settings(tray_env, {"hooks": {"Stop": [{"hooks": lookalikes}]}})
    check, ours = doctor.check_registered(tray_env)
    assert (check.status, ours) == (doctor.FAIL, {})
    assert check.detail == f"no claude-status hook in {path}"


def test_a_settings_file_the_installer_refuses_is_named_with_its_reason(tray_env):
    _settings(tray_env, "{not json")
    check, ours = doctor.check_registered(tray_env)
    assert check.status == doctor.FAIL and ours == {}
    assert "is not valid JSON" in check.detail and "nothing was written" in check.detail

    _settings(tray_env, {"hooks": ["not", "an", "object"]})
    check, _ = doctor.check_registered(tray_env)
    assert check.detail.startswith('"hooks" in ') and "is not an object" in check.detail


def test_missing_settings_file_says_so(tray_env):
    check, _ = doctor.check_registered(tray_env)
    assert check.status == doctor.FAIL and check.detail.endswith("(the file does not exist)")


def test_unregistered_hook_runs_what_install_hook_would_register(tray_env, monkeypatch):
    ran = []
    real = doctor.run_handler
    monkeypatch.setattr(install, "detect_claude_version", lambda: "2.1.259")
    monkeypatch.setattr(doctor, "run_handler", lambda h, *a, **k: ran.append(h) or real(h, *a, **k))
    check = doctor.check_runs({}, dict(os.environ))
    assert check.status in (doctor.PASS, doctor.WARN), check
    assert ran == [install.handler((2, 1, 259))]
    assert ran[0]["args"][0] != ran[0]["command"]  # exec form: the program is not repeated in args


def test_pygobject_fix_fits_how_claude_status_was_installed():
    pipx = doctor.pygobject_fix("/home/u/.local/share/pipx/venvs/claude-status-tray", "/x/python3")
    assert pipx.endswith("then pipx inject claude-status-tray 'PyGObject<3.51'")
    uv = doctor.pygobject_fix("/home/u/.local/share/uv/tools/claude-status-tray", "/x/python3")
    assert uv.endswith("then uv tool install --reinstall --with 'PyGObject<3.51' claude-status-tray")
    venv = doctor.pygobject_fix("/src/claude-status-tray/.venv", "/src/claude-status-tray/.venv/bin/python")
    assert venv.endswith("then /src/claude-status-tray/.venv/bin/python -m pip install 'PyGObject<3.51'")
    assert venv.startswith("apt install libgirepository1.0-dev libcairo2-dev")


def test_doctor_names_the_status_line_tap(tray_env):
    from hook import statusline

    check = doctor.check_statusline(tray_env)
    assert check.status == doctor.WARN and check.fix.endswith("install-statusline")
    statusline.install(tray_env["CLAUDE_CONFIG_DIR"])
    assert doctor.check_statusline(tray_env).status == doctor.PASS
