"""Shared fixtures: every test gets its own HOME, Claude dir and status dir; the real home is off limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HOOK_EVENTS = FIXTURES / "hook-events"
TRANSCRIPTS = FIXTURES / "transcripts"
sys.path.insert(0, str(ROOT))

from hook import install  # noqa: E402

# Property tests (tests/test_properties.py): "ci" is the default, derandomized (the same cases on every
# run) and small enough for 2 loaded cores; "long" for local runs: --hypothesis-profile=long
try:
    from hypothesis import settings as _hsettings

    _hsettings.register_profile("ci", derandomize=True, max_examples=100, deadline=None, database=None,
                                print_blob=True)
    _hsettings.register_profile("long", max_examples=2000, deadline=None)
    _hsettings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """HOME, CLAUDE_CONFIG_DIR and CLAUDE_STATUS_DIR under tmp_path for every test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    monkeypatch.setenv("CLAUDE_STATUS_DIR", str(tmp_path / "status"))
    for key in ("CLAUDE_STATUS_STALE_SECONDS", "CLAUDE_STATUS_REMOVE_SECONDS", "CLAUDE_STATUS_LOAD_PROFILE",
                "CLAUDE_CODE_MAX_CONTEXT_TOKENS", "CLAUDE_CODE_DISABLE_1M_CONTEXT"):
        monkeypatch.delenv(key, raising=False)
    yield tmp_path
    end_followers(str(tmp_path))


def end_followers(prefix: str) -> int:
    """Kill the detached hook followers this test left (Linux /proc): a test's session has no Claude
    process to outlive, so its follower would sleep on for up to 10 minutes (hundreds a suite run).
    Only hook processes whose HOME, CLAUDE_CONFIG_DIR or CLAUDE_STATUS_DIR lies under ``prefix``."""
    if not os.path.isdir("/proc/self"):
        return 0
    import signal

    keys = tuple(("%s=%s" % (k, prefix)).encode() for k in ("HOME", "CLAUDE_CONFIG_DIR", "CLAUDE_STATUS_DIR"))
    killed = 0
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                if b"hook" not in f.read():
                    continue
            with open("/proc/%s/environ" % name, "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if any(e.startswith(keys) for e in env):
            try:
                os.kill(int(name), signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed


@pytest.fixture
def sdir(tmp_path) -> Path:
    return tmp_path / "status"


def load_event(name: str) -> dict:
    return json.loads((HOOK_EVENTS / name).read_text(encoding="utf-8"))


def hook_cmd() -> list:
    """Exactly the command hook.install registers."""
    return install.hook_argv()


def run_hook(payload, env=None, cwd=None) -> subprocess.CompletedProcess:
    """Run the registered hook command once, as Claude Code would, with ``payload`` on stdin."""
    if isinstance(payload, dict):
        data = json.dumps(payload).encode()
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = payload
    return subprocess.run(hook_cmd(), input=data, capture_output=True, env=env or dict(os.environ),
                          cwd=cwd or "/", timeout=60, check=False)


def event(name: str, sid: str = "s1", **fields) -> dict:
    out = {"session_id": sid, "hook_event_name": name, "cwd": "/work/proj-" + sid,
           "transcript_path": "/nonexistent/%s.jsonl" % sid}
    out.update(fields)
    return out


def read_session(sdir: Path, sid: str) -> dict:
    return json.loads((sdir / (sid + ".json")).read_text(encoding="utf-8"))


def read_index(sdir: Path) -> dict:
    return json.loads((sdir / "index.json").read_text(encoding="utf-8"))


def cli_menu() -> str:
    """What `claude-status menu` prints (a real process, this environment's status dir)."""
    out = subprocess.run([sys.executable, "-m", "cli", "menu"], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ), check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout
