"""Every stored string is capped and no session file ever exceeds 64 KiB (issue 8 item 2), in the real hook."""

from __future__ import annotations

import json
import os

import pytest

from core import limits
from tests.conftest import event, read_index, read_session, run_hook

BIG = "x" * 2_000_000
FIELDS = [
    {"cwd": "/" + BIG}, {"tool_name": BIG}, {"model": BIG}, {"permission_mode": BIG}, {"transcript_path": "/" + BIG},
    {"agent_id": BIG, "agent_type": BIG}, {"agent_type": BIG},
    {"background_tasks": [{"id": BIG, "type": "subagent", "status": "running", "description": BIG}] * 50},
    {"prompt": BIG}, {"custom": {"nested": [BIG] * 10}},
]
NAMES = ["PreToolUse", "PostToolUse", "UserPromptSubmit", "StopFailure", "SubagentStart", "SubagentStop", "Stop",
         "SessionStart", "PermissionRequest", "Notification"]


def _strings(obj, key=None):
    if isinstance(obj, str):
        yield key, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v, key)


def _check_dir(sdir):
    for name in os.listdir(sdir):
        if name.endswith(".json"):
            size = os.path.getsize(sdir / name)
            assert size <= limits.MAX_FILE, (name, size)
            data = json.loads((sdir / name).read_text())
            for key, value in _strings(data):
                assert len(value) <= (limits.MAX_PATH if key in limits.PATH_KEYS else limits.MAX_STR), key


@pytest.mark.parametrize("fields", FIELDS, ids="+".join)
@pytest.mark.parametrize("name", NAMES)
def test_long_fields_are_capped(name, fields, sdir):
    extra = dict(fields)
    if name == "StopFailure":
        extra.update(error=BIG, error_details=BIG)
    proc = run_hook(event(name, **extra))
    assert proc.returncode == 0 and proc.stdout == b""
    _check_dir(sdir)
    # the session stays alive: its next event lands
    proc = run_hook(event("PostToolUse", tool_name="Read"))
    assert proc.returncode == 0
    assert read_session(sdir, "s1")["last_tool"] == "Read"
    assert [r["session_id"] for r in read_index(sdir)["sessions"]] == ["s1"]
    _check_dir(sdir)


def test_many_agents_and_todos_stay_under_the_file_cap(sdir):
    for i in range(150):
        run_hook(event("SubagentStart", agent_id="a%03d" % i + "y" * 900, agent_type="t" * 900))
    run_hook(event("PostToolUse", tool_name="TodoWrite", tool_input={"todos": [
        {"content": "c" * 5000, "status": "pending", "activeForm": "f" * 5000} for _ in range(500)]}))
    _check_dir(sdir)
    assert read_session(sdir, "s1")["last_tool"] == "TodoWrite"


def test_fit_record_bounds_anything():
    rec = {"session_id": "s", "version": "1.1.0", "a": ["y" * 1000] * 10_000, "b": {"k%d" % i: "v" * 900 for i in
                                                                                    range(1000)}}
    out = limits.fit_record(rec)
    assert len(json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode()) <= limits.MAX_FILE
    assert out["session_id"] == "s"
    assert limits.fit_record({"session_id": "s", "n": float("nan"), "i": 2**70}) == {"session_id": "s", "n": None,
                                                                                     "i": None}
