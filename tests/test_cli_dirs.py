"""One resolver for the dirs (tray.dirs): flags, then the environment, then the defaults; passed down as a value."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.tray_helpers import tray_env  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_settings(env, **values):
    cfg = env["CLAUDE_STATUS_TRAY_CONFIG"]
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "settings.json"), "w") as fh:
        json.dump(values, fh)


def test_demo_tray_shows_the_dir_the_demo_writes_to_even_with_status_dir_in_the_settings(tray_env, tmp_path,
                                                                                         monkeypatch):
    """Reproducer: `status_dir` in the tray settings made the demo's tray read that dir, not the demo's."""
    from tray import app as app_mod
    from tray import demo as demo_mod

    write_settings(tray_env, status_dir=str(tmp_path / "elsewhere"))
    shown = []
    def run(self):
        shown.append(self)

    monkeypatch.setattr(app_mod.TrayApp, "run", run)
    monkeypatch.setattr(demo_mod.Demo, "play", lambda self, speed, stop=None, after_step=None: None)
    demo = demo_mod.Demo(1)
    try:
        demo_mod.run_tray(demo, speed=1.0)
    finally:
        demo.remove()
    assert len(shown) == 1
    assert shown[0].source.sdir == demo.status_dir


def test_status_dir_in_the_tray_settings_is_retired_with_a_reason(tray_env, tmp_path):
    """The hook cannot read the tray settings, so they no longer choose a dir (one warning says so)."""
    from tray import settings as settings_mod
    from tray.app import TrayApp

    write_settings(tray_env, status_dir=str(tmp_path / "elsewhere"), max_sessions=7)
    app = TrayApp(environ=tray_env, platform="linux")
    assert app.source.sdir == tray_env["CLAUDE_STATUS_DIR"]  # what the hook writes (its environment)
    assert app.settings.max_sessions == 7  # the rest of the file still applies
    _, warning = settings_mod.load(app.settings_path)
    assert warning and "status_dir is no longer a tray setting" in warning and "CLAUDE_STATUS_DIR" in warning
    assert "status_dir" not in settings_mod.Settings.model_fields


def test_menu_warns_about_a_retired_status_dir_and_reads_the_hooks_dir(tray_env, tmp_path):
    from tests.test_tray_cli import A, cli, fire

    fire(dict(tray_env), A, "UserPromptSubmit", prompt="Where the hook writes")
    write_settings(tray_env, status_dir=str(tmp_path / "elsewhere"))
    r = cli("menu", env=tray_env)
    assert r.returncode == 0, r.stderr
    assert "Where the hook writes" in r.stdout.splitlines()[0]
    assert "status_dir is no longer a tray setting" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_resolve_order_flags_then_environment_then_defaults(tmp_path):
    from tray import dirs

    claude = os.path.expanduser("~/.claude")
    env = {"CLAUDE_STATUS_TRAY_CONFIG": str(tmp_path / "cfg")}
    d = dirs.resolve(env)
    assert d == dirs.Dirs(os.path.join(claude, "status"), claude, str(tmp_path / "cfg"))
    env["CLAUDE_CONFIG_DIR"] = str(tmp_path / "cc")
    assert dirs.resolve(env).status == str(tmp_path / "cc" / "status")
    env["CLAUDE_STATUS_DIR"] = str(tmp_path / "st")
    assert dirs.resolve(env).status == str(tmp_path / "st")
    d = dirs.resolve(env, status_dir=str(tmp_path / "flag"), claude_dir=str(tmp_path / "flagcc"))
    assert (d.status, d.claude) == (str(tmp_path / "flag"), str(tmp_path / "flagcc"))
    child = d.environ({"PATH": "/bin"})
    assert child["CLAUDE_STATUS_DIR"] == d.status and child["CLAUDE_CONFIG_DIR"] == d.claude
    assert child["PATH"] == "/bin"


def test_the_hook_and_the_tray_agree_on_the_status_dir(tray_env, tmp_path):
    """By construction: the registered hook reads $CLAUDE_STATUS_DIR / $CLAUDE_CONFIG_DIR from the environment
    Claude Code gives it, and the tray resolves the same variables with the same rule (core.paths)."""
    from hook import install
    from tray import dirs

    base = {k: v for k, v in tray_env.items() if k != "CLAUDE_STATUS_DIR"}
    for extra in ({"CLAUDE_STATUS_DIR": str(tmp_path / "custom")}, {"CLAUDE_CONFIG_DIR": str(tmp_path / "cc")}):
        env = dict(base, **extra)
        sid = "cafe0000-0000-4000-8000-000000000001"
        event = {"session_id": sid, "hook_event_name": "UserPromptSubmit", "prompt": "x", "cwd": str(tmp_path)}
        argv = install.hook_argv()
        r = subprocess.run(argv, input=json.dumps(event).encode(), env=env, capture_output=True, check=False,
                           timeout=60)
        assert r.returncode == 0
        assert os.path.exists(os.path.join(dirs.resolve(env).status, sid + ".json")), extra


def test_doctor_dir_flag_reaches_the_checks(tray_env, tmp_path):
    other = str(tmp_path / "doctor-dir")
    r = subprocess.run([sys.executable, "-m", "cli", "doctor", "--dir", other], cwd=ROOT, env=dict(tray_env),
                       capture_output=True, text=True, check=False, timeout=120)
    assert f"[pass] status dir writable: {other}" in r.stdout
