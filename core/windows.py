"""Context windows learned from Claude Code itself (issue 10 finding 6): model -> window.

Hooks are not told the window; the status-line tap is (``context_window.context_window_size``). Whenever the
tap records Claude Code's figure for a model, ``learn`` remembers it in ``<status dir>/.windows``, so a later
session of that model that the tap never sees (print mode, a config without the tap, the first events before
the first render) still gets Claude Code's figure instead of our fallback table (``core.record.context_window``).

The file is small and line-based, so the hook reads it without ``json``::

    claude-status windows 1
    claude-haiku-5-5 1000000 1764581234
    claude-sonnet-4-5 200000 1764581301

Bounded: at most ``MAX_ENTRIES`` lines (the newest kept), model ids of at most ``MAX_MODEL`` characters from
a safe set (no spaces, no control characters), windows in ``1..MAX_WINDOW``, reads capped at ``MAX_BYTES``
(opened non-blocking: a FIFO planted there never hangs the hook). Written atomically (0600) under the
status-dir lock by the tap only. A file from a newer version (a higher number on its first line) is read
where its lines have our shape and is never rewritten; anything else unreadable counts as empty.

The hook's side (``recall``) stores the looked-up figure in the record as ``learned_window: [model, window]``,
so every reader (``core.aggregate``, the tray) computes the same window without any I/O. Stdlib only.
"""

from __future__ import annotations

import os

from core import store

NAME = ".windows"
HEADER = "claude-status windows"
VERSION = 1
MAX_ENTRIES = 32
MAX_MODEL = 100
MAX_WINDOW = 100_000_000
MAX_BYTES = 8192
RECORD_KEY = "learned_window"
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:@/[]+")


def path(sdir: str) -> str:
    return os.path.join(sdir, NAME)


def valid_model(model: object) -> bool:
    """A model id we keep: a non-empty string of at most ``MAX_MODEL`` safe characters."""
    return isinstance(model, str) and 0 < len(model) <= MAX_MODEL and all(c in _SAFE for c in model)


def valid_window(window: object) -> bool:
    return type(window) is int and 0 < window <= MAX_WINDOW


def parse(data: bytes) -> tuple:
    """``({model: (window, ts)}, newer)`` of a file's bytes; ``({}, False)`` for anything not ours. Pure."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return {}, False
    lines = text.split("\n")
    head = lines[0].split(" ")
    if len(head) != 3 or " ".join(head[:2]) != HEADER or not head[2].isdigit():
        return {}, False
    newer = int(head[2]) > VERSION
    out: dict = {}
    for line in lines[1:]:
        parts = line.split(" ")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            continue
        model, window, ts = parts[0], int(parts[1]), int(parts[2])
        if valid_model(model) and valid_window(window) and (model not in out or ts >= out[model][1]):
            out[model] = (window, ts)
        if len(out) >= MAX_ENTRIES * 2:
            break
    return out, newer


def read(sdir: str) -> tuple:
    """``({model: (window, ts)}, newer)`` of the status dir's file; ``({}, False)`` when missing or unreadable.
    Never blocks (non-blocking open, regular files only) and reads at most ``MAX_BYTES``."""
    try:
        data = store.read_bytes(path(sdir), MAX_BYTES)
    except OSError:
        return {}, False
    return parse(data)


def lookup(sdir: str, model: object) -> int | None:
    """The window Claude Code last reported for ``model`` (exact id), or None."""
    if not valid_model(model):
        return None
    found = read(sdir)[0].get(model)
    return found[0] if found else None


def render(entries: dict) -> bytes:
    """The file's bytes for ``{model: (window, ts)}``: the newest ``MAX_ENTRIES``, newest first. Pure."""
    keep = sorted(entries.items(), key=lambda kv: (-kv[1][1], kv[0]))[:MAX_ENTRIES]
    lines = ["%s %d" % (HEADER, VERSION)] + ["%s %d %d" % (m, w, ts) for m, (w, ts) in keep]
    return ("\n".join(lines) + "\n").encode("ascii")


def learn(sdir: str, model: object, window: object, now: float) -> bool:
    """Remember that Claude Code uses ``window`` for ``model``. Call under the status-dir lock. True when the
    file was written (a new model or another window); never rewrites a newer version's file. Raises OSError."""
    if not valid_model(model) or not valid_window(window):
        return False
    entries, newer = read(sdir)
    if newer:
        return False
    known = entries.get(model)
    if known is not None and known[0] == window:
        return False
    entries[model] = (window, int(now))
    store.atomic_write(path(sdir), render(entries))
    return True


def recall(rec: dict, sdir: str) -> None:
    """The hook's half: keep ``rec["learned_window"] = [model, window]`` for the record's model when the tap
    has not reported a window for this session itself (then nothing is read)."""
    from core import record

    model = rec.get("model")
    window = None if record.reported_window(rec) is not None else lookup(sdir, model)
    if window is None:
        rec.pop(RECORD_KEY, None)
    else:
        rec[RECORD_KEY] = [model, window]


def learned(rec: object) -> int | None:
    """The learned window stored in a record by ``recall``, if it is for the record's current model. Pure."""
    if not isinstance(rec, dict):
        return None
    got = rec.get(RECORD_KEY)
    if not (isinstance(got, list) and len(got) == 2 and got[0] == rec.get("model") and valid_window(got[1])):
        return None
    return got[1]
