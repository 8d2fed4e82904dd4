"""The status-line tap: Claude Code's own figures (context window, cost, rate limits) into our session file.

Registered in ``settings.json`` ``statusLine`` (``claude-status install-statusline``) as::

    <python> -I -S -c 'import sys;sys.path.insert(0,"<root>");from hook.statusline import main;main()' ['<wrapped>']

where ``<wrapped>`` is the user's own ``statusLine`` object as JSON (kept there, so uninstall restores exactly
it, and nothing unknown is ever added to the ``statusLine`` schema). On every render:

1. read stdin (the status-line JSON), bounded;
2. record into ``<status dir>/<session>.json`` under the status-dir lock, waiting at most ``LOCK_WAIT``
   seconds for it (a busy lock skips the record: the line is never delayed for it), and re-aggregate
   ``index.json``; nothing is recorded for a session the hook has not created; Claude Code's window for the
   model is remembered for later sessions the tap never sees (``core.windows``: read on a session's first
   render and when its model or window changes, never on the other renders);
3. with a wrapped command: become it (``exec /bin/sh -c <command>`` with the very same stdin bytes), so its
   stdout reaches Claude Code byte for byte, with its own exit status, timing and cancellation: a slow or
   failing command is exactly as slow or failing as before. Without one: print a compact line of our own
   about the other sessions ("2 others · 1 waiting").

Stdlib only, started like the hook (``-I -S``, no ``json``/``re`` import on the render path). A failure to
record never changes the output.
"""

from __future__ import annotations

import os
import sys
import time

MAX_STDIN = 1 << 20
LOCK_WAIT = 0.05
RECORD_KEY = "statusline"
# What the record keeps of the status-line input (Claude Code's names, values as given).
FIELDS = ("context_window", "model", "session_name", "cost", "rate_limits", "exceeds_200k_tokens", "version")
_CODE_PREFIX = "import sys;sys.path.insert(0,"
_CODE_SUFFIX = ");from hook.statusline import main;main()"
SHELL = "/bin/sh"  # what Claude Code itself runs the status-line command with (measured: $0 is /bin/sh)
PIPE_SAFE = 60000  # below Linux's and macOS's 64 KiB pipe buffer


# --------------------------------------------------------------------------------------------------------
# The render path
# --------------------------------------------------------------------------------------------------------
def extract(payload: dict, now: float) -> dict:
    """The part of one status-line input we keep (bounded: the known fields only). Pure."""
    out: dict = {"ts": now}
    for key in FIELDS:
        if key in payload:
            value = payload[key]
            if isinstance(value, str):
                value = value[:200]
            out[key] = value
    return out


def apply(s: dict, tap: dict) -> None:
    """Put Claude Code's figures into a session record. The window always comes from Claude Code when it has
    said it; the tokens and percentage too when it gives ``current_usage`` (null before the first reply and
    right after ``/compact``: then inference keeps its figure). Pure."""
    s[RECORD_KEY] = tap
    cw = tap.get("context_window")
    if not isinstance(cw, dict):
        return
    ctx = s.get("context")
    if not isinstance(ctx, dict):
        ctx = s["context"] = {}
    size = cw.get("context_window_size")
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        ctx["total_tokens"] = size
    usage = cw.get("current_usage")
    if isinstance(usage, dict):
        tokens = 0
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
            v = usage.get(k)
            if isinstance(v, int) and not isinstance(v, bool):
                tokens += v
        ctx["current_tokens"] = tokens
        pct = cw.get("used_percentage")
        window = ctx.get("total_tokens")
        if isinstance(pct, (int, float)) and not isinstance(pct, bool):
            ctx["percentage"] = max(0, min(100, round(pct)))
        elif isinstance(window, int) and window > 0:
            ctx["percentage"] = min(100, round(tokens * 100 / window))
        ctx["source"] = "statusline"


