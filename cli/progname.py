"""The command the user can actually type to run us again, for hints and fixes.

In a venv that is not activated `claude-status` is not on PATH: a hint must say `.venv/bin/claude-status`
(the path that started us), `python -m cli` when started that way, or the frozen executable's path.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Optional


def command_name(argv0: Optional[str] = None) -> str:
    if getattr(sys, "frozen", False):
        return sys.executable
    argv0 = sys.argv[0] if argv0 is None else argv0
    base = os.path.basename(argv0)
    if base.startswith("claude-status"):
        found = shutil.which("claude-status")
        if found and os.path.realpath(found) == os.path.realpath(argv0):
            return "claude-status"
        return argv0
    package = os.path.basename(os.path.dirname(argv0)) if base == "__main__.py" else ""
    return f"{sys.executable} -m {package if package in ('cli', 'tray') else 'cli'}"


def cmd(rest: str) -> str:
    """`<the command that started us> <rest>`."""
    return f"{command_name()} {rest}"
