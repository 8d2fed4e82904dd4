from __future__ import annotations

import pytest

from tests.tray_helpers import NOW, iso, make_index, make_row, tray_env  # noqa: F401
from tray import view
from tray.view import MenuEntry, ViewOptions


def texts(entries):
    return [e.text for e in entries if not e.separator]


def session_entries(spec):
    return [e for e in spec if e.submenu is not None and not e.text.endswith("more…")]


# ------------------------------------------------------------ title and tooltip


def test_single_session_title_is_fr3():
    index = make_index([make_row(0, task="Log analysis", context_pct=22, agents=0, state="idle")])
    assert view.title(index) == "☁️ Log analysis | Ctx:22% | 0a | ✓"


def test_multi_session_title_is_fr3():
    index = make_index([make_row(0, context_pct=22, agents=1), make_row(1, context_pct=65, agents=2)])
    assert view.title(index) == "☁️ 2s | Ctx:22%/65% | 3a | ✓"


def test_no_sessions():
    index = make_index([])
    spec = view.menu_spec(index)
    assert "No Claude Code sessions yet" in texts(spec)
    assert view.icon_state(index) == view.IconState()


@pytest.mark.parametrize(
    "text,limit",
    [
        pytest.param("a" * 300, 127, id="ascii"),
        pytest.param("☁️ " + "ü" * 200, 127, id="latin"),
        pytest.param("☁️ " + "😀" * 100, 127, id="astral-emoji"),
        pytest.param("☁️ " + "☁️" * 100, 20, id="variation-selectors"),
    ],
)
def test_truncate_utf16_fits_and_ends_cleanly(text, limit):
    out = view.truncate_utf16(text, limit)
    assert view.utf16_len(out) <= limit
    assert out.endswith("…")
    body = out[:-1]
    assert not body.endswith(("\u200d", "\ufe0f", " "))
    assert text.startswith(body)  # a prefix: no half characters
    out.encode("utf-16-le")  # no lone surrogates


def test_short_text_untouched():
    assert view.truncate_utf16("☁️ 2s", 127) == "☁️ 2s"


def test_tooltip_lists_sessions_and_respects_windows_limit():
    rows = [make_row(i, task=f"a very long task name number {i} with ünïcödé ✨") for i in range(20)]
    tip = view.tooltip(make_index(rows))
    assert view.utf16_len(tip) <= view.TOOLTIP_LIMIT
    lines = tip.split("\n")
    assert lines[0].startswith("☁️ 20s")
    assert any("more" in line for line in lines)


def test_tooltip_single_session_is_the_title():
    index = make_index([make_row(0, task="Fix bug")])
    assert view.tooltip(index) == view.title(index)


# ------------------------------------------------------------ icon state


@pytest.mark.parametrize(
    "pcts,level,fill",
    [
        pytest.param([10], 1, 1, id="low"),
        pytest.param([10, 55], 2, 4, id="warn"),
        pytest.param([81, 3], 3, 6, id="high"),
        pytest.param([100], 3, 8, id="full"),
        pytest.param([0], 1, 0, id="zero"),
    ],
)
def test_icon_state_levels(pcts, level, fill):
    index = make_index([make_row(i, context_pct=p) for i, p in enumerate(pcts)])
    st = view.icon_state(index)
    assert (st.sessions, st.level, st.fill) == (len(pcts), level, fill)


def test_icon_state_waiting_and_error_marks():
    index = make_index([make_row(0, state="waiting"), make_row(1, state="error")])
    st = view.icon_state(index)
    assert st.waiting and st.error


def test_icon_state_ignores_stale_sessions():
    index = make_index([make_row(0, status="stale", state="waiting", context_pct=99), make_row(1, context_pct=10)])
    st = view.icon_state(index)
    assert (st.sessions, st.level, st.waiting) == (1, 1, False)


def test_icon_state_thresholds_follow_options():
    index = make_index([make_row(0, context_pct=40)])
    assert view.icon_state(index, ViewOptions(context_warn=30, context_high=90)).level == 2


# ------------------------------------------------------------ menu model