def _model_window(tap: object) -> tuple:
    """(``model.id``, ``context_window.context_window_size``) of a kept status-line input, or Nones. Pure."""
    if not isinstance(tap, dict):
        return None, None
    model, cw = tap.get("model"), tap.get("context_window")
    mid = model.get("id") if isinstance(model, dict) else None
    size = cw.get("context_window_size") if isinstance(cw, dict) else None
    return mid, size


def learn_window(sdir: str, before: object, tap: dict, now: float) -> bool:
    """Remember Claude Code's window for the model (``core.windows``) when this session's model or window is
    new to us: the file is read on a session's first render and when its model changes, not on every render.
    Never raises (a failure to learn never costs the record)."""
    mid, size = _model_window(tap)
    if mid is None or size is None or _model_window(before) == (mid, size):
        return False
    try:
        from core import windows

        return windows.learn(sdir, mid, size, now)
    except OSError:
        return False


def _valid_sid(sid: object) -> bool:
    """The one session-id rule (``core.ids``; before it is merged, the hook's own check)."""
    try:
        from core import ids
    except ImportError:  # pragma: no cover - until issue 8's core/ids.py is on this branch
        from core import jsonio
        from hook.main import BadInput, parse_event

        try:
            parse_event(jsonio.dumps({"session_id": sid}).encode())
        except BadInput:
            return False
        return True
    return bool(ids.is_valid(sid))


def record(payload: dict, environ: dict, now: float) -> bool:
    """Record the tap into the session's file and refresh ``index.json``, exactly as the hook publishes an
    event (``core.scan`` view, ``aggregate.scan``/``update``). False when skipped (no such session yet, a
    busy lock, an unusable id, a newer or foreign file). Raises OSError/ValueError on a broken status dir."""
    from core import aggregate, jsonio, limits, paths, scan, store
    from core import ledger_write as ledger
    from core import record as rec

    sid = payload.get("session_id")
    if not _valid_sid(sid):
        return False
    sdir = paths.status_dir(environ)
    path = paths.session_path(sdir, sid)  # type: ignore[arg-type]
    if not os.path.exists(path):
        return False
    lock = store.DirLock(paths.lock_path(sdir), timeout=LOCK_WAIT)
    try:
        lock.__enter__()
    except TimeoutError:
        return False
    try:
        fresh = scan.unchanged(sdir, lock.fd)
        try:
            raw = store.read_bytes(path, limits.MAX_FILE + 1)
        except FileNotFoundError:
            return False
        if len(raw) > limits.MAX_FILE:
            return False
        s = rec.upgrade(jsonio.loads(raw), sid)  # type: ignore[arg-type]
        if not isinstance(s, dict):  # a newer hook's file, or not ours: leave it alone
            return False
        was = ledger.snapshot(s)  # issue 12: cost and rate limits into the daily ledger
        tap = extract(payload, now)
        apply(s, tap)  # type: ignore[arg-type]
        ledger.note(sdir, was, s, now)
        learn_window(sdir, was.get("statusline"), tap, now)
        updated = s.get("updated_ts")
        s["updated_ts"] = max(float(updated) if isinstance(updated, (int, float)) else 0.0, now)
        s = store.write_session(path, s)  # type: ignore[arg-type,assignment]
        st = os.stat(path)
        own = sid + ".json"  # type: ignore[operator]
        mine = rec.Entry(s, now, sig=[st.st_size, st.st_mtime_ns])
        options = aggregate.Options(environ=environ, deep=False)
        view = scan.load(sdir, now, own, fresh, environ)
        entries = [*view.entries, mine]
        found = aggregate.scan(sdir, now, options, entries, view.skipped, view.cold_count())
        aggregate.update(sdir, now, found, options, sweep=False)
        scan.save(sdir, lock.fd, view, entries)
        return True
    finally:
        lock.__exit__(None, None, None)


