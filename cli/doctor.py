"""`claude-status doctor`: each check prints one pass/fail line and, on failure, a fix that works. Exit 1 on
failures. Checks: the hook is registered (and as fully as the installed Claude Code allows), its command
really runs, the status dir is a writable directory, the hook logged no errors, when each session last
reported, the Claude Code version, and on Linux PyGObject, AppIndicator and a StatusNotifierWatcher."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .hints import cmd, command_name, config_dir_help, status_dir_help

__all__ = ["cmd", "command_name", "main", "run", "run_checks"]

HELP = "check the hook, the status dir and the tray; exit 1 on failures"
PASS, WARN, FAIL = "pass", "warn", "FAIL"
HOOK_BUDGET_MS = 100.0  # PRD NFR-1


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""


# ------------------------------------------------------------------ helpers


def registered(environ: dict[str, str]) -> tuple[str, dict[str, dict[str, Any]]]:
    """(settings.json path, event -> our handler) as registered now, read by `hook.install.status` (the
    installer's own exact matching). Raises `hook.install.InstallError` for a file it would not touch."""
    from core import paths
    from hook import install

    config_dir = paths.claude_dir(environ)
    found = install.status(config_dir)
    return paths.settings_path(config_dir), {event: handlers[-1] for event, handlers in found.items() if handlers}


def run_handler(
    handler: dict[str, Any], payload: dict[str, Any], environ: dict[str, str], timeout: float = 10.0
) -> tuple[int, float, str]:
    """Run a hook handler the way Claude Code does (exec form `args`, else shell `command`)."""
    data = json.dumps(payload).encode()
    started = time.perf_counter()
    if isinstance(handler.get("args"), list) and handler["args"]:
        # exec form: `command` is the program, `args` its arguments (no shell)
        cmd: Any = [str(handler.get("command", "")), *(str(a) for a in handler["args"])]
        shell = False
    else:
        cmd, shell = str(handler.get("command", "")), True
    r = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, env=environ, shell=shell, check=False)
    ms = (time.perf_counter() - started) * 1000
    return r.returncode, ms, (r.stderr or b"").decode(errors="replace").strip()[-300:]


# ------------------------------------------------------------------ checks


def check_registered(environ: dict[str, str]) -> tuple[Check, dict[str, dict[str, Any]]]:
    from core import paths
    from hook import install

    fix = "run: " + cmd("install-hook")
    try:
        path, ours = registered(environ)
    except install.InstallError as err:
        return Check("hook registered", FAIL, str(err), f"fix {paths.settings_path(None, environ)}, then {fix}"), {}
    if not ours:
        missing = "" if os.path.exists(path) else " (the file does not exist)"
        return Check("hook registered", FAIL, f"no claude-status hook in {path}{missing}", fix), {}
    detail = f"{len(ours)} events in {path}: {', '.join(sorted(ours))}"
    gained = upgrade_available(ours, install.detect_claude_version())
    if gained:
        return Check("hook registered", FAIL, f"{detail}; register again: your Claude Code now supports {gained}",
                     fix + " (then restart your Claude Code sessions)"), ours
    return Check("hook registered", PASS, detail), ours


def upgrade_available(ours: dict[str, dict[str, Any]], version_text: Optional[str]) -> str:
    """What registering again would add for the installed Claude Code ("exec form, async and 3 more
    events"), or "" when the registration already has everything that version supports."""
    from hook import install

    version = install.parse_version(version_text)
    if version is None or not ours:
        return ""
    want = install.handler(version)
    have = next(iter(ours.values()))
    gains = []
    if "args" in want and "args" not in have:
        gains.append("exec form")
    if want.get("async") and not have.get("async"):
        gains.append("async")
    more = [e for e in install.events_for(version) if e not in ours]
    if more:
        gains.append(f"{len(more)} more event{'s' if len(more) != 1 else ''}")
    if not gains:
        return ""
    return gains[0] if len(gains) == 1 else ", ".join(gains[:-1]) + " and " + gains[-1]


