"""Smoke-test the built bundle: the real executables in dist/, no mocks.

    python packaging/smoke.py                 # every test that fits this OS
    python packaging/smoke.py --only hook     # one test (version, hook, install, tray, dashboard)

Tests:
  version    `claude-status --version` prints the version and exits 0
  hook       `claude-status-hook` fed every recorded event in tests/fixtures/hook-events: exit 0, nothing on
             stdout, the session's status file and index.json written; then 30 timed runs: median and p90
             against the floor (`python -I -S -c "import json"`)
  install    `claude-status install-hook` into a temporary config dir (unknown Claude Code: shell form; a
             fake `claude` 2.1.259 on PATH: exec form; CLAUDE_STATUS_HOOK_KIND=exe: the bundled hook exe),
             each registered command run the way Claude Code runs it, `doctor` on the result, then
             `uninstall-hook` (our entries and the staged hook sources gone)
  tray       Linux: the tray under Xvfb + a private D-Bus session + the fake StatusNotifierWatcher
             (tests/sni_fake.py): the menu is read over dbusmenu for a few seconds, then "Quit" is clicked
             and the process must exit 0. macOS/Windows: the tray starts and stays up for 5 s.
  dashboard  `claude-status dashboard --port 0` answers GET /api/status/live with the fed session

Stdlib only, except the Linux tray test, which needs PyGObject (gi) in this interpreter and Xvfb and
dbus-daemon on PATH. Prints one line per check and ends with "N passed, N failed"; exit 1 on failure.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, ROOT]
import build  # noqa: E402 - paths of the built executables

from tests.desktop import Desktop, DesktopError, missing_binaries, top_labels, wait_for  # noqa: E402

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "hook-events")
WINDOWS = sys.platform == "win32"
LINUX = sys.platform.startswith("linux")
HOOK_WARN_MS, HOOK_FAIL_MS = 100.0, 250.0  # CI runners are noisy: warn at the budget, fail far above it


class SmokeError(AssertionError):
    pass


def check(cond: object, msg: str) -> None:
    if not cond:
        raise SmokeError(msg)


def isolated_env(tmp: str) -> dict[str, str]:
    """A private Claude Code dir, status dir and tray settings: nothing of the real user's is touched."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "PYSTRAY_"))}
    home = os.path.join(tmp, "home")
    os.makedirs(home, exist_ok=True)
    env.update(
        HOME=home,
        USERPROFILE=home,
        CLAUDE_CONFIG_DIR=os.path.join(home, ".claude"),
        CLAUDE_STATUS_DIR=os.path.join(home, ".claude", "status"),
        CLAUDE_STATUS_TRAY_CONFIG=os.path.join(home, ".config", "claude-status-tray"),
        XDG_CONFIG_HOME=os.path.join(home, ".config"),
    )
    return env


def fixtures() -> list[tuple[str, bytes, dict]]:
    out = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.json"))):
        with open(path, "rb") as fh:
            raw = fh.read()
        out.append((os.path.basename(path), raw, json.loads(raw)))
    check(out, f"no fixtures in {FIXTURES}")
    return out


def run(argv: list[str], env: dict[str, str], data: bytes = b"", timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(argv, input=data, capture_output=True, env=env, timeout=timeout, check=False)


def timed(argv: list[str], env: dict[str, str], data: bytes, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(argv, input=data, capture_output=True, env=env, check=False)
        times.append((time.perf_counter() - t) * 1000)
        check(r.returncode == 0, f"{argv[0]} exit {r.returncode}: {r.stderr.decode(errors='replace')[-300:]}")
    return times


def p90(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.9 * len(xs)) - 1)]


def tail(path: str, n: int = 800) -> str:
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()[-n:]


def real_python() -> str:
    """The interpreter behind this one (a venv's python is a symlink or a copy of it)."""
    r = subprocess.run(
        [sys.executable, "-I", "-S", "-c", "import sys;print(sys._base_executable)"],
        capture_output=True,
        text=True,
        check=False,
    )
    exe = r.stdout.strip()
    return exe if exe and os.path.isfile(exe) else sys.executable


# ------------------------------------------------------------------ tests


