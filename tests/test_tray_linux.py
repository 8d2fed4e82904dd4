"""Linux integration of the real tray: SNI NeedsAttention and themed icons at every size, no noise on
stderr, and the classic (XEmbed) icon docking into a tray host that starts after the tray."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.desktop import Desktop, find, wait_for
from tests.test_tray_gui import GI_PROBLEM, MISSING, ROOT, event, fire
from tests.tray_helpers import tray_env  # noqa: F401
from tray import icons

pytestmark = [pytest.mark.gui]
if MISSING or GI_PROBLEM:
    pytestmark.append(pytest.mark.skip(reason=f"GUI TEST NOT RUN: {MISSING} {GI_PROBLEM}"))

A = "aaaa1111-0000-4000-8000-0000000000a1"


def start_tray(d, env, tmp_path, *extra):
    child_env = d.env()
    child_env.update(env)
    out = open(tmp_path / "tray.out", "w")
    err = open(tmp_path / "tray.err", "w")
    p = d.popen([sys.executable, "-m", "tray", "tray", *extra], cwd=ROOT, env=child_env, stdout=out, stderr=err)
    return p, tmp_path / "tray.err"


def conf_log(env):
    path = os.path.join(env["CLAUDE_STATUS_TRAY_CONFIG"], "tray.log")
    return open(path, encoding="utf-8").read() if os.path.exists(path) else ""


@pytest.mark.parametrize("backend", ["sni", "appindicator"])
def test_sni_needs_attention_themed_icons_and_a_quiet_stderr(tmp_path, tray_env, backend):
    # sni: the tray's own item (tray/sni.py); appindicator: pystray's libayatana one (CLAUDE_STATUS_SNI=0)
    d = Desktop(str(tmp_path)).start()
    env = dict(tray_env)
    if backend == "appindicator":
        env["CLAUDE_STATUS_SNI"] = "0"
    try:
        fire(env, event(A, "UserPromptSubmit", prompt="Ship it"))
        tray, err = start_tray(d, env, tmp_path)
        items = wait_for(lambda: d.records("items.jsonl"), 60)
        assert items, err.read_text() + conf_log(env)
        item = items[0]
        assert wait_for(lambda: d.prop(item, "Status") == "Active", 60), (d.prop(item, "Status"), d.prop(item, "IconName"))
        theme = wait_for(lambda: d.prop(item, "IconThemePath"), 60)
        name = d.prop(item, "IconName")
        assert theme and name.startswith("claude-status-"), (theme, name)
        for size in icons.SNI_SIZES:  # every size the panel may ask for, drawn at that size
            assert os.path.exists(os.path.join(theme, "hicolor", f"{size}x{size}", "apps", name + ".png")), size

        fire(env, event(A, "PermissionRequest", tool_name="Bash", tool_input={"command": "git push"}))
        assert wait_for(lambda: d.prop(item, "Status") == "NeedsAttention", 60), d.prop(item, "Status")
        assert d.prop(item, "AttentionIconName").startswith("claude-status-")
        fire(env, event(A, "PostToolUse", tool_name="Bash", tool_input={"command": "git push"}))
        assert wait_for(lambda: d.prop(item, "Status") == "Active", 60)

        d.click(item, find(d.layout(item)[1], "Quit")["id"])
        assert tray.wait(15) == 0
        assert err.read_text() == ""  # nothing on stderr without --debug
        assert not os.path.exists(theme)  # the icon theme is a temp dir, removed at exit
        assert ("tray backend: our own StatusNotifierItem" in conf_log(env)) == (backend == "sni")
    finally:
        d.stop()


@pytest.mark.skipif(shutil.which("trayer") is None or shutil.which("xwininfo") is None,
                    reason="GUI TEST NOT RUN: trayer and xwininfo (apt-get install trayer x11-utils) are missing")
def test_no_sni_host_says_so_once_and_docks_when_a_tray_starts_later(tmp_path, tray_env):
    d = Desktop(str(tmp_path), "--no-watcher").start()
    env = dict(tray_env)
    try:
        fire(env, event(A, "UserPromptSubmit", prompt="Docked later"))
        tray, err = start_tray(d, env, tmp_path)
        assert wait_for(lambda: "no StatusNotifierItem host" in conf_log(env), 60), conf_log(env)
        time.sleep(1)  # the tray runs with no host for a while (as at login before the panel)
        child_env = d.env()

        def tree():
            return subprocess.run(["xwininfo", "-root", "-tree"], env=child_env, capture_output=True,
                                  check=False).stdout.decode("utf-8", "replace")

        def docked():
            # trayer's "panel" window holds our icon's window, named after the tray title
            lines = tree().splitlines()
            panel = next((i for i, line in enumerate(lines) if '"panel"' in line), None)
            return panel is not None and any("Docked later" in line for line in lines[panel:])

        assert not docked()
        d.popen(["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "32",
                 "--SetDockType", "true"], env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(docked, 60), tree()
        assert '("claude-status"' in tree()  # the window class names the app, not "__main__.py"
        assert tray.poll() is None, err.read_text()
        text = err.read_text()
        lines = [line for line in text.splitlines() if line.strip()]
        assert len(lines) == 1 and "no StatusNotifierItem host" in lines[0], text
        assert "GLib-GIO-CRITICAL" not in text and "Traceback" not in text
    finally:
        d.stop()


@pytest.mark.skipif(shutil.which("trayer") is None or shutil.which("xwininfo") is None,
                    reason="GUI TEST NOT RUN: trayer and xwininfo (apt-get install trayer x11-utils) are missing")
def test_xorg_backend_without_a_tray_host_says_it_once_without_tracebacks(tmp_path, tray_env):
    d = Desktop(str(tmp_path)).start()
    env = dict(tray_env, PYSTRAY_BACKEND="xorg")
    try:
        fire(env, event(A, "UserPromptSubmit", prompt="Nowhere to dock"))
        tray, err = start_tray(d, env, tmp_path)
        assert wait_for(lambda: "no system tray to dock into yet" in conf_log(env), 60), conf_log(env)
        # several refreshes while no tray runs (each used to log a traceback)
        for sid_n in range(3):
            fire(env, event(A, "PreToolUse", tool_name="Read", tool_input={"file_path": f"/tmp/{sid_n}"}))
            time.sleep(1.2)
        child_env = d.env()
        d.popen(["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "32",
                 "--SetDockType", "true"], env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def docked():
            out = subprocess.run(["xwininfo", "-root", "-tree"], env=child_env, capture_output=True,
                                 check=False).stdout.decode("latin-1")
            lines = out.splitlines()
            panel = next((i for i, line in enumerate(lines) if '"panel"' in line), None)
            return panel is not None and any("Nowhere to dock" in line for line in lines[panel:])

        assert wait_for(docked, 60)
        assert tray.poll() is None
        text = err.read_text()
        assert "Traceback" not in text and "AssertionError" not in text, text
        assert text.count("no system tray to dock into yet") == 1, text
    finally:
        d.stop()


def test_an_sni_host_appearing_later_turns_the_xembed_icon_into_an_appindicator(tmp_path, tray_env):
    d = Desktop(str(tmp_path), "--no-watcher").start()
    env = dict(tray_env)
    try:
        fire(env, event(A, "UserPromptSubmit", prompt="Host came later"))
        tray, err = start_tray(d, env, tmp_path)
        assert wait_for(lambda: "no StatusNotifierItem host" in conf_log(env), 60), conf_log(env)
        assert tray.poll() is None
        # a panel with a StatusNotifierWatcher starts (the fake, watcher only, its own output dir)
        out2 = tmp_path / "fake2"
        out2.mkdir()
        d.popen([sys.executable, os.path.join(ROOT, "tests", "sni_fake.py"), str(out2), "--no-notifications"],
                env=d.env())

        def items():
            path = out2 / "items.jsonl"
            return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []

        registered = wait_for(items, 60)
        assert registered, conf_log(env)
        item = registered[-1]
        assert wait_for(lambda: find(d.layout(item)[1], "● Host came later") is not None, 60)
        assert "restarting the tray to use it" in conf_log(env)
        assert tray.poll() is None  # the same process, re-executed
        d.click(item, find(d.layout(item)[1], "Quit")["id"])
        assert tray.wait(30) == 0
        assert "Traceback" not in err.read_text()
    finally:
        d.stop()
