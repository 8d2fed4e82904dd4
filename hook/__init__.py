"""The zero-dependency Claude Code hook: one event on stdin, one status file per session."""
