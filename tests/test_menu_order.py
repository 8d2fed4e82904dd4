"""Issue 11, menu: waiting first, then working, idle, stale; a waiting session is never hidden in "N more…";
its row says what is asked and for how long. 30 sessions, pure."""

from __future__ import annotations

from core import present
from tests.tray_helpers import NOW, iso, make_index, make_row
from tray import view

STATES = ["idle", "working", "idle", "working", "compacting", "idle", "error", "working", "idle", "working"]


def thirty(waiting_at=(7, 18, 29)):
    rows = []
    for i in range(30):
        st = "waiting" if i in waiting_at else STATES[i % len(STATES)]
        over = {"state": st, "state_since": iso(NOW - 125 - i)}
        if st == "waiting":
            over.update(waiting_for="permission for Bash",
                        ask={"tool": "Bash", "input": f"git push --force origin feature-{i}", "description": "Push"})
        if i in (3, 11):
            over.update(status="stale", updated_at=iso(NOW - 7200))
        rows.append(make_row(i, **over))
    return rows


def session_rows(spec):
    return [e for e in spec if e.submenu is not None and not e.text.endswith("more…")]


def number(entry_text):
    return int(entry_text.split("task ")[1].split()[0])


def test_thirty_sessions_waiting_first_then_working_then_idle():
    rows = thirty()
    spec = view.menu_spec(make_index(rows), view.ViewOptions(max_sessions=50), NOW)
    listed = session_rows(spec)
    ranks = [present.order_key(rows[number(e.text)]) for e in listed]
    assert ranks == sorted(ranks)
    assert [number(e.text) for e in listed[:3]] == [7, 18, 29]
    # within one rank the index (first-seen) order holds: no reshuffling
    working = [number(e.text) for e in listed if rows[number(e.text)]["state"] in ("working", "compacting")]
    assert working == sorted(working)
    # stale sessions are in their own section at the end, not among the live ones
    assert {3, 11}.isdisjoint(number(e.text) for e in listed)
    texts = [e.text for e in spec]
    stale_at = texts.index("Stale (2) — no update for a while")
    assert stale_at > texts.index(listed[-1].text)


def test_a_waiting_session_is_never_hidden_in_more():
    rows = thirty()
    for cap in (1, 2, 3, 5, 12):
        spec = view.menu_spec(make_index(rows), view.ViewOptions(max_sessions=cap), NOW)
        listed = session_rows(spec)
        assert [number(e.text) for e in listed[:3]] == [7, 18, 29], cap
        assert len(listed) == max(cap, 3)
        more = [e for e in spec if e.text.endswith("more…") and e.submenu is not None]
        assert len(more) == 1
        hidden = [number(e.text) for e in more[0].submenu]
        assert not {7, 18, 29} & set(hidden)
        assert len(hidden) + len(listed) == 28  # every live session is somewhere


def test_more_waiting_sessions_than_the_cap_are_all_listed():
    rows = thirty(waiting_at=tuple(range(0, 30, 2)))  # 15 waiting (two of them stale: 3 and 11 are odd)
    spec = view.menu_spec(make_index(rows), view.ViewOptions(max_sessions=5), NOW)
    listed = session_rows(spec)
    assert [number(e.text) for e in listed] == list(range(0, 30, 2))
    assert all(e.text.startswith("⏳ ") for e in listed)


def test_the_waiting_row_says_what_is_asked_and_for_how_long():
    rows = thirty()
    spec = view.menu_spec(make_index(rows), view.ViewOptions(), NOW)
    first = session_rows(spec)[0]
    assert first.text == "⏳ task 7 — waiting for you (Bash: git push --force origin feature-7) for 2 min · 22%"
    key = view.menu_spec(make_index(rows), view.ViewOptions(), None)
    assert session_rows(key)[0].text == "⏳ task 7 — waiting for you (Bash: git push --force origin feature-7) · 22%"


def test_a_long_ask_is_cut_at_a_word():
    row = make_row(0, state="waiting", state_since=iso(NOW - 5),
                   ask={"tool": "Bash", "input": "docker compose -f deploy/production.yml up --build --force-recreate "
                                                  "--remove-orphans api worker scheduler"})
    label = view.session_label(row, NOW)
    what = label.split("(", 1)[1].rsplit(")", 1)[0]
    assert len(what) <= present.ASK_WIDTH and what.endswith("…")
    assert what.startswith("Bash: docker compose -f deploy/production.yml")
    assert what[:-1].split()[-1] in ["docker", "compose", "-f", "deploy/production.yml", "up", "--build", "--force-recreate"]


def test_without_a_recorded_ask_the_row_keeps_the_hooks_words():
    row = make_row(0, state="waiting", waiting_for="permission for Bash", state_since=iso(NOW - 30))
    assert view.session_label(row, NOW) == "⏳ task 0 — waiting for you (permission for Bash) for 30 s · 22%"


def test_the_tooltip_lists_waiting_sessions_first_so_the_cut_never_hides_them():
    rows = [r for r in thirty() if r.get("status") != "stale"]
    tip = view.tooltip(make_index(rows))
    lines = tip.split("\n")
    assert view.utf16_len(tip) <= view.TOOLTIP_LIMIT
    assert [line.split()[0] for line in lines[1:4]] == ["⏳", "⏳", "⏳"]
    assert lines[-1].startswith("+") and lines[-1].endswith(" more")
