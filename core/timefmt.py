"""ISO-8601 UTC formatting and parsing without ``datetime`` (too slow to import on the hook path)."""

from __future__ import annotations

import time


def iso(ts: float, micro: bool = False) -> str:
    """``2026-02-14T20:30:00Z`` (or ``...:00.123456Z`` with ``micro``) for a Unix timestamp."""
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
    if micro:
        return "%s.%06dZ" % (base, round((ts % 1) * 1e6) % 1000000)
    return base + "Z"


def _days_from_civil(y: int, m: int, d: int) -> int:
    # Howard Hinnant's algorithm: days since 1970-01-01 for a proleptic Gregorian date.
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_iso(text: object) -> float | None:
    """Unix time for ``YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]``; None for anything else. Naive means UTC."""
    if not isinstance(text, str) or len(text) < 19 or text[4] != "-" or text[10] not in "Tt ":
        return None
    try:
        y, mo, d = int(text[0:4]), int(text[5:7]), int(text[8:10])
        h, mi, s = int(text[11:13]), int(text[14:16]), int(text[17:19])
        rest = text[19:]
        frac = 0.0
        if rest.startswith("."):
            n = 1
            while n < len(rest) and rest[n].isdigit():
                n += 1
            frac = float(rest[:n]) if n > 1 else 0.0
            rest = rest[n:]
        offset = 0
        if rest and rest not in ("Z", "z"):
            sign = -1 if rest[0] == "-" else 1
            if rest[0] not in "+-" or len(rest) < 6:
                return None
            offset = sign * (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60)
    except ValueError:
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 61):
        return None
    return _days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s + frac - offset


def ago(seconds: float) -> str:
    """Short human age: ``just now``, ``12 s ago``, ``3 min ago``, ``2 h ago``, ``4 d ago``."""
    s = max(0, int(seconds))
    if s < 2:
        return "just now"
    if s < 60:
        return "%d s ago" % s
    if s < 3600:
        return "%d min ago" % (s // 60)
    if s < 86400:
        return "%d h ago" % (s // 3600)
    return "%d d ago" % (s // 86400)


def duration(seconds: float) -> str:
    """Short duration: ``45 s``, ``3 min``, ``2 h 5 min``."""
    s = max(0, int(seconds))
    if s < 60:
        return "%d s" % s
    if s < 3600:
        return "%d min" % (s // 60)
    return "%d h %d min" % (s // 3600, (s % 3600) // 60)
