"""The one exception a command raises to fail with a message (printed as one line, exit 1)."""

from __future__ import annotations


class CliError(Exception):
    """Shown as `claude-status: error: <message>`, exit 1, never with a traceback (unless --debug)."""
