"""Our own StatusNotifierItem and com.canonical.dbusmenu over dbus-fast.

Facts it relies on: docs/platform-notes.md, "Linux: our own StatusNotifierItem".

The Linux tray where a StatusNotifierItem host runs (KDE, GNOME with the AppIndicator extension, most
panels): no PyGObject, no libayatana, nothing compiled. It exports what libayatana cannot: a `ToolTip`
(the title and one line per session), `IconPixmap` at every panel size drawn at that size, and
`NeedsAttention` while a session waits; the menu is the pure `tray.view.menu_spec`, the one definition
the pystray backends render too.

`SniIcon` has the part of pystray's `Icon` interface `tray.app` uses (`icon`, `title`, `visible`,
`update_menu`, `run(setup)`, `stop`), so the app wires it like any backend. The dbus-fast event loop runs
in a thread of its own ("sni-dbus"); every change from another thread is handed to it with
`call_soon_threadsafe`, and D-Bus objects are only touched there. Menu clicks and Activate run the app's
action in a short-lived thread, never in the loop.

No `from __future__ import annotations` here: dbus-fast reads the D-Bus signatures from the annotations.
"""

import asyncio
import contextlib
import html
import logging
import os
import threading
from typing import Any, Callable, Optional

from dbus_fast import BusType, Message, MessageType, PropertyAccess, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, dbus_property, method, signal

from . import icons, view
from .view import IconState, MenuEntry

log = logging.getLogger("claude-status.tray")

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_PATH = "/StatusNotifierItem"
MENU_PATH = "/MenuBar"
DBUS = "org.freedesktop.DBus"
TOOLTIP_LIMIT = 1024  # UTF-16 units of the tooltip body: panels show a few lines, not a page
ITEM_ID = "claude-status"

# Keep these names in annotations: dbus-fast turns them into D-Bus signatures. (ruff: F821 on 'i', 's'...)
# ruff: noqa: F722, F821


def bus_name(pid: Optional[int] = None) -> str:
    """The name the SNI spec asks an item to own."""
    return f"org.kde.StatusNotifierItem-{os.getpid() if pid is None else pid}-1"


def argb32(image: Any) -> bytes:
    """Pillow RGBA -> ARGB32 in network byte order (the SNI pixmap format)."""
    rgba = image.convert("RGBA")
    r, g, b, a = rgba.split()
    from PIL import Image

    return Image.merge("RGBA", (a, r, g, b)).tobytes()


def pixmaps(state: IconState, sizes: tuple[int, ...] = icons.SNI_SIZES) -> list[list[Any]]:
    """`a(iiay)`: the icon drawn at each panel size (a host picks the nearest, no scaling of one image)."""
    return [[s, s, argb32(icons.render(state, s))] for s in sizes]


def tooltip_body(index: dict[str, Any]) -> str:
    """The tooltip's description: one short line per active session in the view's order (waiting first),
    or the one session's menu label; escaped, since hosts read it as markup."""
    lines = view.tooltip(index, TOOLTIP_LIMIT).split("\n")[1:]
    if not lines:
        rows = view.active_rows(index)
        lines = [view.session_label(rows[0])] if len(rows) == 1 else []
    return html.escape("\n".join(lines), quote=False)


# ------------------------------------------------------------------ dbusmenu model (pure)


def _label(text: str) -> str:
    # dbusmenu: "_" marks a mnemonic and "__" is a literal underscore
    return text.replace("_", "__")