def check_runs(ours: dict[str, dict[str, Any]], environ: dict[str, str]) -> Check:
    handler = next(iter(ours.values()), None)
    origin = "the registered command"
    if handler is None:
        from cli import hookchoice
        from hook import install

        best = hookchoice.choose(runs=1)[0] if hookchoice.frozen() else None
        handler = install.handler(
            install.parse_version(install.detect_claude_version()), argv=best.argv if best else None
        )
        origin = "the command install-hook would register"
    tmp = tempfile.mkdtemp(prefix="claude-status-doctor-")
    try:
        env = dict(environ)
        env["CLAUDE_STATUS_DIR"] = os.path.join(tmp, "status")
        sid = str(uuid.uuid4())
        payload = {
            "session_id": sid,
            "transcript_path": os.path.join(tmp, "t.jsonl"),
            "cwd": tmp,
            "hook_event_name": "UserPromptSubmit",
            "prompt": "claude-status doctor",
            "permission_mode": "default",
        }
        try:
            rc, ms, err = run_handler(handler, payload, env)
        except (OSError, subprocess.SubprocessError) as exc:
            return Check(
                "hook command runs",
                FAIL,
                f"{origin} could not start: {exc}",
                "reinstall: " + cmd("uninstall-hook") + " && " + cmd("install-hook"),
            )
        wrote = os.path.exists(os.path.join(env["CLAUDE_STATUS_DIR"], sid + ".json"))
        if rc != 0 or not wrote:
            why = f"exit {rc}" if rc else "it wrote no status file"
            return Check(
                "hook command runs",
                FAIL,
                f"{origin}: {why} {err}".strip(),
                "reinstall: " + cmd("uninstall-hook") + " && " + cmd("install-hook"),
            )
        status = PASS if ms <= HOOK_BUDGET_MS * 3 else WARN  # includes interpreter start-up
        return Check(
            "hook command runs",
            status,
            f"{origin} handled a synthetic event in {ms:.0f} ms",
            "" if status == PASS else "a slow start-up: check the interpreter path in settings.json",
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_hook_command(ours: dict[str, dict[str, Any]]) -> Check:
    """Which hook command is registered (a Python running the stdlib hook, or the bundled executable) and
    its median time; from the standalone binary, also what the other available commands measure."""
    from cli import hookchoice
    from hook import install

    handler = next(iter(ours.values()), None)
    argv = install.argv_of(handler) if handler else None
    if not argv:
        return Check("hook command", WARN, "nothing registered to time", "run: " + cmd("install-hook"))
    ms, err = hookchoice.measure(argv)
    detail = hookchoice.kind_of(argv) + (f": median {ms:.0f} ms over {hookchoice.RUNS} runs" if ms else f": {err}")
    status, fix = (PASS, "") if ms is not None else (FAIL, "reinstall: " + cmd("install-hook"))
    if hookchoice.frozen() and ms is not None:
        others = [o for o in hookchoice.options() if o.argv[0] != argv[0]]  # other interpreters / the exe
        if others:
            detail += "; available: " + "; ".join(o.describe() for o in others)
        # 20% and 5 ms faster: below that, run-to-run noise decides
        faster = [o for o in others if o.median_ms is not None and o.median_ms < min(ms * 0.8, ms - 5)]
        if faster:
            status, fix = WARN, "a faster hook command exists: run " + cmd("install-hook") + " again"
    return Check("hook command", status, detail, fix)


def check_status_dir(environ: dict[str, str]) -> Check:
    import errno

    from core import paths

    sdir = paths.status_dir(environ)
    origin = "CLAUDE_STATUS_DIR" if environ.get("CLAUDE_STATUS_DIR") else "the status dir"
    elsewhere = (f"set CLAUDE_STATUS_DIR to a directory on a writable file system (or unset it: the default is "
                 f"{os.path.join(paths.claude_dir(environ), 'status')})")
    probe_dir = sdir
    while not os.path.isdir(probe_dir):
        if os.path.lexists(probe_dir):
            what = "a file" if os.path.isfile(probe_dir) else "not a directory"
            where = sdir if probe_dir == sdir else f"{probe_dir} (on the way to {sdir})"
            return Check("status dir writable", FAIL,
                         f"{origin} {where} is {what}, not a directory: the hook writes nothing; its errors go "
                         f"to {paths.fallback_log_path(environ)}",
                         f"{elsewhere}, or move {probe_dir} away")
        parent = os.path.dirname(probe_dir)
        if parent == probe_dir:
            break
        probe_dir = parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=".doctor.", dir=probe_dir)
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        if err.errno == errno.EROFS:
            return Check("status dir writable", FAIL, f"{probe_dir} is on a read-only file system: the hook "
                         f"cannot write session files (errors go to {paths.fallback_log_path(environ)})", elsewhere)
        fix = f"fix permissions: chmod u+rwx {probe_dir}"
        try:
            if os.stat(probe_dir).st_uid != os.getuid():
                fix = f"{probe_dir} belongs to another user: chown it to you, or {elsewhere}"
        except (OSError, AttributeError):
            pass
        return Check("status dir writable", FAIL, f"{probe_dir}: {err.strerror}", fix)
    note = "" if probe_dir == sdir else " (will be created on the first hook event)"
    return Check("status dir writable", PASS, f"{sdir}{note}")


