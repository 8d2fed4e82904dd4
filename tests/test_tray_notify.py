from __future__ import annotations

from tests.tray_helpers import NOW, make_index, make_row
from tray.notify import FINISHED, WAITING, Notifier


def idx(*rows):
    return make_index(list(rows))


def test_first_index_is_only_a_baseline():
    n = Notifier()
    assert n.feed(idx(make_row(0, state="waiting")), NOW) == []


def test_waiting_and_finished_are_different_kinds():
    n = Notifier()
    n.feed(idx(make_row(0), make_row(1)), NOW)
    out = n.feed(
        idx(make_row(0, state="waiting", waiting_for="permission for Bash"), make_row(1, state="idle")), NOW + 1
    )
    assert [(x.kind, x.title, x.message) for x in out] == [
        (WAITING, "Claude is waiting for you", "task 0 (permission for Bash)"),
        (FINISHED, "Claude finished", "task 1"),
    ]


def test_once_per_transition():
    n = Notifier()
    n.feed(idx(make_row(0)), NOW)
    assert len(n.feed(idx(make_row(0, state="waiting")), NOW + 1)) == 1
    assert n.feed(idx(make_row(0, state="waiting", context_pct=40)), NOW + 2) == []


def test_silent_permission_modes():
    n = Notifier()
    n.feed(idx(make_row(0, permission_mode="bypassPermissions"), make_row(1, permission_mode="dontAsk")), NOW)
    out = n.feed(
        idx(
            make_row(0, permission_mode="bypassPermissions", state="waiting"),
            make_row(1, permission_mode="dontAsk", state="idle"),
        ),
        NOW + 1,
    )
    assert out == []


def test_grouped_when_several_fire_together():
    n = Notifier()
    n.feed(idx(*[make_row(i) for i in range(3)]), NOW)
    out = n.feed(idx(*[make_row(i, state="waiting") for i in range(3)]), NOW + 1)
    assert len(out) == 1
    assert out[0].title == "3 sessions are waiting for you"
    assert out[0].message.split("\n") == ["task 0", "task 1", "task 2"]
    assert len(out[0].session_ids) == 3


def test_per_session_cooldown():
    n = Notifier(cooldown=30)
    n.feed(idx(make_row(0)), NOW)
    assert n.feed(idx(make_row(0, state="waiting")), NOW + 1)
    n.feed(idx(make_row(0, state="working")), NOW + 2)
    assert n.feed(idx(make_row(0, state="waiting")), NOW + 10) == []  # flapping inside the cooldown
    n.feed(idx(make_row(0, state="working")), NOW + 40)
    assert n.feed(idx(make_row(0, state="waiting")), NOW + 41)


def test_idle_after_idle_or_new_session_is_not_finished():
    n = Notifier()
    n.feed(idx(make_row(0, state="idle")), NOW)
    assert n.feed(idx(make_row(0, state="idle"), make_row(1, state="idle")), NOW + 1) == []


def test_kinds_can_be_switched_off():
    n = Notifier(waiting=False)
    n.feed(idx(make_row(0), make_row(1)), NOW)
    out = n.feed(idx(make_row(0, state="waiting"), make_row(1, state="idle")), NOW + 1)
    assert [x.kind for x in out] == [FINISHED]


def test_stale_sessions_never_notify():
    n = Notifier()
    n.feed(idx(make_row(0)), NOW)
    assert n.feed(idx(make_row(0, state="waiting", status="stale")), NOW + 1) == []


def test_esc_interrupted_session_going_idle_is_not_finished():
    n = Notifier()
    n.feed(idx(make_row(0), make_row(1)), NOW)
    out = n.feed(idx(make_row(0, state="idle", reason="interrupted"), make_row(1, state="idle", reason="finished")),
                 NOW + 1)
    assert [(x.kind, x.session_ids) for x in out] == [(FINISHED, (make_row(1)["session_id"],))]


def test_session_idle_since_it_started_is_not_finished():
    """A session seen working (e.g. a status file left from a crashed run) that SessionStart resets to
    idle, with its state unchanged since it was first seen, has nothing to announce."""
    from tests.tray_helpers import iso

    n = Notifier()
    n.feed(idx(make_row(0), make_row(1)), NOW)
    started = make_row(0, state="idle", reason="ready", state_since=iso(NOW))
    done = make_row(1, state="idle", reason="finished", first_seen=iso(NOW - 600), state_since=iso(NOW))
    out = n.feed(idx(started, done), NOW + 1)
    assert [x.session_ids for x in out] == [(done["session_id"],)]


def test_task_fallback_is_the_views():
    from tray import view

    row = make_row(0, task="", project="")
    n = Notifier()
    n.feed(idx(row), NOW)
    out = n.feed(idx(make_row(0, task="", project="", state="waiting")), NOW + 1)
    assert out[0].message == view.task_name(row) == row["session_id"][:8]