def test_version(app: str, hook: str, tmp: str, args: argparse.Namespace) -> str:
    r = run([app, "--version"], isolated_env(tmp))
    out = r.stdout.decode().strip()
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr.decode(errors='replace')[-300:]}")
    check(out == f"claude-status {build.version()}", f"unexpected --version output {out!r}")
    return out


def test_hook(app: str, hook: str, tmp: str, args: argparse.Namespace) -> str:
    env = isolated_env(tmp)
    sdir = env["CLAUDE_STATUS_DIR"]
    events = fixtures()
    for name, raw, event in events:
        r = run([hook], env, raw)
        check(r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr.decode(errors='replace')[-300:]}")
        check(not r.stdout, f"{name}: wrote to stdout: {r.stdout[:200]!r}")
        if event.get("hook_event_name") != "SessionEnd":
            check(os.path.isfile(os.path.join(sdir, event["session_id"] + ".json")), f"{name}: no status file")
    check(os.path.isfile(os.path.join(sdir, "index.json")), "no index.json")
    with open(os.path.join(sdir, "index.json"), encoding="utf-8") as fh:
        index = json.load(fh)
    check(index.get("sessions"), "index.json lists no session")
    log = os.path.join(sdir, "hook.log")
    check(not os.path.exists(log), "hook.log written: " + tail(log, 300))

    # latency: one realistic event, repeated; the floor is the bare interpreter importing json
    data = next(raw for name, raw, _ in events if name.startswith("UserPromptSubmit"))
    timed([hook], env, data, 3)  # warm the page cache
    hook_ms = timed([hook], env, data, args.runs)
    floor_argv = [real_python(), "-I", "-S", "-c", "import json"]
    timed(floor_argv, env, b"", 3)
    floor_ms = timed(floor_argv, env, b"", args.runs)
    med, fmed = statistics.median(hook_ms), statistics.median(floor_ms)
    line = (
        f"{len(events)} events ok; latency over {args.runs} runs: median {med:.1f} ms, p90 {p90(hook_ms):.1f} ms;"
        f" floor ({os.path.basename(floor_argv[0])} -I -S -c 'import json') median {fmed:.1f} ms;"
        f" ratio {med / fmed:.2f}x"
    )
    print("   " + line, flush=True)
    if med > HOOK_WARN_MS:
        print(f"   warning: the hook's median {med:.0f} ms is over the {HOOK_WARN_MS:.0f} ms budget", flush=True)
    check(med <= HOOK_FAIL_MS, f"hook median {med:.0f} ms > {HOOK_FAIL_MS:.0f} ms")
    return line