def _last_lines(path: str, n: int = 1) -> list[str]:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 16384))
            lines = fh.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if line.strip()][-n:]


def check_hook_log(environ: dict[str, str]) -> Optional[Check]:
    """The hook's fallback log (``<Claude dir>/claude-status-hook.log``): written only when the status dir
    could not hold the hook's own log, so any line there is a failure. None when it is empty (the status
    dir's own log is `check_status_files`' "hook errors")."""
    from core import paths

    fallback = paths.fallback_log_path(environ)
    last = _last_lines(fallback)
    if not last:
        return None
    return Check("hook log", FAIL, f"{fallback}: {last[-1][:300]}",
                 f"fix what it says (usually the status dir), then delete {fallback}")


def check_sessions(environ: dict[str, str]) -> list[Check]:
    from core import aggregate, paths, timefmt

    sdir = paths.status_dir(environ)
    try:
        index = aggregate.aggregate(sdir, options=aggregate.Options(dry_run=True, environ=environ))
    except OSError as err:
        return [Check("sessions", FAIL, f"cannot read {sdir}: {err}", f"check permissions on {sdir}")]
    rows = index.get("sessions") or []
    if not rows:
        return [
            Check(
                "sessions",
                WARN,
                "no session has reported yet",
                "start Claude Code (after install-hook) and send a prompt",
            )
        ]
    out = []
    for r in rows:
        name = f"session {r['session_id'][:8]}"
        when = timefmt.ago(r.get("age_seconds") or 0)
        status = PASS if r.get("status") == "active" else WARN
        out.append(
            Check(
                name,
                status,
                f"last reported {when} ({r.get('state')}, {r.get('task') or '-'})",
                "" if status == PASS else "stale: the session may have ended without a hook firing",
            )
        )
    return out


def check_status_files(environ: dict[str, str]) -> list[Check]:
    """Files in the status dir that are not readable sessions (skipped, removed by age), and the hook's
    last failures from its log (issue 8)."""
    from core import aggregate, hooklog, paths

    sdir = paths.status_dir(environ)
    out = []
    try:
        _, skipped = aggregate.load_sessions(sdir)
    except OSError:
        skipped = []
    if skipped:
        names = ", ".join(f"{n} ({why})" for n, why, _ in sorted(skipped)[:10])
        more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        out.append(Check("status dir files", WARN, f"{len(skipped)} skipped: {names}{more}",
                         f"they are removed by age; to remove them now, delete them from {sdir}"))
    else:
        out.append(Check("status dir files", PASS, "every session file is readable"))
    errors = hooklog.last_errors(sdir, 5)
    if errors:
        out.append(Check("hook errors", WARN, f"last {len(errors)}:\n    " + "\n    ".join(errors),
                         f"full log: {paths.log_path(sdir)}"))
    else:
        out.append(Check("hook errors", PASS, "none logged"))
    return out


