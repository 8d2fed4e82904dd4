"""Linux desktop integration: our own StatusNotifierItem (tray.sni) or pystray's gi backends (docs/platform-notes.md).

- Backend choice: our StatusNotifierItem over dbus-fast (tray.sni: ToolTip, NeedsAttention, pixmaps at every
  size, no PyGObject) when a StatusNotifierWatcher owns its name on the session bus, or when PyGObject is
  not usable at all (it then waits for a host and registers when one starts). Otherwise the pystray
  backends as before: AppIndicator (libayatana) when a StatusNotifierWatcher owns its name on the session bus; else
  pystray's gtk backend (GtkStatusIcon, XEmbed), which docks whenever a system tray appears, also after
  the tray started, and shows a tooltip. libayatana's own fallback neither docks later nor keeps quiet
  (a GLib-GIO-CRITICAL line at every start). The choice is said in one line (stderr and tray.log); when an
  SNI host appears later the tray re-executes itself as an AppIndicator (tray.app).
- A venv that cannot import gi loads just the distribution's python3-gi when its ABI matches; else one
  line says what to install (README command 1 on Debian/Ubuntu).
- Icons by name from a private hicolor theme holding every panel size, so the panel draws the size it
  wants instead of scaling one image (tray.icons.write_theme).
- SNI status NeedsAttention while a session waits.
- pystray's xorg backend logs a traceback per failed dock while no tray runs: one line instead.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Optional

from . import icons
from .view import IconState

log = logging.getLogger("claude-status.tray")

WATCHER = "org.kde.StatusNotifierWatcher"
NO_WATCHER = (
    "no StatusNotifierItem host on the session bus (org.kde.StatusNotifierWatcher): using a classic "
    "system-tray (XEmbed) icon, shown once a system tray runs, until an SNI host appears. On GNOME enable the "
    "'AppIndicator and KStatusNotifierItem Support' extension (apt install gnome-shell-extension-appindicator)."
)
NO_TRAY_YET = "no system tray to dock into yet; the icon appears as soon as one starts"


def gi_problem() -> Optional[str]:
    """Why AppIndicator cannot be used in this interpreter, or None."""
    try:
        import gi

        gi.require_version("Gtk", "3.0")
        try:
            gi.require_version("AyatanaAppIndicator3", "0.1")
        except ValueError:
            gi.require_version("AppIndicator3", "0.1")
    except (ImportError, ValueError) as err:
        return f"{type(err).__name__}: {err}"
    return None


def sni_host_present(environ: Optional[dict[str, str]] = None) -> Optional[bool]:
    """True/False: whether a StatusNotifierWatcher owns its name; None when the bus cannot be asked."""
    try:
        from gi.repository import Gio, GLib

        env = os.environ if environ is None else environ
        address = env.get("DBUS_SESSION_BUS_ADDRESS")
        if address:
            bus = Gio.DBusConnection.new_for_address_sync(
                address,
                Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
                None,
                None,
            )
        else:
            bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                              "NameHasOwner", GLib.Variant("(s)", (WATCHER,)), GLib.VariantType("(b)"),
                              Gio.DBusCallFlags.NONE, 3000, None)
        present = bool(reply.unpack()[0])
        if address:
            bus.close_sync(None)
        return present
    except Exception:
        log.debug("could not ask the session bus for %s", WATCHER, exc_info=True)
        return None


chosen: dict[str, str] = {}

SNI_SWITCH = "CLAUDE_STATUS_SNI"  # "0": never our own StatusNotifierItem (pystray's AppIndicator instead)
SNI_WAITING = (
    "no StatusNotifierItem host on the session bus yet: the tray icon appears as soon as one starts (KDE, "
    "GNOME with the 'AppIndicator and KStatusNotifierItem Support' extension, most panels). For a classic "
    "system tray (XEmbed) instead: {fix}"
)


def sni_backend(environ: dict[str, str]) -> tuple[Any, Optional[str]]:
    """(tray.sni.SniIcon, a line to tell the user or None) when our own StatusNotifierItem is the backend
    here; (None, None) for pystray's. Decided before pystray is imported."""
    if environ.get("PYSTRAY_BACKEND") or os.environ.get("PYSTRAY_BACKEND"):
        return None, None  # the user chose a pystray backend
    if (environ.get(SNI_SWITCH) or os.environ.get(SNI_SWITCH) or "1") == "0":
        return None, None
    try:
        from . import sni
    except ImportError:
        log.debug("dbus-fast is not importable: pystray's backends only", exc_info=True)
        return None, None
    present = sni.watcher_present(environ)
    if present:
        return sni.SniIcon, None
    if present is None:
        return None, None  # the bus cannot be asked: pystray's path says what is wrong
    load_system_gi()
    problem = gi_problem()
    if problem is None:
        return None, None  # the XEmbed stand-in, re-executed as an SNI item when a host appears (tray.app)
    return sni.SniIcon, SNI_WAITING.format(fix=missing_gi_line(problem))


