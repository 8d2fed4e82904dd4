"""Hints the user can act on: the command they can actually type to run us again, and the defaults of dirs.

In a venv that is not activated `claude-status` is not on PATH: a hint must say `.venv/bin/claude-status`
(the path that started us), `python -m cli` when started that way, or the frozen executable's path.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, Optional


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


def status_dir_help() -> str:
    """`--dir` help with its default, resolved now (the hook resolves it the same way)."""
    from core import paths

    return f"status dir (default: $CLAUDE_STATUS_DIR, else <Claude dir>/status; here: {paths.status_dir()})"


def config_dir_help() -> str:
    """`--config-dir` help with its default, resolved now."""
    from core import paths

    return f"Claude Code config dir (default: $CLAUDE_CONFIG_DIR, else ~/.claude; here: {paths.claude_dir()})"


def resolve_dirs(status_dir: Optional[str]) -> Any:
    """The dirs for a command that takes ``--dir``: a dir the user named must exist (a typo must not fall back
    to another source), else ``CliError``; then ``tray.dirs.resolve`` as every entry point does."""
    from tray import dirs as dirs_mod

    from .errors import CliError

    problem = dirs_mod.given_dir_problem(status_dir, "--dir") if status_dir else None
    if problem:
        raise CliError(problem)
    return dirs_mod.resolve(status_dir=status_dir)
