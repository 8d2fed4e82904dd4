"""Tray settings: a JSON file in the platform config dir, validated with pydantic.

A bad file never crashes the tray: `load()` returns the defaults plus one clear message.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core import present

APP_NAME = "claude-status-tray"
FILE_NAME = "settings.json"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    poll_interval: float = Field(default=1.0, ge=0.2, le=10, description="seconds between cheap directory checks")
    refresh_interval: float = Field(default=5.0, ge=1, le=300, description="seconds between full aggregations (NFR-1)")
    notifications: bool = True
    notify_waiting: bool = True
    notify_finished: bool = True
    notification_cooldown: float = Field(default=30.0, ge=0, le=3600, description="seconds, per session and kind")
    watch_files: bool = Field(
        default=True, description="follow the status dir by file-system events (off: poll only, e.g. on NFS)"
    )
    reminder_minutes: float = Field(
        default=5.0, ge=0, le=1440, description="remind once when a session still waits after this long; 0 = off"
    )
    show_label: bool = Field(default=True, description="text beside the icon where the platform can show it")
    icon_limits: bool = Field(
        default=True, description="a mark in the icon when a rate-limit window is at 80 % or more (95 %: alert)"
    )
    max_sessions: int = Field(default=12, ge=1, le=50, description="sessions listed before 'N more…'")
    context_warn: int = Field(default=present.CONTEXT_WARN, ge=1, le=100)
    context_high: int = Field(default=present.CONTEXT_HIGH, ge=1, le=100)

    @model_validator(mode="after")
    def _thresholds(self) -> Settings:
        if self.context_warn > self.context_high:
            raise ValueError("context_warn must not exceed context_high")
        return self


def config_dir(environ: Optional[dict[str, str]] = None) -> str:
    from . import dirs

    found = dirs.config_dir(environ)
    if found is None:
        raise ImportError("platformdirs is not installed and $CLAUDE_STATUS_TRAY_CONFIG is unset")
    return found


def settings_file(environ: Optional[dict[str, str]] = None) -> str:
    return os.path.join(config_dir(environ), FILE_NAME)


def settings_file_in(config: Optional[str]) -> Optional[str]:
    """The settings file in the config dir `tray.dirs` resolved (None: there is no config dir)."""
    return os.path.join(config, FILE_NAME) if config else None


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e.get("loc", ())) or "settings"
        parts.append(f"{loc}: {e.get('msg')}")
    return "; ".join(parts)


# Keys that earlier versions read and that are ignored now, with why (shown once per load).
RETIRED = {
    "status_dir": "status_dir is no longer a tray setting (the hook never read it, so the tray watched a dir "
    "nothing wrote to); set CLAUDE_STATUS_DIR where both Claude Code and the tray see it, or use --dir",
}


def parse(data: Any) -> tuple[Settings, Optional[str]]:
    """Validate already-parsed JSON. Returns (settings, None) or (settings or defaults, message)."""
    if not isinstance(data, dict):
        return Settings(), "settings must be a JSON object; using defaults"
    retired = "; ".join(why for key, why in RETIRED.items() if key in data) or None
    try:
        return Settings(**data), retired
    except ValidationError as err:
        return Settings(), f"{_describe(err)}; using defaults"


def load(path: Optional[str] = None) -> tuple[Settings, Optional[str]]:
    """Read the settings file. A missing file gives the defaults and no message; an unreadable or
    invalid one gives the defaults and a one-line message naming the file."""
    path = path or settings_file()
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return Settings(), None
    except OSError as err:
        return Settings(), f"{path}: cannot read ({err.strerror}); using defaults"
    try:
        data = json.loads(text)
    except ValueError as err:
        return Settings(), f"{path}: not valid JSON ({err}); using defaults"
    settings, msg = parse(data)
    return settings, (f"{path}: {msg}" if msg else None)


def context_thresholds(config: Optional[str]) -> dict[str, int]:
    """``{"warn": .., "high": ..}`` from the settings in ``config`` (the defaults when unreadable)."""
    path = settings_file_in(config)
    settings = load(path)[0] if path else Settings()
    return present.thresholds(settings.context_warn, settings.context_high)


def save(settings: Settings, path: Optional[str] = None) -> str:
    """Write atomically (temp file + os.replace). Returns the path."""
    path = path or settings_file()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings.", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(settings.model_dump(), fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
