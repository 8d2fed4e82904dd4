"""core.present: the one home of the presentation rules, and the bugs its copies had."""

from __future__ import annotations

import pytest

from core import present
from core.title import title
from tests.tray_helpers import make_index, make_row


def test_blank_custom_title_gives_the_same_name_in_the_title_and_the_menu():
    # a `/rename` to spaces: the hook's task is blank, the project names the session everywhere
    from tray import view

    row = make_row(0, task="   ", project="myproj", context_pct=0, state="idle")
    index = make_index([row])
    assert title(index) == "☁️ myproj | Ctx:0% | 0a | ✓"
    assert view.session_label(row).startswith("✓ myproj — ")
    assert view.tooltip(index).startswith("☁️ myproj | ")


@pytest.mark.parametrize("task,project,expected", [
    ("Fix the bug", "p", "Fix the bug"),
    ("  Fix  ", "p", "Fix"),
    ("", "proj", "proj"),
    ("\t", "proj", "proj"),
    ("", None, "00000000"),
    ("", "  ", "00000000"),
])
def test_task_name_fallback(task, project, expected):
    assert present.task_name(make_row(0, task=task, project=project)) == expected


def test_every_mark_has_an_ascii_form():
    marks = {*present.STATE_MARKS.values(), present.WAITING_MARK, present.WARNING_MARK, present.OK_MARK}
    for m in marks - {"?"}:
        plain = present.ascii_text(f"x {m} y")
        assert plain.encode("latin-1") and "?" not in plain, (m, plain)
        assert plain != "x  y", m  # the mark is not silently dropped


def test_xorg_title_keeps_the_warning_mark():
    from tray import app

    assert app.latin1("☁️ 2s | Ctx:22%/65% | 3a | ⚠") == "2s | Ctx:22%/65% | 3a | !"
    assert app.latin1("☁️ 2s | Ctx:22%/65% | 3a | ⏳") == "2s | Ctx:22%/65% | 3a | WAIT"
    assert app.latin1("☁️ Réécrire… | Ctx:9% | 0a | ✓") == "Réécrire... | Ctx:9% | 0a | ok"


@pytest.mark.parametrize("pct,level", [(0, 1), (49, 1), (50, 2), (79, 2), (80, 3), (100, 3)])
def test_context_levels_default(pct, level):
    assert present.context_level(pct) == level


def test_context_levels_follow_the_users_thresholds():
    assert present.context_level(40, warn=30, high=60) == present.LEVEL_WARN
    assert present.context_level(60, warn=30, high=60) == present.LEVEL_HIGH
    assert present.thresholds(30, 60) == {"warn": 30, "high": 60}
    assert present.thresholds() == {"warn": 50, "high": 80}


def test_one_default_for_the_thresholds():
    from tray import settings, view

    assert (settings.Settings().context_warn, settings.Settings().context_high) == (50, 80)
    assert (view.ViewOptions().context_warn, view.ViewOptions().context_high) == (50, 80)
    assert (present.CONTEXT_WARN, present.CONTEXT_HIGH) == (50, 80)


@pytest.mark.parametrize("row,words", [
    ({"state": "working"}, "working"),
    ({"state": "idle", "reason": "finished"}, "finished"),
    ({"state": "idle", "reason": "interrupted"}, "interrupted"),
    ({"state": "idle", "reason": "ready"}, "ready"),
    ({"state": "waiting", "reason": "permission", "waiting_for": "permission for Bash"},
     "waiting for you (permission for Bash)"),
    ({"state": "bogus"}, "unknown"),
    ({"state": "unknown", "reason": "newer_version"}, "written by a newer version"),
])
def test_state_words_come_from_state_and_reason(row, words):
    assert present.state_words(row) == words


def test_asked_says_what_a_permission_wants_cut_cleanly():
    row = {"state": "waiting", "ask": {"tool": "Bash", "input": "git push --force", "description": "Push"}}
    assert present.asked(row) == "Bash: git push --force"
    long = {"state": "waiting", "ask": {"tool": "Bash", "input": "rm -rf build dist node_modules " * 4}}
    out = present.asked(long, width=40)
    assert len(out) <= 40 and out.endswith("…") and out.startswith("Bash: rm -rf build")
    assert out[:-1].split()[-1] in ("build", "dist", "node_modules", "-rf", "rm")  # never mid-word
    assert present.asked({"state": "waiting", "ask": {"tool": "Task", "description": "Explore the repo"}}) == \
        "Task: Explore the repo"
    assert present.asked({"state": "waiting"}) is None


