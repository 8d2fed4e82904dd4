"""The hook command a frozen build registers: the fastest one that works on this machine.

A frozen `claude-status` cannot run `-m hook` through its own executable. It carries two ways to run the
stdlib hook instead (docs/platform-notes.md, PyInstaller):

- the hook's sources (`hooksrc/hook`, `hooksrc/core` inside the bundle), copied to a user-writable dir
  (`<Claude dir>/claude-status-tray/hook-<version>/`: Python can cache their bytecode there, and nothing is
  written into a signed .app or a read-only install dir), run by a real Python >= 3.9 found on this
  machine, with `-I -S` and its resolved absolute path (never a pyenv/asdf shim);
- the bundled lean console executable `claude-status-hook`, registered by absolute path.

Each candidate is verified and timed on synthetic events in a temporary status dir; the fastest wins.
`CLAUDE_STATUS_HOOK_KIND=python` or `=exe` limits the choice to one kind (e.g. to keep a fleet uniform).
From a source install (not frozen) nothing changes: `hook.install` registers the running interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from typing import Optional

MIN_PYTHON = (3, 9)
RUNS = 5
HOOK_EXE = "claude-status-hook.exe" if sys.platform == "win32" else "claude-status-hook"


@dataclass(frozen=True)
class Option:
    kind: str  # "python" or "exe"
    label: str  # e.g. "Python 3.11 at /usr/bin/python3", "bundled claude-status-hook"
    argv: list[str]
    median_ms: Optional[float] = None
    error: str = ""

    def describe(self) -> str:
        timing = f"median {self.median_ms:.0f} ms over {RUNS} runs" if self.median_ms is not None else self.error
        return f"{self.label} ({timing})"


def frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def bundled_exe() -> Optional[str]:
    """The lean hook executable next to the app's executable (same folder in onedir and in a .app)."""
    path = os.path.join(os.path.dirname(os.path.abspath(sys.executable)), HOOK_EXE)
    return path if os.path.isfile(path) else None


def bundled_sources() -> Optional[str]:
    """The folder holding the hook's `hook/` and `core/` sources inside the bundle, or None."""
    base = getattr(sys, "_MEIPASS", None)
    if not base:
        return None
    root = os.path.join(base, "hooksrc")
    ok = all(os.path.isfile(os.path.join(root, *p)) for p in (("hook", "main.py"), ("core", "store.py")))
    return root if ok else None


def staging_dir(config_dir: Optional[str] = None) -> str:
    """Where `install-hook` copies the hook's sources for a system Python to run."""
    from core import paths

    from . import __version__

    base = os.path.abspath(os.path.expanduser(config_dir)) if config_dir else paths.claude_dir()
    return os.path.join(base, "claude-status-tray", f"hook-{__version__}")


def stage_sources(dest: str) -> Optional[str]:
    """Copy the bundled `hook/` and `core/` sources to `dest` (only files that differ); `dest` or None."""
    src = bundled_sources()
    if src is None:
        return None
    for pkg in ("hook", "core"):
        os.makedirs(os.path.join(dest, pkg), exist_ok=True)
        for name in sorted(os.listdir(os.path.join(src, pkg))):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(src, pkg, name), "rb") as fh:
                data = fh.read()
            target = os.path.join(dest, pkg, name)
            try:
                with open(target, "rb") as fh:
                    if fh.read() == data:
                        continue
            except OSError:
                pass
            tmp = f"{target}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
    return dest


def python_candidates(platform: str = sys.platform) -> list[str]:
    """Interpreters worth trying, most likely first; duplicates are removed after verification."""
    names = ["python3", "python"] if platform == "win32" else ["python3"]
    found = [p for p in (shutil.which(n) for n in names) if p]
    if platform == "win32":
        found = [p for p in found if "windowsapps" not in p.lower()]  # the Microsoft Store alias
        launcher = shutil.which("py")
        if launcher:
            found.append(launcher)  # verified with -3; we register the python.exe it reports
    else:
        found += ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"]
    if platform == "darwin" and not _xcode_tools_present():
        # /usr/bin/python3 is a stub that opens an "install the Command Line Tools" dialog
        found = [p for p in found if p != "/usr/bin/python3"]
    seen: list[str] = []
    for p in found:
        if p not in seen and os.path.isfile(p):
            seen.append(p)
    return seen