def check_statusline(environ: dict[str, str]) -> Optional[Check]:
    """The status-line tap (exact context window, cost and rate limits from Claude Code itself): optional,
    so a warning when it is not registered. None when this build has no tap."""
    try:
        from hook import statusline
    except ImportError:
        return None
    from core import paths
    from hook import install

    try:
        found = statusline.status(paths.claude_dir(environ))
    except install.InstallError as err:
        return Check("status line", WARN, str(err), "")
    if found is None:
        return Check("status line", WARN, "the status-line tap is not registered: context figures are inferred",
                     "for Claude Code's exact figures run: " + cmd("install-statusline"))
    wrapped = found.get("wrapped")
    detail = "registered" + (" (wrapping your own status line)" if wrapped else "")
    return Check("status line", PASS, detail)


def check_claude_version() -> Check:
    from hook import install

    version = install.detect_claude_version()
    if not version:
        return Check(
            "Claude Code version",
            WARN,
            "`claude` not found on PATH",
            "install Claude Code, or ignore this if it runs elsewhere (IDE, desktop app)",
        )
    return Check("Claude Code version", PASS, str(version))


def _probe(code: str, environ: dict[str, str]) -> tuple[bool, str]:
    if getattr(sys, "frozen", False):  # no interpreter to run `-c` with: probe the bundled gi in-process
        import contextlib
        import io

        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                exec(compile(code, "<doctor probe>", "exec"), {})
        except BaseException as err:  # SystemExit included: the probes raise it to fail
            lines = (buf.getvalue() + str(err)).strip().splitlines()
            return False, lines[-1] if lines else type(err).__name__
        lines = buf.getvalue().strip().splitlines()
        return True, lines[-1] if lines else ""
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=20, env=environ, check=False
    )
    lines = (r.stdout + r.stderr).strip().splitlines()
    return r.returncode == 0, lines[-1] if lines else ""


PYGOBJECT = "'PyGObject<3.51'"  # Debian 12 / Ubuntu 22.04 have GLib < 2.80, which PyGObject >= 3.51 needs
PYGOBJECT_BUILD = "apt install libgirepository1.0-dev libcairo2-dev pkg-config python3-dev gcc"


def pygobject_fix(prefix: Optional[str] = None, executable: Optional[str] = None) -> str:
    """How to add PyGObject to the environment claude-status runs in (a pipx or uv tool venv, a plain venv,
    or a system Python), said one way everywhere."""
    prefix = os.path.normpath(sys.prefix if prefix is None else prefix)
    executable = sys.executable if executable is None else executable
    parts = prefix.split(os.sep)
    if "pipx" in parts and "venvs" in parts:
        how = f"pipx inject {os.path.basename(prefix)} {PYGOBJECT}"
    elif "uv" in parts and "tools" in parts:
        how = f"uv tool install --reinstall --with {PYGOBJECT} {os.path.basename(prefix)}"
    elif sys.prefix != getattr(sys, "base_prefix", sys.prefix) or prefix != os.path.normpath(sys.prefix):
        how = f"{executable} -m pip install {PYGOBJECT}"
    else:
        return "apt install python3-gi gir1.2-ayatanaappindicator3-0.1 (the system Python's PyGObject)"
    return f"{PYGOBJECT_BUILD}, then {how}"


