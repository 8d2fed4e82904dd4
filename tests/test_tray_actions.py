"""tray.app's backend-capabilities record and its action table, checked against the menu spec."""

from __future__ import annotations

import inspect

import pytest

from tests.tray_helpers import NOW, iso, make_index, make_row, tray_env  # noqa: F401
from tray import view
from tray.app import Backend, TrayApp


def actions_in(entries):
    found = set()
    for e in entries:
        if e.action:
            found.add(e.action)
        if e.submenu:
            found |= actions_in(e.submenu)
    return found


def full_menu():
    rows = [make_row(i) for i in range(3)] + [make_row(9, status="stale", updated_at=iso(NOW - 7200))]
    specs = []
    for opts in (view.ViewOptions(), view.ViewOptions(legacy=True, autostart=True, notifications=False),
                 view.ViewOptions(max_sessions=1)):
        specs.append(view.menu_spec(make_index(rows), opts, NOW))
    specs.append(view.menu_spec(make_index([]), view.ViewOptions(), NOW))
    return set().union(*(actions_in(s) for s in specs))


def test_every_menu_action_has_a_handler():
    missing = full_menu() - set(TrayApp.ACTIONS)
    assert not missing, f"menu actions without a handler: {missing}"


def test_every_handler_is_reachable_from_the_menu():
    unreachable = set(TrayApp.ACTIONS) - full_menu()
    assert not unreachable, f"handlers no menu item reaches: {unreachable}"


def test_every_do_method_is_in_the_table_under_its_own_name():
    methods = {name for name, fn in inspect.getmembers(TrayApp, inspect.isfunction) if name.startswith("do_")}
    assert {fn.__name__ for fn in TrayApp.ACTIONS.values()} == methods
    for action, fn in TrayApp.ACTIONS.items():
        assert fn.__name__ == f"do_{action}", (action, fn.__name__)


def test_a_click_runs_the_tables_handler(tray_env, monkeypatch):
    app = TrayApp(environ=tray_env, platform="linux")
    calls = []
    monkeypatch.setitem(TrayApp.ACTIONS, "copy", lambda self, arg: calls.append(("copy", arg)))
    app._on_action("copy", "sid-1")
    assert calls == [("copy", "sid-1")]


def test_an_unknown_action_is_reported_not_raised(tray_env, monkeypatch):
    app = TrayApp(environ=tray_env, platform="linux")
    shown = []
    monkeypatch.setattr(app, "notify", lambda message, title: shown.append(title))
    app._on_action("no_such_action", None)
    assert shown == ["claude-status: no_such_action failed"]


def fake(module, **flags):
    return type("Icon", (), {"__module__": module, **flags})


BASE = {"HAS_MENU": True, "HAS_NOTIFICATION": True, "HAS_DEFAULT_ACTION": True}


@pytest.mark.parametrize("module,flags,expected", [
    ("pystray._appindicator", dict(BASE, HAS_DEFAULT_ACTION=False),
     dict(name="appindicator", menu=True, notifications=True, default_action=False, title_is_name=True, label=True,
          glib=True)),
    ("pystray._gtk", BASE, dict(name="gtk", menu=True, notifications=True, glib=True)),
    ("pystray._xorg", dict(BASE, HAS_MENU=False, HAS_NOTIFICATION=False),
     dict(name="xorg", menu=False, notifications=False, latin1_title=True)),
    ("pystray._darwin", dict(BASE, HAS_DEFAULT_ACTION=False),
     dict(name="darwin", default_action=False, label=True, main_thread_ui=True, template_image=True)),
    ("pystray._win32", BASE, dict(name="win32")),
    ("pystray._dummy", BASE, dict(name="dummy")),
])
def test_backend_record(module, flags, expected):
    b = Backend.of(fake(module, **flags))
    want = dict(menu=True, notifications=True, default_action=True, latin1_title=False, title_is_name=False,
                label=False, main_thread_ui=False, template_image=False, glib=False)
    want.update(expected)
    assert {k: getattr(b, k) for k in want} == want


def test_backend_capabilities_come_from_pystrays_flags():
    """A backend that says it cannot notify is not notified through, whatever its name."""
    assert Backend.of(fake("pystray._gtk", **dict(BASE, HAS_NOTIFICATION=False))).notifications is False
    assert Backend.of(fake("pystray._gtk", **dict(BASE, HAS_MENU=False))).menu is False


def test_the_real_dummy_backend():
    import pystray

    b = Backend.of(pystray.Icon)
    assert b.name == "dummy" and b.menu and b.notifications


def test_no_notification_where_the_backend_has_none(tray_env):
    app = TrayApp(environ=tray_env, platform="linux")
    sent = []
    app.icon = type("I", (), {"notify": lambda self, m, t: sent.append(m)})()
    app.backend = Backend.of(fake("pystray._xorg", **dict(BASE, HAS_MENU=False, HAS_NOTIFICATION=False)))
    app.notify("hello", "t")
    assert sent == [] and app.counts["notify"] == 1
    app.backend = Backend.of(fake("pystray._gtk", **BASE))
    app.notify("hello", "t")
    assert sent == ["hello"]
