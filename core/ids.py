"""The one session-id rule: which ``session_id`` values may name a file in the status dir.

Used by the hook (``hook.main.parse_event``) and by the dashboard; nothing else decides it.

A valid id is a ``str`` that

- is 1 to ``MAX_BYTES`` (128) bytes long **in the filesystem encoding** (``os.fsencode``), so the session file
  ``<id>.json`` and its temp file ``.<id>.json.<pid>.<8 hex>.tmp`` stay well under the 255-byte name limit
  of every common file system (128 + 40 bytes at most);
- encodes in the filesystem encoding and in UTF-8 (no lone surrogates: they are not valid file names on macOS
  or Windows and cannot be stored in a UTF-8 JSON file);
- has no path separator or character Windows forbids in a name (``/ \\ : * ? " < > |``), no NUL, no control
  character (C0, DEL, C1);
- does not start with ``.`` (hidden files are ours: ``.lock``, ``.ended``, temp files), contains no ``..``,
  and does not end with ``.`` or a space (Windows strips those, so two ids would share one file);
- is not a name we reserve, compared case-insensitively (``index``, ``status``: ``index.json`` and
  ``status.json`` are ours), nor a Windows device name (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM0``-``COM9``,
  ``LPT0``-``LPT9``, their superscript-digit forms, ``CONIN$``, ``CONOUT$``), with or without an extension.

The cases issue 8 asked about: ``'a b'`` valid (a space is a legal name character everywhere), ``150 * 'x'``
invalid (150 bytes > 128), ``'index'`` invalid (reserved), ``'ü-1'`` valid (4 bytes in UTF-8).
Claude Code's own ids are UUIDs (36 ASCII bytes).
"""

from __future__ import annotations

import os

MAX_BYTES = 128
RESERVED = ("index", "status")
_FORBIDDEN = frozenset('/\\:*?"<>|')
_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + ["%s%s" % (p, d) for p in ("COM", "LPT") for d in "0123456789\u00b9\u00b2\u00b3"]
)


def is_valid(session_id: object) -> bool:
    """True when ``session_id`` may name a session file (see the module docstring). Never raises."""
    if type(session_id) is not str or not session_id:
        return False
    sid: str = session_id
    if len(sid) > MAX_BYTES:  # a character is at least one byte: cheap early exit
        return False
    for c in sid:
        o = ord(c)
        if o < 32 or 127 <= o <= 159 or 0xD800 <= o <= 0xDFFF or c in _FORBIDDEN:
            return False
    try:
        size = len(os.fsencode(sid))
        sid.encode("utf-8")
    except (UnicodeError, ValueError):
        return False
    if size > MAX_BYTES:
        return False
    if sid[0] == "." or ".." in sid or sid[-1] in ". ":
        return False
    if sid.lower() in RESERVED:
        return False
    stem = sid.split(".", 1)[0].rstrip(" ").upper()
    return stem not in _DEVICES
