from __future__ import annotations

from tests.tray_helpers import NOW, make_index, make_row
from tray.notify import FINISHED, WAITING, Close, Notice, Notifier


def notices(ops):
    return [op for op in ops if isinstance(op, Notice)]


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


def test_per_session_cooldown_for_finished():
    n = Notifier(cooldown=30)
    n.feed(idx(make_row(0)), NOW)
    assert n.feed(idx(make_row(0, state="idle")), NOW + 1)
    n.feed(idx(make_row(0, state="working")), NOW + 2)
    assert notices(n.feed(idx(make_row(0, state="idle")), NOW + 10)) == []  # flapping inside the cooldown
    n.feed(idx(make_row(0, state="working")), NOW + 40)
    assert notices(n.feed(idx(make_row(0, state="idle")), NOW + 41))


def test_every_new_wait_is_shown_even_inside_the_cooldown():
    """A waiting notification is withdrawn once answered, so a second permission prompt soon after must
    bring its own: otherwise a waiting session would have no notification at all."""
    n = Notifier(cooldown=30)
    n.feed(idx(make_row(0)), NOW)
    assert notices(n.feed(idx(make_row(0, state="waiting")), NOW + 1))
    n.feed(idx(make_row(0, state="working")), NOW + 2)
    assert [x.kind for x in notices(n.feed(idx(make_row(0, state="waiting")), NOW + 10))] == [WAITING]


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


SID0 = make_row(0)["session_id"]
SID1 = make_row(1)["session_id"]


def test_one_notification_per_session_replaced_and_withdrawn():
    n = Notifier(group_window=0)
    n.feed(idx(make_row(0)), NOW)
    (first,) = n.feed(idx(make_row(0, state="waiting", waiting_for="permission for Bash")), NOW + 1)
    assert first.key == f"session:{SID0}" and first.critical
    # a new question in the same session replaces its notification (same key)
    (second,) = n.feed(idx(make_row(0, state="waiting", waiting_for="permission for Edit")), NOW + 5)
    assert isinstance(second, Notice) and second.key == first.key and "Edit" in second.message
    # answered: withdrawn
    assert n.feed(idx(make_row(0, state="working")), NOW + 6) == [Close(first.key)]
    assert n.shown() == {}


def test_finished_replaces_the_waiting_one_and_goes_when_work_resumes():
    n = Notifier(group_window=0)
    n.feed(idx(make_row(0)), NOW)
    (wait,) = n.feed(idx(make_row(0, state="waiting")), NOW + 1)
    (done,) = n.feed(idx(make_row(0, state="idle")), NOW + 2)
    assert (done.kind, done.key, done.critical) == (FINISHED, wait.key, False)
    assert n.feed(idx(make_row(0, state="working")), NOW + 3) == [Close(done.key)]


def test_grouped_across_polls_within_the_window():
    n = Notifier(group_window=3)
    n.feed(idx(make_row(0), make_row(1), make_row(2)), NOW)
    (a,) = n.feed(idx(make_row(0, state="waiting"), make_row(1), make_row(2)), NOW + 1)
    assert a.key == f"session:{SID0}"
    ops = n.feed(idx(make_row(0, state="waiting"), make_row(1, state="waiting"), make_row(2)), NOW + 2.5)
    assert ops[0] == Close(a.key)
    (group,) = notices(ops)
    assert group.key.startswith("group:waiting") and group.title == "2 sessions are waiting for you"
    assert group.session_ids == (SID0, SID1)
    # one answered: the group is replaced without it
    (left,) = n.feed(idx(make_row(0, state="working"), make_row(1, state="waiting"), make_row(2)), NOW + 10)
    assert (left.key, left.session_ids, left.title) == (group.key, (SID1,), "Claude is waiting for you")
    # long after the window, a new wait is a notification of its own
    (c,) = n.feed(idx(make_row(0, state="working"), make_row(1, state="waiting"), make_row(2, state="waiting")),
                  NOW + 20)
    assert c.key == f"session:{make_row(2)['session_id']}"
    assert n.feed(idx(make_row(0), make_row(1), make_row(2)), NOW + 21) == [Close(group.key), Close(c.key)]
    assert n.shown() == {}


def test_reminder_once_per_wait():
    n = Notifier(reminder=300)
    n.feed(idx(make_row(0)), NOW)
    assert notices(n.feed(idx(make_row(0, state="waiting")), NOW + 1))
    assert n.feed(idx(make_row(0, state="waiting")), NOW + 200) == []
    (again,) = n.feed(idx(make_row(0, state="waiting")), NOW + 302)
    assert again.title == "Still waiting for you (5 min)" and again.critical and again.key == f"session:{SID0}"
    assert n.feed(idx(make_row(0, state="waiting")), NOW + 900) == []  # once per wait
    n.feed(idx(make_row(0, state="working")), NOW + 901)
    n.feed(idx(make_row(0, state="waiting")), NOW + 902)
    assert [x.title for x in n.feed(idx(make_row(0, state="waiting")), NOW + 1203)] == ["Still waiting for you (5 min)"]


def test_reminder_off():
    n = Notifier(reminder=0)
    n.feed(idx(make_row(0)), NOW)
    n.feed(idx(make_row(0, state="waiting")), NOW + 1)
    assert n.feed(idx(make_row(0, state="waiting")), NOW + 3600) == []


def test_session_gone_withdraws_its_notification():
    n = Notifier()
    n.feed(idx(make_row(0)), NOW)
    (a,) = n.feed(idx(make_row(0, state="waiting")), NOW + 1)
    assert n.feed(idx(), NOW + 2) == [Close(a.key)]
