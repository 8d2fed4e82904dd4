"""Run the real hook (``python -m hook``) on recorded Claude Code events, as the e2e and server tests do."""

from __future__ import annotations

import json
import os
import subprocess
import sys

EVENTS = os.path.join(os.path.dirname(__file__), "fixtures", "hook-events")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def event(name: str, **changes: object) -> dict:
    with open(os.path.join(EVENTS, name + ".json"), encoding="utf-8") as fh:
        data = json.load(fh)
    data.update(changes)
    return data


def run_hook(env: dict, payload: dict) -> None:
    """Feed one event to the real hook in a fresh interpreter; the hook must stay silent and exit 0."""
    done = subprocess.run(
        [sys.executable, "-m", "hook"],
        input=json.dumps(payload).encode(),
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""


def hook_env(tmp_path) -> dict:
    env = dict(os.environ)
    env.update(
        HOME=str(tmp_path / "home"),
        CLAUDE_CONFIG_DIR=str(tmp_path / "claude"),
        CLAUDE_STATUS_DIR=str(tmp_path / "status"),
    )
    return env