class MenuModel:
    """The dbusmenu tree of a `view.menu_spec`: ids depth first from ``first_id`` (0 is the root).

    Hosts cache properties by id (KDE's libdbusmenuqt keeps an item's type and submenu for a known id;
    GNOME's AppIndicator extension fetches only ids it has not seen after a layout change): so an id is
    never given to another kind of item. `DBusMenu.set_model` keeps the ids of a same-structure update and
    numbers any other layout from ids never used before."""

    def __init__(self, spec: tuple[MenuEntry, ...] = (), first_id: int = 1) -> None:
        self.spec = spec
        self.first_id = first_id
        self.props: dict[int, dict[str, Variant]] = {0: {"children-display": Variant("s", "submenu")}}
        self.children: dict[int, list[int]] = {0: []}
        self.entries: dict[int, MenuEntry] = {}
        self._next = first_id
        self._add(0, spec)

    @property
    def next_id(self) -> int:
        """The first id this model did not use."""
        return self._next

    def _add(self, parent: int, spec: tuple[MenuEntry, ...]) -> None:
        for e in spec:
            nid = self._next
            self._next += 1
            self.children[parent].append(nid)
            self.children[nid] = []
            self.entries[nid] = e
            props: dict[str, Variant] = {}
            if e.separator:
                props["type"] = Variant("s", "separator")
            else:
                props["label"] = Variant("s", _label(e.text))
                # always said: a host merges updates, so a default left out would keep an older value
                props["enabled"] = Variant("b", bool(e.enabled and (e.action or e.submenu is not None)))
                if e.checked is not None:
                    props["toggle-type"] = Variant("s", "checkmark")
                    props["toggle-state"] = Variant("i", 1 if e.checked else 0)
                if e.submenu is not None:
                    props["children-display"] = Variant("s", "submenu")
            self.props[nid] = props
            if e.submenu is not None:
                self._add(nid, e.submenu)

    def shape(self) -> dict[int, list[int]]:
        return self.children

    def structure(self) -> tuple:
        """The tree without ids or texts: per item whether it is a separator, a toggle, a submenu."""

        def of(spec: tuple[MenuEntry, ...]) -> tuple:
            return tuple((e.separator, e.checked is not None, of(e.submenu) if e.submenu is not None else None)
                         for e in spec)

        return of(self.spec)

    def node(self, nid: int, depth: int, names: list[str]) -> list[Any]:
        kids = []
        if depth != 0:
            kids = [Variant("(ia{sv}av)", self.node(c, depth - 1, names)) for c in self.children.get(nid, [])]
        return [nid, self.properties(nid, names), kids]

    def properties(self, nid: int, names: list[str]) -> dict[str, Variant]:
        props = self.props.get(nid, {})
        return {k: v for k, v in props.items() if not names or k in names}

    def changed(self, old: "MenuModel") -> tuple[list[list[Any]], list[list[Any]]]:
        """``(a(ia{sv}), a(ias))`` against ``old`` (same ids): the items whose properties differ, and the
        keys an item no longer has."""
        updated, removed = [], []
        for nid, props in self.props.items():
            before = old.props.get(nid, {})
            if _plain(props) != _plain(before):
                updated.append([nid, props])
            gone = sorted(k for k in before if k not in props)
            if gone:
                removed.append([nid, gone])
        return updated, removed


ID_LIMIT = 1 << 30  # ids stay int32; after about ten million relayouts numbering starts again from 1


def _plain(props: dict[str, Variant]) -> dict[str, Any]:
    return {k: (v.signature, v.value) for k, v in props.items()}


# ------------------------------------------------------------------ the D-Bus objects


