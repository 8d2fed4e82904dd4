"""The `claude-status` command line: one module per command, dispatched by `cli.main` (see COMMANDS there).

Importing this package and a command module is cheap: desktop libraries (pydantic, platformdirs, pystray,
Pillow) are imported only inside the `run()` of the commands that need them.
"""

from __future__ import annotations

from tray import __version__  # one version string for the whole distribution

__all__ = ["__version__"]
