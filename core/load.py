"""System load: 1-minute load average per CPU against a profile."""

from __future__ import annotations

import os

DEFAULT_PROFILE = "balanced"
# (HIGH at or above, CRITICAL at or above), in load per CPU.
PROFILES = {
    "conservative": (0.7, 1.0),
    "balanced": (1.0, 1.5),
    "performance": (1.5, 2.0),
}


def profile_name(environ: dict | None = None) -> str:
    env = os.environ if environ is None else environ
    name = str(env.get("CLAUDE_STATUS_LOAD_PROFILE", "")).strip().lower()
    return name if name in PROFILES else DEFAULT_PROFILE


def classify(load_avg: float | None, cpus: int, profile: str) -> str:
    """``OK``, ``HIGH`` or ``CRITICAL`` for a load average (None, where the OS has none, is OK). Pure."""
    if load_avg is None:
        return "OK"
    high, critical = PROFILES.get(profile, PROFILES[DEFAULT_PROFILE])
    per_cpu = load_avg / max(1, cpus)
    if per_cpu >= critical:
        return "CRITICAL"
    if per_cpu >= high:
        return "HIGH"
    return "OK"


def current(environ: dict | None = None) -> dict:
    """``{"profile", "status", "load_avg"}`` for this machine now; ``load_avg`` is None on Windows."""
    try:
        load_avg: float | None = round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        load_avg = None
    profile = profile_name(environ)
    return {"profile": profile, "status": classify(load_avg, os.cpu_count() or 1, profile), "load_avg": load_avg}
