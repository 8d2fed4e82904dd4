"""Windows learned from Claude Code (issue 10 finding 6): ``core.windows`` and its use by the hook and readers.

The store's bounds and hostile files are tested on the module; the path from Claude Code's status-line input
to a later session that the tap never sees is tested with the real processes (the tap command as Claude Code
runs it, the hook as ``hook.install`` registers it, ``python -m core.aggregate``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from core import record, windows
from hook import statusline
from tests.conftest import FIXTURES, ROOT, event, read_index, read_session, run_hook

RENDER = json.loads((FIXTURES / "hook-events" / "StatusLine__realclient_v2.1.332_int_bg_prompt_later.json")
                    .read_text(encoding="utf-8"))
UNKNOWN = "claude-nova-7"  # a model our fallback table has never heard of


def test_learn_and_lookup_round_trip(tmp_path):
    sdir = str(tmp_path / "d")
    os.mkdir(sdir)
    assert windows.lookup(sdir, UNKNOWN) is None
    assert windows.learn(sdir, UNKNOWN, 1_000_000, 100.0)
    assert windows.lookup(sdir, UNKNOWN) == 1_000_000
    assert not windows.learn(sdir, UNKNOWN, 1_000_000, 200.0)  # the same figure: nothing written
    assert windows.learn(sdir, UNKNOWN, 200_000, 300.0)  # Claude Code changed its mind: the newest wins
    assert windows.lookup(sdir, UNKNOWN) == 200_000
    assert oct(os.stat(windows.path(sdir)).st_mode & 0o777) == "0o600" or os.name == "nt"
    assert [n for n in os.listdir(sdir) if n != windows.NAME] == []  # no temp file left behind


def test_bounded_entries_and_strings(tmp_path):
    sdir = str(tmp_path)
    for i in range(windows.MAX_ENTRIES + 10):
        assert windows.learn(sdir, "claude-m-%d" % i, 1000 + i, 1000.0 + i)
    entries, newer = windows.read(sdir)
    assert not newer and len(entries) == windows.MAX_ENTRIES
    assert "claude-m-0" not in entries and ("claude-m-%d" % (windows.MAX_ENTRIES + 9)) in entries  # oldest out
    assert os.path.getsize(windows.path(sdir)) < windows.MAX_BYTES
    for bad_model in ("", "x" * (windows.MAX_MODEL + 1), "a b", "a\nb", "é", None, 7):
        assert not windows.learn(sdir, bad_model, 1000, 1.0), bad_model
    for bad_window in (0, -1, True, 1.5, "1000", windows.MAX_WINDOW + 1, None):
        assert not windows.learn(sdir, "claude-ok", bad_window, 1.0), bad_window
    assert windows.lookup(sdir, "claude-ok") is None


@pytest.mark.parametrize("content", [
    b"", b"\x00\xff" * 100, b"not ours\nclaude-x 1000 1\n", b"claude-status windows x\nclaude-x 1000 1\n",
    b'{"claude-x": 1000}', b"claude-status windows 1\nclaude-x -5 1\nclaude-y 1e6 1\nclaude-z 1000\n"
    b"bad\tname 1000 1\n" + b"claude-q 99999999999 1\n",
    b"claude-status windows 1\n" + b"x" * (windows.MAX_BYTES * 4),
])
def test_hostile_files_count_as_empty_and_are_replaced(tmp_path, content):
    sdir = str(tmp_path)
    with open(windows.path(sdir), "wb") as f:
        f.write(content)
    assert windows.read(sdir) == ({}, False)
    assert windows.lookup(sdir, "claude-x") is None
    assert windows.learn(sdir, "claude-x", 1_000_000, 5.0)
    assert windows.lookup(sdir, "claude-x") == 1_000_000


def test_a_directory_or_a_fifo_never_blocks_or_raises(tmp_path):
    sdir = str(tmp_path)
    os.mkdir(windows.path(sdir))
    assert windows.read(sdir) == ({}, False)
    os.rmdir(windows.path(sdir))
    if not hasattr(os, "mkfifo"):
        return
    os.mkfifo(windows.path(sdir))
    done: list = []
    t = threading.Thread(target=lambda: done.append(windows.read(sdir)), daemon=True)
    t.start()
    t.join(30)
    assert done == [({}, False)], "reading a FIFO must not wait for a writer"


def test_a_newer_versions_file_is_read_but_never_rewritten(tmp_path):
    sdir = str(tmp_path)
    data = b"claude-status windows 7\nclaude-x 1000000 10\nsome-new-shape {1}\n"
    with open(windows.path(sdir), "wb") as f:
        f.write(data)
    entries, newer = windows.read(sdir)
    assert newer and entries == {"claude-x": (1_000_000, 10)}
    assert windows.lookup(sdir, "claude-x") == 1_000_000
    assert not windows.learn(sdir, "claude-y", 200_000, 20.0)
    with open(windows.path(sdir), "rb") as f:
        assert f.read() == data


def test_the_window_rule_order():
    env: dict = {}
    # learned beats the table and the default...
    assert record.context_window(UNKNOWN, 10, False, env, None, 1_000_000) == 1_000_000
    assert record.context_window("claude-fable-5", 10, False, env, None, 200_000) == 200_000
    # ...but never Claude Code's figure for this very session, an explicit override or observed tokens
    assert record.context_window(UNKNOWN, 10, False, env, 400_000, 1_000_000) == 400_000
    assert record.context_window(UNKNOWN, 10, False, {"CLAUDE_CODE_MAX_CONTEXT_TOKENS": "300000"}, None,
                                 1_000_000) == 300_000
    assert record.context_window(UNKNOWN, 10, False, {"CLAUDE_CODE_DISABLE_1M_CONTEXT": "1"}, None,
                                 1_000_000) == 200_000
    assert record.context_window(UNKNOWN, 250_000, False, env, None, 200_000) == 1_000_000
    # the fallback table: what Claude Code 2.1.332 reports (tests/realclient/test_print.py measures it)
    for model in ("claude-haiku-5-5", "claude-mythos-5", "claude-mythos-5-1", "claude-mythos-5-2",
                  "us.anthropic.claude-haiku-5-5", "claude-sonnet-5-5", "claude-fable-5-2"):
        assert record.context_window(model, 10, False, env) == 1_000_000, model
    for model in ("claude-haiku-4-5", "claude-haiku-4-5-20251001", "claude-sonnet-4-5", "claude-opus-4-6",
                  UNKNOWN):
        assert record.context_window(model, 10, False, env) == 200_000, model


def test_recall_stores_the_figure_for_the_current_model_only(tmp_path):
    sdir = str(tmp_path)
    windows.learn(sdir, UNKNOWN, 1_000_000, 1.0)
    rec: dict = {"model": UNKNOWN}
    windows.recall(rec, sdir)
    assert rec["learned_window"] == [UNKNOWN, 1_000_000] and record.learned_window(rec) == 1_000_000
    rec["model"] = "claude-other"  # /model switched: the stored figure no longer applies
    assert record.learned_window(rec) is None
    windows.recall(rec, sdir)
    assert "learned_window" not in rec
    tapped = {"model": UNKNOWN, "statusline": {"context_window": {"context_window_size": 400_000}}}
    windows.recall(tapped, sdir)  # the session's own figure: nothing read, nothing stored
    assert "learned_window" not in tapped


def _transcript(tmp_path, sid: str, model: str, tokens: int) -> str:
    path = tmp_path / (sid + ".jsonl")
    line = {"type": "assistant", "sessionId": sid, "message": {"id": "m1", "model": model, "role": "assistant",
                                                                "content": [{"type": "text", "text": "hi"}],
                                                                "usage": {"input_tokens": tokens,
                                                                          "output_tokens": 5}}}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.skipif(sys.platform == "win32", reason="the tap execs /bin/sh like Claude Code on POSIX")
def test_a_window_claude_code_reported_reaches_a_later_session_without_the_tap(sdir, tmp_path):
    """Claude Code's recorded status-line input for a model our table does not know (1M) reaches the tap;
    a later print-mode session of that model (hooks only, no status line) gets 1M, in its file, its index
    row and after a reader's full aggregation; a session of another unknown model stays at 200k."""
    tapped = "aaaa0000-1111-4222-8333-444444444444"
    run_hook(event("SessionStart", tapped))
    said = json.loads(json.dumps(RENDER))
    said["session_id"] = tapped
    said["model"] = {"id": UNKNOWN, "display_name": "Nova 7"}
    said["context_window"]["context_window_size"] = 1_000_000
    out = subprocess.run(["/bin/sh", "-c", statusline.tap_command()], input=json.dumps(said).encode(),
                         capture_output=True, env=dict(os.environ), timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert windows.lookup(str(sdir), UNKNOWN) == 1_000_000

    later, other = "bbbb0000-1111-4222-8333-444444444444", "cccc0000-1111-4222-8333-444444444444"
    paths = {}
    for sid, model in ((later, UNKNOWN), (other, "claude-nova-8")):
        t = paths[sid] = _transcript(tmp_path, sid, model, 100_000)
        for name in ("SessionStart", "UserPromptSubmit", "Stop"):
            assert run_hook(event(name, sid, transcript_path=t, prompt="go")).returncode == 0
    assert read_session(sdir, later)["context"]["total_tokens"] == 1_000_000
    assert read_session(sdir, later)["context"]["percentage"] == 10
    assert read_session(sdir, other)["context"]["total_tokens"] == 200_000
    rows = {r["session_id"]: r for r in read_index(sdir)["sessions"]}
    assert rows[later]["context_window"] == 1_000_000 and rows[later]["context_pct"] == 10
    with open(paths[later], "a", encoding="utf-8") as f:  # the transcript grows between hooks: a reader applies the tail
        f.write(json.dumps({"type": "assistant", "sessionId": later, "message": {
            "id": "m2", "model": UNKNOWN, "role": "assistant", "content": [], "usage": {"input_tokens": 120_000}}})
                + "\n")
    agg = subprocess.run([sys.executable, "-m", "core.aggregate"], cwd=ROOT, capture_output=True,
                         env=dict(os.environ), timeout=60, check=False)
    assert agg.returncode == 0, agg.stderr
    rows = {r["session_id"]: r for r in read_index(sdir)["sessions"]}
    assert rows[later]["context_window"] == 1_000_000, rows[later]