def _xcode_tools_present() -> bool:
    try:
        return subprocess.run(["xcode-select", "-p"], capture_output=True, timeout=5, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def verify_python(candidate: str, timeout: float = 10.0) -> tuple[Optional[str], str]:
    """(absolute sys.executable, "3.11") of a working Python >= 3.9, else (None, why)."""
    argv = [candidate]
    if os.path.basename(candidate).lower() in ("py", "py.exe"):
        argv.append("-3")
    code = "import sys,json;print(sys.executable);print('%d.%d' % sys.version_info[:2])"
    try:
        r = subprocess.run(
            [*argv, "-I", "-S", "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as err:
        return None, f"{candidate}: {err}"
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or len(lines) != 2:
        return None, f"{candidate}: exit {r.returncode}"
    exe, version = lines
    try:
        if tuple(int(x) for x in version.split(".")) < MIN_PYTHON:
            return None, f"{candidate}: Python {version} is older than 3.9"
    except ValueError:
        return None, f"{candidate}: unexpected version {version!r}"
    if not exe or not os.path.isabs(exe) or not os.path.isfile(exe):
        return None, f"{candidate}: no usable sys.executable ({exe!r})"
    return exe, version


def _event(tmp: str, name: str, sid: str) -> bytes:
    return json.dumps(
        {
            "session_id": sid,
            "transcript_path": os.path.join(tmp, f"{sid}.jsonl"),
            "cwd": tmp,
            "hook_event_name": name,
            "prompt": "claude-status hook check",
            "permission_mode": "default",
        }
    ).encode()


def measure(argv: list[str], runs: int = RUNS, timeout: float = 10.0) -> tuple[Optional[float], str]:
    """Median wall time (ms) of `argv` handling `runs` synthetic events in a temporary status dir, after
    one untimed warm-up; (None, why) if any run fails, prints to stdout or writes no status file."""
    tmp = tempfile.mkdtemp(prefix="claude-status-hookcheck-")
    try:
        env = dict(os.environ)
        env["CLAUDE_STATUS_DIR"] = os.path.join(tmp, "status")
        env["CLAUDE_CONFIG_DIR"] = os.path.join(tmp, "config")  # never touches the real ~/.claude
        sid = str(uuid.uuid4())
        times = []
        for i in range(runs + 1):
            data = _event(tmp, "UserPromptSubmit" if i % 2 == 0 else "Stop", sid)
            started = time.perf_counter()
            try:
                r = subprocess.run(argv, input=data, capture_output=True, timeout=timeout, env=env, check=False)
            except (OSError, subprocess.SubprocessError) as err:
                return None, f"could not run: {err}"
            elapsed = (time.perf_counter() - started) * 1000
            if r.returncode != 0:
                return None, f"exit {r.returncode}: {r.stderr.decode(errors='replace').strip()[-200:]}"
            if r.stdout.strip():
                return None, "printed to stdout"
            if i:
                times.append(elapsed)
        if not os.path.isfile(os.path.join(env["CLAUDE_STATUS_DIR"], sid + ".json")):
            return None, "wrote no status file"
        return statistics.median(times), ""
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def options(runs: int = RUNS, sources_root: Optional[str] = None) -> list[Option]:
    """Every hook command this frozen build could register, verified and timed. The Python commands run
    the sources staged in `sources_root` (a temporary copy when None)."""
    if sources_root is None and bundled_sources():
        tmp = tempfile.mkdtemp(prefix="claude-status-hooksrc-")
        try:
            return options(runs, stage_sources(tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    from hook import install

    out: list[Option] = []
    only = os.environ.get("CLAUDE_STATUS_HOOK_KIND", "").strip().lower()
    sources = sources_root if sources_root and bundled_sources() else None
    if sources and only != "exe":
        seen: set[str] = set()
        for cand in python_candidates():
            exe, info = verify_python(cand)
            if exe is None or exe in seen:
                continue
            seen.add(exe)
            argv = install.hook_argv(exe, sources)
            ms, err = measure(argv, runs)
            out.append(Option("python", f"Python {info} at {exe}", argv, ms, err))
    exe_path = bundled_exe()
    if exe_path and only != "python":
        ms, err = measure([exe_path], runs)
        out.append(Option("exe", f"bundled {HOOK_EXE} at {exe_path}", [exe_path], ms, err))
    return out


def choose(runs: int = RUNS, sources_root: Optional[str] = None) -> tuple[Optional[Option], list[Option]]:
    """(the fastest working option or None, all options)."""
    opts = options(runs, sources_root)
    working = [o for o in opts if o.median_ms is not None]
    best = min(working, key=lambda o: o.median_ms or 0.0) if working else None
    return best, opts


def kind_of(argv: list[str]) -> str:
    """A short description of a registered hook command (for `doctor`)."""
    if len(argv) == 1:
        return f"bundled {os.path.basename(argv[0])} at {argv[0]}"
    return f"Python at {argv[0]} running the stdlib hook from {_root_of(argv) or '?'}"


def _root_of(argv: list[str]) -> Optional[str]:
    from hook import install

    return install.hook_root(argv)
