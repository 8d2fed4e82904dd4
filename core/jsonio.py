"""JSON without ``re``: the stdlib ``json`` package imports ``re`` (about 40% of a bare hook's start-up).

The C accelerator ``_json`` has everything needed; fall back to ``json`` where it is missing (PyPy).
Every malformed or truncated input raises ValueError (a JSONDecodeError where CPython builds one), never
SystemError: see ``loads``. Proven in fresh ``python -I -S`` processes on 3.9-3.13 (tests/test_jsonio_fresh.py).
Output is compact UTF-8 (``ensure_ascii=False``), keys in insertion order.
"""

from __future__ import annotations

_WS = " \t\n\r"

_cjson: object
try:
    import _json as _cjson
except ImportError:  # pragma: no cover - CPython always has _json
    _cjson = None


def _constant(name: str) -> float:
    raise ValueError("JSON constant %s is not allowed" % name)


class _Context:
    """The attributes ``_json.make_scanner`` reads from a JSONDecoder."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_constant)
    memo: dict = {}  # noqa: RUF012 - the C scanner keeps its own memo


def _default(obj: object) -> object:
    raise TypeError("not JSON serializable: %r" % type(obj).__name__)


if _cjson is not None:
    _scan = _cjson.make_scanner(_Context())  # type: ignore[attr-defined]
    _encode = _cjson.make_encoder(  # type: ignore[attr-defined]
        None, _default, _cjson.encode_basestring, None, ":", ",", False, False, False)  # type: ignore[attr-defined]

    def loads(text: str | bytes) -> object:
        """Parse one JSON document; raise ValueError on anything else (NaN and Infinity included)."""
        if isinstance(text, (bytes, bytearray)):
            text = text.decode("utf-8")
        text = text.strip(_WS)
        try:
            obj, end = _scan(text, 0)
        except StopIteration as exc:
            raise ValueError("invalid JSON at %d" % exc.value) from None
        except SystemError:
            # CPython 3.10/3.11: ``_json`` raises its JSONDecodeError by looking ``json.decoder`` up in
            # sys.modules and, when it is not there (the hook never imports json), returns NULL without an
            # exception. 3.9 and 3.12+ import json.decoder on that error path instead (only on errors).
            raise ValueError("invalid JSON (truncated or malformed)") from None
        if end != len(text):
            raise ValueError("extra data at %d" % end)
        return obj

    def dumps(obj: object) -> str:
        """Compact JSON text; ValueError for NaN/Infinity, TypeError for non-JSON types."""
        return "".join(_encode(obj, 0))

else:  # pragma: no cover
    import json as _json_mod

    def loads(text: str | bytes) -> object:
        return _json_mod.loads(text, parse_constant=_constant)

    def dumps(obj: object) -> str:
        return _json_mod.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
