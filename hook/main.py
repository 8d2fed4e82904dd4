"""The hook's boundary: read one event, update the session under the dir lock, re-aggregate. Exit 0, always.

Nothing ever goes to stdout (Claude Code would add it to the model's context on some events); every
failure becomes at most one line in ``<status dir>/hook.log``, capped in size.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from core.record import SessionRecord

MAX_STDIN = 8 * 1024 * 1024
LOG_CAP = 256 * 1024  # core.hooklog.LOG_CAP: the hook does not import it on its happy path
ENDED_NAME = ".ended"
ENDED_KEEP = 200
LATE_SECONDS = 60.0  # an event started at most this long before its session's end counts as late
ENDED_MAX = 64 * 1024  # bytes of .ended read (200 ids of at most 128 bytes fit); a bigger file is not ours
PID_RETRY_SECONDS = 60.0


class BadInput(ValueError):
    """The event cannot be used; logged as one line, never raised to Claude Code."""


def parse_event(data: bytes) -> dict:
    """The event object with a safe ``session_id``, or BadInput."""
    from core import ids, jsonio

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
    if not ids.is_valid(sid):
        raise BadInput("unsafe session_id %s" % ascii(sid[:40]))
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
    from core import jsonio, store

    try:
        ended = jsonio.loads(store.read_bytes(os.path.join(sdir, ENDED_NAME), ENDED_MAX))
    except (OSError, ValueError, RecursionError):
        return False
    ts = ended.get(sid) if isinstance(ended, dict) else None
    # late: this event started before the end was recorded, and not long before (a timestamp far in the
    # future, from a bad clock or a damaged file, must not silence the session for ever)
    return isinstance(ts, (int, float)) and 0 <= ts - now <= LATE_SECONDS


def _remember_end(sdir: str, sid: str, now: float) -> None:
    from core import jsonio, store

    path = os.path.join(sdir, ENDED_NAME)
    try:
        ended = jsonio.loads(store.read_bytes(path, ENDED_MAX))
    except (OSError, ValueError, RecursionError):
        ended = {}
    if not isinstance(ended, dict):
        ended = {}
    ended[sid] = now
    keep = sorted(ended.items(), key=lambda kv: kv[1] if isinstance(kv[1], (int, float)) else 0)[-ENDED_KEEP:]
    store.write_json(path, dict(keep))


def _refresh_transcript(s: SessionRecord, environ: dict) -> None:
    from core import record, transcript

    path = s.get("transcript_path")
    sig = transcript.signature(path)
    if sig is not None:
        sig.append(path)  # [size, mtime_ns, path]: a new transcript path is a new file
    old = s.get("transcript_sig")
    if sig is not None and sig != old:
        # Read only what was appended since the last read (the line that straddles it included); a
        # transcript that shrank or is new to us is read from its end, up to transcript.MAX_BYTES.
        floor = old[0] if (isinstance(old, list) and len(old) == 3 and old[2] == path and type(old[0]) is int
                           and 0 <= old[0] <= sig[0]) else 0
        info = transcript.tail_info(path, floor=floor)  # type: ignore[arg-type]
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
    if tokens > record.DEFAULT_WINDOW:
        s["one_m"] = True
    from core import paths, windows

    windows.recall(s, paths.status_dir(environ))  # type: ignore[arg-type]  # issue 10 finding 6
    s["context"]["total_tokens"] = record.context_window(s.get("model"), tokens, bool(s.get("one_m")), environ,
                                                         record.reported_window(s), record.learned_window(s))


def _refresh_pid(s: SessionRecord, event_name: str, now: float, environ: dict) -> None:
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


def _read_record(path: str, sid: str) -> SessionRecord | None:
    """The session's file, upgraded; None for a newer hook's file (this event starts the session over in
    our format). Raises OSError (FileNotFoundError: no file yet) or ValueError (corrupt or oversized)."""
    from core import jsonio, limits, record, store

    raw = store.read_bytes(path, limits.MAX_FILE + 1)
    if len(raw) > limits.MAX_FILE:
        raise ValueError("oversized")
    old = record.upgrade(jsonio.loads(raw), sid)
    return None if isinstance(old, record.Newer) else old


def _end_in_ledger(sdir: str, path: str, sid: str, now: float) -> None:
    """A session that ends while it waits for the user: its wait ends here (issue 12), before the file goes."""
    from core import ledger_write as ledger

    try:
        old = _read_record(path, sid)
    except (OSError, ValueError, RecursionError):
        return
    if isinstance(old, dict) and old.get("state") == "waiting":
        ledger.note(sdir, ledger.snapshot(old), {**old, "state": "ended"}, now, "SessionEnd")


def run(data: bytes, environ: dict | None = None, now: float | None = None) -> None:
    """Apply one hook event (raw stdin bytes) to the status dir. Raises on failure; ``main`` logs.

    Cost does not grow with the number of sessions: ``core.scan`` gives the other sessions from the state
    the previous hook saved, unless something else changed the dir (then it re-reads changed files only)."""
    from core import aggregate, load, paths, record, scan, store
    from core import ledger_write as ledger
    from hook import events

    _CURRENT["follow"] = None
    env: dict = os.environ if environ is None else environ  # type: ignore[assignment]
    now = time.time() if now is None else now
    started = time.perf_counter()
    sdir = paths.status_dir(env)
    try:
        event = parse_event(data)
    except BadInput as exc:
        from core import __version__

        log_line(sdir, "ignored event: BadInput %s (hook %s)" % (exc, __version__), now, env)
        return
    sid = event["session_id"]
    name = event.get("hook_event_name")
    _CURRENT["event"] = name if isinstance(name, str) else "?"
    store.ensure_dir(sdir)
    with store.DirLock(paths.lock_path(sdir)) as lock:
        fresh = scan.unchanged(sdir, lock.fd)  # before this hook writes anything
        options = aggregate.Options(environ=env, deep=False)
        path = paths.session_path(sdir, sid)
        own = sid + ".json"
        if name == "SessionEnd" and not event.get("agent_id"):
            _remember_end(sdir, sid, now)
            _end_in_ledger(sdir, path, sid, now)
            view = scan.load(sdir, now, None, fresh, env)
            if view.pop_cold(own):  # not in the index: its file is removed here
                store.remove(path)
            found = aggregate.scan(sdir, now, options, view.entries, view.skipped, view.cold_count(),
                                   view.cold_summary(now, aggregate.thresholds(env)[0]))
            aggregate.update(sdir, now, found, options, drop=sid, sweep=view.full)
            scan.save(sdir, lock.fd, view, view.entries)
            return
        existed = True
        try:
            old = _read_record(path, sid)
        except FileNotFoundError:
            old, existed = None, False
            if _ended_recently(sdir, sid, now):
                return
        except (OSError, ValueError, RecursionError):
            old = None  # corrupt, foreign or oversized: start over rather than stay broken
        was = ledger.snapshot(old)  # issue 12: the ledger compares before/after (step mutates old)
        tail = None
        if old is not None and not event.get("agent_id"):
            tail = aggregate.read_tail(old)  # what the transcript said since the last read comes first
            if tail:
                aggregate.apply_tail(old, tail, now, env)
                if old.get("state_ts") != was.get("state_ts"):  # e.g. Esc's marker ended a wait at its own time
                    ledger.note(sdir, was, old, now, None)
                    was = ledger.snapshot(old)
        s = events.step(old, event, now)
        if not event.get("agent_id"):
            _refresh_transcript(s, env)
        _refresh_pid(s, name if isinstance(name, str) else "", now, env)
        s["load"] = load.current(env)
        events.finish(s)
        s["hook_ms"] = round((time.perf_counter() - started) * 1000, 2)
        ledger.note(sdir, was, s, now, name if isinstance(name, str) else None)  # before the write: idempotent
        s = store.write_session(path, s)  # type: ignore[arg-type,assignment]
        st = os.stat(path)
        mine = record.Entry(s, now, sig=[st.st_size, st.st_mtime_ns])
        view = scan.load(sdir, now, own, fresh, env, maybe_cold=existed)
        options.load_info = s["load"]
        entries = [*view.entries, mine]
        found = aggregate.scan(sdir, now, options, entries, view.skipped, view.cold_count(),
                               view.cold_summary(now, aggregate.thresholds(env)[0]))
        aggregate.update(sdir, now, found, options, sweep=view.full)
        scan.save(sdir, lock.fd, view, entries)
    if not event.get("agent_id"):
        _CURRENT["follow"] = _follow_job(name, event, s, tail, sdir)


FOLLOW_WAIT_SECONDS = 2.0  # how long the follower waits for the transcript to catch up (docs/truth.md)
FOLLOW_POLL_SECONDS = 0.025
ANSWER_WAIT_SECONDS = 600.0  # how long a follower watches an open dialog for approve or Esc (a sleeping process)
TOOL_WAIT_SECONDS = 600.0  # how long it watches a running tool call for Esc
WATCH_POLL_SECONDS = 0.1  # the poll of those two long watches (a stat or two each time)
# Calls that end in milliseconds: nobody stops them with Esc, so no follower is forked for them (a fork saved
# on the most frequent calls). Bash, agents, web and MCP tools run long and are followed.
QUICK_TOOLS = ("Read", "Edit", "MultiEdit", "Write", "Glob", "Grep", "LS", "TodoWrite", "NotebookEdit")
MARKER_WAIT_SECONDS = 0.5  # Esc writes the call's result, then the marker (ms apart): watched on after a result
WAIT_FOR = {"reply": FOLLOW_WAIT_SECONDS, "compact": FOLLOW_WAIT_SECONDS, "usage": FOLLOW_WAIT_SECONDS,
            "answer": ANSWER_WAIT_SECONDS, "tool": TOOL_WAIT_SECONDS, "marker": MARKER_WAIT_SECONDS}


def _follow_job(name: object, event: dict, s: SessionRecord, tail: list | None, sdir: str) -> dict | None:
    """What to watch after this main-chain event, or None. Claude Code fires ``Stop`` before it writes the
    reply and ``PostCompact``/``SessionStart(compact)`` before the compaction boundary; on the first turn
    ``PreToolUse``/``PermissionRequest`` fire before the record with the usage ("reply", "compact",
    "usage": at most 2 s). No hook fires when a dialog is answered or when Esc stops a running tool
    (issue 10 findings 4 and 5): while the session waits on a dialog the follower watches for the answer
    ("answer": Claude Code's registry saying "busy", or Esc's marker in the transcript), and while a tool
    call runs, for Esc's marker ("tool"; until the call's result)."""
    info = tail[-1][1][1] if tail else {}
    facts = [f for f, _ in tail[:-1]] if tail else []
    kinds = []
    if name == "Stop":
        kinds = [] if info.get("last") == "reply" else ["reply"]
    elif name == "PostCompact" or (name == "SessionStart" and event.get("source") == "compact"):
        kinds = [] if "compact_boundary" in facts else ["compact"]
    elif name in ("PreToolUse", "PermissionRequest") and not s["context"].get("current_tokens"):
        kinds = ["usage"]
    pending = s.get("waiting_call") if s.get("state") == "waiting" else None
    call_id = None
    if name in ("PreToolUse", "PermissionRequest") and isinstance(pending, dict) and not pending.get("agent"):
        kinds.append("answer")  # approve and Esc fire no hook
        call_id = pending.get("id")
    elif name == "PreToolUse" and s.get("state") == "working" and event.get("tool_name") not in QUICK_TOOLS:
        kinds.append("tool")  # Esc during the call fires no hook
        call_id = event.get("tool_use_id")
    path = s.get("transcript_path")
    if not kinds or not isinstance(path, str):
        return None
    return {"kinds": kinds, "sdir": sdir, "path": path, "since": s.get("transcript_sig"), "sid": s["session_id"],
            "registry": s.get("pid_file"), "pid": s.get("pid"), "wait_ts": s.get("state_ts"),
            "call_id": call_id if isinstance(call_id, str) else None}


def _caught_up(kind: str, info: dict, facts: list, call_id: str | None = None) -> bool:
    names = [f for f, _ in facts]
    if kind == "reply":
        return info.get("last") == "reply"
    if kind == "answer":  # the waiting call's own result when its id is known (not a parallel call's)
        return "interrupted" in names or any(
            f == "tool_result" and (call_id is None or v[0] == call_id) for f, v in facts)
    if kind == "tool":
        return "interrupted" in names or info.get("last") == "reply" or any(
            f == "tool_result" and (call_id is None or v[0] == call_id) for f, v in facts)
    if kind == "marker":
        return "interrupted" in names
    return ("compact_boundary" if kind == "compact" else "reply") in names


def _claim(sdir: str, sid: str) -> tuple | None:
    """Make this process the session's one follower: ``(token path, its content: our pid)``. An older
    follower of the same session sees another pid there at its next poll and leaves (0.1 s later at most)."""
    from core import ids, paths

    if not ids.is_valid(sid):
        return None
    path = paths.follow_token_path(sdir, sid)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.write(fd, b"%d\n" % os.getpid())
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path, b"%d\n" % os.getpid()


def _still_mine(token: tuple | None) -> bool:
    """The token still holds our pid (its content, not its inode: a file system reuses a freed inode
    at once, so a replaced token can come back with "our" inode)."""
    if token is None:
        return True
    try:
        fd = os.open(token[0], os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return True  # removed by a follower that left: nobody took over
    except OSError:
        return False
    try:
        return os.read(fd, 32) == token[1]
    except OSError:
        return False
    finally:
        os.close(fd)


def _release(token: tuple | None) -> None:
    if token is None or not _still_mine(token):
        return
    try:
        os.unlink(token[0])
    except OSError:
        return


def _busy_since(registry: object, sid: object, since: object) -> bool | None:
    """Claude Code's registry says "busy", later than the wait began: the dialog was answered. None when
    the registry cannot be read (missing, half-written, no status): read again at the next poll."""
    from core import liveness

    found = liveness.registry_status(registry, sid if isinstance(sid, str) else None)
    if found is None:
        return None
    return found[0] == "busy" and isinstance(since, (int, float)) and found[1] > since


def _session_alive(job: dict) -> bool:
    """The session file is still there (no SessionEnd) and its Claude process, when known, still runs (the
    pid alone: Claude Code rewrites its registry file, which must not end a follower)."""
    if not os.path.exists(os.path.join(job["sdir"], job["sid"] + ".json")):
        return False
    from core import liveness

    pid = job.get("pid")
    return not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or liveness.pid_alive(pid)


def _mtime(path: object) -> int | None:
    try:
        return os.stat(path).st_mtime_ns  # type: ignore[arg-type]
    except (OSError, TypeError, ValueError):
        return None


def follow(job: dict, environ: dict, wait: float | None = None, claim: bool = True) -> bool:
    """Watch (no lock held; a ``stat`` of the transcript, and of Claude Code's registry while a dialog is
    open, per poll) until every kind of ``job`` has caught up or timed out; whenever the transcript or the
    registry shows what a kind waits for, apply it to the status dir under the lock (``core.aggregate``:
    every reader's path, through ``core.state``; a wait it ends closes in the ledger there). An answered
    dialog ("answer" by the registry) goes on as a running call ("tool"). ``wait`` overrides the short
    kinds' 2 s. One follower per session: a newer one (``_claim``) makes this one leave. True when
    something caught up."""
    from core import aggregate, transcript

    sdir, path, since = job["sdir"], job["path"], job["since"]
    token = _claim(sdir, job["sid"]) if claim else None
    start = time.monotonic()
    deadlines = {k: start + (wait if wait is not None and WAIT_FOR[k] == FOLLOW_WAIT_SECONDS else WAIT_FOR[k])
                 for k in job["kinds"]}
    if transcript.signature(path) is None:
        since = [0, 0, path]  # the first turn's transcript may not exist yet: read it from its start when it does
    last = since[0] if isinstance(since, list) and since else None
    reg_seen = None
    caught = False

    def apply() -> None:
        aggregate.aggregate(sdir, time.time(), aggregate.Options(environ=environ, deep=False))

    try:
        while deadlines:
            now = time.monotonic()
            for kind in [k for k, d in deadlines.items() if now >= d]:
                del deadlines[kind]
            if not deadlines:
                break
            short = any(WAIT_FOR[k] <= FOLLOW_WAIT_SECONDS for k in deadlines)
            time.sleep(FOLLOW_POLL_SECONDS if short else WATCH_POLL_SECONDS)
            if not _still_mine(token) or not _session_alive(job):
                break
            if "answer" in deadlines:
                seen = _mtime(job["registry"])
                if seen is not None and seen != reg_seen:
                    busy = _busy_since(job["registry"], job["sid"], job["wait_ts"])
                    reg_seen = seen if busy is not None else None
                    if busy:
                        apply()  # approved: the command runs (or the answer goes back to the model)
                        caught = True
                        del deadlines["answer"]
                        deadlines["tool"] = time.monotonic() + TOOL_WAIT_SECONDS
                        continue
            sig = transcript.signature(path)
            if sig is None or sig[0] == last:  # not there yet (the first turn's file comes late), or no news
                continue
            last = sig[0]
            new_since, info, facts = transcript.follow(path, since)
            if new_since is not None:
                since = new_since  # what was read is not read again (a long call's output can pass 1 MiB)
            done = [k for k in deadlines if _caught_up(k, info, facts, job["call_id"])]
            if done:
                interrupted = "interrupted" in [f for f, _ in facts]
                if any(k != "tool" for k in done) or interrupted:
                    apply()
                caught = True
                for kind in done:
                    del deadlines[kind]
                if "answer" in done:
                    deadlines.pop("tool", None)  # Esc, or the call already ran: nothing left to watch
                if ("tool" in done or "answer" in done) and not interrupted:
                    deadlines["marker"] = time.monotonic() + MARKER_WAIT_SECONDS  # Esc's marker may follow
    finally:
        _release(token)
    return caught


def _spawn_follower(job: dict, environ: dict) -> None:
    """Run ``follow`` in a detached child, so neither a sync nor an async hook makes Claude Code wait:
    the parent returns at once. POSIX only (elsewhere the readers apply the tail on their next read)."""
    if not hasattr(os, "fork"):
        return
    sys.stdout.flush() if sys.stdout is not None else None
    pid = os.fork()
    if pid:
        return
    code = 0
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        follow(job, environ)
    except BaseException as exc:
        try:
            from core import paths

            log_line(paths.status_dir(environ), "hook follower error: %s: %s" % (type(exc).__name__, exc),
                     time.time(), environ)
        except BaseException:
            pass
    finally:
        os._exit(code)


_CURRENT: dict = {"event": "-"}  # the event being applied, for the one log line a failure writes


def main() -> int:
    """Entry point for ``python -m hook`` and the registered command. Returns 0 whatever happens."""
    now = time.time()
    environ = os.environ
    try:
        stream = sys.stdin.buffer if sys.stdin is not None else None
        data = stream.read(MAX_STDIN + 1) if stream is not None else b""
        run(data, environ, now)  # type: ignore[arg-type]
        job = _CURRENT.get("follow")
        if job:
            _spawn_follower(job, environ)  # type: ignore[arg-type]
    except BaseException as exc:
        try:
            from core import __version__, paths

            log_line(paths.status_dir(environ), "hook error: %s in %s (hook %s): %s" % (  # type: ignore[arg-type]
                type(exc).__name__, _CURRENT["event"], __version__, exc), now, environ)  # type: ignore[arg-type]
        except BaseException:
            pass
    return 0
