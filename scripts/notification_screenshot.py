"""Screenshot of the real tray's notifications in dunst (a real notification server), for the README.

Xvfb + a private D-Bus session (the fake StatusNotifierWatcher, no fake notification server) + dunst; the
real tray runs, two sessions written by the real hook start waiting a couple of seconds apart (one
grouped notification), then a third finishes. ImageMagick's `import` grabs the top-right corner.

    apt-get install xvfb dbus dunst imagemagick
    .venv/bin/python scripts/notification_screenshot.py docs/tray-notification.png
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

from tests.desktop import Desktop, wait_for  # noqa: E402

W, H = 1000, 420

DUNSTRC = """
[global]
    width = 420
    height = 200
    origin = top-right
    offset = 12x12
    font = DejaVu Sans 10
    frame_width = 1
    frame_color = "#4c566a"
    separator_color = frame
    padding = 10
    horizontal_padding = 12
    icon_position = left
    min_icon_size = 32
    max_icon_size = 48
    markup = full
    format = "<b>%s</b>\\n%b"
    show_indicators = yes
[urgency_normal]
    background = "#2e3440"
    foreground = "#eceff4"
    timeout = 0
[urgency_critical]
    background = "#3b2a1e"
    foreground = "#ffffff"
    frame_color = "#ff7800"
    timeout = 0
"""


def fire(env: dict, sid: str, name: str, **extra: object) -> None:
    from hook import main as hook_main

    event = {"session_id": sid, "transcript_path": f"/nonexistent/{sid}.jsonl",
             "cwd": f"/home/me/src/{extra.pop('project', 'app')}", "permission_mode": "default",
             "hook_event_name": name}
    event.update(extra)
    hook_main.run(json.dumps(event).encode(), env, time.time())


def main(out: str) -> int:
    tmp = tempfile.mkdtemp(prefix="notify-shot-")
    env = dict(os.environ, HOME=tmp, CLAUDE_CONFIG_DIR=f"{tmp}/.claude", CLAUDE_STATUS_DIR=f"{tmp}/.claude/status",
               XDG_CONFIG_HOME=f"{tmp}/.config", CLAUDE_STATUS_TRAY_CONFIG=f"{tmp}/.config/cst",
               CLAUDE_STATUS_LOAD_PROFILE="performance")
    a, b, c = (f"{x * 8}-0000-4000-8000-{x * 12}" for x in ("a", "b", "c"))
    fire(env, a, "UserPromptSubmit", prompt="Deploy the website", project="website")
    fire(env, b, "UserPromptSubmit", prompt="Migrate the DB schema", project="api")
    fire(env, c, "UserPromptSubmit", prompt="Write the release notes", project="docs")
    rc = os.path.join(tmp, "dunstrc")
    with open(rc, "w") as fh:
        fh.write(DUNSTRC)
    with Desktop(tmp, "--no-notifications", screen=f"{W}x{H}x24") as d:
        env = d.env(env)
        if shutil.which("xsetroot"):
            subprocess.run(["xsetroot", "-solid", "#5e6a7e"], env=env, check=False)
        d.popen(["dunst", "-config", rc], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        d.popen([sys.executable, "-m", "cli", "tray"], cwd=ROOT, env=env)
        assert wait_for(lambda: d.records("items.jsonl"), 30), "the tray did not start"
        time.sleep(2)
        fire(env, a, "PermissionRequest", tool_name="Bash", tool_input={"command": "make deploy"}, project="website")
        fire(env, b, "PermissionRequest", tool_name="Edit", tool_input={"file_path": "db/schema.sql"}, project="api")
        time.sleep(3)
        fire(env, c, "Stop", project="docs")

        def shown():
            r = subprocess.run(["dunstctl", "count", "displayed"], env=env, capture_output=True, text=True,
                               check=False)
            return r.stdout.strip() == "2"

        assert wait_for(shown, 20), "dunst did not show two notifications"
        time.sleep(1)
        full = os.path.join(tmp, "full.png")
        subprocess.run(["import", "-window", "root", full], env=env, check=True)
        subprocess.run(["convert", full, "-crop", f"460x200+{W - 460}+0", "+repage", out], check=True)
        print(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "tray-notification.png")))