def choose_backend(environ: dict[str, str]) -> Optional[str]:
    """Set PYSTRAY_BACKEND before pystray is imported (Linux, not forced by the user). Returns a line to
    tell the user, or None."""
    if environ.get("PYSTRAY_BACKEND") or os.environ.get("PYSTRAY_BACKEND"):
        return None
    load_system_gi()
    problem = gi_problem()
    if problem is not None:
        raise GiMissing(missing_gi_line(problem))
    if sni_host_present(environ) is False:
        if not (environ.get("DISPLAY") or os.environ.get("DISPLAY")):
            return ("no StatusNotifierItem host and no X display: there is nowhere to show a tray icon "
                    "(on GNOME Wayland enable the 'AppIndicator and KStatusNotifierItem Support' extension)")
        os.environ["PYSTRAY_BACKEND"] = "gtk"
        chosen["backend"] = "gtk"  # ours, not the user's: a restart for a new SNI host drops it
        from gi.repository import GLib

        GLib.set_prgname("claude-status")  # the icon window's class: what a tray host lists
        return NO_WATCHER
    return None


class GiMissing(Exception):
    """No usable PyGObject: the one line says what to install."""


class _DockFilter(logging.Filter):
    """pystray's xorg backend logs 'Failed to dock icon' with a traceback each time it tries while no tray
    runs; say it once, in one line (the traceback only with --debug)."""

    def __init__(self) -> None:
        super().__init__()
        self.said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != "Failed to dock icon":
            return True
        if not self.said:
            self.said = True
            log.warning("%s", NO_TRAY_YET)
        log.debug("pystray: failed to dock", exc_info=record.exc_info)
        return False


_dock_filter = _DockFilter()


def quiet_pystray() -> None:
    logger = logging.getLogger("pystray._base")
    if _dock_filter not in logger.filters:
        logger.addFilter(_dock_filter)