def check_linux_tray(environ: dict[str, str]) -> list[Check]:
    """Linux: where the icon goes. With a StatusNotifierItem host the tray is its own SNI item over dbus-fast
    (tray/sni.py) and PyGObject is not needed; without one, the classic XEmbed icon needs PyGObject."""
    from tray.app import display_problem

    out = []
    problem = display_problem(environ, "linux")
    if problem:
        out.append(
            Check(
                "display",
                FAIL,
                problem.split(":", 1)[0] + ": " + problem.split(":", 1)[1].split(".")[0].strip(),
                "run the tray inside your desktop session",
            )
        )
    own_sni = (environ.get("CLAUDE_STATUS_SNI") or "1") != "0" and not environ.get("PYSTRAY_BACKEND")
    host = None
    if not problem:
        ok3, msg3 = _probe(
            "from tray import sni\n"
            "print({True: 'yes', False: 'no', None: 'unknown'}[sni.watcher_present()])\n",
            environ,
        )
        host = (msg3 == "yes") if ok3 and msg3 in ("yes", "no") else None
        out.append(
            Check(
                "StatusNotifierWatcher",
                PASS if host else WARN,
                ("a tray host is listening on D-Bus: the tray is its own StatusNotifierItem (menu, tooltip, "
                 "attention; no PyGObject needed)" if own_sni else "a tray host is listening on D-Bus")
                if host
                else f"none on the session bus ({msg3 if ok3 else 'cannot ask: ' + msg3})",
                ""
                if host
                else "GNOME: enable the 'AppIndicator and KStatusNotifierItem Support' extension; "
                "otherwise the icon falls back to an XEmbed tray (if your panel has one), which needs PyGObject",
            )
        )
    ok, msg = _probe("from tray import linux\nlinux.load_system_gi()\nimport gi\nprint(gi.__version__)", environ)
    needed = not (own_sni and host)  # the XEmbed fallback (no SNI host) or pystray's AppIndicator
    out.append(
        Check(
            "PyGObject",
            PASS if ok else (FAIL if needed else WARN),
            msg
            if ok
            else f"not importable: {msg}"
            + ("" if needed else " (only the classic XEmbed icon needs it, when no SNI host runs)"),
            "" if ok else pygobject_fix(),
        )
    )
    if ok and not own_sni:
        code = (
            "from tray import linux\nlinux.load_system_gi()\n"
            "import gi\n"
            "for name in ('AyatanaAppIndicator3', 'AppIndicator3'):\n"
            "    try:\n"
            "        gi.require_version(name, '0.1'); print(name); break\n"
            "    except ValueError: pass\n"
            "else: raise SystemExit('no AppIndicator typelib')\n"
        )
        ok2, msg2 = _probe(code, environ)
        out.append(
            Check(
                "AppIndicator",
                PASS if ok2 else FAIL,
                msg2,
                ""
                if ok2
                else "apt install gir1.2-ayatanaappindicator3-0.1 (Debian/Ubuntu); "
                "without it only the xorg backend works: no menus",
            )
        )
    return out


def run_checks(environ: Optional[dict[str, str]] = None, platform: str = sys.platform) -> list[Check]:
    env = dict(os.environ if environ is None else environ)
    registered, ours = check_registered(env)
    checks = [registered, check_runs(ours, env)]
    if ours:
        checks.append(check_hook_command(ours))
    checks.append(check_status_dir(env))
    fallback = check_hook_log(env)
    if fallback:
        checks.append(fallback)
    checks += check_sessions(env)
    checks += check_status_files(env)
    tap = check_statusline(env)
    if tap:
        checks.append(tap)
    checks.append(check_claude_version())
    if platform.startswith("linux"):
        checks += check_linux_tray(env)
    return checks


def format_check(c: Check) -> str:
    line = f"[{c.status:>4}] {c.name}: {c.detail}"
    if c.fix and c.status != PASS:
        line += f"\n       fix: {c.fix}"
    return line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-dir", help=config_dir_help())
    parser.add_argument("--dir", help=status_dir_help())


def run(args: argparse.Namespace) -> int:
    from tray import dirs as dirs_mod

    dirs = dirs_mod.resolve(status_dir=args.dir, claude_dir=args.config_dir)
    return main(dirs.environ())


def main(environ: Optional[dict[str, str]] = None, out: Callable[[str], None] = print) -> int:
    checks = run_checks(environ)
    for c in checks:
        out(format_check(c))
    failed = sum(c.status == FAIL for c in checks)
    warned = sum(c.status == WARN for c in checks)
    out(f"{len(checks)} checks: {failed} failed, {warned} warning{'' if warned == 1 else 's'}")
    return 1 if failed else 0