def own_line(payload: dict, environ: dict) -> str:
    """Our line when the user has none: the other sessions at a glance, from ``index.json``."""
    from core import jsonio, paths, store

    sid = payload.get("session_id")
    try:
        index = jsonio.loads(store.read_bytes(paths.index_path(paths.status_dir(environ))))
    except (OSError, ValueError):
        index = {}
    rows = index.get("sessions") if isinstance(index, dict) else None
    others = [r for r in rows or [] if isinstance(r, dict) and r.get("session_id") != sid
              and r.get("status") != "stale"]
    return describe_others(others)


def describe_others(others: list) -> str:
    """``2 others · 1 waiting`` (pure): how many other live sessions, and how many of them wait for you."""
    if not others:
        return "no other sessions"
    parts = ["%d other%s" % (len(others), "" if len(others) == 1 else "s")]
    waiting = sum(1 for r in others if r.get("state") == "waiting")
    working = sum(1 for r in others if r.get("state") == "working")
    if waiting:
        parts.append("%d waiting" % waiting)
    if working:
        parts.append("%d working" % working)
    return " · ".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _exec_wrapped(command: str, data: bytes) -> None:
    """Become ``sh -c command`` with ``data`` as stdin. Returns only where exec is not possible."""
    if os.name != "posix":  # pragma: no cover - Windows: run it and pass its output and status through
        import subprocess

        proc = subprocess.run(command, input=data, shell=True, stdout=subprocess.PIPE, check=False)
        out = sys.stdout.buffer if sys.stdout is not None else None
        if out is not None:
            out.write(proc.stdout)
            out.flush()
        os._exit(proc.returncode)
    r, w = os.pipe()
    if len(data) <= PIPE_SAFE:  # fits a pipe buffer: written before exec, no writer process needed
        _write_all(w, data)
        os.close(w)
    elif os.fork() == 0:  # a (rare) big input: a child feeds the pipe while the command reads it
        os.close(r)
        try:
            _write_all(w, data)
        finally:
            os._exit(0)
    else:
        os.close(w)
    if r != 0:
        os.dup2(r, 0)
        os.close(r)
    os.execv(SHELL, [SHELL, "-c", command])


def main() -> None:
    """Entry point of the registered command. Never lets a failure of ours change the output."""
    now = time.time()
    environ = os.environ
    stream = sys.stdin.buffer if sys.stdin is not None else None
    data = stream.read(MAX_STDIN) if stream is not None else b""
    wrapped = None
    payload: dict = {}
    try:
        from core import jsonio

        if len(sys.argv) > 1:
            w = jsonio.loads(sys.argv[1])
            wrapped = w.get("command") if isinstance(w, dict) else None
        p = jsonio.loads(data) if data.strip() else {}
        payload = p if isinstance(p, dict) else {}
    except Exception:
        payload = {}
    if payload:
        try:
            record(payload, environ, now)  # type: ignore[arg-type]
        except Exception as exc:
            _log(environ, "statusline: %s: %s" % (type(exc).__name__, exc), now)
    if isinstance(wrapped, str) and wrapped:
        _exec_wrapped(wrapped, data)
        return
    try:
        line = own_line(payload, environ)  # type: ignore[arg-type]
    except Exception:
        line = ""
    out = sys.stdout.buffer if sys.stdout is not None else None
    if out is not None and line:
        out.write(line.encode("utf-8", "replace") + b"\n")
        out.flush()


def _log(environ: object, message: str, now: float) -> None:
    try:
        from core import paths
        from hook.main import log_line

        log_line(paths.status_dir(environ), message, now)  # type: ignore[arg-type]
    except Exception:
        pass


