from __future__ import annotations

from dashboard.server import main

raise SystemExit(main(prog="python -m dashboard"))
