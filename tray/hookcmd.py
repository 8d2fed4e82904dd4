"""`claude-status install-hook` / `uninstall-hook`: `hook.install` with friendly output."""

from __future__ import annotations

from typing import Optional

from .cli import CliError


def run(uninstall: bool = False, config_dir: Optional[str] = None, dry_run: bool = False) -> int:
    try:
        from hook import install
    except ImportError as err:
        raise CliError(f"hook.install is not available in this build ({err})") from err
    try:
        if uninstall:
            result = install.uninstall(config_dir=config_dir, dry_run=dry_run)
        else:
            result = install.install(config_dir=config_dir, dry_run=dry_run)
    except install.InstallError as err:
        raise CliError(str(err)) from err
    except OSError as err:
        raise CliError(f"cannot write Claude Code settings: {err}") from err
    print(install.describe(result, uninstall, dry_run))
    if dry_run:
        print(result.text.decode("utf-8"), end="")
    elif not uninstall:
        print("New Claude Code sessions report from now on; `claude-status doctor` checks the setup.")
    return 0
