"""`claude-status` end to end: real processes on real status dirs written by the real hook."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from tests.tray_helpers import tray_env  # noqa: F401
from tray import __version__, view

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*args, env=None, timeout=60):
    env = dict(os.environ if env is None else env)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("PYSTRAY_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-m", "tray", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def fire(env, sid, name, **extra):
    from hook import main as hook_main

    event = {
        "session_id": sid,
        "transcript_path": f"/nonexistent/{sid}.jsonl",
        "cwd": f"/tmp/{sid[:4]}",
        "permission_mode": "default",
        "hook_event_name": name,
    }
    event.update(extra)
    hook_main.run(json.dumps(event).encode(), env, time.time())


A = "aaaa1111-0000-4000-8000-000000000001"
B = "bbbb2222-0000-4000-8000-000000000002"


@pytest.fixture
def two_sessions(tray_env):
    env = dict(os.environ)
    fire(env, A, "UserPromptSubmit", prompt="Refactor parser")
    fire(env, B, "UserPromptSubmit", prompt="Write notes")
    fire(env, B, "PermissionRequest", tool_name="Bash", tool_input={"command": "ls"})
    return env


def test_version_and_help_everywhere():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"claude-status {__version__}"
    for sub in ("aggregate", "dashboard"):
        assert cli(sub, "--version").stdout.strip() == f"claude-status {__version__}"
    assert cli("aggregate", "--help").stdout.startswith("usage: claude-status aggregate")
    for sub in ("tray", "menu", "install-hook", "uninstall-hook", "doctor", "demo"):
        r = cli(sub, "--help")
        assert r.returncode == 0 and r.stdout.startswith("usage: claude-status " + sub), sub
        assert cli(sub, "--version").stdout.strip() == f"claude-status {__version__}"


def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "claude-status")
    if not os.path.exists(script):
        pytest.skip("package not installed with pip install -e (no console script next to the interpreter)")
    r = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert r.stdout.strip() == f"claude-status {__version__}"


def test_menu_prints_title_tooltip_and_tree_without_display(two_sessions):
    from core import aggregate, ledger

    r = cli("menu", env=two_sessions)
    assert r.returncode == 0, r.stderr
    index = aggregate.aggregate(os.environ["CLAUDE_STATUS_DIR"], options=aggregate.Options(dry_run=True))
    index["ledger"] = ledger.glance(os.environ["CLAUDE_STATUS_DIR"])  # as tray.source adds it (issue 12)
    title = view.title(index)
    assert title.startswith("☁️ 2s | ") and title.endswith("⏳")
    lines = r.stdout.splitlines()
    assert lines[0] == f"Title:   {title}"
    assert "Icon:    2 active, ctx ok (0/8), WAITING mark" in lines
    assert "  ● Refactor parser — working · 0% >" in lines
    waiting = [x for x in lines if x.startswith("  ⏳ Write notes — waiting for you (Bash: ls) for ")]
    assert len(waiting) == 1 and re.search(r" for \d+ s · 0% >$", waiting[0]), lines
    sessions = [x for x in lines if x.endswith(" >") and x.startswith("  ") and not x.startswith("   ")]
    assert sessions[0] == waiting[0]  # waiting first
    assert "    Copy session id" in lines
    assert lines[-1] == "  Quit"
    # what it prints is the shared pure view of the same index
    tree = r.stdout.split("Menu:\n", 1)[1].splitlines()
    expected = view.entry_lines(view.menu_spec(index, view.ViewOptions(), None))
    # relative times ("12 s ago", "just now") are the only difference from the time-free key
    strip = [re.sub(r" for \d+ (s|min|h \d+ min)(  \(disabled\)| · 0% >)$", r"\2", x) for x in tree
             if not x.strip().startswith("Updated:")]
    assert strip == ["  " + x for x in expected]


def test_menu_is_read_only(two_sessions):
    sdir = os.environ["CLAUDE_STATUS_DIR"]
    before = {n: os.stat(os.path.join(sdir, n)).st_mtime_ns for n in os.listdir(sdir)}
    assert cli("menu", env=two_sessions).returncode == 0
    after = {n: os.stat(os.path.join(sdir, n)).st_mtime_ns for n in os.listdir(sdir)}
    assert before == after


def test_menu_dir_option(tray_env, tmp_path):
    env = dict(os.environ)
    other = str(tmp_path / "elsewhere")
    env2 = dict(env, CLAUDE_STATUS_DIR=other)
    fire(env2, A, "UserPromptSubmit", prompt="Elsewhere task")
    r = cli("menu", "--dir", other, env=env)
    assert "Elsewhere task" in r.stdout.splitlines()[0]


def test_menu_empty(tray_env):
    r = cli("menu")
    assert r.returncode == 0
    assert "Title:   ☁️ –" in r.stdout and "  No Claude Code sessions yet  (disabled)" in r.stdout


def test_menu_falls_back_to_legacy_status_json(tray_env):
    legacy = os.path.join(os.environ["CLAUDE_CONFIG_DIR"], "status.json")
    os.makedirs(os.path.dirname(legacy), exist_ok=True)
    with open(legacy, "w") as fh:
        json.dump(
            {
                "version": "1.0.0",
                "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "session_id": A,
                "task": {"name": "Old single", "progress": 0, "status": "active"},
                "context": {"current_tokens": 44000, "total_tokens": 200000, "percentage": 22},
                "agents": {"active": 0, "names": []},
            },
            fh,
        )
    r = cli("menu")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("Title:   ☁️ Old single | Ctx:22% | 0a | ")
    assert "Single-session mode (legacy status.json)" in r.stdout


def test_bad_settings_warn_and_use_defaults(two_sessions):
    cfg = os.environ["CLAUDE_STATUS_TRAY_CONFIG"]
    os.makedirs(cfg)
    with open(os.path.join(cfg, "settings.json"), "w") as fh:
        fh.write('{"max_sessions": 0}')
    r = cli("menu", env=two_sessions)
    assert r.returncode == 0
    assert r.stderr.startswith("claude-status: warning: ") and "max_sessions" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_tray_without_display_is_one_clear_line(tray_env):
    r = cli("tray")
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [r.stderr.strip()]
    assert r.stderr.startswith("claude-status: error: no display: DISPLAY and WAYLAND_DISPLAY are unset")
    assert "Traceback" not in r.stderr
    r = cli("tray", "--debug")
    assert r.returncode == 1 and "Traceback" in r.stderr


def test_dashboard_delegation_missing_is_one_line(tray_env):
    code = "import sys; sys.modules['dashboard'] = None; from cli.main import main; sys.exit(main(['dashboard']))"
    env = dict(os.environ)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert r.returncode == 1 and r.stderr.startswith("claude-status: error: the dashboard is not installed")
    assert len(r.stderr.strip().splitlines()) == 1


def test_dashboard_delegates_to_dashboard_server(tray_env):
    pytest.importorskip("dashboard.server", reason="the dashboard package is not on this branch")
    r = cli("dashboard", "--help")
    assert r.returncode == 0 and "--port" in r.stdout


def test_aggregate_passthrough(two_sessions):
    from core import aggregate

    r = cli("aggregate", "--title", env=two_sessions)
    assert r.returncode == 0
    assert r.stdout.strip() == view.title(aggregate.aggregate(os.environ["CLAUDE_STATUS_DIR"], options=aggregate.Options(dry_run=True)))


def test_install_doctor_uninstall(tray_env):
    r = cli("install-hook")
    assert r.returncode == 0, r.stderr
    assert "events in" in r.stdout and "doctor" in r.stdout
    settings = os.path.join(os.environ["CLAUDE_CONFIG_DIR"], "settings.json")
    assert os.path.exists(settings)

    r = cli("doctor")
    out = r.stdout.splitlines()
    assert any(x.startswith("[pass] hook registered:") for x in out), r.stdout
    assert any(x.startswith("[pass] hook command runs:") for x in out), r.stdout
    assert any(x.startswith("[pass] status dir writable:") for x in out)
    if sys.platform.startswith("linux"):  # no display in this subprocess: the tray check must fail
        assert "[FAIL] display: no display" in r.stdout and r.returncode == 1
    assert not os.path.exists(os.environ["CLAUDE_STATUS_DIR"]) or not [
        n for n in os.listdir(os.environ["CLAUDE_STATUS_DIR"]) if n.endswith(".json") and "-" in n
    ], "doctor's synthetic event must not land in the real status dir"

    r = cli("uninstall-hook")
    assert r.returncode == 0 and r.stdout.startswith("Removed")
    r = cli("doctor")
    assert r.returncode == 1
    assert "[FAIL] hook registered: no claude-status hook in" in r.stdout
    # started as `python -m tray`: the fix names that, since `claude-status` may not be on PATH
    assert f"fix: run: {sys.executable} -m tray install-hook" in r.stdout


def test_doctor_reports_sessions(two_sessions):
    r = cli("doctor", env=two_sessions)
    assert "[pass] session aaaa1111: last reported" in r.stdout
    assert "(waiting, Write notes)" in r.stdout
    assert r.stdout.strip().splitlines()[-1].endswith(("1 warning", "warnings"))
    assert "1 warnings" not in r.stdout


def test_demo_in_terminal_end_to_end(tray_env):
    r = cli("demo", "--sessions", "3", "--speed", "20", "--once", timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    frames = out.split("claude-status demo: 3 sessions")
    assert len(frames) > 5
    assert "\n☁️ 3s | " in out
    assert "⏳ Write the release notes — waiting for you (Bash: make test)" in out  # a permission wait, saying what
    assert "· 2a\n" in out  # subagents started
    assert "— finished" in out
    assert "· SessionEnd in session 3" in out  # one session ends...
    assert "\n☁️ 2s | " in frames[-1]  # ...and leaves the view
    assert all(len(f.strip().splitlines()) <= 23 for f in frames)  # every frame fits 80x24
    tmp = out.strip().splitlines()[-1].split("status dir was ")[1]
    assert not os.path.exists(tmp), "the demo removes its temporary dir"


def test_demo_rejects_bad_arguments(tray_env):
    r = cli("demo", "--sessions", "0")
    assert r.returncode == 1 and r.stderr.strip() == "claude-status: error: --sessions must be between 1 and 30"
