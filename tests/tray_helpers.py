"""Shared helpers for the tray tests (imported by each tests/test_tray_*.py; no conftest to collide with)."""

from __future__ import annotations

import os

# before any `import pystray`: the dummy backend imports with no display (docs/platform-notes.md, pystray: backends)
os.environ.setdefault("PYSTRAY_BACKEND", "dummy")

import pytest

NOW = 1_780_000_000.0  # a fixed clock


def iso(ts: float) -> str:
    from core import timefmt

    return timefmt.iso(ts)


def make_row(n: int = 0, **over):
    row = {
        "session_id": f"{n:08d}-aaaa-bbbb-cccc-{n:012d}",
        "task": f"task {n}",
        "context_pct": 22,
        "agents": 0,
        "status": "active",
        "updated_at": iso(NOW - 12),
        "state": "working",
        "state_since": iso(NOW - 180),
        "waiting_for": None,
        "detail": None,
        "progress": 0,
        "context_tokens": 44000,
        "context_window": 200000,
        "agent_names": [],
        "project": f"proj{n}",
        "cwd": f"/work/proj{n}",
        "model": "claude-opus-4",
        "permission_mode": "default",
        "last_tool": "Bash",
        "first_seen": iso(NOW - 600),
        "transcript_path": f"/home/u/.claude/projects/p{n}/{n}.jsonl",
        "age_seconds": 12.0,
    }
    row.update(over)
    return row


def make_index(rows):
    from core import aggregate, title

    index = {
        "version": "1.1.0",
        "updated_at": iso(NOW),
        "status_dir": "/tmp/status",
        "sessions": rows,
        "summary": aggregate.summarize(rows, {"profile": "balanced", "status": "OK", "load_avg": 0.5}),
    }
    index["title"] = title.title(index)
    return index


@pytest.fixture
def tray_env(tmp_path, monkeypatch):
    """Never touch the real home: HOME, the status/config dirs and XDG all point into tmp_path."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)  # the autouse isolated_env in conftest.py may have made it
    env = {
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "CLAUDE_STATUS_DIR": str(home / ".claude" / "status"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CLAUDE_STATUS_TRAY_CONFIG": str(home / ".config" / "claude-status-tray"),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env
