from __future__ import annotations

import plistlib

import pytest

from tests.tray_helpers import tray_env  # noqa: F401
from tray import autostart


def test_linux_xdg_entry(tray_env):
    env = tray_env
    assert not autostart.is_enabled("linux", env)
    path = autostart.enable("linux", env, cmd=["/opt/my app/claude-status", "tray"])
    assert path == f"{env['XDG_CONFIG_HOME']}/autostart/claude-status-tray.desktop"
    text = open(path).read()
    assert 'Exec="/opt/my app/claude-status" tray\n' in text and text.startswith("[Desktop Entry]\n")
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


def _read_exec(value):
    """The Desktop Entry spec's reader: string escapes first, then the Exec quoting rules, then %% -> %."""
    escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    text, i = "", 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in escapes:
            text, i = text + escapes[value[i + 1]], i + 2
        else:
            text, i = text + value[i], i + 1
    args, cur, quoted, started, i = [], "", False, False, 0
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and i + 1 < len(text) and text[i + 1] in '"`$\\':
            cur, i = cur + text[i + 1], i + 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if started or cur:
                args.append(cur)
            cur, started = "", False
        else:
            assert quoted or c not in autostart._EXEC_RESERVED, f"unquoted reserved {c!r} in {value!r}"
            cur += c
        i += 1
    assert not quoted, value
    if started or cur:
        args.append(cur)
    return [a.replace("%%", "%") for a in args]


@pytest.mark.parametrize(
    "cmd",
    [
        ["/home/me/My Apps/claude-status", "tray"],
        ["/opt/x/python3", "-m", "tray", "tray"],
        ["/home/o'brien/$HOME/`id`/back\\slash/\"q\"/50%/python", "tray"],
        ["/tmp/tab\there", ""],
    ],
)
def test_xdg_exec_line_follows_the_desktop_entry_quoting_rules(tray_env, cmd):
    path = autostart.enable("linux", tray_env, cmd=cmd)
    line = next(x for x in open(path, encoding="utf-8").read().splitlines() if x.startswith("Exec="))
    assert "'" not in line.replace("o'brien", "")  # no POSIX single quotes: the spec has none
    assert _read_exec(line[len("Exec="):]) == cmd
