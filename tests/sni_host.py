"""A StatusNotifierItem host for the GUI tests written with dbus-fast only (no PyGObject anywhere), so the
tray's own SNI backend (tray/sni.py) is tested also in the venvs without gi (CI's 3.9 and 3.13 runs).

`python sni_host.py OUTDIR` owns `org.kde.StatusNotifierWatcher` on the session bus and appends each
registration to OUTDIR/items.jsonl ({"bus_name", "path"}), as tests/sni_fake.py does; OUTDIR/ready once
it owns the name. `SniDesktop` is tests.desktop.Desktop with this host and a dbus-fast reader instead of
Gio: `prop`, `layout`, `click`, `activate` read and click the item the way a panel does.
"""

import asyncio
import json
import os
import sys
import threading

from dbus_fast import BusType, Message, MessageType, PropertyAccess, RequestNameReply, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, dbus_property, method, signal

HERE = os.path.dirname(os.path.abspath(__file__))
if os.path.dirname(HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(HERE))

from tests.desktop import Desktop, DesktopError, wait_for  # noqa: E402

# ruff: noqa: F722, F821


class Watcher(ServiceInterface):
    def __init__(self, outdir):
        super().__init__("org.kde.StatusNotifierWatcher")
        self.outdir = outdir
        self.items = []

    @method()
    def RegisterStatusNotifierItem(self, service: "s") -> None:
        # a bus name ("org.kde.StatusNotifierItem-PID-1", our tray) or an object path (libayatana: the
        # caller's unique name is the bus name; dbus-fast does not hand us the sender, so keep the path)
        bus_name, path = (service, "/StatusNotifierItem") if not service.startswith("/") else ("", service)
        self.items.append(f"{bus_name}{path}")
        with open(os.path.join(self.outdir, "items.jsonl"), "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"bus_name": bus_name, "path": path}) + "\n")
        self.StatusNotifierItemRegistered(f"{bus_name}{path}")

    @method()
    def RegisterStatusNotifierHost(self, service: "s") -> None:
        return None

    @dbus_property(access=PropertyAccess.READ)
    def RegisteredStatusNotifierItems(self) -> "as":
        return self.items

    @dbus_property(access=PropertyAccess.READ)
    def IsStatusNotifierHostRegistered(self) -> "b":
        return True

    @dbus_property(access=PropertyAccess.READ)
    def ProtocolVersion(self) -> "i":
        return 0

    @signal()
    def StatusNotifierItemRegistered(self, name) -> "s":
        return name


async def serve(outdir):
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    bus.export("/StatusNotifierWatcher", Watcher(outdir))
    reply = await bus.request_name("org.kde.StatusNotifierWatcher")
    if reply != RequestNameReply.PRIMARY_OWNER:
        sys.exit(f"could not own org.kde.StatusNotifierWatcher ({reply})")
    with open(os.path.join(outdir, "ready"), "w") as fh:
        fh.write("ok\n")
    await bus.wait_for_disconnect()


# ---------------------------------------------------------------- the reader (a panel, in the test process)


class Reader:
    """A dbus-fast client on its own loop thread; every call waits for its reply (5 s)."""

    def __init__(self, address):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        async def connect():
            return await MessageBus(bus_address=address).connect()

        self.bus = self.run(connect())
        self.signals = []  # (member, path, body) of every signal from an SNI item
        self.bus.add_message_handler(self._on_message)
        self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s",
                  ["type='signal',interface='org.kde.StatusNotifierItem'"])
        self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s",
                  ["type='signal',interface='com.canonical.dbusmenu'"])

    def _on_message(self, msg):
        if msg.message_type == MessageType.SIGNAL and msg.interface in (
                "org.kde.StatusNotifierItem", "com.canonical.dbusmenu"):
            self.signals.append((msg.member, msg.path, msg.body))

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def call(self, dest, path, iface, member, signature="", body=()):
        async def go():
            return await asyncio.wait_for(self.bus.call(Message(
                destination=dest, path=path, interface=iface, member=member, signature=signature,
                body=list(body))), 5)

        reply = self.run(go())
        if reply.message_type == MessageType.ERROR:
            raise DesktopError(f"{member}: {reply.error_name} {reply.body}")
        return reply.body

    def close(self):
        self.loop.call_soon_threadsafe(self.bus.disconnect)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def unvariant(value):
    if isinstance(value, Variant):
        return unvariant(value.value)
    if isinstance(value, list):
        return [unvariant(v) for v in value]
    if isinstance(value, dict):
        return {k: unvariant(v) for k, v in value.items()}
    return value


def dbusmenu_label(text):
    """dbusmenu: "__" is a literal underscore, a single "_" marks the mnemonic (not shown)."""
    out, i = "", 0
    while i < len(text):
        if text[i] == "_":
            if text[i + 1:i + 2] == "_":
                out += "_"
                i += 2
                continue
            i += 1
            continue
        out += text[i]
        i += 1
    return out


def node(tree):
    node_id, props, children = tree
    props = unvariant(props)
    return {
        "id": node_id,
        "label": dbusmenu_label(props.get("label", "")),
        "enabled": props.get("enabled", True),
        "type": props.get("type", "standard"),
        "toggle": props.get("toggle-state"),
        "submenu": props.get("children-display") == "submenu",
        "children": [node(c.value) for c in children],
    }


class SniDesktop(Desktop):
    """Xvfb + a private dbus-daemon + sni_host.py, with no gi in this process or the host."""

    def start(self):
        try:
            self._start_display_and_bus()
            if "--no-watcher" not in self.fake_flags:
                self.host = self.start_host(self.out)
            self.reader = Reader(self.address)
        except BaseException:
            self.stop()
            raise
        return self

    def start_host(self, outdir):
        """Start a StatusNotifierWatcher (again) recording into `outdir`; returns its process."""
        p = self.popen([sys.executable, os.path.join(HERE, "sni_host.py"), str(outdir)])
        if not wait_for(lambda: os.path.exists(os.path.join(outdir, "ready")) or p.poll() is not None, 20) \
                or p.poll() is not None:
            raise DesktopError("the SNI host did not start")
        return p

    def stop(self):
        reader = getattr(self, "reader", None)
        if reader is not None:
            self.reader = None
            reader.close()
        super().stop()

    def call(self, dest, path, iface, method, args, reply=None):
        signature, body = args
        return self.reader.call(dest, path, iface, method, signature, body)

    def prop(self, item, name):
        (value,) = self.reader.call(item["bus_name"], item["path"], "org.freedesktop.DBus.Properties", "Get", "ss",
                                    ["org.kde.StatusNotifierItem", name])
        return unvariant(value)

    def menu_prop(self, item, name):
        (value,) = self.reader.call(item["bus_name"], self.prop(item, "Menu"), "org.freedesktop.DBus.Properties",
                                    "Get", "ss", ["com.canonical.dbusmenu", name])
        return unvariant(value)

    def layout(self, item):
        rev, tree = self.reader.call(item["bus_name"], self.prop(item, "Menu"), "com.canonical.dbusmenu",
                                     "GetLayout", "iias", [0, -1, []])
        return rev, node(tree)

    def click(self, item, node_id):
        self.reader.call(item["bus_name"], self.prop(item, "Menu"), "com.canonical.dbusmenu", "Event", "isvu",
                         [node_id, "clicked", Variant("s", ""), 0])

    def activate(self, item):
        self.reader.call(item["bus_name"], item["path"], "org.kde.StatusNotifierItem", "Activate", "ii", [0, 0])


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
