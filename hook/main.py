"""The hook's boundary: read one event, update the session under the dir lock, re-aggregate. Exit 0, always.

Nothing ever goes to stdout (Claude Code would add it to the model's context on some events); every
failure becomes at most one line in ``<status dir>/hook.log``, capped in size.
"""

from __future__ import annotations

import os
import sys
import time

MAX_STDIN = 8 * 1024 * 1024
MAX_ID = 128
LOG_CAP = 256 * 1024
ENDED_NAME = ".ended"
ENDED_KEEP = 200
PID_RETRY_SECONDS = 60.0


class BadInput(ValueError):
    """The event cannot be used; logged as one line, never raised to Claude Code."""


def parse_event(data: bytes) -> dict:
    """The event object with a safe ``session_id``, or BadInput."""
    from core import jsonio, paths

    if len(data) > MAX_STDIN:
        raise BadInput("stdin over 8 MiB ignored")
    if not data.strip():
        raise BadInput("empty stdin")
    try:
        event = jsonio.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise BadInput("stdin is not a JSON object: %s" % str(exc)[:80]) from None
    if not isinstance(event, dict):
        raise BadInput("stdin is JSON but not an object")
    sid = event.get("session_id")
    if not isinstance(sid, str) or not sid:
        raise BadInput("missing or non-string session_id")
    bad = (len(sid) > MAX_ID or sid.startswith(".") or ".." in sid
           or any(c in sid for c in "/\\:\0") or any(ord(c) < 32 for c in sid)
           or sid.lower() in paths.RESERVED_IDS)
    if bad:
        raise BadInput("unsafe session_id %r" % sid[:40])
    return event


def log_line(sdir: str, message: str, now: float, environ: dict | None = None) -> None:
    """Append one line to the hook log, rotating it at 256 KiB. Never raises. When the status dir cannot
    hold it (a file, read-only, no permission), the line goes to ``<claude dir>/claude-status-hook.log``
    (``paths.fallback_log_path``), where ``claude-status doctor`` shows it."""
    try:
        from core import paths, store, timefmt

        line = "%s %s\n" % (timefmt.iso(now), " ".join(message.split())[:500])
        try:
            store.ensure_dir(sdir)
            _append(paths.log_path(sdir), line)
        except OSError as exc:
            store.ensure_dir(paths.claude_dir(environ))
            _append(paths.fallback_log_path(environ),
                    line.rstrip("\n") + " [status dir %s unusable: %s]\n" % (sdir, exc.strerror or exc))
    except Exception:
        pass


