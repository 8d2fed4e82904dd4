from __future__ import annotations

import plistlib

from tests.tray_helpers import tray_env  # noqa: F401
from tray import autostart


def test_linux_xdg_entry(tray_env):
    env = tray_env
    assert not autostart.is_enabled("linux", env)
    path = autostart.enable("linux", env, cmd=["/opt/my app/claude-status", "tray"])
    assert path == f"{env['XDG_CONFIG_HOME']}/autostart/claude-status-tray.desktop"
    text = open(path).read()
    assert "Exec='/opt/my app/claude-status' tray\n" in text and text.startswith("[Desktop Entry]\n")
    assert autostart.is_enabled("linux", env)
    autostart.disable("linux", env)
    assert not autostart.is_enabled("linux", env)
    autostart.disable("linux", env)  # idempotent


def test_macos_launch_agent(tray_env):
    env = tray_env
    path = autostart.enable("darwin", env, cmd=["/usr/bin/python3", "-m", "tray", "tray"])
    assert path == f"{env['HOME']}/Library/LaunchAgents/dev.claude-status-tray.plist"
    with open(path, "rb") as fh:
        plist = plistlib.load(fh)
    assert plist["ProgramArguments"] == ["/usr/bin/python3", "-m", "tray", "tray"] and plist["RunAtLoad"] is True
    assert autostart.is_enabled("darwin", env)
    autostart.disable("darwin", env)
    assert not autostart.is_enabled("darwin", env)


class FakeWinreg:
    HKEY_CURRENT_USER = "HKCU"
    KEY_SET_VALUE = 2
    REG_SZ = 1

    def __init__(self):
        self.values = {}

    class _Key:
        def __init__(self, reg, path):
            self.reg, self.path = reg, path

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def CreateKey(self, root, path):
        return self._Key(self, path)

    def OpenKey(self, root, path, reserved=0, access=0):
        return self._Key(self, path)

    def SetValueEx(self, key, name, reserved, kind, value):
        self.values[(key.path, name)] = value

    def QueryValueEx(self, key, name):
        if (key.path, name) not in self.values:
            raise FileNotFoundError(name)
        return self.values[(key.path, name)], self.REG_SZ

    def DeleteValue(self, key, name):
        if (key.path, name) not in self.values:
            raise FileNotFoundError(name)
        del self.values[(key.path, name)]


def test_windows_run_key():
    reg = FakeWinreg()
    assert not autostart.is_enabled("win32", {}, winreg=reg)
    autostart.enable("win32", {}, cmd=[r"C:\Program Files\cs\claude-status.exe", "tray"], winreg=reg)
    assert reg.values[(autostart.RUN_KEY, "claude-status-tray")] == '"C:\\Program Files\\cs\\claude-status.exe" "tray"'
    assert autostart.is_enabled("win32", {}, winreg=reg)
    autostart.disable("win32", {}, winreg=reg)
    autostart.disable("win32", {}, winreg=reg)
    assert not autostart.is_enabled("win32", {}, winreg=reg)