def test_menu_order_waiting_working_idle_stale_stable_within_a_rank():
    rows = [
        make_row(0, state="idle"),
        make_row(1, state="working"),
        make_row(2, state="waiting"),
        make_row(3, state="idle", status="stale"),
        make_row(4, state="compacting"),
        make_row(5, state="waiting"),
        make_row(6, state="error"),
    ]
    order = [int(r["session_id"][:8]) for r in present.menu_order(rows)]
    assert order == [2, 5, 1, 4, 0, 6, 3]


def test_dashboard_payload_carries_the_users_context_thresholds(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    cfg = tmp_path / "traycfg"
    cfg.mkdir()
    (cfg / "settings.json").write_text(json.dumps({"context_warn": 30, "context_high": 60}))
    env = dict(os.environ, HOME=str(tmp_path), CLAUDE_CONFIG_DIR=str(tmp_path / "claude"),
               CLAUDE_STATUS_DIR=str(tmp_path / "status"), CLAUDE_STATUS_TRAY_CONFIG=str(cfg))
    r = subprocess.run([sys.executable, "-m", "cli", "dashboard", "--get", "/api/status/live"], cwd=str(ROOT),
                       env=env, capture_output=True, text=True, check=False, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["context_thresholds"] == {"warn": 30, "high": 60}
    (cfg / "settings.json").write_text("{}")
    r = subprocess.run([sys.executable, "-m", "cli", "dashboard", "--get", "/api/status/live"], cwd=str(ROOT),
                       env=env, capture_output=True, text=True, check=False, timeout=60)
    assert json.loads(r.stdout)["context_thresholds"] == {"warn": 50, "high": 80}


def test_the_trays_dashboard_gets_the_trays_thresholds(monkeypatch):
    from dashboard import app as dash_app

    a = dash_app.App("/nonexistent-status", "/nonexistent-claude", aggregate=lambda sdir: {"sessions": []},
                     context_thresholds={"warn": 10, "high": 20})
    assert a.live()["context_thresholds"] == {"warn": 10, "high": 20}


def test_a_question_without_input_keeps_the_hooks_words():
    row = {"state": "waiting", "reason": "question", "waiting_for": "your answer",
           "ask": {"tool": "AskUserQuestion", "input": None, "description": None}}
    assert present.asked(row) is None
    assert present.state_words(row) == "waiting for you (your answer)"
    bare = {"state": "waiting", "ask": {"tool": "WebFetch", "input": None, "description": None}}
    assert present.state_words(bare) == "waiting for you (WebFetch)"


def test_blank_custom_title_through_the_real_hook_same_name_in_index_title_and_menu(tmp_path):
    """A `/rename` to spaces in the transcript: the hook's index title and the menu name the session alike."""
    import json
    import os
    import time

    from core import aggregate
    from hook import main as hook_main
    from tray import view

    sid = "b1a4c000-0000-4000-8000-000000000001"
    env = dict(os.environ, CLAUDE_CONFIG_DIR=str(tmp_path / "claude"), CLAUDE_STATUS_DIR=str(tmp_path / "status"))
    transcript = tmp_path / "t.jsonl"
    transcript.write_text(json.dumps({"type": "custom-title", "customTitle": "   ", "sessionId": sid}) + "\n")
    event = {"session_id": sid, "transcript_path": str(transcript), "cwd": str(tmp_path / "myproj"),
             "hook_event_name": "SessionStart", "source": "startup"}
    hook_main.run(json.dumps(event).encode(), env, time.time())
    with open(os.path.join(env["CLAUDE_STATUS_DIR"], "index.json"), encoding="utf-8") as fh:
        index = json.load(fh)
    name_in_title = index["title"].split(" | ")[0][len("☁️ "):]
    assert name_in_title.strip(), index["title"]
    fresh = aggregate.aggregate(env["CLAUDE_STATUS_DIR"], options=aggregate.Options(dry_run=True, environ=env))
    label = view.session_label(fresh["sessions"][0])
    assert label.split(" — ")[0][2:] == name_in_title
