"""The claude-status tray app and the `claude-status` command (pystray, Pillow, pydantic, platformdirs)."""

from __future__ import annotations

try:
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("claude-status-tray")
    except PackageNotFoundError:  # running from a source tree or a frozen binary
        __version__ = "0.1.0"
except ImportError:  # pragma: no cover
    __version__ = "0.1.0"
