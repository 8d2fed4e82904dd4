"""`claude-status install-hook` / `uninstall-hook`: `hook.install` with friendly output."""

from __future__ import annotations

import os
from typing import Optional

from .errors import CliError
from .hints import cmd


def run(uninstall: bool = False, config_dir: Optional[str] = None, dry_run: bool = False,
        claude_version: Optional[str] = None) -> int:
    try:
        from hook import install
    except ImportError as err:
        raise CliError(f"hook.install is not available in this build ({err})") from err
    argv, note = None, ""
    if not uninstall:
        argv, note = _frozen_argv(config_dir, dry_run)
    try:
        if uninstall:
            result = install.uninstall(config_dir=config_dir, dry_run=dry_run)
        else:
            result = install.install(config_dir=config_dir, claude_version=claude_version, dry_run=dry_run,
                                     argv=argv)
    except install.InstallError as err:
        raise CliError(str(err)) from err
    except OSError as err:
        raise CliError(f"cannot write Claude Code settings: {err}") from err
    if uninstall and not dry_run:
        _remove_staged(config_dir)
    print(install.describe(result, uninstall, dry_run))
    if note:
        print(note)
    if dry_run:
        print(result.text.decode("utf-8"), end="")
    elif not uninstall:
        print("Restart your running Claude Code sessions (they read settings.json at start); new ones report "
              f"from now on. `{cmd('doctor')}` checks the setup.")
    return 0


def _frozen_argv(config_dir: Optional[str], dry_run: bool) -> tuple[Optional[list[str]], str]:
    """From the standalone binary: the fastest working hook command on this machine (a real Python
    running the bundled stdlib hook, or the bundled `claude-status-hook`), and a note saying which."""
    from cli import hookchoice

    if not hookchoice.frozen():
        return None, ""
    dest = hookchoice.staging_dir(config_dir)
    try:
        root = None if dry_run else hookchoice.stage_sources(dest)
    except OSError as err:
        root, dest = None, f"{dest} ({err})"
    best, opts = hookchoice.choose(sources_root=root)
    if best is None:
        tried = "; ".join(o.describe() for o in opts) or "no bundled hook found"
        raise CliError(f"no working hook command in this build ({tried})")
    others = [o.describe() for o in opts if o is not best]
    note = f"Hook command: {best.describe()}"
    if others:
        note += "\n  also tried: " + "; ".join(others)
    if best.kind == "python" and dry_run:  # the temporary copy is gone: show the real destination
        from hook import install

        return install.hook_argv(best.argv[0], dest), note
    return best.argv, note


def _remove_staged(config_dir: Optional[str]) -> None:
    """`uninstall-hook` from the binary also removes the hook sources `install-hook` copied out."""
    import shutil

    from cli import hookchoice

    if hookchoice.frozen():
        shutil.rmtree(os.path.dirname(hookchoice.staging_dir(config_dir)), ignore_errors=True)