def test_menu_top_level_order():
    index = make_index([make_row(0), make_row(1, state="waiting", waiting_for="Bash")])
    spec = view.menu_spec(index, ViewOptions(notifications=True, autostart=False), NOW)
    assert spec[0] == MenuEntry(view.title(index), enabled=False)
    sessions = session_entries(spec)
    assert [s.text.split(" — ")[0] for s in sessions] == ["⏳ task 1", "● task 0"]  # waiting first (issue 11)
    assert "waiting for you (Bash) for 3 min" in sessions[0].text
    tail = texts(spec)[-7:]
    assert tail == [
        "Open dashboard",
        "Refresh now",
        "Clean up stale sessions",
        "Notifications",
        "Start at login",
        f"About claude-status-tray {view.__version__}",
        "Quit",
    ]
    by_text = {e.text: e for e in spec}
    assert by_text["Notifications"].checked is True
    assert by_text["Start at login"].checked is False
    assert by_text["Clean up stale sessions"].enabled is False  # nothing stale
    assert by_text["Quit"].action == "quit"


def test_session_label_has_task_state_context_agents_without_volatile_numbers():
    row = make_row(0, task="Refactor parser", state="working", context_pct=47, agents=3)
    label = view.session_label(row)
    assert label == "● Refactor parser — working · 47% · 3a"
    assert "ago" not in label


def test_session_submenu_details_and_actions():
    row = make_row(
        3,
        task="Log analysis",
        progress=45,
        agents=2,
        agent_names=["researcher", "coder"],
        state="waiting",
        waiting_for="permission",
        state_since=iso(NOW - 125),
        updated_at=iso(NOW - 12),
    )
    details = view.session_details(row, NOW)
    lines = texts(details)
    assert lines[:4] == [
        "Task: Log analysis (45%)",
        "Context: 22% — 44,000 / 200,000 tokens",
        "Agents: 2 — researcher, coder",
        "State: waiting for you (permission) for 2 min",
    ]
    assert "Project: /work/proj3" in lines
    assert "Model: claude-opus-4" in lines
    assert "Updated: 12 s ago" in lines
    actions = {e.text: (e.action, e.arg) for e in details if e.action}
    assert actions["Open project folder"] == ("open_path", "/work/proj3")
    assert actions["Open transcript folder"] == ("open_path", "/home/u/.claude/projects/p3")
    assert actions["Copy session id"] == ("copy", row["session_id"])
    assert all(not e.enabled for e in details if not e.action and not e.separator)


def test_menu_key_without_now_has_no_relative_times():
    index = make_index([make_row(0)])
    key = view.menu_spec(index, ViewOptions(), None)
    assert not any("ago" in line for line in view.entry_lines(key))
    # and is stable while only the clock moves
    assert key == view.menu_spec(index, ViewOptions(), None)
    assert view.menu_spec(index, ViewOptions(), NOW) != view.menu_spec(index, ViewOptions(), NOW + 60)


def test_many_sessions_are_capped_with_more_submenu():
    index = make_index([make_row(i) for i in range(30)])
    spec = view.menu_spec(index, ViewOptions(max_sessions=12), NOW)
    assert len(session_entries(spec)) == 12
    more = [e for e in spec if e.text == "18 more…"]
    assert len(more) == 1 and len(more[0].submenu) == 18
    assert all(not e.enabled for e in more[0].submenu)


def test_stale_sessions_are_greyed_and_grouped_after_active_ones():
    index = make_index([make_row(0, status="stale", task="old one"), make_row(1, task="live one")])
    spec = view.menu_spec(index, ViewOptions(), NOW)
    lines = texts(spec)
    live = next(i for i, t in enumerate(lines) if "live one" in t)
    header = lines.index("Stale (1) — no update for a while")
    old = next(i for i, t in enumerate(lines) if "old one" in t)
    assert live < header < old
    old_entry = next(e for e in spec if "old one" in e.text)
    assert old_entry.enabled is False and old_entry.submenu is None
    assert next(e for e in spec if e.text == "Clean up stale sessions").enabled is True


def test_long_and_non_ascii_task_names_are_shortened():
    name = "Ünïcödé 漢字 task with a very very very long description that goes on and on"
    row = make_row(0, task=name)
    label = view.session_label(row)
    assert "…" in label and label.startswith("● Ünïcödé 漢字")
    assert len(label) < 80


