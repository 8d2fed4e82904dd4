"""Size caps for everything we store: the one place that bounds a session record and an index.

``fit_record`` is applied at the one write boundary for session files (``core.store.write_session``), so a
field added anywhere (hook events, the state machine, transcript facts) can never make a file grow past
``MAX_FILE`` bytes, whatever arrives on stdin.
"""

from __future__ import annotations

MAX_FILE = 64 * 1024  # no session file is ever larger
MAX_STR = 1024  # characters of any stored string ...
MAX_PATH = 4096  # ... except paths (a cut path is a wrong path: longer ones are dropped)
MAX_LIST = 100  # items of any stored list
MAX_KEYS = 200  # keys of any stored object
MAX_DEPTH = 8
PATH_KEYS = frozenset(("cwd", "transcript_path", "pid_file", "agent_transcript_path"))
IDENTITY = ("version", "session_id", "updated_at", "updated_ts", "event_ts", "first_seen_at", "first_seen_ts",
            "state", "state_since", "state_ts", "reason", "cwd", "project", "transcript_path", "last_event")
MAX_INDEX_ROWS = 64  # index.json lists at most this many sessions (the most recently updated)
MAX_SKIPPED_NAMES = 20  # names of skipped files reported in index.json


def cap_str(value: str, limit: int = MAX_STR) -> str:
    """``value`` cut to ``limit`` characters (no lone surrogate left at the cut)."""
    if len(value) <= limit:
        return value
    cut = value[:limit]
    if cut and "\ud800" <= cut[-1] <= "\udbff":
        cut = cut[:-1]
    return cut


def _cap(value: object, key: object, depth: int, s_max: int, l_max: int) -> object:
    if isinstance(value, str):
        if key in PATH_KEYS:
            return value if len(value) <= MAX_PATH else None
        return cap_str(value, s_max)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
            return None  # keep numbers any JSON reader can hold
        return value
    if isinstance(value, float):
        return value if -1.8e308 < value < 1.8e308 else None  # NaN and the infinities are not JSON
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, dict):
        out: dict = {}
        for k, v in value.items():
            if len(out) >= MAX_KEYS:
                break
            if not isinstance(k, str):
                continue
            out[cap_str(k, 200)] = _cap(v, k, depth + 1, s_max, l_max)
        return out
    if isinstance(value, (list, tuple)):
        items = list(value)
        if len(items) > l_max:
            items = items[-l_max:]  # newest entries are appended last
        return [_cap(v, None, depth + 1, s_max, l_max) for v in items]
    return None  # not JSON


MAX_ROW_STR = 256  # characters of a string in an index.json row (paths: MAX_PATH)
MAX_ROW_LIST = 16


def fit_row(row: dict) -> dict:
    """An ``index.json`` row with its strings and lists capped, so the index stays bounded: at most
    ``MAX_INDEX_ROWS`` rows of a few KiB each. Rows are flat: only nested values take the slow path."""
    out = {}
    for k, v in row.items():
        if type(v) is str:
            if len(v) > MAX_ROW_STR:
                out[k] = (v if len(v) <= MAX_PATH else None) if k in PATH_KEYS else cap_str(v, MAX_ROW_STR)
                continue
        elif isinstance(v, (list, dict)):
            out[k] = _cap(v, k, 1, MAX_ROW_STR, MAX_ROW_LIST)  # type: ignore[assignment]
            continue
        out[k] = v
    return out


def _encode(record: dict) -> bytes:
    from core import jsonio

    return jsonio.dumps(record).encode("utf-8", "replace")


def fit_record(record: dict) -> dict:
    """A copy of ``record`` with every string, list and object capped and at most ``MAX_FILE`` bytes as
    compact UTF-8 JSON. Caps tighten until it fits; as a last resort only the identity fields are kept."""
    return fit_record_bytes(record)[0]


def fit_record_bytes(record: dict) -> tuple:
    """``(capped record, its compact UTF-8 JSON)``: ``fit_record`` plus the bytes, encoded once."""
    s_max, l_max = MAX_STR, MAX_LIST
    out: dict = _cap(record, None, 0, s_max, l_max)  # type: ignore[assignment]
    data = _encode(out)
    while len(data) > MAX_FILE:
        if s_max <= 16 and l_max <= 2:
            small = {k: out[k] for k in IDENTITY if k in out}
            small = _cap(small, None, 0, 256, 2)  # type: ignore[assignment]
            small["truncated"] = True
            return small, _encode(small)
        s_max, l_max = max(16, s_max // 4), max(2, l_max // 4)
        out = _cap(record, None, 0, s_max, l_max)  # type: ignore[assignment]
        out["truncated"] = True
        data = _encode(out)
    return out, data
