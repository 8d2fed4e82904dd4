"""Frozen entry point of `claude-status-hook`: the hook only. Keep this file's imports to the hook's own
(os, sys, time, _json, fcntl/msvcrt): the spec builds it without `inspect` and friends so that no
PyInstaller runtime hook runs before it (docs/platform-notes.md, PyInstaller)."""

from hook.main import main

raise SystemExit(main())