def test_legacy_mode_is_labelled():
    spec = view.menu_spec(make_index([make_row(0)]), ViewOptions(legacy=True), NOW)
    assert "Single-session mode (legacy status.json)" in texts(spec)


def test_session_without_optional_fields():
    row = {"session_id": "abc", "task": "", "context_pct": None, "agents": None, "status": "active", "updated_at": None}
    index = make_index([make_row(1)])
    index["sessions"] = [row]
    spec = view.menu_spec(index, ViewOptions(), NOW)
    sub = session_entries(spec)[0]
    assert sub.text.startswith("? abc")
    acts = {e.text: e for e in sub.submenu if e.action}
    assert acts["Open project folder"].enabled is False
    assert acts["Open transcript folder"].enabled is False


def test_render_text_is_the_menu_spec():
    index = make_index([make_row(0), make_row(1, state="waiting")])
    text = view.render_text(index, ViewOptions(), NOW)
    assert text.startswith(f"Title:   {view.title(index)}\n")
    assert "Icon:    2 active, ctx ok (2/8), WAITING mark" in text
    menu_lines = text.split("Menu:\n", 1)[1].rstrip("\n").split("\n")
    assert menu_lines == ["  " + line for line in view.entry_lines(view.menu_spec(index, ViewOptions(), NOW))]
    assert "    Copy session id" in menu_lines
    assert "  [x] Notifications" in menu_lines


def test_pystray_menu_built_from_spec_matches(tray_env):
    """The real pystray.Menu (dummy backend) holds the same items as the spec."""
    import pystray

    from tray.app import TrayApp

    app = TrayApp(environ=tray_env)
    app.pystray = pystray
    index = make_index([make_row(0, task="alpha"), make_row(1, task="beta", status="stale")])
    spec = view.menu_spec(index, app.options(), NOW)
    menu = pystray.Menu(*app._make_items(spec))
    visible = [i.text for i in menu]
    assert visible == [pystray.Menu.SEPARATOR.text if e.separator else e.text for e in spec]
    alpha = next(i for i in menu if i.text.startswith("● alpha"))
    assert [i.text for i in alpha.submenu][-3:] == ["Open project folder", "Open transcript folder", "Copy session id"]
    notifications = next(i for i in menu if i.text == "Notifications")
    assert notifications.checked is True
    assert "alpha" in str(menu)


def test_idle_words_tell_finished_from_interrupted_and_just_started():
    finished = make_row(0, state="idle", reason="finished", state_since=iso(NOW - 5), first_seen=iso(NOW - 600))
    esc = make_row(1, state="idle", reason="interrupted", detail="interrupted", state_since=iso(NOW - 5))
    fresh = make_row(2, state="idle", reason="ready", state_since=iso(NOW - 5))
    assert "— finished" in view.session_label(finished)
    assert "— interrupted" in view.session_label(esc) and "finished" not in view.session_label(esc)
    assert "— ready" in view.session_label(fresh) and "finished" not in view.session_label(fresh)


def test_idle_words_come_from_the_reason_not_from_detail_or_timestamps():
    """core.state decides the reason; a detail text or the timestamps never turn it into another word."""
    worked_in_first_second = make_row(0, state="idle", reason="finished", state_since=iso(NOW),
                                      first_seen=iso(NOW + 0.5).replace("Z", ".500000Z"))
    says_interrupted = make_row(1, state="idle", reason="finished", detail="interrupted")
    assert "— finished" in view.session_label(worked_in_first_second)
    assert "— finished" in view.session_label(says_interrupted)


def test_a_session_written_by_a_newer_version_is_shown():
    from core import aggregate, record

    entry = record.Entry(record.Newer("future-1", "2.0.0"), NOW - 3)
    index = aggregate.build_index([entry], NOW, load_info={"profile": "balanced", "status": "OK", "load_avg": 0.1})
    lines = view.render_text(index, ViewOptions(), NOW)
    assert "No Claude Code sessions yet" not in lines
    assert "future-1 — written by a newer version" in lines


def test_task_fallback_when_core_has_no_task():
    assert view.task_name(make_row(0, task="  ")) == "proj0"
    assert view.task_name(make_row(0, task="", project=None)) == make_row(0)["session_id"][:8]
    assert view.task_name(make_row(0, task="Fix the bug")) == "Fix the bug"