def themed_icon_class(base: Any, theme_root: str) -> Any:
    """`base` (pystray's appindicator or gtk Icon) drawing from a hicolor theme under `theme_root`.

    `icon.icon_state = IconState` before `icon.icon = image` selects the themed icon; `set_attention(bool)`
    switches the SNI status (appindicator only); the gtk backend's title is also its tooltip."""
    from pystray._util.gtk import mainloop

    appindicator = base.__module__.endswith("_appindicator")

    class ThemedIcon(base):  # type: ignore[misc, valid-type]
        icon_state: Optional[IconState] = None
        attention = False

        def _themed_name(self) -> Optional[str]:
            if self.icon_state is None:
                return None
            try:
                return icons.write_theme(theme_root, self.icon_state)
            except OSError:
                log.warning("cannot write the icon theme in %s", theme_root, exc_info=True)
                return None

        if appindicator:

            def _apply_icon(self) -> None:
                name = self._themed_name()
                ind = self._appindicator
                if name is None:
                    ind.set_icon(self._icon_path)
                    return
                ind.set_icon_theme_path(theme_root)
                ind.set_icon_full(name, "Claude Status")
                # while NeedsAttention the panel shows the attention icon: the same drawing
                ind.set_attention_icon_full(name, "Claude Status: a session waits for you")

            # libayatana exports the item on D-Bus only once it has a menu; setting anything before
            # that emits signals on a NULL object path (a GLib-GIO-CRITICAL line on stderr each time)
            _exported = False

            @mainloop
            def _show(self) -> None:
                self._visible_now = True
                if self._exported:
                    self._export()

            def _export(self) -> None:
                self._appindicator.set_title(self.title)
                self._apply_icon()
                self._apply_status()

            @mainloop
            def _update_menu(self) -> None:
                self._menu_handle = self._create_menu(self.menu) or self._create_default_menu()
                self._appindicator.set_menu(self._menu_handle)
                if not self._exported:
                    self._exported = True
                    if getattr(self, "_visible_now", False):
                        self._export()

            @mainloop
            def _update_title(self) -> None:
                if self._exported:
                    self._appindicator.set_title(self.title)

            @mainloop
            def _hide(self) -> None:
                self._visible_now = False
                if self._exported:
                    base._hide.__wrapped__(self)

            @mainloop
            def _update_icon(self) -> None:
                if self.icon_state is None:
                    base._update_icon.__wrapped__(self)
                    return
                self._remove_fs_icon()  # no temp PNG per update: the theme holds the files
                if self._exported:
                    self._apply_icon()

            def _apply_status(self) -> None:
                try:
                    from gi.repository import AyatanaAppIndicator3 as AppIndicator
                except ImportError:  # pragma: no cover - the non-Ayatana library
                    from gi.repository import AppIndicator3 as AppIndicator
                if not getattr(self, "_visible_now", False) or not self._exported:
                    return
                status = AppIndicator.IndicatorStatus
                self._appindicator.set_status(status.ATTENTION if self.attention else status.ACTIVE)

            @mainloop
            def _set_attention_now(self) -> None:
                self._apply_status()

            def set_attention(self, on: bool) -> None:
                self.attention = on
                self._set_attention_now()

        else:

            @mainloop
            def _update_icon(self) -> None:
                name = self._themed_name()
                if name is None:
                    base._update_icon.__wrapped__(self)
                    return
                from gi.repository import Gtk

                theme = Gtk.IconTheme.get_default()
                if theme_root not in theme.get_search_path():
                    theme.prepend_search_path(theme_root)
                self._remove_fs_icon()
                self._status_icon.set_from_icon_name(name)

            @mainloop
            def _update_title(self) -> None:
                self._status_icon.set_title(self.title)
                self._status_icon.set_tooltip_text(self.title)

            def set_attention(self, on: bool) -> None:
                self.attention = on  # no such thing for a GtkStatusIcon: the badge says it

    ThemedIcon.__name__ = ThemedIcon.__qualname__ = f"Themed{base.__name__}"
    ThemedIcon.__module__ = base.__module__  # the app checks the backend by module name
    return ThemedIcon


# ------------------------------------------------------------------ PyGObject from the distribution

SYSTEM_SITE_DIRS = (
    "/usr/lib/python3/dist-packages",  # Debian, Ubuntu
    "/usr/lib64/python{v}/site-packages",  # Fedora, openSUSE
    "/usr/lib/python{v}/site-packages",  # Arch, Fedora (noarch)
)


def _os_id(path: str = "/etc/os-release") -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            fields = dict(line.rstrip("\n").split("=", 1) for line in fh if "=" in line)
    except OSError:
        return ""
    ids = (fields.get("ID", "") + " " + fields.get("ID_LIKE", "")).replace('"', "").split()
    for known in ("ubuntu", "debian", "fedora", "arch", "opensuse", "suse"):
        if known in ids:
            return known
    return ids[0] if ids else ""


INSTALL_GI = {
    "debian": "sudo apt install python3-gi gir1.2-ayatanaappindicator3-0.1",
    "ubuntu": "sudo apt install python3-gi gir1.2-ayatanaappindicator3-0.1",
    "fedora": "sudo dnf install python3-gobject libayatana-appindicator-gtk3",
    "arch": "sudo pacman -S python-gobject libayatana-appindicator",
    "opensuse": "sudo zypper install python3-gobject typelib-1_0-AyatanaAppIndicator3-0_1",
    "suse": "sudo zypper install python3-gobject typelib-1_0-AyatanaAppIndicator3-0_1",
}


def find_system_gi(dirs: Optional[list[str]] = None, suffixes: Optional[list[str]] = None) -> tuple[Optional[str], str]:
    """(path of a distribution `gi` package this interpreter can load, "") or (None, why not)."""
    import glob
    import importlib.machinery
    import sys

    v = f"{sys.version_info[0]}.{sys.version_info[1]}"
    dirs = dirs if dirs is not None else [d.format(v=v) for d in SYSTEM_SITE_DIRS]
    suffixes = suffixes if suffixes is not None else list(importlib.machinery.EXTENSION_SUFFIXES)
    seen = []
    for d in dirs:
        pkg = os.path.join(d, "gi")
        if not os.path.isfile(os.path.join(pkg, "__init__.py")):
            continue
        exts = glob.glob(os.path.join(pkg, "_gi*.so")) + glob.glob(os.path.join(pkg, "_gi*.pyd"))
        for ext in exts:
            name = os.path.basename(ext)
            if any(name == "_gi" + sfx for sfx in suffixes):
                return pkg, ""
            seen.append(name)
    if seen:
        return None, f"the distribution's PyGObject is built for another Python ({', '.join(sorted(set(seen)))})"
    return None, "PyGObject (gi) is not installed"


