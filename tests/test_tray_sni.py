"""The tray's own StatusNotifierItem (tray/sni.py) read over D-Bus the way a panel reads it.

The real tray (`python -m tray tray`) on a private session bus with a StatusNotifierWatcher written with
dbus-fast (tests/sni_host.py): nothing here or in the host needs PyGObject, so these run in CI's venvs
without gi (3.9, 3.13) as well, and the tray must not load gi or Gtk either. There is no graphical SNI
host on this machine: the menu, tooltip, status and icons are proven by what D-Bus returns.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from tests.desktop import find, top_labels, wait_for
from tests.test_tray_gui import ROOT, event, fire
from tests.tray_helpers import tray_env  # noqa: F401

try:
    import dbus_fast  # noqa: F401

    from tests.sni_host import SniDesktop
    NO_DBUS_FAST = ""
except ImportError as err:  # pragma: no cover - dbus-fast comes with the tray extra
    NO_DBUS_FAST = f"dbus-fast is not importable ({err})"

MISSING = [b for b in ("Xvfb", "dbus-daemon") if shutil.which(b) is None] + ([NO_DBUS_FAST] if NO_DBUS_FAST else [])
pytestmark = [pytest.mark.gui]
if MISSING:
    REASON = f"GUI TEST NOT RUN: missing {', '.join(MISSING)} (apt-get install xvfb dbus; pip install -e '.[tray]')"
    if os.environ.get("CI"):
        pytest.fail(REASON, pytrace=False)
    pytestmark.append(pytest.mark.skip(reason=REASON))

A = "aaaa1111-0000-4000-8000-0000000000a1"
B = "bbbb2222-0000-4000-8000-0000000000b2"


def start_tray(d, env, tmp_path, argv=None):
    child_env = d.env()
    child_env.update(env)
    err = tmp_path / "tray.err"
    p = d.popen(argv or [sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=child_env,
                stdout=subprocess.DEVNULL, stderr=open(err, "w"))
    return p, err


def conf_log(env):
    path = os.path.join(env["CLAUDE_STATUS_TRAY_CONFIG"], "tray.log")
    return open(path, encoding="utf-8").read() if os.path.exists(path) else ""


def loaded(pid, *needles):
    """Which of `needles` (library names) the process has mapped."""
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as fh:
        maps = fh.read()
    return [n for n in needles if n in maps]


def expected_title(env):
    from core import aggregate
    from tray import view

    return view.title(aggregate.aggregate(env["CLAUDE_STATUS_DIR"], options=aggregate.Options(dry_run=True, environ=env)))


def quit_tray(d, item, tray):
    d.click(item, find(d.layout(item)[1], "Quit")["id"])
    assert tray.wait(30) == 0


@pytest.fixture
def sni_desktop(tmp_path):
    d = SniDesktop(str(tmp_path)).start()
    yield d
    d.stop()


def test_own_item_tooltip_attention_pixmaps_and_menu(sni_desktop, tray_env, tmp_path):
    from tray import icons

    d, env = sni_desktop, dict(tray_env)
    fire(env, event(A, "UserPromptSubmit", prompt="Refactor parser"))
    fire(env, event(B, "UserPromptSubmit", prompt="Write notes <draft> & co"))
    tray, err = start_tray(d, env, tmp_path)
    items = wait_for(lambda: d.records("items.jsonl"), 60)
    assert items, err.read_text() + conf_log(env)
    item = items[0]
    assert item == {"bus_name": f"org.kde.StatusNotifierItem-{tray.pid}-1", "path": "/StatusNotifierItem"}
    title = expected_title(env)
    assert title.startswith("☁️ 2s | ")
    assert wait_for(lambda: d.prop(item, "Title") == title, 30), d.prop(item, "Title")
    assert d.prop(item, "Id") == "claude-status" and d.prop(item, "Category") == "ApplicationStatus"
    assert d.prop(item, "ItemIsMenu") is True and d.prop(item, "Menu") == "/MenuBar"
    assert d.prop(item, "Status") == "Active"
    assert wait_for(lambda: d.prop(item, "XAyatanaLabel") == title, 30)

    # the tooltip: the title line, then one line per session (escaped: hosts read it as markup)
    _name, _pix, tip_title, body = d.prop(item, "ToolTip")
    assert tip_title == title
    lines = html.unescape(body).split("\n")
    assert [line.split(" ")[0] for line in lines] == ["●", "●"], body
    assert any("Refactor parser" in line for line in lines) and any("Write notes <draft> & co" in line for line in lines)
    assert "&lt;draft&gt; &amp; co" in body

    # the icon drawn at each panel size, ARGB32: the alpha byte first
    pix = d.prop(item, "IconPixmap")
    assert [(w, h) for w, h, _ in pix] == [(s, s) for s in icons.SNI_SIZES]
    for w, h, data in pix:
        assert len(data) == w * h * 4
        argb = bytes(data)
        alphas = argb[0::4]
        assert max(alphas) == 255 and min(alphas) == 0  # opaque ring, transparent corners
    assert d.prop(item, "AttentionIconPixmap") == pix

    # the menu: the title, then the sessions (submenus); its dbusmenu properties
    assert d.menu_prop(item, "Version") == 3 and d.menu_prop(item, "Status") == "normal"
    _, tree = d.layout(item)
    assert top_labels(tree)[0] == title
    sessions = [c["label"] for c in tree["children"] if c["submenu"]]
    assert [s.split(" — ")[0] for s in sessions] == ["● Refactor parser", "● Write notes <draft> & co"], sessions

    # a session waits: NeedsAttention (with the signal), the waiting one first in the menu and the tooltip
    fire(env, event(B, "PermissionRequest", tool_name="Bash", tool_input={"command": "git push --force"}))
    assert wait_for(lambda: d.prop(item, "Status") == "NeedsAttention", 30), d.prop(item, "Status")
    assert ("NewStatus", "/StatusNotifierItem", ["NeedsAttention"]) in d.reader.signals
    assert wait_for(lambda: next(c["label"] for c in d.layout(item)[1]["children"] if c["submenu"]).startswith(
        "⏳ Write notes"), 30), top_labels(d.layout(item)[1])
    assert wait_for(lambda: html.unescape(d.prop(item, "ToolTip")[3]).startswith("⏳ Write notes"), 30)
    assert d.prop(item, "AttentionIconPixmap") == d.prop(item, "IconPixmap") != pix  # the "!" badge
    assert any(s[0] == "NewToolTip" for s in d.reader.signals) and any(s[0] == "NewIcon" for s in d.reader.signals)

    # Activate (a left click where the host does not open the menu) focuses the waiting session
    d.activate(item)
    assert wait_for(lambda: "action: focus bbbb2222" in conf_log(env), 30), conf_log(env)

    # Event "clicked" runs the item's action: "Focus terminal" of the first session's submenu...
    _, tree = d.layout(item)
    refactor = next(c for c in tree["children"] if c["label"].startswith("● Refactor parser"))
    d.click(item, find(refactor, "Focus terminal")["id"])
    assert wait_for(lambda: "action: focus aaaa1111" in conf_log(env), 30), conf_log(env)
    # ...and the Notifications toggle: saved, and the check mark follows
    notifications = find(tree, "Notifications")
    assert notifications["toggle"] == 1
    d.click(item, notifications["id"])
    settings_file = os.path.join(env["CLAUDE_STATUS_TRAY_CONFIG"], "settings.json")

    def saved():
        if not os.path.exists(settings_file):
            return None
        with open(settings_file) as fh:
            return json.load(fh).get("notifications")

    assert wait_for(lambda: saved() is False, 30)
    assert wait_for(lambda: find(d.layout(item)[1], "Notifications")["toggle"] == 0, 30)

    # answered: Active again
    fire(env, event(B, "PostToolUse", tool_name="Bash", tool_input={"command": "git push --force"}))
    assert wait_for(lambda: d.prop(item, "Status") == "Active", 30)
    assert ("NewStatus", "/StatusNotifierItem", ["Active"]) in d.reader.signals

    # no PyGObject, no Gtk, no libayatana in the tray process
    assert loaded(tray.pid, "libgtk-3", "libayatana", "libgirepository", "_gi.") == []
    quit_tray(d, item, tray)
    assert "our own StatusNotifierItem" in conf_log(env)
    assert "Traceback" not in err.read_text()


def test_watcher_restart_registers_the_item_again(sni_desktop, tray_env, tmp_path):
    d, env = sni_desktop, dict(tray_env)
    fire(env, event(A, "UserPromptSubmit", prompt="Survive the panel"))
    tray, err = start_tray(d, env, tmp_path)
    items = wait_for(lambda: d.records("items.jsonl"), 60)
    assert items, err.read_text() + conf_log(env)
    # the panel crashes and starts again (a new watcher process, recording elsewhere)
    d.host.send_signal(signal.SIGKILL)
    d.host.wait(10)
    out2 = tmp_path / "host2"
    out2.mkdir()
    d.host = d.start_host(str(out2))

    def again():
        path = out2 / "items.jsonl"
        return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []

    assert wait_for(again, 60), conf_log(env)
    item = again()[0]
    assert item == items[0]
    assert wait_for(lambda: find(d.layout(item)[1], "● Survive the panel") is not None, 30)
    assert tray.poll() is None
    tray.send_signal(signal.SIGINT)  # Ctrl-C in the terminal that started it: a clean quit
    assert tray.wait(30) == 0, err.read_text()
    assert "Traceback" not in err.read_text()


def test_no_host_yet_waits_and_registers_when_one_starts(tmp_path, tray_env):
    # the tray started at login before the panel, in a venv where gi cannot be imported at all
    d = SniDesktop(str(tmp_path), "--no-watcher").start()
    env = dict(tray_env)
    try:
        fire(env, event(A, "UserPromptSubmit", prompt="Login race"))
        # no gi in the venv, and none from the distribution either (as on 3.9/3.13, or without python3-gi)
        blocker = ("import sys; sys.modules['gi'] = None; import tray.linux as linux; "
                   "linux.find_system_gi = lambda *a: (None, 'PyGObject (gi) is not installed'); "
                   "sys.argv = ['tray', 'tray']; import runpy; runpy.run_module('tray', run_name='__main__', alter_sys=True)")
        tray, err = start_tray(d, env, tmp_path, [sys.executable, "-c", blocker])
        assert wait_for(lambda: "no StatusNotifierItem host on the session bus yet" in conf_log(env), 60), (
            conf_log(env) + err.read_text())
        assert tray.poll() is None
        d.host = d.start_host(d.out)
        items = wait_for(lambda: d.records("items.jsonl"), 60)
        assert items, conf_log(env)
        assert wait_for(lambda: find(d.layout(items[0])[1], "● Login race") is not None, 30)
        text = err.read_text()
        lines = [line for line in text.splitlines() if line.strip()]
        assert len(lines) == 1 and "no StatusNotifierItem host on the session bus yet" in lines[0], text
        assert "PyGObject" in lines[0]  # and what a classic system tray would need
        tray.send_signal(signal.SIGTERM)  # logout: a clean quit
        assert tray.wait(30) == 0, err.read_text()
        assert "Traceback" not in err.read_text()
    finally:
        d.stop()


def test_doctor_says_the_sni_item_needs_no_pygobject(sni_desktop, tray_env, tmp_path):
    d = sni_desktop
    child_env = d.env()
    child_env.update(tray_env)
    child_env.pop("PYSTRAY_BACKEND", None)
    r = subprocess.run([sys.executable, "-m", "cli", "doctor"], cwd=ROOT, env=child_env, capture_output=True,
                       text=True, timeout=120, check=False)
    out = r.stdout + r.stderr
    line = next((x for x in out.splitlines() if "StatusNotifierWatcher:" in x), "")
    assert line.startswith("[pass]") and "its own StatusNotifierItem" in line and "no PyGObject needed" in line, out
    gi_line = next((x for x in out.splitlines() if "] PyGObject:" in x), "")
    assert gi_line.startswith(("[pass]", "[warn]")), out  # never a failure where the SNI item works
    assert "AppIndicator:" not in out  # libayatana plays no part here


def test_the_tray_quits_cleanly_when_the_session_bus_goes_away(sni_desktop, tray_env, tmp_path):
    """The session's dbus-daemon dies (the desktop session ended): the tray says so once in its log and
    quits with 0, instead of living on with no icon."""
    d, env = sni_desktop, dict(tray_env)
    fire(env, event(A, "UserPromptSubmit", prompt="Bus goes away"))
    tray, err = start_tray(d, env, tmp_path)
    assert wait_for(lambda: d.records("items.jsonl"), 60), err.read_text() + conf_log(env)
    bus = next(p for p in d.procs if p.args and "dbus-daemon" in str(p.args[0]))
    bus.kill()
    bus.wait(10)
    try:
        assert tray.wait(60) == 0, err.read_text()
    finally:
        if tray.poll() is None:
            tray.kill()
    assert "session bus went away" in conf_log(env)
    assert "Traceback" not in err.read_text()


def test_a_second_tray_says_the_first_runs_and_leaves(sni_desktop, tray_env, tmp_path):
    """Start at login plus a `claude-status tray` typed later: one icon, not two."""
    d, env = sni_desktop, dict(tray_env)
    fire(env, event(A, "UserPromptSubmit", prompt="Only once"))
    tray, err = start_tray(d, env, tmp_path)
    try:
        assert wait_for(lambda: d.records("items.jsonl"), 60), err.read_text() + conf_log(env)
        child_env = d.env()
        child_env.update(env)
        second = subprocess.run([sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=child_env,
                                capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 1, second.stderr
        lines = [x for x in second.stderr.splitlines() if x.strip()]
        assert len(lines) == 1 and "already running" in lines[0], second.stderr
        assert len(d.records("items.jsonl")) == 1 and tray.poll() is None
    finally:
        tray.send_signal(signal.SIGTERM)
        assert tray.wait(30) == 0, err.read_text()