class DBusMenu(ServiceInterface):
    def __init__(self, owner: "SniIcon") -> None:
        super().__init__("com.canonical.dbusmenu")
        self.owner = owner
        self.model = MenuModel()
        self.revision = 1

    def set_model(self, model: MenuModel) -> None:
        """Loop thread: the new menu. The same structure keeps its ids (ItemsPropertiesUpdated, with the
        keys that went away); any other gets ids never used before (LayoutUpdated)."""
        old = self.model
        if old.structure() == model.structure():
            self.model = MenuModel(model.spec, old.first_id)
            updated, removed = self.model.changed(old)
            if updated or removed:
                self.ItemsPropertiesUpdated(updated, removed)
            return
        first = old.next_id if old.next_id < ID_LIMIT else 1
        self.model = MenuModel(model.spec, first)
        self.revision += 1
        self.LayoutUpdated(self.revision, 0)

    @method()
    def GetLayout(self, parent_id: "i", recursion_depth: "i", property_names: "as") -> "u(ia{sv}av)":
        return [self.revision, self.model.node(parent_id, recursion_depth, property_names)]

    @method()
    def GetGroupProperties(self, ids: "ai", property_names: "as") -> "a(ia{sv})":
        wanted = ids or list(self.model.props)
        return [[i, self.model.properties(i, property_names)] for i in wanted if i in self.model.props]

    @method()
    def GetProperty(self, id: "i", name: "s") -> "v":
        props = self.model.props.get(id, {})
        if name in props:
            return props[name]
        defaults = {"label": Variant("s", ""), "enabled": Variant("b", True), "visible": Variant("b", True),
                    "type": Variant("s", "standard")}
        return defaults.get(name, Variant("s", ""))

    @method()
    def Event(self, id: "i", event_id: "s", data: "v", timestamp: "u") -> None:
        self._event(id, event_id)

    @method()
    def EventGroup(self, events: "a(isvu)") -> "ai":
        errors = []
        for nid, event_id, _data, _ts in events:
            if nid not in self.model.props:
                errors.append(nid)
            else:
                self._event(nid, event_id)
        return errors

    @method()
    def AboutToShow(self, id: "i") -> "b":
        return False

    @method()
    def AboutToShowGroup(self, ids: "ai") -> "aiai":
        return [[], [i for i in ids if i not in self.model.props]]

    def _event(self, nid: int, event_id: str) -> None:
        entry = self.model.entries.get(nid)
        if event_id != "clicked" or entry is None or not entry.action or not entry.enabled:
            return
        self.owner.run_action(entry.action, entry.arg)

    @signal()
    def ItemsPropertiesUpdated(self, updated: list[Any], removed: list[Any]) -> "a(ia{sv})a(ias)":
        return [updated, removed]

    @signal()
    def LayoutUpdated(self, revision: int, parent: int) -> "ui":
        return [revision, parent]

    @signal()
    def ItemActivationRequested(self, id: int, timestamp: int) -> "iu":
        return [id, timestamp]

    @dbus_property(access=PropertyAccess.READ)
    def Version(self) -> "u":
        return 3

    @dbus_property(access=PropertyAccess.READ)
    def TextDirection(self) -> "s":
        return "ltr"

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> "s":
        return "normal"

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> "as":
        return []


