"""Read what the monitor needs from the END of a Claude Code transcript (JSONL).

Cost is bounded by ``max_bytes`` whatever the file's size; a missing file, a directory, a device
(``/dev/zero``), a FIFO or invalid bytes give an empty result, never a hang or an exception. A half-written
last line, CRLF line ends, a UTF-8 BOM and NUL padding are tolerated; lines over ``LINE_MAX`` are skipped.
"""

from __future__ import annotations

import os
import stat

from core import jsonio, timefmt

BLOCK = 64 * 1024
MAX_BYTES = 8 * 1024 * 1024  # hard bound on bytes read by one call
LINE_MAX = 1024 * 1024  # longer lines (tool output) are skipped, never held in memory
INTERRUPT_MARK = b"[Request interrupted by user"


def signature(path: object) -> list | None:
    """``[size, mtime_ns]`` of a regular file, else None. One ``stat``."""
    if not isinstance(path, str) or not path:
        return None
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return [st.st_size, st.st_mtime_ns]


def _lines_backwards(f: object, size: int, max_bytes: int, floor: int = 0):  # type: ignore[no-untyped-def]
    """Yield ``(block number, line)`` for complete lines from the end of an open binary file, newest first.

    Reads at most ``max_bytes`` in ``BLOCK`` chunks. The bytes after the last newline are a line still being
    written unless they end in ``}``: skipped. A line longer than ``LINE_MAX`` is skipped whole (memory stays
    bounded; such lines are tool output, never usage). Lines that lie entirely before ``floor`` (what an
    earlier call already read) are not read; the line that straddles ``floor`` is.
    """
    pos = size
    carry = b""
    budget = max_bytes
    block = 0
    skipping = False  # inside an over-long line: drop bytes until its start
    first = True
    while pos > 0 and budget > 0:
        if pos <= floor and not carry and not skipping:
            return
        step = min(BLOCK, pos, budget)
        pos -= step
        budget -= step
        f.seek(pos)  # type: ignore[attr-defined]
        chunk = f.read(step)  # type: ignore[attr-defined]
        if len(chunk) != step:  # the file shrank under us: stop rather than mis-split
            return
        if skipping:
            cut = chunk.rfind(b"\n")
            if cut < 0:
                continue
            chunk = chunk[: cut + 1]
            skipping = False
        chunk += carry
        parts = chunk.split(b"\n")
        partial = False
        if first:
            first = False
            tail = parts[-1].rstrip(b" \t\r\x00")
            partial = bool(tail) and not tail.endswith(b"}")  # half-written last line
        carry = parts[0]
        if partial and len(parts) == 1:  # the half-written line is longer than a block: skip to its start
            carry, skipping = b"", True
        end = pos + len(chunk)  # file offset just past the newest part
        for i in range(len(parts) - 1, 0, -1):
            line = parts[i]
            start = end - len(line)
            end = start - 1
            if partial and i == len(parts) - 1:
                continue
            if line.strip():
                yield block, line
            if start <= floor:
                return  # that line began before floor: everything older was read before
        if len(carry) > LINE_MAX:
            carry = b""
            skipping = True
        block += 1
    if pos == 0 and carry.strip() and not skipping:
        yield block, carry


def _parse(line: bytes) -> dict | None:
    line = line.strip(b" \t\r\n\x00")
    if line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    if not (line.startswith(b"{") and line.endswith(b"}")):
        return None  # cheap: only objects are records, and no parse error (or its import) for junk
    try:
        obj = jsonio.loads(line)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def usage_tokens(usage: object) -> int | None:
    """Context in use for one API usage record: input + cache creation + cache read tokens (not output)."""
    if not isinstance(usage, dict):
        return None
    total = 0
    for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
        value = usage.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            total += value
    return total


def _user_text(rec: dict) -> str:
    msg = rec.get("message")
    content = msg.get("content") if isinstance(msg, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str):
                return block["text"]
    return ""


