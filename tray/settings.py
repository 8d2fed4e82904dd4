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
    reminder_minutes: float = Field(
        default=5.0, ge=0, le=1440, description="remind once when a session still waits after this long; 0 = off"
    )
    show_label: bool = Field(default=True, description="text beside the icon where the platform can show it")
    max_sessions: int = Field(default=12, ge=1, le=50, description="sessions listed before 'N more…'")
    context_warn: int = Field(default=50, ge=1, le=100)
    context_high: int = Field(default=80, ge=1, le=100)
    status_dir: Optional[str] = Field(default=None, description="overrides CLAUDE_STATUS_DIR / ~/.claude/status")

    @model_validator(mode="after")
    def _thresholds(self) -> Settings:
        if self.context_warn > self.context_high:
            raise ValueError("context_warn must not exceed context_high")
        return self


def config_dir(environ: Optional[dict[str, str]] = None) -> str:
    env = os.environ if environ is None else environ
    if env.get("CLAUDE_STATUS_TRAY_CONFIG"):
        return env["CLAUDE_STATUS_TRAY_CONFIG"]
    import platformdirs

    return platformdirs.user_config_dir(APP_NAME, appauthor=False)


def settings_file(environ: Optional[dict[str, str]] = None) -> str:
    return os.path.join(config_dir(environ), FILE_NAME)


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e.get("loc", ())) or "settings"
        parts.append(f"{loc}: {e.get('msg')}")
    return "; ".join(parts)


def parse(data: Any) -> tuple[Settings, Optional[str]]:
    """Validate already-parsed JSON. Returns (settings, None) or (defaults, message)."""
    if not isinstance(data, dict):
        return Settings(), "settings must be a JSON object; using defaults"
    try:
        return Settings(**data), None
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
