"""tray.watch: file-system events wake the tray (watchfiles), for session files only; the tray's loop
ticks on a wake instead of waiting for its next poll."""

from __future__ import annotations

import os
import threading

import pytest

from tests.desktop import wait_for
from tests.tray_helpers import tray_env  # noqa: F401
from tray.watch import Watcher, _interesting

pytest.importorskip("watchfiles")


def test_a_session_file_change_wakes_the_watcher(tmp_path):
    woke = threading.Event()
    calls = []
    w = Watcher(str(tmp_path), lambda: (calls.append(1), woke.set()))
    assert w.start()
    try:
        assert wait_for(lambda: w.active, 60)
        # the watch is set up right after `active`; write until the first event arrives
        assert wait_for(lambda: (tmp_path / "a.json").write_text("{}") or woke.is_set(), 60, interval=0.2)
    finally:
        w.stop()


def test_only_session_json_files_count():
    assert _interesting(None, "/s/abc.json")
    assert not _interesting(None, "/s/.abc.json.123.tmp")
    assert not _interesting(None, "/s/.lock")
    assert not _interesting(None, "/s/hook.log")


def test_a_missing_dir_is_watched_once_it_appears(tmp_path):
    target = tmp_path / "later"
    woke = threading.Event()
    w = Watcher(str(target), woke.set)
    import tray.watch as watch_mod

    old = watch_mod.RETRY_S
    watch_mod.RETRY_S = 0.2
    try:
        assert w.start()
        assert not w.active
        target.mkdir()
        assert wait_for(lambda: w.active, 60)
        assert wait_for(lambda: (target / "b.json").write_text("{}") or woke.is_set(), 60, interval=0.2)
    finally:
        w.stop()
        watch_mod.RETRY_S = old


def test_the_tray_loop_ticks_on_a_wake_not_only_on_its_poll(tray_env):
    os.environ.setdefault("PYSTRAY_BACKEND", "dummy")
    from tests.test_tray_app import FakeIcon
    from tray import settings as settings_mod
    from tray.app import TrayApp

    settings = settings_mod.Settings(poll_interval=10, refresh_interval=300)
    app = TrayApp(settings=settings, environ=tray_env, platform="linux")
    import pystray

    app.pystray = pystray
    app.create_icon(FakeIcon)
    ticks = []
    original = app.tick
    app.tick = lambda force=False: (ticks.append(force), original(force))[1]
    t = threading.Thread(target=app._setup, args=(app.icon,), daemon=True)
    t.start()
    try:
        assert wait_for(lambda: len(ticks) >= 1, 60)
        before = len(ticks)
        app._wake.set()  # what the watcher does on a file event
        assert wait_for(lambda: len(ticks) > before, 8)  # long before the 10 s poll
    finally:
        app.do_quit()
        t.join(10)
    assert not t.is_alive()
