from __future__ import annotations

import json
import os
import time

from tests.tray_helpers import tray_env  # noqa: F401
from tray.source import IndexSource


def fire(env, sid, name, **extra):
    from hook import main as hook_main

    event = {
        "session_id": sid,
        "transcript_path": f"/nonexistent/{sid}.jsonl",
        "cwd": "/tmp",
        "permission_mode": "default",
        "hook_event_name": name,
    }
    event.update(extra)
    hook_main.run(json.dumps(event).encode(), env, time.time())


SID = "aaaa1111-0000-4000-8000-000000000001"


def test_aggregates_on_change_and_on_the_refresh_interval(tray_env):
    env = dict(os.environ)
    fire(env, SID, "UserPromptSubmit", prompt="one")
    clock = [time.time()]
    src = IndexSource(environ=env, refresh=5.0, clock=lambda: clock[0])
    first = src.poll()
    assert first is not None and [r["task"] for r in first["sessions"]] == ["one"]
    assert src.poll() is None  # nothing changed, interval not reached: no aggregation
    clock[0] += 1
    assert src.poll() is None
    fire(env, SID, "PermissionRequest", tool_name="Bash")
    changed = src.poll()
    assert changed is not None and changed["sessions"][0]["state"] == "waiting"
    clock[0] += 5
    assert src.poll() is not None  # periodic full aggregation (stale ageing, dead processes)
    assert src.poll(force=True) is not None


def test_missing_dir_without_legacy_gives_empty_index(tray_env):
    src = IndexSource(environ=dict(os.environ))
    index = src.poll()
    assert index["sessions"] == [] and src.legacy is False


def test_legacy_status_json_when_there_is_no_status_dir(tray_env):
    env = dict(os.environ)
    legacy = os.path.join(env["CLAUDE_CONFIG_DIR"], "status.json")
    os.makedirs(os.path.dirname(legacy), exist_ok=True)
    with open(legacy, "w") as fh:
        json.dump(
            {
                "version": "1.0.0",
                "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "session_id": SID,
                "task": {"name": "legacy task"},
                "context": {"current_tokens": 1, "total_tokens": 200000, "percentage": 40},
                "agents": {"active": 1, "names": ["x"]},
            },
            fh,
        )
    src = IndexSource(environ=env)
    index = src.poll()
    assert src.legacy is True and index["sessions"][0]["task"] == "legacy task"
    assert src.poll() is None
    # the status dir appearing switches to multi-session mode
    fire(env, SID, "UserPromptSubmit", prompt="new")
    index = src.poll()
    assert src.legacy is False and index["sessions"][0]["task"] == "new"


def test_cleanup_stale_removes_stale_files(tray_env, monkeypatch):
    env = dict(os.environ)
    fire(env, SID, "UserPromptSubmit", prompt="old")
    clock = [time.time() + 600]  # ten minutes later: stale
    src = IndexSource(environ=env, clock=lambda: clock[0])
    assert src.poll()["sessions"][0]["status"] == "stale"
    assert src.cleanup_stale() == 1
    assert src.poll(force=True)["sessions"] == []


def test_writes_index_at_start_and_then_at_most_every_write_every(tray_env):
    env = dict(os.environ)
    fire(env, SID, "UserPromptSubmit", prompt="one")
    index_path = os.path.join(env["CLAUDE_STATUS_DIR"], "index.json")
    os.unlink(index_path)
    clock = [time.time()]
    src = IndexSource(environ=env, refresh=5.0, clock=lambda: clock[0], write_every=60.0)
    src.poll()
    assert os.path.exists(index_path)  # published at start
    os.unlink(index_path)
    clock[0] += 5
    assert src.poll() is not None  # the periodic aggregation ran...
    assert not os.path.exists(index_path)  # ...without writing
    clock[0] += 60
    src.poll()
    assert os.path.exists(index_path)
    assert IndexSource(environ=env, dry_run=True).poll() is not None


def test_cleanup_stale_uses_the_sources_environment(tray_env):
    """The stale threshold comes from the environ the tray was given, as for aggregation."""
    env = dict(os.environ, CLAUDE_STATUS_STALE_SECONDS="3600", CLAUDE_STATUS_REMOVE_SECONDS="7200")
    fire(env, SID, "UserPromptSubmit", prompt="still fresh by this environ")
    assert "CLAUDE_STATUS_STALE_SECONDS" not in os.environ
    clock = [time.time() + 600]
    src = IndexSource(environ=env, clock=lambda: clock[0])
    assert src.poll()["sessions"][0]["status"] == "active"
    assert src.cleanup_stale() == 0
    assert [r["session_id"] for r in src.poll(force=True)["sessions"]] == [SID]


def test_status_dir_flag_is_user_expanded(tray_env):
    from tray import dirs

    assert IndexSource(dirs.resolve(tray_env, status_dir="~/other")).sdir == os.path.join(tray_env["HOME"], "other")
