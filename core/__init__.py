"""Shared, stdlib-only core of claude-status-tray: paths, schema, aggregation, title."""

__version__ = "0.1.0"