def tail_info(path: str, max_bytes: int = MAX_BYTES, floor: int = 0) -> dict:
    """Newest facts in a transcript's tail, reading at most ``max_bytes`` backwards from the end, and nothing
    wholly before byte ``floor`` (pass the size an earlier call saw to read only what was appended since).

    Keys (absent when not found): ``tokens`` (input + cache creation + cache read of the newest main-chain
    assistant message, or the post-compaction size after a newer ``compact_boundary``), ``model``,
    ``compacted`` (a boundary is newer than any usage), ``one_m`` (a ``[1m]`` model id was seen),
    ``custom_title``, ``ai_title``, ``interrupted`` (the newest main-chain turn ended with Esc).
    """
    info: dict = {}
    sig = signature(path)
    if sig is None:
        return info
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return info
    try:
        _scan(f, sig[0], max_bytes, info, max(0, min(floor, sig[0])))
    except (OSError, MemoryError):
        pass
    finally:
        f.close()
    return info


def _scan(f: object, size: int, max_bytes: int, info: dict, floor: int = 0) -> None:
    context_block = -1  # titles are looked for only in the blocks already read for the context
    turn_seen = False  # an assistant or user-prompt line newer than anything below
    for block, line in _lines_backwards(f, size, max_bytes, floor):
        if b"[1m]\"" in line and "one_m" not in info:
            info["one_m"] = True
        context_done = context_block >= 0
        if context_done and (block > context_block or "custom_title" in info):
            return
        if b'"custom-title"' in line and "custom_title" not in info:
            rec = _parse(line)
            if rec and rec.get("type") == "custom-title" and isinstance(rec.get("customTitle"), str):
                info["custom_title"] = rec["customTitle"]
            continue
        if b'"ai-title"' in line and "ai_title" not in info:
            rec = _parse(line)
            if rec and rec.get("type") == "ai-title" and isinstance(rec.get("aiTitle"), str):
                info["ai_title"] = rec["aiTitle"]
            continue
        if context_done:
            continue
        if not turn_seen and INTERRUPT_MARK in line:
            rec = _parse(line)
            is_user = rec is not None and rec.get("type") == "user" and not rec.get("isSidechain")
            if is_user and _user_text(rec).startswith("[Request interrupted by user"):  # type: ignore[arg-type]
                info["interrupted"] = True
                turn_seen = True
            continue
        if b'"compact_boundary"' in line:
            rec = _parse(line)
            if rec and rec.get("type") == "system" and rec.get("subtype") == "compact_boundary":
                meta = rec.get("compactMetadata")
                post = meta.get("postTokens") if isinstance(meta, dict) else None
                info["tokens"] = post if isinstance(post, int) and not isinstance(post, bool) else 0
                info["compacted"] = True
                context_block = block
            continue
        if b'"assistant"' in line:
            rec = _parse(line)
            if not rec or rec.get("type") != "assistant" or rec.get("isSidechain") or rec.get("isApiErrorMessage"):
                continue
            msg = rec.get("message")
            if not isinstance(msg, dict) or msg.get("model") == "<synthetic>":
                continue
            tokens = usage_tokens(msg.get("usage"))
            if tokens is None:
                continue
            turn_seen = True
            info["tokens"] = tokens
            if isinstance(msg.get("model"), str):
                info["model"] = msg["model"]
            context_block = block
            continue
        if not turn_seen and b'"user"' in line:
            rec = _parse(line)
            if rec and rec.get("type") == "user" and not rec.get("isSidechain") and not rec.get("isMeta"):
                turn_seen = True


def parse_line(line: bytes) -> dict | None:
    """One JSONL line as a record, or None: the reader's own line rule (CRLF, a UTF-8 BOM and NUL padding
    tolerated; anything but a JSON object is no record). For readers that walk a transcript forwards."""
    return _parse(line)