class StatusNotifierItem(ServiceInterface):
    def __init__(self, owner: "SniIcon") -> None:
        super().__init__("org.kde.StatusNotifierItem")
        self.owner = owner
        self.title = ""
        self.status = "Active"
        self.icon_name = ""
        self.theme_path = ""
        self.pixmaps: list[list[Any]] = []
        self.tip_title = ""
        self.tip_body = ""
        self.label = ""

    @dbus_property(access=PropertyAccess.READ)
    def Category(self) -> "s":
        return "ApplicationStatus"

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> "s":
        return ITEM_ID

    @dbus_property(access=PropertyAccess.READ)
    def Title(self) -> "s":
        return self.title

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> "s":
        return self.status

    @dbus_property(access=PropertyAccess.READ)
    def WindowId(self) -> "i":
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def IconName(self) -> "s":
        return self.icon_name

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> "s":
        return self.theme_path

    @dbus_property(access=PropertyAccess.READ)
    def IconPixmap(self) -> "a(iiay)":
        return self.pixmaps

    @dbus_property(access=PropertyAccess.READ)
    def OverlayIconName(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def OverlayIconPixmap(self) -> "a(iiay)":
        return []

    # while NeedsAttention the host shows the attention icon: the same drawing (it has the "!" badge)
    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconName(self) -> "s":
        return self.icon_name

    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconPixmap(self) -> "a(iiay)":
        return self.pixmaps

    @dbus_property(access=PropertyAccess.READ)
    def AttentionMovieName(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def ToolTip(self) -> "(sa(iiay)ss)":
        return [self.icon_name, [], self.tip_title, self.tip_body]

    @dbus_property(access=PropertyAccess.READ)
    def ItemIsMenu(self) -> "b":
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Menu(self) -> "o":
        return MENU_PATH

    # the Ayatana extension: text beside the icon (GNOME's AppIndicator extension, Unity, some panels)
    @dbus_property(access=PropertyAccess.READ)
    def XAyatanaLabel(self) -> "s":
        return self.label

    @dbus_property(access=PropertyAccess.READ)
    def XAyatanaLabelGuide(self) -> "s":
        return "☁️ 2s | Ctx:00%/00% | 0a | ✓"

    @method()
    def Activate(self, x: "i", y: "i") -> None:
        self.owner.run_activate()

    @method()
    def SecondaryActivate(self, x: "i", y: "i") -> None:
        return None  # a middle click: nothing (the menu holds every action)

    @method()
    def ContextMenu(self, x: "i", y: "i") -> None:
        return None  # hosts without dbusmenu: we have no toolkit to draw a menu ourselves

    @method()
    def Scroll(self, delta: "i", orientation: "s") -> None:
        return None

    @signal()
    def NewTitle(self) -> None:
        return None

    @signal()
    def NewIcon(self) -> None:
        return None

    @signal()
    def NewAttentionIcon(self) -> None:
        return None

    @signal()
    def NewOverlayIcon(self) -> None:
        return None

    @signal()
    def NewToolTip(self) -> None:
        return None

    @signal()
    def NewStatus(self, status: str) -> "s":
        return status

    @signal()
    def XAyatanaNewLabel(self, label: str, guide: str) -> "ss":
        return [label, guide]


# ------------------------------------------------------------------ host detection


async def _name_has_owner(address: Optional[str], name: str) -> bool:
    bus = MessageBus(bus_address=address) if address else MessageBus(bus_type=BusType.SESSION)
    await asyncio.wait_for(bus.connect(), 3)
    try:
        reply = await asyncio.wait_for(bus.call(Message(
            destination=DBUS, path="/org/freedesktop/DBus", interface=DBUS, member="NameHasOwner",
            signature="s", body=[name])), 3)
        if reply is None or reply.message_type != MessageType.METHOD_RETURN:
            raise RuntimeError(f"NameHasOwner failed: {getattr(reply, 'body', None)}")
        return bool(reply.body[0])
    finally:
        bus.disconnect()


def watcher_present(environ: Optional[dict[str, str]] = None) -> Optional[bool]:
    """True/False: whether a StatusNotifierWatcher owns its name; None when the bus cannot be asked."""
    env = os.environ if environ is None else environ
    try:
        return asyncio.run(_name_has_owner(env.get("DBUS_SESSION_BUS_ADDRESS"), WATCHER))
    except Exception:
        log.debug("could not ask the session bus for %s", WATCHER, exc_info=True)
        return None


# ------------------------------------------------------------------ the icon


class SniIcon:
    """A pystray-like icon that is our own StatusNotifierItem (see the module docstring)."""

    HAS_MENU = True
    HAS_DEFAULT_ACTION = True  # Activate: a left click where the host does not open the menu
    HAS_NOTIFICATION = False  # desktop-notifier does them (tray.notify)

    def __init__(self, name: str, title: str = "", theme_root: Optional[str] = None,
                 menu_spec: Callable[[], tuple[MenuEntry, ...]] = tuple,
                 on_action: Callable[[str, Optional[str]], None] = lambda a, b: None,
                 on_activate: Callable[[], None] = lambda: None,
                 environ: Optional[dict[str, str]] = None) -> None:
        self.name = name
        self.theme_root = theme_root
        self._menu_spec = menu_spec
        self._on_action = on_action
        self._on_activate = on_activate
        self.environ = dict(os.environ if environ is None else environ)
        self.item = StatusNotifierItem(self)
        self.menu = DBusMenu(self)
        self.item.title = title
        self.icon_state: Optional[IconState] = None
        self.icon_template = False
        self.attention = False
        self._image: Any = None
        self._visible = False
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._bus: Optional[MessageBus] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._error: Optional[BaseException] = None
        self.registrations = 0
        self._tasks: set[Any] = set()  # pending registrations (asyncio keeps only weak references)
        self._stop_async: Any = None
        self.bus_name = bus_name()

    # ---- the pystray-like surface (any thread)

    @property
    def icon(self) -> Any:
        return self._image

    @icon.setter
    def icon(self, image: Any) -> None:
        self._image = image
        state = self.icon_state
        maps = pixmaps(state) if state is not None else [[image.width, image.height, argb32(image)]]
        name = ""
        if state is not None and self.theme_root:
            try:
                name = icons.write_theme(self.theme_root, state)
            except OSError:
                log.warning("cannot write the icon theme in %s", self.theme_root, exc_info=True)

        def apply() -> None:
            self.item.pixmaps = maps
            self.item.icon_name = name
            self.item.theme_path = self.theme_root if name else ""
            self.item.NewIcon()
            self.item.NewAttentionIcon()

        self._call(apply)

    @property
    def title(self) -> str:
        return self.item.title

    @title.setter
    def title(self, text: str) -> None:
        def apply() -> None:
            self.item.title = text
            self.item.NewTitle()

        self._call(apply)

    def set_tooltip(self, title: str, body: str) -> None:
        def apply() -> None:
            self.item.tip_title, self.item.tip_body = title, body
            self.item.NewToolTip()

        self._call(apply)

    def set_label(self, text: str) -> None:
        def apply() -> None:
            self.item.label = text
            self.item.XAyatanaNewLabel(text, "☁️ 2s | Ctx:00%/00% | 0a | ✓")

        self._call(apply)

    def set_attention(self, on: bool) -> None:
        self.attention = on

        def apply() -> None:
            status = "NeedsAttention" if on else "Active"
            if status != self.item.status:
                self.item.status = status
                self.item.NewStatus(status)

        self._call(apply)

    def update_menu(self) -> None:
        model = MenuModel(tuple(self._menu_spec()))
        self._call(lambda: self.menu.set_model(model))

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, on: bool) -> None:
        self._visible = bool(on)
        loop = self._loop
        if on and loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                asyncio.run_coroutine_threadsafe(self._register(), loop)

    def notify(self, message: str, title: Optional[str] = None) -> None:
        log.info("notification: %s: %s", title, message)

    def run(self, setup: Optional[Callable[[Any], None]] = None) -> None:
        """Until `stop()`: the D-Bus loop in its thread, `setup(self)` in another (as pystray does)."""
        self._thread = threading.Thread(target=self._loop_main, name="sni-dbus", daemon=True)
        self._thread.start()
        self._ready.wait(15)
        if self._error is not None:
            raise self._error
        if not self._ready.is_set():
            raise RuntimeError("the D-Bus connection for the StatusNotifierItem did not come up")
        setup_thread = None
        if setup is not None:
            setup_thread = threading.Thread(target=setup, args=(self,), name="tray-setup", daemon=True)
            setup_thread.start()
        try:
            while not self._stopped.wait(0.5):
                pass
        except KeyboardInterrupt:  # Ctrl-C: quit as the menu's Quit does (the app's refresh loop ends too)
            self._on_action("quit", None)
            self.stop()
        finally:
            self._thread.join(5)
            if setup_thread is not None:
                # the app's refresh loop ends with the app's stop event (quit): let it stop its file watcher
                # before the interpreter exits (a daemon thread inside watchfiles' Rust code then aborts
                # the process: "FATAL: exception not rethrown")
                setup_thread.join(10)

    def stop(self) -> None:
        self._stopped.set()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._stop_async.set)

    # ---- actions (in a thread of their own: they may take a while and take the app's lock)

    def run_action(self, action: str, arg: Optional[str]) -> None:
        threading.Thread(target=self._on_action, args=(action, arg), name="tray-action", daemon=True).start()

    def run_activate(self) -> None:
        threading.Thread(target=self._on_activate, name="tray-activate", daemon=True).start()

    # ---- the loop thread

    def _call(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None:
            fn_safe(fn)  # before run(): nothing is exported yet, so no signal goes anywhere
            return
        if loop.is_closed():
            return  # quitting: the item is gone from the bus
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (quitting)
            loop.call_soon_threadsafe(fn_safe, fn)

    def _loop_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as err:  # reported to run(), which raises it in the main thread
            if not self._ready.is_set():
                self._error = err
                self._ready.set()
            else:
                log.error("the StatusNotifierItem's D-Bus loop failed", exc_info=True)
            self._stopped.set()

    async def _main(self) -> None:
        self._stop_async = asyncio.Event()  # set by stop(), from any thread, through the loop
        self._loop = asyncio.get_running_loop()
        if self._stopped.is_set():
            return
        address = self.environ.get("DBUS_SESSION_BUS_ADDRESS")
        bus = MessageBus(bus_address=address) if address else MessageBus(bus_type=BusType.SESSION)
        await bus.connect()
        self._bus = bus
        bus.export(ITEM_PATH, self.item)
        bus.export(MENU_PATH, self.menu)
        await bus.request_name(self.bus_name)
        bus.add_message_handler(self._on_message)
        rule = (f"type='signal',sender='{DBUS}',interface='{DBUS}',member='NameOwnerChanged',"
                f"arg0='{WATCHER}'")
        await bus.call(Message(destination=DBUS, path="/org/freedesktop/DBus", interface=DBUS,
                               member="AddMatch", signature="s", body=[rule]))
        self._ready.set()
        if self._visible:
            await self._register()
        stop = asyncio.ensure_future(self._stop_async.wait())
        gone = asyncio.ensure_future(bus.wait_for_disconnect())
        try:
            await asyncio.wait({stop, gone}, return_when=asyncio.FIRST_COMPLETED)
            if gone.done() and not self._stopped.is_set():
                # the desktop session ended (or its bus crashed): no icon can be shown any more
                log.warning("the D-Bus session bus went away: the tray quits (it starts with the next session)")
                threading.Thread(target=self._quit, name="tray-quit", daemon=True).start()
        finally:
            for fut in (stop, gone):
                if not fut.done():
                    fut.cancel()
                elif not fut.cancelled():
                    fut.exception()  # retrieved: a disconnect's error is expected here
            bus.disconnect()

    def _quit(self) -> None:
        self._on_action("quit", None)
        self.stop()

    def _on_message(self, msg: Message) -> None:
        if (msg.message_type == MessageType.SIGNAL and msg.member == "NameOwnerChanged"
                and msg.interface == DBUS and msg.body and msg.body[0] == WATCHER):
            new_owner = msg.body[2]
            if new_owner:
                log.info("a StatusNotifierWatcher (re)started: registering the tray icon with it")
                task = asyncio.ensure_future(self._register())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                log.info("the StatusNotifierWatcher left the session bus: the icon comes back when it returns")

    async def _register(self) -> None:
        bus = self._bus
        if bus is None or not self._visible:
            return
        try:
            reply = await asyncio.wait_for(bus.call(Message(
                destination=WATCHER, path=WATCHER_PATH, interface=WATCHER, member="RegisterStatusNotifierItem",
                signature="s", body=[self.bus_name])), 10)
        except Exception as err:
            log.info("could not register with the StatusNotifierWatcher (%s: %s)", type(err).__name__, err)
            return
        if reply is None or reply.message_type != MessageType.METHOD_RETURN:
            # no watcher yet: NameOwnerChanged registers us when one starts
            log.info("not registered with a StatusNotifierWatcher yet (%s)",
                     getattr(reply, "error_name", None) or "no reply")
            return
        self.registrations += 1
        log.info("registered %s with the StatusNotifierWatcher", self.bus_name)


def fn_safe(fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception:
        log.warning("updating the StatusNotifierItem failed", exc_info=True)