def load_system_gi() -> Optional[str]:
    """Make `import gi` work in a venv that cannot see the distribution's python3-gi: import just that
    package from its system location (nothing else from the system site dir). Returns its path, or None."""
    import importlib.util
    import sys

    try:
        import gi  # noqa: F401

        return None  # the venv has its own (pip PyGObject) or sees the system one
    except ImportError:
        pass
    pkg, _why = find_system_gi()
    if pkg is None:
        return None
    spec = importlib.util.spec_from_file_location("gi", os.path.join(pkg, "__init__.py"),
                                                  submodule_search_locations=[pkg])
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gi"] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules["gi"]
        log.debug("could not load the distribution's gi from %s", pkg, exc_info=True)
        return None
    log.info("using the distribution's PyGObject from %s", pkg)
    return pkg


def missing_gi_line(problem: str) -> str:
    """One line: what to install (or how to make the venv) for a tray with a menu."""
    import sys

    _pkg, why = find_system_gi()
    command = INSTALL_GI.get(_os_id())
    if "another Python" in why:
        fix = (f"{why}: make the venv with the distribution's Python (/usr/bin/python3 -m venv .venv), or "
               "pip install 'PyGObject<3.51' (needs libgirepository1.0-dev libcairo2-dev)")
    elif command:
        fix = f"install it: {command}"
    else:
        fix = "install your distribution's PyGObject (python3-gi) and AyatanaAppIndicator3 typelib"
    return (f"without a StatusNotifierItem host, tray menus on Linux need PyGObject with Gtk 3 and AppIndicator, "
            f"not usable by {sys.executable} "
            f"({problem}); {fix}. (PYSTRAY_BACKEND=xorg runs an icon without a menu.)")


class XorgDocker:
    """pystray's xorg icon docks once, at start: when the dock request is lost (the tray host was still
    starting) or a tray host appears later, it never asks again (pystray #186). Every `every` seconds,
    if a system tray runs but our icon window is not inside it, ask again (through pystray's own
    `_update_icon`, which re-sends SYSTEM_TRAY_REQUEST_DOCK from its loop thread); and put the title
    (WM_NAME) right if it did not arrive."""

    def __init__(self, icon: Any, every: float = 2.0) -> None:
        self.icon = icon
        self.every = every
        self._next = 0.0
        self._display: Any = None

    def check(self, now: float) -> bool:
        """True when it asked to be docked again."""
        if now < self._next:
            return False
        self._next = now + self.every
        window = getattr(self.icon, "_window", None)
        if window is None:
            return False
        try:
            if self._display is None:
                from Xlib import display as xdisplay

                self._display = xdisplay.Display()
            d = self._display
            screen = d.get_default_screen()
            manager = d.get_selection_owner(d.intern_atom(f"_NET_SYSTEM_TRAY_S{screen}"))
            if not manager:
                return False  # no tray at all: nothing to dock into yet
            win = d.create_resource_object("window", window.id)
            title = str(getattr(self.icon, "title", "") or "")
            if title and win.get_wm_name() != title:
                # pystray's _update_title queues WM_NAME on its loop's connection without a flush, and
                # now and then it never reaches the server (the tooltip/name would stay "claude-status")
                win.set_wm_name(title)
                d.flush()
            if win.query_tree().parent != d.screen().root:
                return False  # embedded
        except Exception:
            log.debug("could not check the tray icon's embedding", exc_info=True)
            return False
        log.info("the tray icon is not docked although a system tray runs: asking again")
        self.icon._update_icon()
        return True


def restart_argv() -> list[str]:
    """The command line that started this process (to start again as an AppIndicator)."""
    import sys

    if getattr(sys, "frozen", False):
        return [sys.executable, *sys.argv[1:]]
    orig = getattr(sys, "orig_argv", None)
    return [sys.executable, *(orig[1:] if orig else sys.argv)]