def record_facts(rec: dict) -> dict:
    """The facts the monitor takes from one record (a parsed line), by this reader's rules. Keys, when present:
    ``custom_title``, ``ai_title``, ``summary`` (strings); ``sidechain`` (True: a subagent's line, nothing else
    is read from it); for the main chain: ``prompt`` (a typed prompt: not meta, markup or the Esc marker),
    ``interrupted`` (True: the Esc marker), ``message_id``, ``tools`` (tool_use names), ``model`` and
    ``tokens`` (an assistant message with usage: input + cache creation + cache read), ``compact_tokens`` (a
    compact boundary's post-compaction size, None when it does not say)."""
    kind = rec.get("type")
    for key, field, out_key in (("custom-title", "customTitle", "custom_title"), ("ai-title", "aiTitle", "ai_title"),
                                ("summary", "summary", "summary")):
        if kind == key:
            return {out_key: rec[field]} if isinstance(rec.get(field), str) else {}
    if rec.get("isSidechain") is True:
        return {"sidechain": True}
    facts: dict = {}
    if kind == "user" and rec.get("isMeta") is not True:
        text = _user_text(rec).strip()
        if text.startswith("[Request interrupted by user"):
            facts["interrupted"] = True
        elif text and not text.startswith("<"):
            facts["prompt"] = text
    elif kind == "assistant" and rec.get("isApiErrorMessage") is not True:
        msg = rec.get("message")
        if isinstance(msg, dict) and msg.get("model") != "<synthetic>":
            facts["message_id"] = msg.get("id")
            content = msg.get("content")
            facts["tools"] = [str(b.get("name") or "?") for b in content if isinstance(b, dict)
                              and b.get("type") == "tool_use"] if isinstance(content, list) else []
            tokens = usage_tokens(msg.get("usage"))
            if tokens is not None:
                facts["tokens"] = tokens
                if isinstance(msg.get("model"), str):
                    facts["model"] = msg["model"]
    elif kind == "system" and rec.get("subtype") == "compact_boundary":
        meta = rec.get("compactMetadata")
        post = meta.get("postTokens") if isinstance(meta, dict) else None
        facts["compact_tokens"] = post if isinstance(post, int) and not isinstance(post, bool) else None
    return facts


# ---------------------------------------------------------------- following a transcript between hooks

FOLLOW_MAX = 1024 * 1024  # bytes one follow() reads forwards; the rest is read by the next call
_MARKS = (b'"assistant"', b'"user"', b'"compact_boundary"', b'-title"')
FACT_LIMIT = 64  # facts returned by one call (the newest; replies collapse to the newest figure)
_INTERRUPT_TEXT = "[Request interrupted by user"
# the state machine's fact names (core.state.FACT_*; repeated here so the hook's reader imports nothing more)
FACT_INTERRUPTED, FACT_TOOL_RESULT, FACT_REPLY, FACT_COMPACT_BOUNDARY = (
    "interrupted", "tool_result", "reply", "compact_boundary")


def tool_results(rec: dict) -> list:
    """The ``tool_use_id`` of each tool result in a main-chain user record (strings), in order."""
    msg = rec.get("message")
    content = msg.get("content") if isinstance(msg, dict) else None
    if rec.get("type") != "user" or rec.get("isSidechain") is True or not isinstance(content, list):
        return []
    return [b.get("tool_use_id") if isinstance(b.get("tool_use_id"), str) else None for b in content
            if isinstance(b, dict) and b.get("type") == "tool_result"]


def _tail_start(f: object, size: int) -> int:
    """Offset just past the last newline (where a half-written last line starts), looking back one block."""
    start = max(0, size - BLOCK)
    f.seek(start)  # type: ignore[attr-defined]
    cut = f.read(size - start).rfind(b"\n")  # type: ignore[attr-defined]
    return start + cut + 1 if cut >= 0 else start


def _line_start(f: object, offset: int) -> int:
    """The start of the line holding byte ``offset - 1`` (an offset stored mid-line, e.g. past a half-written
    line, is read again from that line's start), looking back at most ``LINE_MAX``; -1 when further."""
    pos = offset
    while pos > 0 and offset - pos <= LINE_MAX:
        step = min(BLOCK, pos)
        f.seek(pos - step)  # type: ignore[attr-defined]
        cut = f.read(step).rfind(b"\n")  # type: ignore[attr-defined]
        if cut >= 0:
            return pos - step + cut + 1
        pos -= step
    return 0 if pos == 0 else -1


