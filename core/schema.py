"""Old names for what now lives in ``core.record`` (the record, its rows, the context window) and
``core.state`` (the states). Kept for importers outside core; core and the hook import the homes."""

from __future__ import annotations

from core.record import (  # noqa: F401
    DEFAULT_WINDOW,
    ONE_M_WINDOW,
    VERSION,
    context_window,
    newer_row,
    project_name,
    row,
)
from core.state import STATES  # noqa: F401
