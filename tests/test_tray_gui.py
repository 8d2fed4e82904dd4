"""The real tray on Linux: Xvfb + a private D-Bus session + a fake StatusNotifierWatcher.

The test reads the exported menu over D-Bus (dbusmenu `GetLayout`), checks the SNI Title and the
AppIndicator label, clicks items (dbusmenu `Event`) and watches the tray follow a hook event.
Needs: Xvfb, dbus-daemon, PyGObject with Gtk 3 and AyatanaAppIndicator3 (all installed by .ci/run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.desktop import Desktop, find, labels, missing_binaries, top_labels, wait_for
from tests.tray_helpers import tray_env  # noqa: F401

pytestmark = pytest.mark.gui

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MISSING = missing_binaries()


def _gi_problem() -> str | None:
    code = (
        "import gi; gi.require_version('Gtk', '3.0'); gi.require_version('AyatanaAppIndicator3', '0.1');"
        "from gi.repository import Gtk, AyatanaAppIndicator3"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    return None if r.returncode == 0 else r.stderr.strip().splitlines()[-1]


GI_PROBLEM = _gi_problem()
if MISSING or GI_PROBLEM:
    REASON = (
        f"GUI TEST NOT RUN: missing {', '.join(MISSING) or ''} {GI_PROBLEM or ''}; "
        "install with: apt-get install xvfb dbus gir1.2-ayatanaappindicator3-0.1 gir1.2-gtk-3.0 "
        "libgirepository1.0-dev libcairo2-dev && pip install 'PyGObject<3.51' (see .ci/run)"
    )
    if os.environ.get("CI"):
        pytest.fail(REASON, pytrace=False)  # CI must run these: fail loudly rather than skip
    pytestmark = [pytest.mark.gui, pytest.mark.skip(reason=REASON)]


@pytest.fixture
def desktop(tmp_path):
    d = Desktop(str(tmp_path)).start()
    yield d
    d.stop()


def fire(environ, event):
    from hook import main as hook_main

    hook_main.run(json.dumps(event).encode(), environ, time.time())


def event(sid, name, **extra):
    e = {
        "session_id": sid,
        "transcript_path": f"/nonexistent/{sid}.jsonl",
        "cwd": f"/tmp/{sid[:4]}",
        "permission_mode": "default",
        "hook_event_name": name,
    }
    e.update(extra)
    return e


def test_real_tray_menu_over_dbus(desktop, tray_env, tmp_path):
    from core import aggregate
    from tray import view

    env = dict(tray_env)
    a, b = "aaaa1111-0000-4000-8000-000000000001", "bbbb2222-0000-4000-8000-000000000002"
    fire(env, event(a, "UserPromptSubmit", prompt="Refactor parser"))
    fire(env, event(b, "UserPromptSubmit", prompt="Write notes ünï ✨"))
    fire(env, event(b, "SubagentStart", agent_id="x1", agent_type="researcher"))

    # full aggregation every second, so the no-rebuild check below spans several of them
    os.makedirs(env["CLAUDE_STATUS_TRAY_CONFIG"])
    with open(os.path.join(env["CLAUDE_STATUS_TRAY_CONFIG"], "settings.json"), "w") as fh:
        json.dump({"refresh_interval": 1}, fh)

    child_env = desktop.env()
    child_env.update(env)
    log = open(tmp_path / "tray.log", "w")
    tray = subprocess.Popen(
        [sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        items = wait_for(lambda: desktop.records("items.jsonl"), 20)
        assert items, "the tray never registered an SNI item: " + (tmp_path / "tray.log").read_text()
        item = items[0]
        expected = view.title(aggregate.aggregate(env["CLAUDE_STATUS_DIR"], options=aggregate.Options(dry_run=True, environ=env)))
        assert expected.startswith("☁️ 2s | ")
        assert wait_for(lambda: desktop.prop(item, "XAyatanaLabel") == expected, 10), desktop.prop(
            item, "XAyatanaLabel"
        )
        assert desktop.prop(item, "Title") == expected

        _, tree = desktop.layout(item)
        top = top_labels(tree)
        assert top[0] == expected
        sessions = [c for c in tree["children"] if c["submenu"]]
        assert [s["label"].split(" — ")[0] for s in sessions] == ["● Refactor parser", "● Write notes ünï ✨"]
        assert sessions[1]["label"].endswith("· 1a")
        inner = labels(sessions[1])
        assert "Agents: 1 — researcher" in inner and "Copy session id" in inner
        assert top[-2:] == [f"About claude-status-tray {view.__version__}", "Quit"]
        notifications = find(tree, "Notifications")
        assert notifications["toggle"] == 1

        # a hook event changes a session: the menu, label and notifications follow within 2 s
        fire(env, event(a, "PermissionRequest", tool_name="Bash", tool_input={"command": "rm -rf build"}))

        def waiting_shown():
            _, t = desktop.layout(item)
            s = find(t, "⏳ Refactor parser")
            return s is not None and "waiting for you (Bash: rm -rf build) for " in s["label"]

        assert wait_for(waiting_shown, 2.0), labels(desktop.layout(item)[1])
        assert wait_for(lambda: desktop.prop(item, "XAyatanaLabel").endswith("⏳"), 2.0)
        notes = wait_for(lambda: desktop.records("notifications.jsonl"), 2.0)
        assert [n["summary"] for n in notes] == ["Claude is waiting for you"]
        assert "Refactor parser" in notes[0]["body"]

        # clicking an item runs its callback: notifications off, saved, and the check mark follows
        _, tree = desktop.layout(item)
        desktop.click(item, find(tree, "Notifications")["id"])
        settings_file = os.path.join(env["CLAUDE_STATUS_TRAY_CONFIG"], "settings.json")

        def saved_notifications():
            with open(settings_file) as fh:
                return json.load(fh).get("notifications")

        assert wait_for(lambda: saved_notifications() is False, 5)
        assert wait_for(lambda: find(desktop.layout(item)[1], "Notifications")["toggle"] == 0, 5)

        # nothing changes across several full aggregations: no menu rebuild (the dbusmenu revision stays)
        rev, _ = desktop.layout(item)
        time.sleep(2.5)
        assert desktop.layout(item)[0] == rev

        # quit from the menu ends the process cleanly
        desktop.click(item, find(desktop.layout(item)[1], "Quit")["id"])
        assert tray.wait(10) == 0
    finally:
        if tray.poll() is None:
            tray.send_signal(signal.SIGTERM)
            try:
                tray.wait(5)
            except subprocess.TimeoutExpired:
                tray.kill()
        log.close()


@pytest.mark.parametrize("backend", ["sni", "appindicator"])
def test_tray_survives_without_a_notification_daemon(tmp_path, tray_env, backend):
    # sni: our own item (tray/sni.py), notifications by desktop-notifier; appindicator
    # (CLAUDE_STATUS_SNI=0): pystray's, whose own notifier is wrapped by tray.app._SafeNotifier
    d = Desktop(str(tmp_path), "--no-notifications").start()
    env = dict(tray_env)
    sid = "cccc3333-0000-4000-8000-000000000003"
    fire(env, event(sid, "UserPromptSubmit", prompt="Lonely task"))
    child_env = d.env()
    child_env.update(env)
    if backend == "appindicator":
        child_env["CLAUDE_STATUS_SNI"] = "0"
    log = open(tmp_path / "tray.log", "w")
    tray = subprocess.Popen(
        [sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        items = wait_for(lambda: d.records("items.jsonl"), 20)
        assert items, (tmp_path / "tray.log").read_text()
        item = items[0]
        assert wait_for(lambda: find(d.layout(item)[1], "● Lonely task") is not None, 10)
        # a notification is due: it cannot be shown, the tray goes on
        fire(env, event(sid, "PermissionRequest", tool_name="Bash", tool_input={"command": "make"}))
        assert wait_for(lambda: find(d.layout(item)[1], "⏳ Lonely task") is not None, 10)
        said = ("notifications disabled: no working org.freedesktop.Notifications service" if backend == "appindicator"
                else "notifications unavailable")
        assert wait_for(lambda: said in (tmp_path / "tray.log").read_text(), 10), (tmp_path / "tray.log").read_text()
        assert tray.poll() is None
        d.click(item, find(d.layout(item)[1], "Quit")["id"])
        assert tray.wait(10) == 0, (tmp_path / "tray.log").read_text()
        assert "Traceback" not in (tmp_path / "tray.log").read_text()
    finally:
        if tray.poll() is None:
            tray.kill()
        log.close()
        d.stop()


@pytest.mark.skipif(shutil.which("trayer") is None or shutil.which("xwininfo") is None,
                    reason="GUI TEST NOT RUN: trayer and xwininfo (apt-get install trayer x11-utils) are missing")
def test_xorg_fallback_docks_with_a_latin1_title_and_says_what_is_missing(tmp_path, tray_env):
    d = Desktop(str(tmp_path)).start()
    env = dict(tray_env)
    fire(env, event("dddd4444-0000-4000-8000-000000000004", "UserPromptSubmit", prompt="Übersetzung ✨"))
    child_env = d.env()
    child_env.update(env, PYSTRAY_BACKEND="xorg")
    d.popen(["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "32",
             "--SetDockType", "true"], env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log_path = tmp_path / "tray.log"
    log = open(log_path, "w")
    def tree():
        return subprocess.run(["xwininfo", "-root", "-tree"], env=child_env, capture_output=True,
                              check=False).stdout.decode("latin-1")

    def tray_manager_ready():
        # trayer owns the XEmbed system tray selection: only then can the tray dock (pystray's xorg
        # backend looks for it once, at start)
        code = ("from Xlib import display; d = display.Display(); "
                "print(d.get_selection_owner(d.intern_atom('_NET_SYSTEM_TRAY_S0')).id)")
        out = subprocess.run([sys.executable, "-c", code], env=child_env, capture_output=True, text=True, check=False)
        return out.returncode == 0 and out.stdout.strip() not in ("", "0")

    # a condition, not a fixed sleep: the machine may be loaded
    assert wait_for(tray_manager_ready, 120), tree()
    d.popen([sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT)

    def docked():
        # WM_NAME is Latin-1 (STRING), and xwininfo prints it as such
        return [line for line in tree().splitlines() if "Übersetzung" in line]

    try:
        lines = wait_for(docked, 120)  # generous: the machine may be loaded
        assert lines, log_path.read_text() + "\n" + tree()
        # the emoji title would raise UnicodeEncodeError in python-xlib; the tray sends a Latin-1 version, with
        # every mark in its ASCII form: "ok", or "!" (not "?") when the machine's load is high, as it may be here
        assert "✨" not in lines[0] and "☁" not in lines[0], lines[0]
        assert re.search(r"\| Ctx:0% \| 0a \| (ok|!)\"", lines[0]), lines[0]
        text = log_path.read_text()
        assert "only pystray's xorg backend is available: no menu" in text
        # also in the log file beside the settings, for a tray started at login with no terminal
        with open(os.path.join(env["CLAUDE_STATUS_TRAY_CONFIG"], "tray.log"), encoding="utf-8") as fh:
            assert "only pystray's xorg backend is available" in fh.read()
        assert "UnicodeEncodeError" not in text
    finally:
        d.stop()  # the tray, trayer, then the desktop; kills what hangs (pystray's xorg stop(), docs/platform-notes.md, pystray: Linux desktops)
        log.close()


def test_demo_drives_the_real_tray(tmp_path, tray_env):
    d = Desktop(str(tmp_path)).start()
    child_env = d.env()
    child_env.update(tray_env)
    log_path = tmp_path / "demo.log"
    log = open(log_path, "w")
    demo = subprocess.Popen([sys.executable, "-m", "tray", "demo", "--sessions", "3", "--speed", "2"], cwd=ROOT,
                            env=child_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        items = wait_for(lambda: d.records("items.jsonl"), 20)
        assert items, log_path.read_text()
        item = items[0]
        assert wait_for(lambda: d.prop(item, "XAyatanaLabel").startswith("☁️ 3s | "), 10), d.prop(item, "XAyatanaLabel")
        # session 2 waits for permission for a while in the script: the tray shows it
        assert wait_for(lambda: find(d.layout(item)[1], "⏳ Write the release notes") is not None, 10)
        assert wait_for(lambda: d.prop(item, "XAyatanaLabel").endswith("⏳"), 5)
        # ...and the script ends one session: the tray follows
        assert wait_for(lambda: d.prop(item, "XAyatanaLabel").startswith("☁️ 2s | "), 20), d.prop(item, "XAyatanaLabel")
        d.click(item, find(d.layout(item)[1], "Quit")["id"])
        assert demo.wait(10) == 0, log_path.read_text()
    finally:
        if demo.poll() is None:
            demo.kill()
        log.close()
        d.stop()


def test_real_tray_lists_waiting_sessions_first_and_never_in_more(desktop, tray_env, tmp_path):
    """Issue 11 with 30 sessions through the real hook: the waiting ones lead the menu and none hides in
    "N more…", in the dbusmenu the real tray exports."""
    env = dict(tray_env)
    sids = [f"{i:08x}-0000-4000-8000-{i:012d}" for i in range(30)]
    for i, sid in enumerate(sids):
        fire(env, event(sid, "UserPromptSubmit", prompt=f"Task number {i:02d}"))
        if i % 4 == 0:
            fire(env, event(sid, "Stop"))
    waiting = [sids[i] for i in (9, 21, 29)]
    for sid in waiting:
        fire(env, event(sid, "PermissionRequest", tool_name="Bash", tool_input={"command": "git push --force"}))
    child_env = desktop.env()
    child_env.update(env)
    log = open(tmp_path / "tray.log", "w")
    tray = subprocess.Popen([sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=child_env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        items = wait_for(lambda: desktop.records("items.jsonl"), 20)
        assert items, (tmp_path / "tray.log").read_text()
        item = items[0]

        def sessions():
            _, tree = desktop.layout(item)
            rows = [c for c in tree["children"] if c["submenu"]]
            return rows if len(rows) >= 13 else None

        rows = wait_for(sessions, 20)
        assert rows, labels(desktop.layout(item)[1])
        heads = [r["label"] for r in rows[:3]]
        assert [h.split(" — ")[0] for h in heads] == ["⏳ Task number 09", "⏳ Task number 21", "⏳ Task number 29"]
        assert all("waiting for you (Bash: git push --force) for " in h for h in heads), heads
        more = rows[-1]
        assert more["label"] == "18 more…", [r["label"] for r in rows]
        hidden = labels(more)
        assert len(hidden) == 18 and not any(h.startswith("⏳") for h in hidden)
        # then working before idle among the listed ones
        marks = [r["label"][0] for r in rows[3:-1]]
        assert marks == sorted(marks, key=lambda m: {"●": 0, "✓": 1}[m]), marks
        desktop.click(item, find(desktop.layout(item)[1], "Quit")["id"])
        assert tray.wait(10) == 0
    finally:
        if tray.poll() is None:
            tray.kill()
        log.close()
