"""Edit a JSON text by splicing: what did not change keeps its exact bytes.

``splice(text, new)`` returns a text that parses to ``new`` and keeps, byte for byte, every part of
``text`` whose value is unchanged: number spellings (``2.50``, ``1e3``), string escapes, key order,
indentation, spacing and the text around the root value. Changed members are re-rendered in place;
removed members take their separator with them; new members are appended in the style (indent unit,
spacing) of their neighbours. Used for Claude Code's ``settings.json`` (``hook.install``). Stdlib only.
"""

from __future__ import annotations

import difflib
import json
import math
import re

_WS = " \t\n\r"
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_LITERALS = (("true", True), ("false", False), ("null", None),
             ("NaN", float("nan")), ("Infinity", float("inf")), ("-Infinity", float("-inf")))


class _Node:
    """One parsed value and where it sits in the text."""

    __slots__ = ("end", "items", "kind", "members", "start", "value")

    def __init__(self, kind: str, start: int, end: int, value: object, members: list | None = None,
                 items: list | None = None) -> None:
        self.kind, self.start, self.end, self.value = kind, start, end, value
        self.members = members or []  # objects: [(key, key_start, key_end, value node)]
        self.items = items or []  # arrays: [value node]


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _parse(text: str, pos: int, depth: int = 0) -> _Node:
    if depth > 500:
        raise ValueError("nested too deeply")
    pos = _skip(text, pos)
    if pos >= len(text):
        raise ValueError("unexpected end of text")
    c = text[pos]
    if c == "{":
        members: list = []
        value: dict = {}
        i = _skip(text, pos + 1)
        if i < len(text) and text[i] == "}":
            return _Node("obj", pos, i + 1, value)
        while True:
            i = _skip(text, i)
            if i >= len(text) or text[i] != '"':
                raise ValueError("expected a key at %d" % i)
            key, key_end = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
            j = _skip(text, key_end)
            if j >= len(text) or text[j] != ":":
                raise ValueError("expected ':' at %d" % j)
            child = _parse(text, j + 1, depth + 1)
            members.append((key, i, key_end, child))
            value[key] = child.value
            i = _skip(text, child.end)
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            if i < len(text) and text[i] == "}":
                return _Node("obj", pos, i + 1, value, members=members)
            raise ValueError("expected ',' or '}' at %d" % i)
    if c == "[":
        items: list = []
        i = _skip(text, pos + 1)
        if i < len(text) and text[i] == "]":
            return _Node("arr", pos, i + 1, [])
        while True:
            child = _parse(text, i, depth + 1)
            items.append(child)
            i = _skip(text, child.end)
            if i < len(text) and text[i] == ",":
                i += 1
                continue
            if i < len(text) and text[i] == "]":
                return _Node("arr", pos, i + 1, [n.value for n in items], items=items)
            raise ValueError("expected ',' or ']' at %d" % i)
    if c == '"':
        s, end = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
        return _Node("scalar", pos, end, s)
    m = _NUMBER.match(text, pos)
    for word, val in _LITERALS:  # -Infinity before the number rule would see "-"
        if text.startswith(word, pos):
            return _Node("scalar", pos, pos + len(word), val)
    if m:
        num = m.group(0)
        number: object = float(num) if m.group(1) or m.group(2) else int(num)
        return _Node("scalar", pos, m.end(), number)
    raise ValueError("unexpected %r at %d" % (c, pos))


def parse(text: str) -> _Node:
    """The root value of ``text`` with positions. Raises ValueError for anything ``json.loads`` refuses."""
    root = _parse(text, 0)
    if _skip(text, root.end) != len(text):
        raise ValueError("extra data at %d" % _skip(text, root.end))
    return root


