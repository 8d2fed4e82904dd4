"""The test desktop (tests/desktop.py) is private: from a desktop terminal (DISPLAY, a session bus and
XDG_RUNTIME_DIR set), nothing it starts may reach the user's display or activate the system's services
(a notification daemon such as dunst popping up on the real screen)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.desktop import Desktop, missing_binaries

pytestmark = pytest.mark.gui


def _gi() -> bool:
    return subprocess.run([sys.executable, "-c", "from gi.repository import Gio"], capture_output=True,
                          check=False).returncode == 0


if missing_binaries() or not _gi():
    REASON = "GUI TEST NOT RUN: needs Xvfb, dbus-daemon and PyGObject (see .ci/run)"
    if os.environ.get("CI"):
        pytest.fail(REASON, pytrace=False)
    pytestmark = [pytest.mark.gui, pytest.mark.skip(reason=REASON)]


def test_a_desktop_terminal_leaks_nothing_into_the_private_desktop(tmp_path, monkeypatch):
    runtime = tmp_path / "user-runtime"
    (runtime / "dbus-1" / "services").mkdir(parents=True)
    (runtime / "dbus-1" / "services" / "org.example.Leak.service").write_text(
        "[D-BUS Service]\nName=org.example.Leak\nExec=/bin/true\n")
    monkeypatch.setenv("DISPLAY", ":4242")  # the user's real display
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + str(tmp_path / "user-bus"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    with Desktop(str(tmp_path / "d"), "--no-notifications") as d:
        from gi.repository import GLib

        names = d.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                       "ListActivatableNames", None, "(as)").unpack()[0]
        # no service can be activated: not the system's dunst (/usr/share/dbus-1/services), not the user's
        assert names == ["org.freedesktop.DBus"], names
        assert not d.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
                          GLib.Variant("(s)", ("org.freedesktop.Notifications",)), "(b)").unpack()[0]
        env = d.env()
        assert env["DISPLAY"] == d.display != ":4242"
        assert env["DBUS_SESSION_BUS_ADDRESS"] == d.address
        assert env.get("XDG_RUNTIME_DIR") != str(runtime)
        assert os.path.isdir(env["XDG_RUNTIME_DIR"]) and (os.stat(env["XDG_RUNTIME_DIR"]).st_mode & 0o777) == 0o700