# --------------------------------------------------------------------------------------------------------
# Registration (settings.json ``statusLine``), through hook.install's one settings writer
# --------------------------------------------------------------------------------------------------------
def tap_argv(wrapped: dict | None = None, python: str | None = None, root: str | None = None) -> list:
    """The argument vector of our status-line command (quoted into one shell string by ``tap_command``)."""
    from core import jsonio
    from hook import install

    python = python or install.canonical_python(sys.executable)
    root = root or install.package_root()
    if sys.platform == "win32":  # pragma: no cover - Git Bash eats unquoted backslashes
        root = root.replace("\\", "/")
        python = python.replace("\\", "/")
    argv = [python, "-I", "-S", "-c", _CODE_PREFIX + jsonio.dumps(root) + _CODE_SUFFIX]
    if wrapped is not None:
        argv.append(jsonio.dumps(wrapped))
    return argv


def tap_command(wrapped: dict | None = None, python: str | None = None, root: str | None = None) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in tap_argv(wrapped, python, root))


def parse_ours(entry: object) -> tuple | None:
    """``(True, wrapped or None)`` when ``entry`` (a ``statusLine`` value) is our tap; None otherwise."""
    import re
    import shlex

    from core import jsonio

    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str):
        return None
    try:
        argv = shlex.split(entry["command"])
    except ValueError:
        return None
    if len(argv) not in (5, 6) or argv[1:4] != ["-I", "-S", "-c"]:
        return None
    pattern = re.escape(_CODE_PREFIX) + r'("(?:[^"\\]|\\.)*")' + re.escape(_CODE_SUFFIX)
    if not re.fullmatch(pattern, argv[4]):
        return None
    if len(argv) == 5:
        return (True, None)
    try:
        wrapped = jsonio.loads(argv[5])
    except ValueError:
        return None
    return (True, wrapped) if isinstance(wrapped, dict) else None


def _ours_for(current: object, python: str | None, root: str | None) -> dict:
    """Our ``statusLine`` for what is there now: the user's own keys (padding, refreshInterval, ...) kept in
    their order, only ``command`` (and ``type``) ours; the user's entry is carried inside our command."""
    from hook.install import InstallError

    mine = parse_ours(current)
    if mine is not None:
        wrapped = mine[1]
        base = current
    elif current is None:
        wrapped, base = None, {}
    elif isinstance(current, dict):
        if current.get("type", "command") != "command" or not isinstance(current.get("command"), str):
            raise InstallError("statusLine in settings.json is not a command status line; nothing was written")
        wrapped, base = current, current
    else:
        raise InstallError("statusLine in settings.json is not an object; nothing was written")
    out: dict = {}
    if not isinstance(base, dict):  # pragma: no cover - parse_ours only accepts dicts
        base = {}
    if "type" not in base:
        out["type"] = "command"
    for k, v in base.items():
        out[k] = v
    out["type"] = "command"
    out["command"] = tap_command(wrapped, python, root)
    return out


def install(config_dir: str | None = None, dry_run: bool = False, python: str | None = None,
            root: str | None = None) -> object:
    """Register the tap (wrapping the user's status line). Idempotent. Returns hook.install.SettingsEdit;
    raises InstallError (nothing written)."""
    from hook import install as hi

    def mutate(settings: dict) -> None:
        settings["statusLine"] = _ours_for(settings.get("statusLine"), python, root)

    return hi.update_settings(mutate, config_dir, dry_run)


def uninstall(config_dir: str | None = None, dry_run: bool = False) -> object:
    """Put back exactly the status line that was there before (or none). Returns hook.install.SettingsEdit."""
    from hook import install as hi

    def mutate(settings: dict) -> None:
        mine = parse_ours(settings.get("statusLine"))
        if mine is None:
            return
        if mine[1] is None:
            del settings["statusLine"]
        else:
            settings["statusLine"] = mine[1]

    return hi.update_settings(mutate, config_dir, dry_run)


def status(config_dir: str | None = None) -> dict | None:
    """``{"entry": our statusLine, "wrapped": the user's or None}`` when the tap is registered, else None."""
    from hook import install as hi

    entry = hi.read_settings(config_dir).get("statusLine")
    mine = parse_ours(entry)
    return None if mine is None else {"entry": entry, "wrapped": mine[1]}


if __name__ == "__main__":
    main()
