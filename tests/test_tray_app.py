"""The controller with a recording FakeIcon (dummy backend): what is redrawn, and when."""

from __future__ import annotations

import json
import os
import threading
import time

# before the first `import pystray`: the dummy backend needs no display (docs/platform-notes.md, pystray: backends)
os.environ.setdefault("PYSTRAY_BACKEND", "dummy")

import pystray
import pytest
from pystray import _base

from tests.tray_helpers import NOW, make_index, make_row, tray_env  # noqa: F401
from tray import app as app_mod
from tray import settings as settings_mod
from tray.app import TrayApp


class FakeIcon(_base.Icon):
    HAS_NOTIFICATION = True

    def __init__(self, *args, **kwargs):
        self.calls = []
        super().__init__(*args, **kwargs)
        self._visible = True

    def _show(self):
        self.calls.append("show")

    def _hide(self):
        self.calls.append("hide")

    def _update_icon(self):
        self.calls.append("icon")

    def _update_title(self):
        self.calls.append(("title", self.title))

    def _update_menu(self):
        self.calls.append(("menu", str(self.menu)))

    def _notify(self, message, title=None):
        self.calls.append(("notify", title, message))

    def _run(self):
        self._mark_ready()

    def _stop(self):
        self.calls.append("stop")


class FakeSource:
    legacy = False
    sdir = "/nonexistent"

    def __init__(self):
        self.index = None
        self.cleaned = 0

    def poll(self, force=False):
        index, self.index = self.index, None
        return index

    def cleanup_stale(self):
        self.cleaned += 1
        return 1


@pytest.fixture
def tray(tray_env):
    clock = [NOW]
    source = FakeSource()
    settings = settings_mod.Settings()
    a = TrayApp(settings=settings, source=source, environ=tray_env, platform="linux", clock=lambda: clock[0])
    a.pystray = pystray
    a.create_icon(FakeIcon)
    a.clock_ref = clock
    return a


def push(tray, index):
    tray.source.index = index
    return tray.tick()


def kinds(calls):
    return [c if isinstance(c, str) else c[0] for c in calls]


def test_first_index_draws_everything_once(tray):
    idx = make_index([make_row(0), make_row(1, context_pct=65)])
    assert push(tray, idx)
    assert tray.counts == {"icon": 1, "title": 1, "label": 1, "menu": 1, "notify": 0}
    assert ("title", tray.icon.title) in tray.icon.calls
    assert "task 1" in str(tray.icon.menu)


def test_unchanged_index_redraws_nothing(tray):
    idx = make_index([make_row(0)])
    push(tray, idx)
    before = dict(tray.counts)
    calls = len(tray.icon.calls)
    for _ in range(5):
        push(tray, json.loads(json.dumps(idx)))
    assert tray.counts == before
    assert len(tray.icon.calls) == calls
    assert not tray.tick()  # nothing new from the source


def test_only_what_changed_is_redrawn(tray):
    push(tray, make_index([make_row(0, context_pct=10)]))
    before = dict(tray.counts)
    push(tray, make_index([make_row(0, context_pct=12)]))  # same icon bucket, new title and menu
    assert tray.counts["icon"] == before["icon"]
    assert tray.counts["title"] == before["title"] + 1
    assert tray.counts["menu"] == before["menu"] + 1


def test_relative_times_refresh_the_menu_only_after_a_while(tray):
    idx = make_index([make_row(0)])
    push(tray, idx)
    menus = tray.counts["menu"]
    tray.clock_ref[0] += 5
    push(tray, idx)
    assert tray.counts["menu"] == menus
    tray.clock_ref[0] += app_mod.MENU_AGE_REFRESH
    push(tray, idx)
    assert tray.counts["menu"] == menus + 1


def test_waiting_transition_notifies_once(tray):
    push(tray, make_index([make_row(0, state="working")]))
    push(tray, make_index([make_row(0, state="waiting", waiting_for="permission for Bash")]))
    push(tray, make_index([make_row(0, state="waiting", waiting_for="permission for Bash", context_pct=30)]))
    notes = [c for c in tray.icon.calls if not isinstance(c, str) and c[0] == "notify"]
    assert notes == [("notify", "Claude is waiting for you", "task 0 (permission for Bash)")]


