"""Notifications of the real tray, read over D-Bus from the notification server of a private session
(tests/sni_fake.py records every Notify and CloseNotification, and emits ActionInvoked when told to).

Proves: one notification per session, replaced when the session asks something new and withdrawn when
answered; critical urgency; the app name and icon; "Show" focuses the session (a real tmux pane);
simultaneous waits are grouped; everything is withdrawn when the tray quits.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.desktop import Desktop, find, wait_for
from tests.test_focus import Tmux, attached_client, build_tmux_world
from tests.test_tray_gui import GI_PROBLEM, MISSING, ROOT, event, fire
from tests.tray_helpers import tray_env  # noqa: F401

pytestmark = [pytest.mark.gui]
if MISSING or GI_PROBLEM:
    pytestmark.append(pytest.mark.skip(reason=f"GUI TEST NOT RUN: {MISSING} {GI_PROBLEM}"))

A = "aaaa1111-0000-4000-8000-00000000000a"
B = "bbbb2222-0000-4000-8000-00000000000b"
C = "cccc3333-0000-4000-8000-00000000000c"


def set_pid(env, sid, pid):
    path = os.path.join(env["CLAUDE_STATUS_DIR"], f"{sid}.json")
    with open(path) as fh:
        record = json.load(fh)
    record["pid"] = pid
    with open(path, "w") as fh:
        json.dump(record, fh)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_notifications_over_dbus(tmp_path, tray_env):
    d = Desktop(str(tmp_path)).start()
    tmux = Tmux(str(tmp_path))
    env = dict(tray_env)
    tray = None
    client = contextlib.ExitStack()
    try:
        pid = build_tmux_world(tmux, tmp_path)
        client.enter_context(attached_client(tmux))
        for sid, prompt in ((A, "Deploy the site"), (B, "Write the notes"), (C, "Fix the tests")):
            fire(env, event(sid, "UserPromptSubmit", prompt=prompt))
        set_pid(env, A, pid)
        child_env = d.env()
        child_env.update(env)
        log_path = tmp_path / "tray.log"
        log = open(log_path, "w")
        tray = subprocess.Popen([sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=child_env, stdout=log,
                                stderr=subprocess.STDOUT)
        items = wait_for(lambda: d.records("items.jsonl"), 60)
        assert items, log_path.read_text()
        assert wait_for(lambda: find(d.layout(items[0])[1], "● Deploy the site") is not None, 10)

        fire(env, event(A, "PermissionRequest", tool_name="Bash", tool_input={"command": "make deploy"}))
        notes = wait_for(lambda: d.records("notifications.jsonl"), 60)
        assert notes, log_path.read_text()
        first = notes[0]
        assert first["summary"] == "Claude is waiting for you" and "Deploy the site" in first["body"]
        assert first["app"] == "Claude Status"
        assert first["urgency"] == 2  # critical: stays until answered
        assert "Show" in first["actions"] and "Open dashboard" in first["actions"]
        assert first["icon"].startswith("file://") and first["icon"].endswith(".png")

        # the same session asks something else: its notification is replaced (the old one withdrawn)
        fire(env, event(A, "PostToolUse", tool_name="Bash", tool_input={"command": "make deploy"}))
        fire(env, event(A, "PermissionRequest", tool_name="Edit", tool_input={"file_path": "/tmp/x"}))
        assert wait_for(lambda: {"id": first["id"]} in d.records("closed.jsonl"), 60), d.records("closed.jsonl")
        second = wait_for(lambda: [n for n in d.records("notifications.jsonl")[1:]
                                   if n["summary"] == "Claude is waiting for you"], 60)
        assert second, d.records("notifications.jsonl")
        second = second[-1]
        assert second["id"] != first["id"]
        assert all(n["urgency"] == 2 for n in d.records("notifications.jsonl"))

        # "Show": the session's tmux pane becomes the active one, in the attached client
        assert ("work", "1", "2") not in tmux.active()
        d.invoke_action(second["id"], "Show")
        assert wait_for(lambda: ("work", "1", "2") in tmux.active(), 60), log_path.read_text()
        assert wait_for(lambda: tmux("list-clients", "-F", "#{session_name}") == "work", 60)

        assert {"id": second["id"], "by": "action"} in d.records("closed.jsonl")

        # asked again, then answered in the terminal: withdrawn by the tray
        fire(env, event(A, "PostToolUse", tool_name="Edit", tool_input={"file_path": "/tmp/x"}))
        fire(env, event(A, "PermissionRequest", tool_name="Bash", tool_input={"command": "make clean"}))
        third = wait_for(lambda: [n for n in d.records("notifications.jsonl") if n["id"] > second["id"]], 60)
        assert third and "Deploy the site" in third[-1]["body"], d.records("notifications.jsonl")
        fire(env, event(A, "PostToolUse", tool_name="Bash", tool_input={"command": "make clean"}))
        assert wait_for(lambda: {"id": third[-1]["id"]} in d.records("closed.jsonl"), 60), d.records("closed.jsonl")

        # two sessions start waiting together: one grouped notification
        before = len(d.records("notifications.jsonl"))
        fire(env, event(B, "PermissionRequest", tool_name="Bash", tool_input={"command": "ls"}))
        fire(env, event(C, "PermissionRequest", tool_name="Bash", tool_input={"command": "pwd"}))
        group = wait_for(lambda: [n for n in d.records("notifications.jsonl")[before:]
                                  if n["summary"] == "2 sessions are waiting for you"], 60)
        assert group, d.records("notifications.jsonl")[before:]
        assert set(group[-1]["body"].split("\n")) == {"Write the notes", "Fix the tests"}

        # Quit withdraws what is still shown
        desktop_item = items[0]
        d.click(desktop_item, find(d.layout(desktop_item)[1], "Quit")["id"])
        assert tray.wait(15) == 0, log_path.read_text()
        assert {"id": group[-1]["id"]} in d.records("closed.jsonl")
        text = log_path.read_text()
        assert "Traceback" not in text, text
    finally:
        if tray is not None and tray.poll() is None:
            tray.kill()
        client.close()
        tmux.kill()
        d.stop()


def test_tray_runs_on_when_the_notification_server_is_missing(tmp_path, tray_env):
    d = Desktop(str(tmp_path), "--no-notifications").start()
    env = dict(tray_env)
    fire(env, event(A, "UserPromptSubmit", prompt="Lonely task"))
    child_env = d.env()
    child_env.update(env)
    log_path = tmp_path / "tray.log"
    log = open(log_path, "w")
    tray = subprocess.Popen([sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=child_env, stdout=log,
                            stderr=subprocess.PIPE, text=True)
    try:
        items = wait_for(lambda: d.records("items.jsonl"), 60)
        assert items
        # The tray's first index is its baseline (starting the tray never notifies): the item can register
        # before that first read, so wait until the menu shows the session working before it starts waiting.
        assert wait_for(lambda: find(d.layout(items[0])[1], "● Lonely task") is not None, 30), log_path.read_text()
        fire(env, event(A, "PermissionRequest", tool_name="Bash", tool_input={"command": "ls"}))
        assert wait_for(lambda: find(d.layout(items[0])[1], "⏳ Lonely task") is not None, 10)
        conf = os.path.join(env["CLAUDE_STATUS_TRAY_CONFIG"], "tray.log")
        assert wait_for(lambda: os.path.exists(conf) and "notifications unavailable" in open(conf).read(), 60), (
            open(conf).read() if os.path.exists(conf) else "no tray.log", log_path.read_text())
        d.click(items[0], find(d.layout(items[0])[1], "Quit")["id"])
        _, err = tray.communicate(timeout=15)
        assert tray.returncode == 0
        assert "Traceback" not in err, err
        assert open(conf).read().count("notifications unavailable") == 1
    finally:
        if tray.poll() is None:
            tray.kill()
        log.close()
        d.stop()