def _fake_claude(bindir: str, version: str) -> None:
    os.makedirs(bindir, exist_ok=True)
    sh = os.path.join(bindir, "claude")
    with open(sh, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(f"#!/bin/sh\necho '{version} (Claude Code)'\n")
    os.chmod(sh, 0o755)
    with open(os.path.join(bindir, "claude.cmd"), "w", encoding="utf-8") as fh:
        fh.write(f"@echo {version} (Claude Code)\r\n")


def _run_registered(handler: dict, env: dict[str, str], data: bytes) -> subprocess.CompletedProcess:
    """Run a settings.json handler the way Claude Code does: exec form without a shell, shell form
    through `sh -c` (Git Bash's bash on Windows)."""
    if isinstance(handler.get("args"), list):
        return run([handler["command"], *handler["args"]], env, data)
    git_bash = os.path.join(os.environ.get("PROGRAMFILES", r"C:\Program Files"), "Git", "bin", "bash.exe")
    shell = (git_bash if os.path.isfile(git_bash) else shutil.which("bash")) if WINDOWS else "/bin/sh"
    check(shell, "no bash on PATH to run a shell-form hook (Claude Code uses Git Bash on Windows)")
    return run([shell, "-c", handler["command"]], env, data)


def test_install(app: str, hook: str, tmp: str, args: argparse.Namespace) -> str:
    lines = []
    cases = (
        ("unknown Claude Code", None, ""),
        ("Claude Code 2.1.259", "2.1.259", ""),
        ("Claude Code 2.1.259, bundled exe only", "2.1.259", "exe"),
    )
    for i, (label, claude_version, kind) in enumerate(cases):
        case = os.path.join(tmp, str(i))
        env = isolated_env(case)
        if kind:
            env["CLAUDE_STATUS_HOOK_KIND"] = kind
        if claude_version:
            _fake_claude(os.path.join(case, "bin"), claude_version)
            env["PATH"] = os.path.join(case, "bin") + os.pathsep + env.get("PATH", "")
        config = os.path.join(case, "config")
        r = run([app, "install-hook", "--config-dir", config], env, timeout=120)
        out = r.stdout.decode(errors="replace")
        check(r.returncode == 0, f"{label}: install-hook exit {r.returncode}: {out[-300:]} {r.stderr[-300:]!r}")
        with open(os.path.join(config, "settings.json"), encoding="utf-8") as fh:
            settings = json.load(fh)
        handler = settings["hooks"]["UserPromptSubmit"][0]["hooks"][0]
        exec_form = "args" in handler
        check(exec_form == bool(claude_version), f"{label}: expected {'exec' if claude_version else 'shell'} form")
        argv0 = handler["command"] if exec_form else handler["command"].split()[0].strip("'\"")
        check(os.path.isabs(argv0), f"{label}: the registered command is not an absolute path: {argv0}")
        choice = next((ln.strip() for ln in out.splitlines() if ln.startswith("Hook command:")), "?")
        if choice.startswith("Hook command: Python"):
            # a Python runs the hook sources install-hook copied beside the config, never the bundle's own
            staged = os.path.join(config, "claude-status-tray", f"hook-{build.version()}")
            check(os.path.isfile(os.path.join(staged, "hook", "main.py")), f"{label}: nothing staged in {staged}")
            text = json.dumps(handler).replace("\\\\", "/")
            check(staged.replace("\\", "/") in text, f"{label}: {handler} does not run {staged}")
        if kind == "exe":
            check([handler["command"], *handler["args"]] == [hook], f"{label}: registered {handler}, not {hook}")
        print(f"   {label}: {'exec' if exec_form else 'shell'} form; {choice}", flush=True)

        # the registered command, run as Claude Code runs it, on a real event
        event_env = dict(env, CLAUDE_CONFIG_DIR=config)
        event_env.pop("CLAUDE_STATUS_DIR")  # the hook then writes to <config>/status
        _, raw, event = next(f for f in fixtures() if f[0].startswith("UserPromptSubmit"))
        r = _run_registered(handler, event_env, raw)
        check(r.returncode == 0, f"{label}: registered command exit {r.returncode}: {r.stderr[-300:]!r}")
        check(not r.stdout, f"{label}: registered command wrote to stdout")
        status = os.path.join(config, "status", event["session_id"] + ".json")
        check(os.path.isfile(status), f"{label}: the registered command wrote no {status}")

        r = run([app, "doctor", "--config-dir", config], event_env, timeout=180)
        report = r.stdout.decode(errors="replace")
        for ln in report.splitlines():
            if ln.startswith(("[pass] hook command", "[FAIL] hook", "[warn] hook")):
                print("   doctor " + ln[:300], flush=True)
        check("[pass] hook command runs" in report, f"{label}: doctor does not pass the hook:\n{report}")

        r = run([app, "uninstall-hook", "--config-dir", config], env, timeout=60)
        check(r.returncode == 0, f"{label}: uninstall-hook exit {r.returncode}")
        with open(os.path.join(config, "settings.json"), encoding="utf-8") as fh:
            check("claude-status" not in fh.read(), f"{label}: uninstall-hook left our entries")
        check(not os.path.exists(os.path.join(config, "claude-status-tray")), f"{label}: staged sources remain")
        lines.append(f"{label}: {choice}")
    return "; ".join(lines)


def _feed_one(hook: str, env: dict[str, str]) -> dict:
    _, raw, event = next(f for f in fixtures() if f[0].startswith("UserPromptSubmit"))
    r = run([hook], env, raw)
    check(r.returncode == 0, f"hook exit {r.returncode}")
    return event


def test_tray(app: str, hook: str, tmp: str, args: argparse.Namespace) -> str:
    env = isolated_env(tmp)
    _feed_one(hook, env)
    if not LINUX:
        log = open(os.path.join(tmp, "tray.log"), "wb")  # noqa: SIM115
        p = subprocess.Popen([app, "tray"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            time.sleep(5)
            check(p.poll() is None, f"the tray exited early ({p.returncode}): {tail(log.name)}")
        finally:
            p.terminate()
            p.wait(10)
            log.close()
        return "the tray stayed up for 5 s"
    return _linux_tray(app, env, tmp)


def _linux_tray(app: str, env: dict[str, str], tmp: str) -> str:
    missing = missing_binaries()
    check(not missing, f"missing {missing}: apt-get install xvfb dbus")
    desktop = Desktop(tmp)  # the smoke's own gi reads the menu over D-Bus
    tray = None
    try:
        try:
            desktop.start()
        except DesktopError as err:
            raise SmokeError(str(err)) from None
        log_path = os.path.join(tmp, "tray.log")
        log = open(log_path, "wb")  # noqa: SIM115
        tray = subprocess.Popen([app, "tray"], env=desktop.env(env), stdout=log, stderr=subprocess.STDOUT)
        found = wait_for(lambda: desktop.records("items.jsonl"), 30, 0.1)
        check(found, "the frozen tray never registered an SNI item: " + tail(log_path))
        item = found[0]

        def top() -> list[str]:
            return top_labels(desktop.layout(item)[1])

        check(wait_for(lambda: any(lb.startswith("● ") for lb in top()), 10, 0.1), f"no session in the menu: {top()}")
        time.sleep(3)  # the menu stays up, the tray keeps refreshing
        check(tray.poll() is None, "the tray exited while showing its menu")
        _rev, tree = desktop.layout(item)
        labels = top_labels(tree)
        desktop.click(item, next(c["id"] for c in tree["children"] if c["label"] == "Quit"))
        rc = tray.wait(15)
        log.close()
        check(rc == 0, f"the tray exited {rc} after Quit: " + tail(log_path))
        return f"menu over dbusmenu ({len(labels)} items: {labels[0]!r} … {labels[-1]!r}), Quit -> exit 0"
    finally:
        if tray is not None and tray.poll() is None:
            tray.kill()
            tray.wait()
        desktop.stop()


def test_dashboard(app: str, hook: str, tmp: str, args: argparse.Namespace) -> str:
    env = isolated_env(tmp)
    event = _feed_one(hook, env)
    p = subprocess.Popen([app, "dashboard", "--port", "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        line = p.stdout.readline().decode(errors="replace").strip()  # "Claude status dashboard: http://…  (…)"
        url = next((w for w in line.split() if w.startswith("http://")), None)
        check(url, f"no URL in the dashboard's first line: {line!r}")
        with urllib.request.urlopen(url.rstrip("/") + "/api/status/live", timeout=10) as resp:
            status, body = resp.status, json.load(resp)
        check(status == 200, f"/api/status/live answered {status}")
        ids = [s.get("session_id") for s in body.get("sessions", [])]
        check(event["session_id"] in ids, f"the fed session is not in /api/status/live: {ids}")
        return f"{url}api/status/live -> 200, {len(ids)} session(s)"
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


TESTS = {
    "version": test_version,
    "hook": test_hook,
    "install": test_install,
    "tray": test_tray,
    "dashboard": test_dashboard,
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Smoke-test the built claude-status bundle in dist/.")
    p.add_argument("--only", action="append", choices=sorted(TESTS), help="run only this test (repeatable)")
    p.add_argument("--skip", action="append", choices=sorted(TESTS), default=[], help="skip this test")
    p.add_argument("--runs", type=int, default=30, help="timed hook runs (default 30)")
    args = p.parse_args(argv)
    app, hook = build.executables()
    for exe in (app, hook):
        if not os.path.isfile(exe):
            print(f"smoke: {exe} not found; run: python packaging/build.py", file=sys.stderr)
            return 1
    print(f"smoke-testing {os.path.dirname(app)}", flush=True)
    passed = failed = 0
    for name in args.only or list(TESTS):
        if name in args.skip:
            continue
        tmp = tempfile.mkdtemp(prefix=f"claude-status-smoke-{name}-")
        started = time.monotonic()
        try:
            detail = TESTS[name](app, hook, tmp, args)
        except Exception as err:
            failed += 1
            print(f"FAIL {name} ({time.monotonic() - started:.1f} s): {err}", flush=True)
            if not isinstance(err, SmokeError):
                traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name} ({time.monotonic() - started:.1f} s): {detail}", flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