def same(a: object, b: object) -> bool:
    """Equal and of the same JSON types all the way down (``1``, ``1.0`` and ``True`` differ), same key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _line_indent(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


class _Style:
    def __init__(self, text: str) -> None:
        self.text = text
        self.unit = "  "
        m = re.search(r"[\[{]\r?\n([ \t]+)\S", text)
        if m:
            outer = _line_indent(text, m.start())
            inner = m.group(1)
            if inner.startswith(outer) and len(inner) > len(outer):
                self.unit = inner[len(outer):]
        self.newline = "\r\n" if "\r\n" in text else "\n"

    def fresh(self, value: object, indent: str, compact: bool, colon: str = ": ") -> str:
        if compact:
            return json.dumps(value, ensure_ascii=False, separators=(", ", colon))
        out = json.dumps(value, ensure_ascii=False, indent=self.unit, separators=(",", colon))
        return out.replace("\n", self.newline + indent)


def _render(text: str, node: _Node, new: object, style: _Style) -> str:
    if same(node.value, new):
        return text[node.start:node.end]
    if node.kind == "obj" and isinstance(new, dict):
        return _render_container(text, node, new, style, obj=True)
    if node.kind == "arr" and isinstance(new, list):
        return _render_container(text, node, new, style, obj=False)
    indent = _line_indent(text, node.start)
    return style.fresh(new, indent, compact=_compact(text, node))


def _compact(text: str, node: _Node) -> bool:
    """True when the container ``node`` is (or its line is) written on one line."""
    return "\n" not in text[node.start:node.end] if node.kind != "scalar" else "\n" not in text


def _key(value: object) -> str:
    return json.dumps(value, sort_keys=False, ensure_ascii=False)


def _render_container(text: str, node: _Node, new: dict | list, style: _Style, obj: bool) -> str:
    open_, close = ("{", "}") if obj else ("[", "]")
    starts = [m[1] for m in node.members] if obj else [n.start for n in node.items]
    ends = [m[3].end for m in node.members] if obj else [n.end for n in node.items]
    line = _line_indent(text, node.start)
    colon = ": "
    if obj and node.members:
        _, _, key_end, child = node.members[0]
        colon = text[key_end:child.start]
    if starts:
        head = text[node.start + 1:starts[0]]
        tail = text[ends[-1]:node.end - 1]
        compact = "\n" not in head
        seps = [text[ends[i - 1]:starts[i]] for i in range(1, len(starts))]
        new_sep = seps[-1] if seps else ("," + head if not compact else ", ")
    else:
        compact = "\n" not in text[node.start:node.end] and "\n" not in text
        head = "" if compact else style.newline + line + style.unit
        tail = "" if compact else style.newline + line
        seps = []
        new_sep = ", " if compact else "," + head
    member_indent = head.rsplit("\n", 1)[-1] if "\n" in head else line + style.unit

    # parts: (original index or None, rendered text)
    parts: list = []
    if obj:
        assert isinstance(new, dict)
        last = {m[0]: i for i, m in enumerate(node.members)}
        for i, (key, kstart, _kend, child) in enumerate(node.members):
            if key in new and last[key] == i:
                parts.append((i, text[kstart:child.start] + _render(text, child, new[key], style)))
        for key in new:
            if key not in last:
                parts.append((None, json.dumps(key, ensure_ascii=False) + colon
                              + style.fresh(new[key], member_indent, compact, colon)))
    else:
        assert isinstance(new, list)
        old = node.items
        matcher = difflib.SequenceMatcher(None, [_key(n.value) for n in old], [_key(v) for v in new],
                                          autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                parts += [(i, text[old[i].start:old[i].end]) for i in range(i1, i2)]
                continue
            pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
            for k in range(pairs):
                parts.append((i1 + k, _render(text, old[i1 + k], new[j1 + k], style)))
            for j in range(j1 + pairs, j2):
                parts.append((None, style.fresh(new[j], member_indent, compact)))

    if not parts:
        return open_ + close if starts else text[node.start:node.end]
    out = [open_]
    for n, (orig, rendered) in enumerate(parts):
        if n == 0:
            out.append(head)
        elif (orig is not None and orig > 0 and parts[n - 1][0] is not None) or (orig is not None and orig > 0):
            out.append(seps[orig - 1])
        else:
            out.append(new_sep)
        out.append(rendered)
    out.append(tail)
    out.append(close)
    return "".join(out)


def splice(text: str, new: object) -> str:
    """``text`` edited to hold ``new`` (see the module docstring). An empty text gets a fresh document
    (2-space indent, final newline). Raises ValueError when ``text`` is not JSON."""
    body = text[1:] if text.startswith("\ufeff") else text
    bom = text[: len(text) - len(body)]
    if not body.strip():
        return bom + json.dumps(new, ensure_ascii=False, indent=2) + "\n"
    root = parse(body)
    style = _Style(body)
    return bom + body[:root.start] + _render(body, root, new, style) + body[root.end:]


def spans(text: str) -> _Node:
    """The parse tree of ``text`` (for tests: where each member sits)."""
    body = text[1:] if text.startswith("\ufeff") else text
    return parse(body)