def follow(path: object, since: object, max_bytes: int = FOLLOW_MAX) -> tuple:
    """What a transcript says since an earlier call: ``(sig, info, facts)``.

    ``since`` is the ``sig`` an earlier call returned (``[offset, mtime_ns, path]``: the offset just past the
    last complete line read), or None. Reads forwards from that offset at most ``max_bytes``, complete lines
    only (a half-written last line is read next time). A transcript that is new to us, shrank below the
    offset or has another path is read from its end instead (``tail_info``, bounded by ``MAX_BYTES``).
    ``info`` has ``tail_info``'s keys (``tokens``, ``model``, ``one_m``, ``custom_title``, ``ai_title``,
    ``compacted``, ``interrupted``) for what was read, ``restart`` (True: read from the end, so a fact may
    be older than the record's newest event), plus ``last`` (``"reply"``: the newest main-chain
    message read is an assistant reply without a tool call; ``"tool_use"``; ``"user"``). ``facts`` are
    ``(core.state.FACT_*, value)`` pairs in transcript order, for ``core.state.decide``: a reply's context
    tokens, a tool result's ``(tool_use_id, its record's time)``, the interrupt marker's time, a compaction
    boundary's post-compaction tokens (times from the record's ``timestamp``, epoch seconds, or None).
    ``sig`` is None (and nothing is read) when ``path`` is not a regular file."""
    sig = signature(path)
    if sig is None:
        return None, {}, []
    size, mtime = sig
    valid = (isinstance(since, list) and len(since) == 3 and since[2] == path and type(since[0]) is int
             and 0 <= since[0] <= size)
    if valid and since[0] == size:  # type: ignore[index]
        return [size, mtime, path], {}, []
    try:
        f = open(path, "rb")  # type: ignore[call-overload]  # noqa: SIM115 - closed below
    except OSError:
        return None, {}, []
    try:
        if not valid:
            info: dict = {"restart": True}
            _scan(f, size, MAX_BYTES, info)
            facts = [(FACT_INTERRUPTED, None)] if info.get("interrupted") else []
            return [_tail_start(f, size), mtime, path], info, facts
        start = _line_start(f, since[0])  # type: ignore[index]
        if start < 0:  # inside a line longer than LINE_MAX: read on from the offset (its rest is no record)
            start = since[0]  # type: ignore[index]
        f.seek(start)
        data = f.read(min(max_bytes, size - start))
    except (OSError, MemoryError):
        return None, {}, []
    finally:
        f.close()
    cut = data.rfind(b"\n")
    if cut < 0:
        # no complete line: a half-written one waits; one longer than max_bytes is skipped (tool output)
        return [start + (len(data) if len(data) >= max_bytes else 0), mtime, path], {}, []
    info, facts = _forward(data[: cut + 1])
    return [start + cut + 1, mtime, path], info, facts


def _forward(data: bytes) -> tuple:
    info: dict = {}
    facts: list = []
    for line in data.split(b"\n"):
        if not line.strip() or len(line) > LINE_MAX:
            continue
        if b"[1m]\"" in line:
            info["one_m"] = True
        if not any(mark in line for mark in _MARKS):
            continue  # cheap: no parse for lines that cannot hold a fact
        rec = _parse(line)
        if rec is None:
            continue
        got = record_facts(rec)
        if "custom_title" in got:
            info["custom_title"] = got["custom_title"]
        if "ai_title" in got:
            info["ai_title"] = got["ai_title"]
        if got.get("sidechain"):
            continue
        results = tool_results(rec)
        when = timefmt.parse_iso(rec.get("timestamp")) if results else None  # when Claude Code wrote it
        for tool_use_id in results:
            facts.append((FACT_TOOL_RESULT, (tool_use_id, when)))
            info["last"] = "user"
        if got.get("interrupted"):
            facts.append((FACT_INTERRUPTED, timefmt.parse_iso(rec.get("timestamp"))))  # when Claude Code wrote it
            info["interrupted"], info["last"] = True, "user"
        elif "prompt" in got:
            info["interrupted"], info["last"] = False, "user"
        if "tokens" in got:
            if facts and facts[-1][0] == FACT_REPLY:
                facts.pop()  # only the newest figure matters
            facts.append((FACT_REPLY, got["tokens"]))
            info["tokens"], info["compacted"] = got["tokens"], False
            info["last"] = "tool_use" if got.get("tools") else "reply"
            if "model" in got:
                info["model"] = got["model"]
        if "compact_tokens" in got:
            facts.append((FACT_COMPACT_BOUNDARY, got["compact_tokens"]))
            info["tokens"], info["compacted"] = got["compact_tokens"] or 0, True
    return info, facts[-FACT_LIMIT:]
