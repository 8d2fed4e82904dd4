"""core.ids.is_valid: the one session-id rule (hook and dashboard)."""

from __future__ import annotations

import os

import pytest

from core import ids
from tests.conftest import event, read_session, run_hook

VALID = ["s1", "a b", "ü-1", "0b9c5f2e-3d4a-4c4e-9a51-2f7d1c9e8b10", "x" * 128, "é" * 64, "a.b", "agent-1_x",
         "console", "com10", "LPT", "index2", "statusbar"]
INVALID = [None, 5, b"s1", "", "x" * 129, "x" * 150, "é" * 65, "\udcff", "a\ud800b", "index", "INDEX", "Status",
           ".hidden", "..", "a..b", "a/b", "a\\b", "a:b", "a*b", "a?b", 'a"b', "a<b", "a>b", "a|b", "a\x00b",
           "a\nb", "a\x7fb", "a\x85b", "trailing.", "trailing ", "CON", "con", "nul.txt", "COM1", "lpt9.json",
           "COM\u00b9", "CONIN$", "aux .x"]


@pytest.mark.parametrize("sid", VALID)
def test_valid(sid):
    assert ids.is_valid(sid)


@pytest.mark.parametrize("sid", INVALID, ids=ascii)
def test_invalid(sid):
    assert not ids.is_valid(sid)


def test_cap_leaves_room_for_json_and_temp_suffix():
    from core import store

    longest = "é" * (ids.MAX_BYTES // 2)
    assert ids.is_valid(longest)
    tmp = os.path.basename(store.temp_name("/x/" + longest + ".json"))
    # worst-case pid: 20 digits (64-bit); ours has fewer
    assert len(os.fsencode(tmp)) - len(str(os.getpid())) + 20 <= 255


@pytest.mark.parametrize("sid", ["é" * 64, "ü-1", "a b", "x" * 128])
def test_longest_and_non_ascii_ids_land_in_the_real_hook(sid, sdir):
    proc = run_hook(event("UserPromptSubmit", sid, prompt="hi"))
    assert proc.returncode == 0 and proc.stdout == b""
    assert not (sdir / "hook.log").exists(), (sdir / "hook.log").read_text()
    assert read_session(sdir, sid)["session_id"] == sid


@pytest.mark.parametrize("sid", ["é" * 65, "\udcff", "x" * 150, "index"], ids=ascii)
def test_rejected_ids_log_one_line_and_write_nothing(sid, sdir):
    import json

    data = json.dumps({"session_id": sid, "hook_event_name": "UserPromptSubmit"}).encode()
    proc = run_hook(data)
    assert proc.returncode == 0 and proc.stdout == b""
    assert sorted(os.listdir(sdir)) == ["hook.log"]
    line = (sdir / "hook.log").read_text()
    assert "unsafe session_id" in line and "Error" not in line
