"""Read what the monitor needs from the END of a Claude Code transcript (JSONL).

Cost is bounded by ``max_bytes`` whatever the file's size; a missing file, a directory, a device
(``/dev/zero``), a FIFO or invalid bytes give an empty result, never a hang or an exception.
"""

from __future__ import annotations

import os
import stat

from core import jsonio

BLOCK = 64 * 1024
MAX_BYTES = 1024 * 1024
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


def _lines_backwards(f: object, size: int, max_bytes: int):  # type: ignore[no-untyped-def]
    """Yield ``(block number, line)`` for complete lines from the end of an open binary file, newest first."""
    pos = size
    carry = b""
    budget = max_bytes
    block = 0
    while pos > 0 and budget > 0:
        step = min(BLOCK, pos, budget)
        pos -= step
        budget -= step
        f.seek(pos)  # type: ignore[attr-defined]
        chunk = f.read(step) + carry  # type: ignore[attr-defined]
        parts = chunk.split(b"\n")
        carry = parts[0]
        for line in reversed(parts[1:]):
            if line.strip():
                yield block, line
        block += 1
    if pos == 0 and carry.strip():
        yield block, carry


def _parse(line: bytes) -> dict | None:
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


def tail_info(path: str, max_bytes: int = MAX_BYTES) -> dict:
    """Newest facts in a transcript's tail.

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
        _scan(f, sig[0], max_bytes, info)
    except (OSError, MemoryError):
        pass
    finally:
        f.close()
    return info


def _scan(f: object, size: int, max_bytes: int, info: dict) -> None:
    context_block = -1  # titles are looked for only in the blocks already read for the context
    turn_seen = False  # an assistant or user-prompt line newer than anything below
    for block, line in _lines_backwards(f, size, max_bytes):
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
