"""The tray's log file (beside its settings) and the crash reports the error boundary appends to it."""

from __future__ import annotations

import logging
import os
import platform
import sys
import time
import traceback
from typing import Optional

LOG_NAME = "tray.log"
MAX_BYTES = 256 * 1024


def log_path(config: Optional[str]) -> Optional[str]:
    return os.path.join(config, LOG_NAME) if config else None


def attach_file_handler(config: Optional[str]) -> Optional[str]:
    """The tray usually starts at login with no terminal: keep its log (256 KiB x 2) beside the settings."""
    from logging.handlers import RotatingFileHandler

    path = log_path(config)
    if path is None:
        logging.getLogger("claude-status").warning("no log file: no config dir (platformdirs not installed)")
        return None
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=1, encoding="utf-8")
    except OSError as err:
        logging.getLogger("claude-status").warning("no log file: %s", err)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return path


def report(argv: list[str], err: BaseException) -> str:
    from . import __version__

    tb = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    return (
        f"--- claude-status crash report {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n"
        f"version: claude-status {__version__}\n"
        f"platform: {platform.platform()} ({sys.platform})\n"
        f"python: {sys.version.split()[0]} {sys.executable}\n"
        f"command: claude-status {' '.join(argv)}\n"
        f"{tb}"
    )


def write_report(argv: list[str], err: BaseException, environ: Optional[dict[str, str]] = None) -> Optional[str]:
    """Append the crash report to the log; returns the log's path, or None when it cannot be written."""
    from tray import dirs

    try:
        path = log_path(dirs.config_dir(environ))
    except Exception:  # the report must not fail over a broken platformdirs
        path = None
    if path is None:
        return None
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path) and os.path.getsize(path) > MAX_BYTES:
            os.replace(path, path + ".1")
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(report(argv, err))
    except OSError:
        return None
    return path
