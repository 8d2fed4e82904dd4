"""The pure halves of tray/sni.py: the dbusmenu tree of `view.menu_spec`, its updates, pixmaps and the
tooltip body. The real item on D-Bus: tests/test_tray_sni.py."""

from __future__ import annotations

import pytest

from tests.tray_helpers import NOW, make_index, make_row, tray_env  # noqa: F401

pytest.importorskip("dbus_fast")

from PIL import Image

from tray import sni, view
from tray.view import MenuEntry


def spec_of(rows):
    return view.menu_spec(make_index(rows), view.ViewOptions(), NOW)


def test_the_menu_tree_is_the_view_spec():
    spec = spec_of([make_row(0), make_row(1, state="waiting", waiting_for="permission")])
    model = sni.MenuModel(spec)
    top = model.children[0]
    assert [model.entries[i] for i in top] == list(spec)
    ids = [i for i in model.props if i]
    assert ids == list(range(1, len(ids) + 1))  # depth first from 1; 0 is the root
    assert model.props[0]["children-display"].value == "submenu"
    for nid, entry in model.entries.items():
        props = {k: v.value for k, v in model.props[nid].items()}
        if entry.separator:
            assert props == {"type": "separator"}
            continue
        assert props["label"] == entry.text.replace("_", "__")
        if entry.submenu is not None:
            assert props["children-display"] == "submenu"
            assert [model.entries[c] for c in model.children[nid]] == list(entry.submenu)
        elif entry.action is None or not entry.enabled:
            assert props["enabled"] is False  # an information line or a disabled action
        else:
            assert props["enabled"] is True  # always said: hosts merge updates (see the host-cache test)
        if entry.checked is not None:
            assert props["toggle-type"] == "checkmark" and props["toggle-state"] == int(entry.checked)
    # waiting first, as the view orders it
    subs = [model.entries[i].text for i in top if model.entries[i].submenu is not None]
    assert subs[0].startswith("⏳")


def test_underscores_are_literal_and_properties_filter():
    model = sni.MenuModel((MenuEntry("my_project __init__", "refresh"),))
    assert model.props[1]["label"].value == "my__project ____init____"
    assert set(model.properties(1, ["label"])) == {"label"}
    assert model.properties(1, []) == model.props[1]
    rev_node = model.node(0, 0, [])
    assert rev_node[0] == 0 and rev_node[2] == []  # depth 0: no children
    assert [c.value[0] for c in model.node(0, -1, [])[2]] == [1]


class Owner:
    def __init__(self):
        self.actions = []

    def run_action(self, action, arg):
        self.actions.append((action, arg))


def menu_with_recorded_signals():
    menu = sni.DBusMenu(Owner())
    sent = []
    menu.ItemsPropertiesUpdated = lambda updated, removed: sent.append(("props", updated, removed))
    menu.LayoutUpdated = lambda rev, parent: sent.append(("layout", rev, parent))
    return menu, sent


def test_same_shape_updates_properties_other_shape_the_layout():
    menu, sent = menu_with_recorded_signals()
    a = (MenuEntry("One", "refresh"), MenuEntry("Notifications", "toggle_notifications", checked=True))
    menu.set_model(sni.MenuModel(a))
    assert sent == [("layout", 2, 0)]
    b = (MenuEntry("One", "refresh"), MenuEntry("Notifications", "toggle_notifications", checked=False))
    menu.set_model(sni.MenuModel(b))
    assert len(sent) == 2 and sent[1][0] == "props"
    (nid, props), = sent[1][1]
    assert nid == 2 and props["toggle-state"].value == 0
    menu.set_model(sni.MenuModel(b))  # nothing changed: no signal at all
    assert len(sent) == 2
    menu.set_model(sni.MenuModel((*b, view.SEPARATOR, MenuEntry("Quit", "quit"))))
    assert sent[-1] == ("layout", 3, 0)


def test_clicks_run_only_enabled_actions():
    menu, _ = menu_with_recorded_signals()
    menu.set_model(sni.MenuModel((
        MenuEntry("Focus terminal", "focus", "sid-1"),
        MenuEntry("Context 22%"),  # an information line
        MenuEntry("Focus terminal", "focus", None, enabled=False),
    )))
    for nid in (1, 2, 3, 99):
        menu._event(nid, "clicked")
    menu._event(1, "hovered")
    assert menu.owner.actions == [("focus", "sid-1")]


def test_argb32_is_network_byte_order_and_every_size_is_drawn():
    img = Image.new("RGBA", (2, 1), (10, 20, 30, 40))
    assert sni.argb32(img) == bytes([40, 10, 20, 30]) * 2
    maps = sni.pixmaps(view.IconState(sessions=3, level=1, fill=2, waiting=True))
    assert [(w, h) for w, h, _ in maps] == [(s, s) for s in sni.icons.SNI_SIZES]
    assert all(len(data) == w * h * 4 for w, h, data in maps)


def test_tooltip_body_lists_sessions_waiting_first_escaped():
    rows = [make_row(0, task="a <b> & c"), make_row(1, task="later", state="waiting", waiting_for="permission")]
    body = sni.tooltip_body(make_index(rows))
    lines = body.split("\n")
    assert lines[0].startswith("⏳ later") and "a &lt;b&gt; &amp; c" in lines[1]
    one = sni.tooltip_body(make_index([make_row(0, task="solo")]))
    assert one.startswith("● solo")
    assert sni.tooltip_body(make_index([])) == ""


