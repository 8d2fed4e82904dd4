"""Frozen entry point of the `claude-status` executable (tray, dashboard and every subcommand)."""

from __future__ import annotations

import os
import sys


def _windows_console() -> None:
    """The Windows app is windowed (no console pops up at login), so stdout/stderr are None. When it is
    run from a terminal, attach to that console so `--version`, `install-hook` and `doctor` print."""
    if sys.platform != "win32" or sys.stdout is not None:
        return
    try:
        import ctypes

        attached = ctypes.windll.kernel32.AttachConsole(-1)  # ATTACH_PARENT_PROCESS
    except (AttributeError, OSError):
        attached = 0
    if attached:
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        sys.stderr = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        if sys.stdin is None:
            sys.stdin = open("CONIN$", encoding="utf-8", errors="replace")  # noqa: SIM115
    else:  # started from Explorer or at login: writes go nowhere instead of raising
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115


if __name__ == "__main__":
    _windows_console()
    from cli.main import main

    sys.exit(main())