def test_notifications_off_setting_silences(tray):
    tray.settings.notifications = False
    push(tray, make_index([make_row(0, state="working")]))
    push(tray, make_index([make_row(0, state="idle")]))
    assert tray.counts["notify"] == 0


def test_menu_actions_toggle_and_persist(tray, tray_env):
    push(tray, make_index([make_row(0)]))
    item = next(i for i in tray.icon.menu if i.text == "Notifications")
    assert item.checked is True
    item(tray.icon)
    assert tray.settings.notifications is False
    saved, warning = settings_mod.load(tray.settings_path)
    assert warning is None and saved.notifications is False
    item = next(i for i in tray.icon.menu if i.text == "Notifications")
    assert item.checked is False


def test_autostart_toggle_writes_xdg_entry(tray, tray_env):
    push(tray, make_index([make_row(0)]))
    next(i for i in tray.icon.menu if i.text == "Start at login")(tray.icon)
    path = f"{tray_env['XDG_CONFIG_HOME']}/autostart/claude-status-tray.desktop"
    with open(path) as fh:
        assert "Exec=" in fh.read()
    assert next(i for i in tray.icon.menu if i.text == "Start at login").checked is True
    next(i for i in tray.icon.menu if i.text == "Start at login")(tray.icon)
    import os

    assert not os.path.exists(path)


def test_cleanup_and_quit_actions(tray):
    push(tray, make_index([make_row(0, status="stale"), make_row(1)]))
    next(i for i in tray.icon.menu if i.text == "Clean up stale sessions")(tray.icon)
    assert tray.source.cleaned == 1
    next(i for i in tray.icon.menu if i.text == "Quit")(tray.icon)
    assert tray.stop_event.is_set()


def test_failing_action_is_reported_not_raised(tray):
    push(tray, make_index([make_row(0, cwd="/definitely/not/here")]))
    session = next(i for i in tray.icon.menu if i.submenu)
    open_item = next(i for i in session.submenu if i.text == "Open project folder")
    open_item(tray.icon)
    notes = [c for c in tray.icon.calls if not isinstance(c, str) and c[0] == "notify"]
    assert notes[-1][1] == "claude-status: open_path failed"
    assert "does not exist" in notes[-1][2]


