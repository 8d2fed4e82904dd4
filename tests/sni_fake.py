"""A fake desktop for the GUI tests, run on a private D-Bus session bus (docs/platform-notes.md, pystray: Linux desktops).

`python sni_fake.py OUTDIR` owns `org.kde.StatusNotifierWatcher` (so libayatana registers a real SNI
item instead of falling back to XEmbed) and `org.freedesktop.Notifications` (so pystray's notifier
works). Registrations go to OUTDIR/items.jsonl, notifications to OUTDIR/notifications.jsonl.
"""

from __future__ import annotations

import json
import os
import sys

from gi.repository import Gio, GLib

WATCHER_XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""

CONTROL_XML = """
<node>
  <interface name="org.example.FakeControl">
    <method name="InvokeAction"><arg type="u" direction="in"/><arg type="s" direction="in"/></method>
  </interface>
</node>
"""

NOTIFY_XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/><arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  </interface>
</node>
"""


def main(outdir: str, watcher: bool = True, notifications: bool = True) -> None:
    items: list[str] = []
    counter = [0]

    def append(name: str, record: dict) -> None:
        with open(os.path.join(outdir, name), "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    def on_watcher_call(conn, sender, path, iface, method, params, invocation):
        if method == "RegisterStatusNotifierItem":
            (service,) = params.unpack()
            # libayatana passes an object path; the bus name is the caller
            bus_name, obj = (sender, service) if service.startswith("/") else (service, "/StatusNotifierItem")
            items.append(f"{bus_name}{obj}")
            append("items.jsonl", {"bus_name": bus_name, "path": obj})
            conn.emit_signal(
                None,
                "/StatusNotifierWatcher",
                "org.kde.StatusNotifierWatcher",
                "StatusNotifierItemRegistered",
                GLib.Variant("(s)", (f"{bus_name}{obj}",)),
            )
        invocation.return_value(None)

    def on_watcher_prop(conn, sender, path, iface, prop):
        return {
            "RegisteredStatusNotifierItems": GLib.Variant("as", items),
            "IsStatusNotifierHostRegistered": GLib.Variant("b", True),
            "ProtocolVersion": GLib.Variant("i", 0),
        }[prop]

    def on_notify_call(conn, sender, path, iface, method, params, invocation):
        if method == "Notify":
            app, replaces, icon, summary, body, actions, hints, timeout = params.unpack()
            nid = replaces or counter[0] + 1
            counter[0] = max(counter[0], nid)
            append("notifications.jsonl", {
                "id": nid, "app": app, "replaces": replaces, "icon": icon, "summary": summary, "body": body,
                "actions": actions, "urgency": hints.get("urgency"), "timeout": timeout,
            })
            invocation.return_value(GLib.Variant("(u)", (nid,)))
        elif method == "CloseNotification":
            (nid,) = params.unpack()
            append("closed.jsonl", {"id": nid})
            invocation.return_value(None)
            conn.emit_signal(None, "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                             "NotificationClosed", GLib.Variant("(uu)", (nid, 3)))
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["body", "actions", "icon-static"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("fake", "tests", "1", "1.2")))
        else:
            invocation.return_value(None)

    def on_control_call(conn, sender, path, iface, method, params, invocation):
        # the test asks the "server" to report a click on an action, as a real one does: from its own name
        nid, key = params.unpack()
        conn.emit_signal(None, "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                         "ActionInvoked", GLib.Variant("(us)", (nid, key)))
        # ...and closes it, as dunst and GNOME Shell do after an action (reason 2: dismissed by the user)
        append("closed.jsonl", {"id": nid, "by": "action"})
        conn.emit_signal(None, "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                         "NotificationClosed", GLib.Variant("(uu)", (nid, 2)))
        invocation.return_value(None)

    watcher_info = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML).interfaces[0]
    notify_info = Gio.DBusNodeInfo.new_for_xml(NOTIFY_XML).interfaces[0]
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    names = []
    if notifications:
        bus.register_object("/org/freedesktop/Notifications", notify_info, on_notify_call, None, None)
        control_info = Gio.DBusNodeInfo.new_for_xml(CONTROL_XML).interfaces[0]
        bus.register_object("/Control", control_info, on_control_call, None, None)
        names.append("org.freedesktop.Notifications")
    if watcher:
        bus.register_object("/StatusNotifierWatcher", watcher_info, on_watcher_call, on_watcher_prop, None)
        names.append("org.kde.StatusNotifierWatcher")
    for name in names:
        reply = bus.call_sync(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "RequestName",
            GLib.Variant("(su)", (name, 4)),
            GLib.VariantType("(u)"),
            Gio.DBusCallFlags.NONE,
            -1,
            None,
        )
        if reply.unpack()[0] != 1:
            sys.exit(f"could not own {name}")
    with open(os.path.join(outdir, "ready"), "w") as fh:
        fh.write("ok\n")
    GLib.MainLoop().run()


if __name__ == "__main__":
    # --no-watcher: notifications only, so libayatana falls back to an XEmbed tray icon
    # --no-notifications: no notification daemon, as on a bare window manager
    main(
        sys.argv[1], watcher="--no-watcher" not in sys.argv[2:], notifications="--no-notifications" not in sys.argv[2:]
    )
