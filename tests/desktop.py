"""A private Linux desktop for the real tray, and a reader of its menu over D-Bus.

`Desktop` starts Xvfb, a private D-Bus session bus and the fake StatusNotifierWatcher / notification
daemon (tests/sni_fake.py); `layout`/`click` read and click the tray's menu the way a panel does: the
SNI `Menu` property, then `com.canonical.dbusmenu` `GetLayout` and `Event`.

Used by tests/test_tray_gui.py, packaging/smoke.py (the frozen tray) and scripts/tray_screenshot.py.
Stdlib only at import time; `Desktop.start` needs PyGObject (gi) in this interpreter, and Xvfb and
dbus-daemon on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BINARIES = ("Xvfb", "dbus-daemon")
# what a desktop terminal carries into a test run, pointing at the user's own session
# (XDG_DATA_DIRS stays: Gtk finds icon themes and schemas there; our bus config activates nothing from it)
LEAKY = ("PYSTRAY_BACKEND", "WAYLAND_DISPLAY", "DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR",
         "XDG_SESSION_TYPE", "XAUTHORITY", "DBUS_STARTER_ADDRESS", "DBUS_STARTER_BUS_TYPE", "AT_SPI_BUS_ADDRESS")
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class DesktopError(AssertionError):
    """The private desktop did not come up."""


def missing_binaries() -> list[str]:
    """What `Desktop.start` needs and this machine lacks: Xvfb, dbus-daemon, and PyGObject in this Python."""
    import importlib.util

    missing = [b for b in BINARIES if shutil.which(b) is None]
    if importlib.util.find_spec("gi") is None:
        missing.append("PyGObject (gi) in %s" % sys.executable)
    return missing


def wait_for(predicate, timeout=10.0, interval=0.05):
    """Poll `predicate` until it returns a truthy value; returns it, or the last value on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class Desktop:
    """Xvfb + dbus-daemon + the fake watcher/notification daemon, all private to one run.

    `fake_flags` go to sni_fake.py (--no-watcher, --no-notifications). Processes started with `popen`
    are stopped by `stop`, before the desktop itself. Also a context manager (start ... stop).
    """

    def __init__(self, tmp, *fake_flags, screen="800x600x24"):
        self.tmp = tmp
        self.fake_flags = list(fake_flags)
        self.screen = screen
        self.procs: list[subprocess.Popen] = []
        self.out = os.path.join(tmp, "fake")
        os.makedirs(self.out)

    def start(self):
        from gi.repository import Gio

        try:
            self._start_display_and_bus()
            self.popen([sys.executable, os.path.join(HERE, "sni_fake.py"), self.out, *self.fake_flags])
            if not wait_for(lambda: os.path.exists(os.path.join(self.out, "ready")), 10):
                raise DesktopError("the fake SNI watcher did not start")
        except BaseException:
            self.stop()
            raise
        self.bus = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None,
            None,
        )
        return self

    def _start_display_and_bus(self):
        """Xvfb on a free display and a private dbus-daemon (``self.display``, ``self.address``)."""
        rfd, wfd = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(wfd), "-screen", "0", self.screen, "-nolisten", "tcp"],
            pass_fds=(wfd,),
            stderr=subprocess.DEVNULL,
        )
        os.close(wfd)
        self.procs.append(xvfb)
        with os.fdopen(rfd) as fh:
            self.display = ":" + fh.readline().strip()
        # Our own bus config, not --session: the session config activates every service in
        # /usr/share/dbus-1/services, $XDG_DATA_HOME, $XDG_RUNTIME_DIR… (dunst would start on the
        # user's real $DISPLAY). Here no service is activatable: only what we start runs.
        self.runtime = os.path.join(self.tmp, "runtime")
        os.makedirs(os.path.join(self.runtime, "no-services"))
        os.chmod(self.runtime, 0o700)  # what a real XDG_RUNTIME_DIR is
        conf = os.path.join(self.runtime, "bus.conf")
        with open(conf, "w", encoding="utf-8") as fh:
            fh.write(BUS_CONFIG.format(dir=self.runtime, services=os.path.join(self.runtime, "no-services")))
        bus = subprocess.Popen(
            ["dbus-daemon", "--config-file=" + conf, "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            text=True,
            env=self._private(os.environ),
        )
        self.procs.append(bus)
        self.address = bus.stdout.readline().strip()

    def _private(self, base):
        """`base` without anything that reaches the user's own desktop session."""
        env = {k: v for k, v in base.items() if k not in LEAKY}
        env["XDG_RUNTIME_DIR"] = self.runtime
        if getattr(self, "display", None):
            env["DISPLAY"] = self.display
        return env

    def env(self, base=None):
        """`base` (default os.environ) on this desktop: its DISPLAY, bus and runtime dir (never the user's),
        no Wayland, no pystray backend."""
        env = self._private(os.environ if base is None else base)
        env.update(DISPLAY=self.display, DBUS_SESSION_BUS_ADDRESS=self.address, NO_AT_BRIDGE="1")
        return env

    def popen(self, argv, **kwargs):
        """Start a process on this desktop (env defaults to `env()`); `stop` ends it."""
        kwargs.setdefault("env", self.env())
        p = subprocess.Popen(argv, **kwargs)
        self.procs.append(p)
        return p

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- reading the fake's records

    def records(self, name):
        path = os.path.join(self.out, name)
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    # ---- talking SNI / dbusmenu

    def call(self, dest, path, iface, method, args, reply):
        from gi.repository import Gio, GLib

        return self.bus.call_sync(
            dest,
            path,
            iface,
            method,
            args,
            GLib.VariantType(reply) if reply else None,
            Gio.DBusCallFlags.NONE,
            5000,
            None,
        )

    def prop(self, item, name):
        from gi.repository import GLib

        v = self.call(
            item["bus_name"],
            item["path"],
            "org.freedesktop.DBus.Properties",
            "Get",
            GLib.Variant("(ss)", ("org.kde.StatusNotifierItem", name)),
            "(v)",
        )
        return v.unpack()[0]

    def layout(self, item):
        """(revision, root node) of the item's dbusmenu; a node is a dict (see `_node`)."""
        from gi.repository import GLib

        menu_path = self.prop(item, "Menu")
        rev, tree = self.call(
            item["bus_name"],
            menu_path,
            "com.canonical.dbusmenu",
            "GetLayout",
            GLib.Variant("(iias)", (0, -1, [])),
            "(u(ia{sv}av))",
        ).unpack()
        return rev, _node(tree)

    def invoke_action(self, notification_id, label):
        """Click the action button labelled `label` of a recorded notification: the fake server emits
        ActionInvoked with that action's key, as a real notification server does."""
        from gi.repository import GLib

        note = next(n for n in self.records("notifications.jsonl") if n["id"] == notification_id)
        actions = note["actions"]
        key = actions[actions.index(label) - 1]
        self.call("org.freedesktop.Notifications", "/Control", "org.example.FakeControl", "InvokeAction",
                  GLib.Variant("(us)", (notification_id, key)), None)

    def click(self, item, node_id):
        from gi.repository import GLib

        menu_path = self.prop(item, "Menu")
        self.call(
            item["bus_name"],
            menu_path,
            "com.canonical.dbusmenu",
            "Event",
            GLib.Variant("(isvu)", (node_id, "clicked", GLib.Variant("s", ""), 0)),
            None,
        )


# ---- menu trees (nodes from Desktop.layout)


def _node(tree):
    node_id, props, children = tree
    return {
        "id": node_id,
        "label": props.get("label", ""),
        "enabled": props.get("enabled", True),
        "type": props.get("type", "standard"),
        "toggle": props.get("toggle-state"),
        "submenu": props.get("children-display") == "submenu",
        "children": [_node(c) for c in children],
    }


def flat(node, depth=0):
    """Every node below `node`, depth first, as (depth, node)."""
    out = []
    for c in node["children"]:
        out.append((depth, c))
        out.extend(flat(c, depth + 1))
    return out


def labels(node):
    """The labels of every item below `node`, submenus included; no separators."""
    return [c["label"] for _, c in flat(node) if c["type"] != "separator"]


def top_labels(node):
    """The labels of `node`'s own items (no submenu contents); no separators."""
    return [c["label"] for c in node["children"] if c["type"] != "separator"]


def find(node, prefix):
    """The first item below `node` whose label starts with `prefix`, or None."""
    return next((c for _, c in flat(node) if c["label"].startswith(prefix)), None)