def test_dashboard_action_without_dashboard_is_a_clear_notice(tray, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dashboard", None)
    push(tray, make_index([make_row(0)]))
    next(i for i in tray.icon.menu if i.text == "Open dashboard")(tray.icon)
    notes = [c for c in tray.icon.calls if not isinstance(c, str) and c[0] == "notify"]
    assert notes[-1][2] == "the dashboard is not installed in this build"


def test_dashboard_action_opens_the_url(tray, monkeypatch):
    import sys
    import types

    calls = []
    server = types.SimpleNamespace(
        start_background=lambda host, port, **dirs: calls.append((host, port)) or "http://127.0.0.1:9/"
    )
    pkg = types.ModuleType("dashboard")
    pkg.server = server
    monkeypatch.setitem(sys.modules, "dashboard", pkg)
    monkeypatch.setitem(sys.modules, "dashboard.server", server)
    opened = []
    monkeypatch.setattr(app_mod.webbrowser, "open", opened.append)
    push(tray, make_index([make_row(0)]))
    next(i for i in tray.icon.menu if i.text == "Open dashboard")(tray.icon)
    assert calls == [("127.0.0.1", 0)] and opened == ["http://127.0.0.1:9/"]


def test_run_loop_in_setup_thread_applies_and_stops(tray_env):
    source = FakeSource()
    source.index = make_index([make_row(0)])
    settings = settings_mod.Settings(poll_interval=0.2)
    a = TrayApp(settings=settings, source=source, environ=tray_env, platform="linux")
    a.pystray = pystray
    icon = a.create_icon(FakeIcon)
    import threading

    t = threading.Thread(target=icon.run, kwargs={"setup": a._setup}, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while a.counts["menu"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    a.do_quit()
    t.join(10)
    assert a.counts["menu"] == 1 and not t.is_alive()


@pytest.mark.parametrize(
    "environ,expected",
    [
        pytest.param({}, "no display", id="no-display"),
        pytest.param({"DISPLAY": ":9"}, None, id="display-and-bus-socket"),
        pytest.param({"PYSTRAY_BACKEND": "dummy"}, None, id="dummy"),
    ],
)
def test_display_problem(environ, expected, monkeypatch):
    monkeypatch.setattr(app_mod.os.path, "exists", lambda p: True)
    problem = app_mod.display_problem(environ, "linux")
    assert (problem is None) if expected is None else problem.startswith(expected)


def test_no_session_bus_is_named(monkeypatch):
    monkeypatch.setattr(app_mod.os.path, "exists", lambda p: False)
    assert "D-Bus" in app_mod.display_problem({"DISPLAY": ":9"}, "linux")


def test_latin1_title_for_xorg():
    out = app_mod.latin1("☁️ 2s | Ctx:22%/65% | 3a | ⏳ ✓ …")
    out.encode("latin-1")
    assert out.startswith("2s | Ctx:22%/65% | 3a | WAIT ok")


def test_windows_menu_text_escapes_ampersand():
    assert app_mod.menu_text("R&D", "win32") == "R&&D"
    assert app_mod.menu_text("R&D", "linux") == "R&D"


def test_open_dashboard_starts_the_real_server_once(tray, monkeypatch):
    pytest.importorskip("dashboard.server", reason="the dashboard package is not on this branch")
    import urllib.request

    opened = []
    monkeypatch.setattr(app_mod.webbrowser, "open", opened.append)
    push(tray, make_index([make_row(0)]))
    item = next(i for i in tray.icon.menu if i.text == "Open dashboard")
    item(tray.icon)
    item(tray.icon)
    assert len(opened) == 2 and opened[0] == opened[1] and opened[0].startswith("http://127.0.0.1:")
    with urllib.request.urlopen(opened[0], timeout=10) as resp:
        assert resp.status == 200


def test_open_dashboard_shows_the_trays_status_dir(tray, tray_env, tmp_path, monkeypatch):
    """The tray's --dir / settings.status_dir, not $CLAUDE_STATUS_DIR, decides what the page shows."""
    pytest.importorskip("dashboard.server", reason="the dashboard package is not on this branch")
    import urllib.request

    from dashboard import server
    from hook.main import run as run_hook

    trays_dir = str(tmp_path / "trays-own-status")
    sid = "0badcafe-1111-2222-3333-444455556666"
    event = {"session_id": sid, "hook_event_name": "UserPromptSubmit", "prompt": "only in the tray's dir",
             "cwd": str(tmp_path)}
    run_hook(json.dumps(event).encode(), dict(tray_env, CLAUDE_STATUS_DIR=trays_dir), time.time())
    assert os.environ["CLAUDE_STATUS_DIR"] != trays_dir
    tray.source.sdir = trays_dir  # as `claude-status tray --dir` does
    opened = []
    monkeypatch.setattr(app_mod.webbrowser, "open", opened.append)
    server.stop_background()  # another test may have left one running with other dirs
    try:
        push(tray, make_index([make_row(0)]))
        next(i for i in tray.icon.menu if i.text == "Open dashboard")(tray.icon)
        with urllib.request.urlopen(opened[0] + "healthz", timeout=10) as resp:
            health = json.loads(resp.read())
        with urllib.request.urlopen(opened[0] + "api/status/live", timeout=10) as resp:
            live = json.loads(resp.read())
    finally:
        server.stop_background()
    assert health["status_dir"] == trays_dir
    assert health["claude_dir"] == tray_env["CLAUDE_CONFIG_DIR"]
    assert [r["session_id"] for r in live["sessions"]] == [sid]


class _Recorder:
    """Stands in for NSStatusItem.button() and its image."""

    def __init__(self, log):
        self.log = log

    def button(self):
        return self

    def image(self):
        return self

    def setTitle_(self, text):
        self.log.append(("setTitle_", text, threading.current_thread().name))

    def setTemplate_(self, flag):
        self.log.append(("setTemplate_", flag, threading.current_thread().name))


def test_macos_updates_go_through_the_main_thread(tray_env, monkeypatch):
    """On darwin every AppKit-touching call is queued with AppHelper.callAfter (docs/platform-notes.md, pystray: threads)."""
    import sys
    import types

    queued = []
    helper = types.SimpleNamespace(callAfter=lambda fn, *a: queued.append(fn))
    monkeypatch.setitem(sys.modules, "PyObjCTools", types.SimpleNamespace(AppHelper=helper))
    monkeypatch.setitem(sys.modules, "PyObjCTools.AppHelper", helper)
    log = []
    darwin_icon = type("Icon", (FakeIcon,), {"__module__": "pystray._darwin"})
    source = FakeSource()
    a = TrayApp(settings=settings_mod.Settings(), source=source, environ=tray_env, platform="darwin")
    a.pystray = pystray
    icon = a.create_icon(darwin_icon)
    icon._status_item = _Recorder(log)
    source.index = make_index([make_row(0, context_pct=10)])
    a.tick()
    assert icon.calls == [] and log == []  # nothing touched AppKit from this (non-main) thread
    assert len(queued) == 4  # icon, title (tooltip), label, menu
    for fn in queued:
        fn()  # what the main thread then runs
    assert ("setTitle_", view_title(source), "MainThread") in log
    assert ("setTemplate_", True, "MainThread") in log  # quiet state: a template icon
    assert "icon" in icon.calls and any(c[0] == "menu" for c in icon.calls if not isinstance(c, str))


def view_title(source):
    from tray import view

    return view.title(make_index([make_row(0, context_pct=10)]))


def test_latin1_title_keeps_the_load_warning_readable():
    assert app_mod.latin1("☁️ 2s | Ctx:22% | 0a | ⚠") == "2s | Ctx:22% | 0a | !"


def test_focus_action_reports_why_it_could_not(tray):
    push(tray, make_index([make_row(0)]))
    session = next(i for i in tray.icon.menu if i.submenu)
    focus_item = next(i for i in session.submenu if i.text == "Focus terminal")
    focus_item(tray.icon)
    notes = [c for c in tray.icon.calls if not isinstance(c, str) and c[0] == "notify"]
    assert notes[-1][1] == "claude-status: focus failed"
    assert notes[-1][2].startswith("no session '00000000-aaaa")


def test_notification_actions_dispatch_to_focus_and_dashboard(tray, monkeypatch):
    from tray import notify

    calls = []
    monkeypatch.setitem(tray.ACTIONS, "focus", lambda app, arg: calls.append(("focus", arg)))
    monkeypatch.setitem(tray.ACTIONS, "dashboard", lambda app, arg: calls.append(("dashboard", arg)))
    tray.on_notification_action(notify.ACTION_SHOW, ("s1", "s2"))
    tray.on_notification_action(notify.ACTION_DASHBOARD, ("s1",))
    assert calls == [("focus", "s1"), ("dashboard", None)]


def test_session_notices_go_to_the_delivery_with_their_keys(tray):
    from tray import notify

    sent = []

    class Recorder(notify.Delivery):
        def apply(self, ops):
            sent.extend(ops)

    tray.delivery = Recorder()
    push(tray, make_index([make_row(0)]))
    push(tray, make_index([make_row(0, state="waiting", waiting_for="permission for Bash")]))
    push(tray, make_index([make_row(0, state="working")]))
    sid = make_row(0)["session_id"]
    assert [type(op).__name__ for op in sent] == ["Notice", "Close"]
    assert sent[0].key == sent[1].key == f"session:{sid}" and sent[0].critical
