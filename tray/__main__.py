"""`python -m tray ...` is `claude-status ...` (the autostart entries of earlier versions start it this way)."""

from __future__ import annotations

import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
