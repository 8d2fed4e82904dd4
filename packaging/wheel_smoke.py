"""The wheel install paths, for real: build the wheel, install it with `pipx install` (and `uv tool install` when
uv is available) into a temporary HOME, then run what a user runs: install-hook, doctor, menu, a hook event
through the registered command, uninstall. Nothing touches the machine's own ~/.claude.

    python packaging/wheel_smoke.py [--tools DIR]   # DIR: a venv with build, pipx (and uv) installed

Exit 0 when every step did what it should; the first failure is printed with the command's output.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = '{\n  "model": "opus",\n  "cost": 2.50\n}\n'


def step(title: str, argv: list[str], env: dict[str, str], expect: int | None = 0, stdin: bytes | None = None,
         timeout: float = 600) -> str:
    print(f"+ {title}: {' '.join(argv)}", flush=True)
    r = subprocess.run(argv, env=env, input=stdin, capture_output=True, timeout=timeout, cwd=env["HOME"],
                       check=False)
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    if expect is not None and r.returncode != expect:
        print(out)
        raise SystemExit(f"FAILED: {title}: exit {r.returncode}, expected {expect}")
    return out


def check(ok: bool, what: str, out: str) -> None:
    if not ok:
        print(out)
        raise SystemExit(f"FAILED: {what}")
    print(f"  ok: {what}")


def user_session(tool: str, installer: list[str], wheel: str, base_env: dict[str, str]) -> None:
    tmp = tempfile.mkdtemp(prefix=f"wheel-smoke-{tool}-")
    try:
        home = os.path.join(tmp, "home")
        claude = os.path.join(home, ".claude")
        bin_dir = os.path.join(tmp, "bin")
        os.makedirs(claude)
        with open(os.path.join(claude, "settings.json"), "w", encoding="utf-8") as fh:
            fh.write(SETTINGS)
        env = {k: v for k, v in base_env.items() if not k.startswith(("CLAUDE_", "PIPX_", "UV_", "VIRTUAL_ENV"))}
        env.update(HOME=home, CLAUDE_CONFIG_DIR=claude, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_DATA_HOME=os.path.join(home, ".local", "share"),
                   PATH=bin_dir + os.pathsep + env.get("PATH", "/usr/bin:/bin"))
        if tool == "pipx":
            env.update(PIPX_HOME=os.path.join(tmp, "pipx"), PIPX_BIN_DIR=bin_dir, PIPX_MAN_DIR=os.path.join(tmp, "man"))
        else:
            env.update(UV_TOOL_DIR=os.path.join(tmp, "uv-tools"), UV_TOOL_BIN_DIR=bin_dir,
                       UV_CACHE_DIR=os.path.join(tmp, "uv-cache"), UV_PYTHON_DOWNLOADS="never")
        step(f"{tool} install", [*installer, wheel + "[tray]"], env)
        exe = os.path.join(bin_dir, "claude-status")
        check(os.path.isfile(exe), f"{tool} put claude-status in its bin dir", "")
        out = step("--version", [exe, "--version"], env)
        check(out.strip().startswith("claude-status "), "claude-status --version", out)
        out = step("install-hook", [exe, "install-hook", "--claude-version", "2.1.259"], env)
        check("Registered 15 events" in out and "Restart your running Claude Code sessions" in out,
              "install-hook registers 15 events (2.1.259) and says to restart sessions", out)
        with open(os.path.join(claude, "settings.json"), encoding="utf-8") as fh:
            text = fh.read()
        check('"cost": 2.50' in text, "settings.json keeps the user's text (2.50)", text)
        handler = json.loads(text)["hooks"]["Stop"][0]["hooks"][0]
        check(os.path.abspath(handler["command"]).startswith(os.path.abspath(tmp)),
              f"the hook runs the {tool}-installed interpreter", json.dumps(handler))
        sid = str(uuid.uuid4())
        event = json.dumps({"session_id": sid, "hook_event_name": "UserPromptSubmit", "cwd": home,
                            "prompt": "wheel smoke", "transcript_path": os.path.join(home, "t.jsonl")}).encode()
        out = step("a hook event through the registered command", [handler["command"], *handler["args"]], env,
                   stdin=event)
        check(out == "" and os.path.isfile(os.path.join(claude, "status", sid + ".json")),
              "the registered hook writes the session file and prints nothing", out)
        out = step("doctor", [exe, "doctor"], env, expect=None)
        for line in ("[pass] hook registered:", "[pass] hook command runs:", "[pass] status dir writable:",
                     "[pass] hook errors:", "[pass] session "):
            check(line in out, f"doctor: {line}", out)
        out = step("menu", [exe, "menu"], env)
        check("wheel smoke" in out and out.startswith("Title:"), "menu shows the session", out)
        out = step("uninstall", [exe, "uninstall"], env)
        check("removed 15 hook entries" in out, "uninstall removes the hook", out)
        with open(os.path.join(claude, "settings.json"), encoding="utf-8") as fh:
            check(fh.read() == SETTINGS, "settings.json is byte for byte what it was", "")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", default=os.path.dirname(os.path.dirname(sys.executable)),
                        help="venv holding build, pipx and (optionally) uv (default: this interpreter's)")
    args = parser.parse_args()
    tools = os.path.join(os.path.abspath(args.tools), "Scripts" if os.name == "nt" else "bin")
    dist = tempfile.mkdtemp(prefix="wheel-smoke-dist-")
    try:
        env = dict(os.environ)
        env.setdefault("HOME", tempfile.gettempdir())
        print("+ build the wheel", flush=True)
        subprocess.run([os.path.join(tools, "python"), "-m", "build", "--wheel", "--outdir", dist, ROOT], check=True,
                       stdout=subprocess.DEVNULL)
        wheels = glob.glob(os.path.join(dist, "*.whl"))
        check(len(wheels) == 1, "one wheel built", str(wheels))
        python = shutil.which("python3") or sys.executable
        user_session("pipx", [os.path.join(tools, "pipx"), "install", "--python", python], wheels[0], env)
        uv = os.path.join(tools, "uv")
        if os.path.exists(uv):
            user_session("uv", [uv, "tool", "install", "--python", python], wheels[0], env)
        else:
            print("  skipped: uv tool install (uv is not installed in --tools)")
    finally:
        shutil.rmtree(dist, ignore_errors=True)
    print("wheel smoke: all passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