def test_bus_name_follows_the_spec():
    assert sni.bus_name(1234) == "org.kde.StatusNotifierItem-1234-1"


class FakeSource:
    legacy = False
    sdir = "/nonexistent"

    def __init__(self):
        self.index = None

    def poll(self, force=False):
        index, self.index = self.index, None
        return index


def sni_app(tray_env):
    from tray import settings as settings_mod
    from tray.app import Backend, TrayApp

    a = TrayApp(settings=settings_mod.Settings(), source=FakeSource(), environ=tray_env, platform="linux",
                clock=lambda: NOW)
    a.backend = Backend.of(sni.SniIcon)
    actions = []
    a._on_action = lambda action, arg, *rest: actions.append((action, arg))
    # not run(): no D-Bus loop, so every update applies at once (nothing is exported, no signal is sent)
    a.icon = sni.SniIcon("claude-status", menu_spec=lambda: a.menu_spec, on_action=a._on_action,
                         on_activate=a.on_activate, environ=tray_env)
    return a, actions


def test_the_app_drives_title_tooltip_status_icon_and_menu(tray_env):
    a, actions = sni_app(tray_env)
    assert a.backend.name == "sni" and a.backend.title_is_name and a.backend.label and not a.backend.glib
    idx = make_index([make_row(0, task="first"), make_row(1, task="second")])
    a.source.index = idx
    assert a.tick()
    item = a.icon.item
    assert item.title == view.title(idx) and item.tip_title == view.title(idx)
    assert item.tip_body == sni.tooltip_body(idx) and item.status == "Active"
    assert [(w, h) for w, h, _ in item.pixmaps] == [(s, s) for s in sni.icons.SNI_SIZES]
    assert [a.icon.menu.model.entries[i] for i in a.icon.menu.model.children[0]] == list(a.menu_spec)
    a.on_activate()  # nobody waits: a left click does nothing
    assert actions == []

    waiting = make_index([make_row(0, task="first"), make_row(1, task="second", state="waiting",
                                                             waiting_for="permission")])
    a.source.index = waiting
    assert a.tick()
    assert item.status == "NeedsAttention"
    assert item.tip_body.startswith("⏳ second")
    a.on_activate()
    assert actions == [("focus", make_row(1)["session_id"])]
    a.source.index = idx
    assert a.tick()
    assert item.status == "Active"


class HostCache:
    """What KDE's libdbusmenuqt and GNOME's AppIndicator extension keep: properties by item id. A layout
    change fetches only the ids it has not seen (known ids keep what they had); ItemsPropertiesUpdated
    merges the updated keys and drops the removed ones."""

    def __init__(self, menu):
        self.menu, self.cache = menu, {}
        menu.ItemsPropertiesUpdated = self.on_props
        menu.LayoutUpdated = self.on_layout

    def _walk(self, node):
        nid, props, kids = node
        yield nid, props
        for k in kids:
            yield from self._walk(k.value)

    def on_layout(self, rev, parent):
        for nid, props in self._walk(self.menu.model.node(0, -1, [])):
            if nid not in self.cache:
                self.cache[nid] = {k: v.value for k, v in props.items()}

    def on_props(self, updated, removed):
        for nid, props in updated:
            self.cache.setdefault(nid, {}).update({k: v.value for k, v in props.items()})
        for nid, keys in removed:
            for k in keys:
                self.cache.get(nid, {}).pop(k, None)

    def shown(self):
        """(label, enabled, type) of every item the host shows, as its cache has them."""
        out = []
        for nid, _props in self._walk(self.menu.model.node(0, -1, [])):
            if nid == 0:
                continue
            c = self.cache.get(nid, {})
            out.append((c.get("label"), c.get("enabled", True), c.get("type", "standard")))
        return out

    def truth(self):
        out = []
        for nid, props in self._walk(self.menu.model.node(0, -1, [])):
            if nid == 0:
                continue
            p = {k: v.value for k, v in props.items()}
            out.append((p.get("label"), p.get("enabled", True), p.get("type", "standard")))
        return out


def _session(name, folder=True):
    return MenuEntry(name, submenu=(MenuEntry("Focus terminal", "focus", name),
                                    MenuEntry("Open transcript folder", "open_folder" if folder else None, name,
                                              enabled=folder)))


def test_a_host_that_caches_by_id_shows_what_the_menu_says():
    """Sessions start, end and swap places: a host caching properties by id (KDE, GNOME) must end up
    showing exactly the current menu (ids are never reused for other items; removed keys are sent)."""
    menu = sni.DBusMenu(Owner())
    host = HostCache(menu)
    tail = (view.SEPARATOR, MenuEntry("Open dashboard", "dashboard"), MenuEntry("Quit", "quit"))
    steps = [
        (_session("A"), *tail),
        (_session("A"), _session("B"), *tail),            # a second session starts
        (_session("B"), *tail),                           # the first one ends
        (_session("B", folder=False), _session("C"), *tail),
        (_session("C"), _session("B", folder=False), *tail),  # same shape, the two swap places
        (_session("B", folder=False), _session("C"), *tail),
    ]
    for spec in steps:
        menu.set_model(sni.MenuModel(spec))
        assert host.shown() == host.truth(), spec
