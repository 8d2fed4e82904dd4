"""Screenshot of the real tray with its menu open, for the README (Linux, headless).

Xvfb + trayer (an XEmbed tray host) + a private D-Bus session with no StatusNotifierWatcher, so the
tray uses a GtkStatusIcon docked in trayer (tray.linux; docs/platform-notes.md, pystray: Linux desktops).
Sessions are written by
the real hook; xdotool opens the menu and a session submenu; ImageMagick's `import` grabs the screen.

    apt-get install xvfb trayer xdotool imagemagick dbus
    .venv/bin/python scripts/tray_screenshot.py docs/tray-menu.png
    .venv/bin/python scripts/tray_screenshot.py /tmp/limits.png --limits 86   # a five-hour window at 86 %
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.desktop import Desktop  # noqa: E402

W, H = 900, 560


def fire(env: dict, sid: str, name: str, **extra: object) -> None:
    from hook import main as hook_main

    event = {
        "session_id": sid,
        "transcript_path": f"/home/me/.claude/projects/{sid[:4]}/{sid}.jsonl",
        "cwd": f"/home/me/src/{extra.pop('project', 'app')}",
        "permission_mode": "default",
        "hook_event_name": name,
        "model": "claude-sonnet-4-5",
    }
    event.update(extra)
    hook_main.run(json.dumps(event).encode(), env, time.time())


def limits(env: dict, sid: str, pct: float) -> None:
    """Claude Code's rate limits through the real status-line tap's record step (issue 12)."""
    from hook import statusline

    now = time.time()
    assert statusline.record({"session_id": sid, "rate_limits": {
        "five_hour": {"used_percentage": pct, "resets_at": int(now + 5400)},
        "seven_day": {"used_percentage": 41.0, "resets_at": int(now + 4 * 86400)}}}, env, now)


def sessions(env: dict) -> None:
    a, b, c = (f"{x * 8}-0000-4000-8000-{x * 12}" for x in ("a", "b", "c"))
    fire(env, a, "SessionStart", source="startup", context_tokens=44_000, project="parser")
    fire(env, a, "UserPromptSubmit", prompt="Refactor the config parser", project="parser")
    fire(env, a, "SubagentStart", agent_id="r1", agent_type="researcher", project="parser")
    fire(env, a, "SubagentStart", agent_id="c1", agent_type="coder", project="parser")
    fire(env, b, "SessionStart", source="startup", context_tokens=130_000, project="website")
    fire(env, b, "UserPromptSubmit", prompt="Write the release notes", project="website")
    fire(env, b, "PermissionRequest", tool_name="Bash", tool_input={"command": "make publish"}, project="website")
    fire(env, c, "SessionStart", source="startup", context_tokens=20_000, project="api")
    fire(env, c, "UserPromptSubmit", prompt="Fix the flaky CI test", project="api")
    fire(env, c, "Stop", project="api")


def menu_visible(path: str) -> bool:
    """The open menu is a large light area; a failed attempt is an almost black screen."""
    from PIL import Image

    img = Image.open(path).convert("L").resize((90, 56))
    light = sum(1 for y in range(56) for x in range(90) if img.getpixel((x, y)) > 180)
    return light > 90 * 56 // 10


def main(out: str, limit_pct: float | None = None) -> int:
    tmp = tempfile.mkdtemp(prefix="tray-shot-")
    env = dict(os.environ)
    env.update(
        HOME=tmp,
        CLAUDE_CONFIG_DIR=f"{tmp}/.claude",
        CLAUDE_STATUS_DIR=f"{tmp}/.claude/status",
        XDG_CONFIG_HOME=f"{tmp}/.config",
        CLAUDE_STATUS_TRAY_CONFIG=f"{tmp}/.config/cst",
    )
    sessions(env)
    if limit_pct is not None:
        limits(env, "a" * 8 + "-0000-4000-8000-" + "a" * 12, limit_pct)
    # the fake without its watcher: libayatana falls back to a GtkStatusIcon, docked in trayer
    with Desktop(tmp, "--no-watcher", screen=f"{W}x{H}x24") as desktop:
        env = desktop.env(env)
        time.sleep(1)
        if shutil.which("xsetroot"):
            subprocess.run(["xsetroot", "-solid", "#3b4252"], env=env, check=False)
        desktop.popen(
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "28",
                "--SetDockType",
                "true",
                "--transparent",
                "false",
                "--tint",
                "0x2e3440",
            ],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        desktop.popen([sys.executable, "-m", "cli", "tray"], cwd=ROOT, env=env)
        for _attempt in range(5):
            time.sleep(3)
            # right-click the icon at the right end of the panel to open the menu (GtkStatusIcon)
            subprocess.run(["xdotool", "mousemove", str(W - 14), "14", "click", "3"], env=env, check=True)
            time.sleep(1.5)
            # hover the first session (waiting for you: listed first) to open its submenu
            subprocess.run(["xdotool", "mousemove", str(W - 200), "62"], env=env, check=True)
            time.sleep(0.3)
            subprocess.run(["xdotool", "mousemove", str(W - 190), "63"], env=env, check=True)
            time.sleep(1.5)
            subprocess.run(["import", "-window", "root", out], env=env, check=True)
            if menu_visible(out):
                break
            subprocess.run(["xdotool", "key", "Escape"], env=env, check=False)
        else:
            raise SystemExit("the menu never showed up in the screenshot")
        print(f"saved {out}")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    pct = None
    if "--limits" in args:
        i = args.index("--limits")
        pct = float(args[i + 1])
        del args[i:i + 2]
    sys.exit(main(args[0] if args else os.path.join(ROOT, "docs", "tray-menu.png"), pct))
