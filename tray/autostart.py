"""Start at login: a LaunchAgent (macOS), an XDG autostart entry (Linux), an HKCU Run value (Windows)."""

from __future__ import annotations

import contextlib
import os
import plistlib
import sys
from typing import Any, Optional

LABEL = "dev.claude-status-tray"
NAME = "claude-status-tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def command() -> list[str]:
    """How to start the tray: the frozen binary, else this interpreter with `-m tray`."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "tray"]
    return [sys.executable, "-m", "tray", "tray"]


def _home(environ: dict[str, str]) -> str:
    return environ.get("HOME") or os.path.expanduser("~")


def path(platform: str = sys.platform, environ: Optional[dict[str, str]] = None) -> str:
    env = dict(os.environ if environ is None else environ)
    if platform == "darwin":
        return os.path.join(_home(env), "Library", "LaunchAgents", f"{LABEL}.plist")
    if platform == "win32":
        return "HKCU\\" + RUN_KEY + "\\" + NAME
    base = env.get("XDG_CONFIG_HOME") or os.path.join(_home(env), ".config")
    return os.path.join(base, "autostart", f"{NAME}.desktop")


def _winreg() -> Any:
    import importlib

    return importlib.import_module("winreg")  # Windows only


def is_enabled(platform: str = sys.platform, environ: Optional[dict[str, str]] = None, winreg: Any = None) -> bool:
    if platform == "win32":
        reg = winreg or _winreg()
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY) as key:
                reg.QueryValueEx(key, NAME)
            return True
        except OSError:
            return False
    return os.path.exists(path(platform, environ))


# Desktop Entry spec, "The Exec key": an argument holding one of these must be double-quoted.
_EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


def exec_arg(arg: str) -> str:
    """One argument of an `Exec=` value, by the spec's rules (not POSIX shell quoting): `%` doubled;
    with a reserved character, double quotes with `"`, `` ` ``, `$` and `\\` backslash-escaped; then the
    string-value escapes (backslash doubled, newline as `\\n`), which readers undo first."""
    arg = arg.replace("%", "%%")
    if arg and not any(c in _EXEC_RESERVED for c in arg):
        return arg
    quoted = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return quoted.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def exec_line(cmd: list[str]) -> str:
    return " ".join(exec_arg(a) for a in cmd)


def desktop_entry(cmd: list[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Claude Status\n"
        "Comment=Claude Code sessions in the tray\n"
        f"Exec={exec_line(cmd)}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def launch_agent(cmd: list[str]) -> bytes:
    return plistlib.dumps(
        {"Label": LABEL, "ProgramArguments": cmd, "RunAtLoad": True, "KeepAlive": False, "ProcessType": "Interactive"}
    )


def enable(
    platform: str = sys.platform,
    environ: Optional[dict[str, str]] = None,
    cmd: Optional[list[str]] = None,
    winreg: Any = None,
) -> str:
    """Register the tray to start at login; returns where. Raises OSError on failure."""
    cmd = cmd or command()
    if platform == "win32":
        reg = winreg or _winreg()
        with reg.CreateKey(reg.HKEY_CURRENT_USER, RUN_KEY) as key:
            reg.SetValueEx(key, NAME, 0, reg.REG_SZ, " ".join(f'"{c}"' for c in cmd))
        return path(platform, environ)
    target = path(platform, environ)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if platform == "darwin":
        with open(target, "wb") as fh:
            fh.write(launch_agent(cmd))
    else:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(desktop_entry(cmd))
    return target


def disable(platform: str = sys.platform, environ: Optional[dict[str, str]] = None, winreg: Any = None) -> str:
    if platform == "win32":
        reg = winreg or _winreg()
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
                reg.DeleteValue(key, NAME)
        except FileNotFoundError:
            pass
        return path(platform, environ)
    target = path(platform, environ)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(target)
    return target