def _append(path: str, line: str) -> None:
    try:
        if os.stat(path).st_size > LOG_CAP:
            os.replace(path, path + ".1")
    except OSError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.write(fd, line.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def _ended_recently(sdir: str, sid: str, now: float) -> bool:
    """Was ``sid`` ended after this (late) event started? Read only for sessions without a file."""
    from core import jsonio

    try:
        with open(os.path.join(sdir, ENDED_NAME), "rb") as f:
            ended = jsonio.loads(f.read())
    except (OSError, ValueError):
        return False
    ts = ended.get(sid) if isinstance(ended, dict) else None
    return isinstance(ts, (int, float)) and now <= ts


def _remember_end(sdir: str, sid: str, now: float) -> None:
    from core import jsonio, store

    path = os.path.join(sdir, ENDED_NAME)
    try:
        ended = jsonio.loads(store.read_bytes(path))
    except (OSError, ValueError):
        ended = {}
    if not isinstance(ended, dict):
        ended = {}
    ended[sid] = now
    keep = sorted(ended.items(), key=lambda kv: kv[1] if isinstance(kv[1], (int, float)) else 0)[-ENDED_KEEP:]
    store.write_json(path, dict(keep))


def _refresh_transcript(s: dict, environ: dict) -> None:
    from core import schema, transcript

    path = s.get("transcript_path")
    sig = transcript.signature(path)
    if sig is not None and sig != s.get("transcript_sig"):
        info = transcript.tail_info(path)  # type: ignore[arg-type]
        s["transcript_sig"] = sig
        if "tokens" in info:
            s["context"]["current_tokens"] = info["tokens"]
        if "model" in info:
            s["model"] = info["model"]
        if info.get("one_m"):
            s["one_m"] = True
        if "custom_title" in info:
            s["titles"]["custom"] = info["custom_title"]
        if "ai_title" in info:
            s["titles"]["ai"] = info["ai_title"]
    tokens = s["context"].get("current_tokens") or 0
    if tokens > schema.DEFAULT_WINDOW:
        s["one_m"] = True
    s["context"]["total_tokens"] = schema.context_window(s.get("model"), tokens, bool(s.get("one_m")), environ)


def _refresh_pid(s: dict, event_name: str, now: float, environ: dict) -> None:
    if s.get("pid") is not None:
        return
    first = event_name in ("SessionStart", "UserPromptSubmit")
    checked = s.get("pid_checked_ts")
    if not first and isinstance(checked, (int, float)) and now - checked < PID_RETRY_SECONDS:
        return
    from core import liveness, paths

    s["pid_checked_ts"] = now
    found = liveness.find_pid(paths.sessions_registry_dir(environ), s["session_id"], scan=first)
    if found:
        s["pid"], s["pid_file"] = found


def run(data: bytes, environ: dict | None = None, now: float | None = None) -> None:
    """Apply one hook event (raw stdin bytes) to the status dir. Raises on failure; ``main`` logs."""
    from core import aggregate, jsonio, load, paths, schema, store
    from hook import events

    env: dict = os.environ if environ is None else environ  # type: ignore[assignment]
    now = time.time() if now is None else now
    started = time.perf_counter()
    sdir = paths.status_dir(env)
    try:
        event = parse_event(data)
    except BadInput as exc:
        log_line(sdir, "ignored event: %s" % exc, now, env)
        return
    sid = event["session_id"]
    name = event.get("hook_event_name")
    store.ensure_dir(sdir)
    with store.DirLock(paths.lock_path(sdir)):
        if name == "SessionEnd" and not event.get("agent_id"):
            _remember_end(sdir, sid, now)
            sessions, skipped = aggregate.load_sessions(sdir)
            aggregate.aggregate(sdir, now, environ=env, deep=False, sessions=sessions, skipped=skipped, drop=sid,
                                locked=True)
            return
        path = paths.session_path(sdir, sid)
        try:
            old = schema.validate(jsonio.loads(store.read_bytes(path)), sid)
        except FileNotFoundError:
            old = None
            if _ended_recently(sdir, sid, now):
                return
        except (OSError, ValueError, RecursionError):
            old = None  # corrupt: start over rather than stay broken
        s = events.apply(old, event, now)
        if not event.get("agent_id"):
            _refresh_transcript(s, env)
        _refresh_pid(s, name if isinstance(name, str) else "", now, env)
        s["load"] = load.current(env)
        events.finish(s)
        s["hook_ms"] = round((time.perf_counter() - started) * 1000, 2)
        store.write_json(path, s)
        others, skipped = aggregate.load_sessions(sdir, skip=sid + ".json")
        s["_mtime"] = now
        aggregate.aggregate(sdir, now, environ=env, deep=False, sessions=[*others, s], skipped=skipped,
                            locked=True)


def main() -> int:
    """Entry point for ``python -m hook`` and the registered command. Returns 0 whatever happens."""
    now = time.time()
    environ = os.environ
    try:
        stream = sys.stdin.buffer if sys.stdin is not None else None
        data = stream.read(MAX_STDIN + 1) if stream is not None else b""
        run(data, environ, now)  # type: ignore[arg-type]
    except BaseException as exc:
        try:
            from core import paths

            log_line(paths.status_dir(environ), "hook error: %s: %s" % (type(exc).__name__, exc), now,  # type: ignore[arg-type]
                     environ)  # type: ignore[arg-type]
        except BaseException:
            pass
    return 0
