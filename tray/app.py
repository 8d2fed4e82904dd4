"""The pystray skin over `tray.view`: wiring only (docs/platform-notes.md, design rules).

Threads: `Icon.run()` on the main thread; the poll loop runs in pystray's `setup` thread. On macOS
every AppKit-touching call is marshalled to the main thread with `AppHelper.callAfter`
(docs/platform-notes.md, pystray: threads). Updates are made only when what they show changed
(docs/platform-notes.md, pystray: menus).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import subprocess
import sys
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Optional

from . import __version__, autostart, icons, view
from . import notify as notify_mod
from . import settings as settings_mod
from .dirs import Dirs
from .dirs import resolve as resolve_dirs
from .notify import Notifier
from .source import IndexSource

log = logging.getLogger("claude-status.tray")

SNI_CHECK_EVERY = 5.0  # s: how often an XEmbed stand-in looks for a StatusNotifierItem host (tray.linux)
MENU_AGE_REFRESH = 30.0  # s: how stale "12 s ago" in an unchanged menu may get before a rebuild
XORG_HINT = (
    "only pystray's xorg backend is available: no menu, no notifications and ASCII-only text. "
    "For menus install AppIndicator support: apt install python3-gi gir1.2-ayatanaappindicator3-0.1 "
    "(or pip install 'PyGObject<3.51' with libgirepository1.0-dev libcairo2-dev), and on GNOME the "
    "'AppIndicator and KStatusNotifierItem Support' extension."
)


class TrayError(Exception):
    """A problem the user can fix; shown as one line."""


@dataclass(frozen=True)
class Backend:
    """What the pystray backend in use can do. pystray's own capability flags (`HAS_MENU`,
    `HAS_NOTIFICATION`, `HAS_DEFAULT_ACTION`) where it has them; the backend's name is read once, here,
    for the traits pystray does not describe."""

    name: str = ""  # "sni" (tray.sni), "appindicator", "gtk", "xorg", "darwin", "win32", "dummy"; "" before an icon
    menu: bool = True
    notifications: bool = False
    default_action: bool = True
    latin1_title: bool = False  # python-xlib sends WM_NAME as Latin-1 and raises on anything else
    title_is_name: bool = False  # AppIndicator exports `title` as the SNI Title (one line), not a tooltip
    label: bool = False  # text beside the icon: the AppIndicator label or the macOS status item title
    main_thread_ui: bool = False  # AppKit wants UI calls on its main thread
    template_image: bool = False  # macOS menu bar template images
    glib: bool = False  # appindicator, gtk: a GLib main loop runs the icon (GLib.idle_add, pystray's D-Bus notifier)

    @classmethod
    def of(cls, icon_class: Any) -> Backend:
        name = str(icon_class.__module__).rsplit(".", 1)[-1].lstrip("_")
        name = "dummy" if name in ("base", "dummy") else name  # PYSTRAY_BACKEND=dummy gives _base.Icon
        return cls(
            name=name,
            menu=bool(getattr(icon_class, "HAS_MENU", False)),
            notifications=bool(getattr(icon_class, "HAS_NOTIFICATION", False)),
            default_action=bool(getattr(icon_class, "HAS_DEFAULT_ACTION", False)),
            latin1_title=name == "xorg",
            title_is_name=name in ("appindicator", "sni"),
            label=name in ("appindicator", "sni", "darwin"),
            main_thread_ui=name == "darwin",
            template_image=name == "darwin",
            glib=name in ("appindicator", "gtk"),
        )


def display_problem(environ: Optional[dict[str, str]] = None, platform: str = sys.platform) -> Optional[str]:
    """Why a tray cannot start here, or None. Checked before importing pystray, whose import raises
    a non-ImportError without a display (docs/platform-notes.md, pystray: backends)."""
    env = os.environ if environ is None else environ
    if platform in ("darwin", "win32") or env.get("PYSTRAY_BACKEND") == "dummy":
        return None
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return (
            "no display: DISPLAY and WAYLAND_DISPLAY are unset, so there is no desktop to put a tray icon in. "
            "`claude-status menu` prints what the tray would show; `claude-status demo` runs in a terminal."
        )
    if not env.get("DBUS_SESSION_BUS_ADDRESS") and not os.path.exists(f"/run/user/{os.getuid()}/bus"):
        return (
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset): tray menus and notifications "
            "on Linux need one. Start the tray from your desktop session, or wrap it in dbus-run-session."
        )
    return None


def import_pystray(environ: Optional[dict[str, str]] = None) -> Any:
    problem = display_problem(environ)
    if problem:
        raise TrayError(problem)
    if sys.platform.startswith("linux"):
        # The tray never draws with OpenGL, but Gtk 3 opens a GL context at start-up, which maps the
        # Mesa driver and libLLVM: measured 111 MB -> 56 MB RSS with this (docs/benchmarks.md).
        os.environ.setdefault("GDK_GL", "disable")
        from . import linux

        try:
            said = linux.choose_backend(dict(os.environ if environ is None else environ))
        except linux.GiMissing as err:
            raise TrayError(str(err)) from None
        if said:
            log.warning("%s", said)
        linux.quiet_pystray()
    try:
        import pystray
    except Exception as err:  # Xlib.error.DisplayNameError is not an ImportError
        raise TrayError(f"cannot load a tray backend: {type(err).__name__}: {err}") from err
    if Backend.of(pystray.Icon).glib:
        _harden_gtk_notifier()
    return pystray


class _SafeNotifier:
    """Wraps pystray's D-Bus notifier so a missing or crashing notification daemon costs the
    notifications, not the tray (pystray 0.19.5 raises from `run()` and from `stop()` otherwise,
    docs/platform-notes.md, pystray: threads)."""

    original: Any = None

    def __init__(self) -> None:
        try:
            self._inner = self.original()
            proxy = getattr(self._inner, "_notify", None)
            # a bus with no notification daemon (none running, none activatable): the proxy is made, and
            # every Notify call would fail
            if proxy is not None and proxy.get_name_owner() is None:
                raise RuntimeError("nothing owns org.freedesktop.Notifications on the session bus")
        except Exception as err:
            log.warning("notifications disabled: no working org.freedesktop.Notifications service (%s)", err)
            self._inner = None

    def notify(self, *args: Any) -> None:
        if self._inner is not None:
            try:
                self._inner.notify(*args)
            except Exception:
                log.warning("notification failed", exc_info=True)

    def hide(self) -> None:
        if self._inner is not None:
            try:
                self._inner.hide()
            except Exception:
                log.debug("hiding the notification failed", exc_info=True)


def _harden_gtk_notifier() -> None:
    try:
        import types

        from pystray._util import gtk as gtk_util
    except Exception:  # not a gi backend (darwin, win32, xorg, dummy)
        return
    if _SafeNotifier.original is None and hasattr(gtk_util, "notify_dbus"):
        _SafeNotifier.original = gtk_util.notify_dbus.Notifier
        gtk_util.notify_dbus = types.SimpleNamespace(Notifier=_SafeNotifier)


def latin1(text: str) -> str:
    """python-xlib sends WM_NAME as Latin-1 and raises on anything else: each mark's ASCII form."""
    from core import present

    return present.ascii_text(text)


def menu_text(text: str, platform: str = sys.platform) -> str:
    # Win32 menus treat "&" as a mnemonic marker (docs/platform-notes.md, pystray: menus)
    return text.replace("&", "&&") if platform == "win32" else text


def open_path(target: str, platform: str = sys.platform) -> None:
    if not target or not os.path.exists(target):
        raise TrayError(f"{target or 'folder'} does not exist")
    if platform == "win32":
        getattr(os, "startfile")(target)  # Windows only  # noqa: B009
    elif platform == "darwin":
        subprocess.Popen(["open", target])
    else:
        subprocess.Popen(["xdg-open", target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def copy_text(text: str, platform: str = sys.platform) -> bool:
    """Put `text` on the clipboard with the platform's tool; False if none is available."""
    if platform == "darwin":
        candidates = [["pbcopy"]]
    elif platform == "win32":
        candidates = [["clip"]]
    else:
        candidates = [["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    for cmd in candidates:
        try:
            subprocess.run(cmd, input=text.encode(), check=True, timeout=3)
            return True
        except (OSError, subprocess.SubprocessError):
            continue
    return False


def autostart_enabled(platform: str, environ: dict[str, str]) -> bool:
    try:
        return autostart.is_enabled(platform, environ)
    except (OSError, ImportError):
        return False


class TrayApp:
    """Holds one index reference and the last thing shown; `tick()` does one poll-and-maybe-redraw."""

    def __init__(
        self,
        settings: Optional[settings_mod.Settings] = None,
        settings_path: Optional[str] = None,
        source: Optional[IndexSource] = None,
        environ: Optional[dict[str, str]] = None,
        platform: str = sys.platform,
        clock: Callable[[], float] = time.time,
        dirs: Optional[Dirs] = None,
    ) -> None:
        self.environ = dict(os.environ if environ is None else environ)
        self.dirs = dirs or resolve_dirs(self.environ)
        self.settings_path = settings_path or settings_mod.settings_file_in(self.dirs.config)
        if settings is None:
            settings, warning = (
                settings_mod.load(self.settings_path) if self.settings_path else (settings_mod.Settings(), None)
            )
            if warning:
                log.warning("%s", warning)
        self.settings = settings
        self.platform = platform
        self.clock = clock
        self.source = source or IndexSource(self.dirs, self.environ, settings.refresh_interval, clock)
        self.notifier = Notifier(
            settings.notification_cooldown,
            settings.notify_waiting,
            settings.notify_finished,
            reminder=settings.reminder_minutes * 60,
            memory=self.dirs.status,  # issue 12: limit notifications once per window across restarts
        )
        # pystray's notifier until `start_notifications` (run()) brings up desktop-notifier
        self.delivery: notify_mod.Delivery = notify_mod.PystrayDelivery(
            lambda: self.icon, lambda: self.backend.notifications
        )
        self.runtime_dir: Optional[str] = None  # temp files (icon theme, notification icon), removed at exit
        self.icon: Any = None
        self.pystray: Any = None
        self.backend = Backend()
        self.stop_event = threading.Event()
        self._wake = threading.Event()  # set by the file-system watcher (tray.watch) and by quit
        # the poll loop (setup thread) and menu callbacks (the UI loop) both refresh
        self._lock = threading.RLock()
        self.index: Optional[dict[str, Any]] = None
        self.autostart = autostart_enabled(platform, self.environ)
        # what is currently shown
        self.shown_title: Optional[str] = None
        self.shown_label: Optional[str] = None
        self.shown_state: Optional[view.IconState] = None
        self.shown_tooltip: Optional[tuple[str, str]] = None
        self.menu_key: Optional[tuple[view.MenuEntry, ...]] = None
        self.menu_spec: tuple[view.MenuEntry, ...] = ()
        self.menu_built_at = float("-inf")
        self.counts = {"icon": 0, "title": 0, "label": 0, "menu": 0, "notify": 0}
        self._items: tuple[Any, ...] = ()

    # ------------------------------------------------------------ pure-ish helpers

    def options(self) -> view.ViewOptions:
        return view.ViewOptions(
            max_sessions=self.settings.max_sessions,
            notifications=self.settings.notifications,
            autostart=self.autostart,
            context_warn=self.settings.context_warn,
            context_high=self.settings.context_high,
            legacy=self.source.legacy,
            icon_limits=self.settings.icon_limits,
        )

    def _ui(self, fn: Callable[[], None]) -> None:
        """Run `fn` where the platform wants UI calls: AppKit's main thread on macOS."""
        if self.platform == "darwin" and self.backend.main_thread_ui:
            from PyObjCTools import AppHelper

            AppHelper.callAfter(fn)
        else:
            fn()

    # ------------------------------------------------------------ building the pystray objects

    def _make_items(self, spec: tuple[view.MenuEntry, ...]) -> tuple[Any, ...]:
        ps = self.pystray
        items: list[Any] = []
        for e in spec:
            if e.separator:
                items.append(ps.Menu.SEPARATOR)
                continue
            text = menu_text(e.text, self.platform)
            if e.submenu is not None:
                items.append(ps.MenuItem(text, ps.Menu(*self._make_items(e.submenu))))
                continue
            action = functools.partial(self._on_action, e.action, e.arg) if e.action else None
            checked = None
            if e.checked is not None:
                value = e.checked
                checked = lambda item, value=value: value  # noqa: E731
            items.append(ps.MenuItem(text, action, enabled=e.enabled, checked=checked))
        return tuple(items)

    def create_icon(self, icon_class: Any = None) -> Any:
        if icon_class is None and self.platform.startswith("linux") and self.pystray is None:
            sni_icon = self._sni_icon()
            if sni_icon is not None:
                return sni_icon
        if self.pystray is None:
            self.pystray = import_pystray(self.environ)
        ps = self.pystray
        cls = icon_class or ps.Icon
        if icon_class is None and self.runtime_dir and Backend.of(cls).glib:
            from . import linux

            cls = linux.themed_icon_class(cls, os.path.join(self.runtime_dir, "icons"))
        elif icon_class is None and cls.__module__.endswith(("_win32", "_darwin")):
            from . import platform_icons

            make = platform_icons.win32_icon_class if cls.__module__.endswith("_win32") else \
                platform_icons.darwin_icon_class
            cls = make(cls)
        self.backend = Backend.of(cls)
        if not self.backend.menu:
            log.warning("%s", XORG_HINT)
        empty = view.IconState()
        self.icon = cls(
            "claude-status",
            # colour until the first refresh, which sets the macOS template flag along with the image
            icon=icons.render(empty, 64),
            title=self._title_for_backend("claude-status"),
            menu=ps.Menu(lambda: self._items),
        )
        return self.icon

    def _sni_icon(self) -> Any:
        """Our own StatusNotifierItem (tray.sni) when it is the Linux backend here (tray.linux.sni_backend);
        None for pystray's. pystray is not imported then."""
        problem = display_problem(self.environ)
        if problem:
            raise TrayError(problem)
        from . import linux

        cls, said = linux.sni_backend(self.environ)
        if cls is None:
            return None
        if said:
            log.warning("%s", said)
        log.info("tray backend: our own StatusNotifierItem over D-Bus (dbus-fast)")
        self.backend = Backend.of(cls)
        self.icon = cls(
            "claude-status",
            title="claude-status",
            theme_root=os.path.join(self.runtime_dir, "icons") if self.runtime_dir else None,
            menu_spec=lambda: self.menu_spec,
            on_action=self._on_action,
            on_activate=self.on_activate,
            environ=self.environ,
        )
        return self.icon

    def _template(self, state: view.IconState) -> bool:
        # a monochrome template icon suits macOS' menu bar while nothing needs attention
        return self.platform == "darwin" and not state.waiting and not state.error and state.level < 2

    def _title_for_backend(self, text: str) -> str:
        return latin1(text) if self.backend.latin1_title else text

    # ------------------------------------------------------------ refresh

    def tick(self, force: bool = False) -> bool:
        """Poll once; redraw what changed. Returns True when a new index was applied."""
        with self._lock:
            index = self.source.poll(force=force)
            if index is None:
                return False
            self.apply(index)
            return True

    def apply(self, index: dict[str, Any]) -> None:
        self.index = index
        now = self.clock()
        opts = self.options()
        title_line = view.title(index)
        tip = view.tooltip(index)
        # AppIndicator exports `title` as the SNI Title (a name, one line); elsewhere it is the tooltip
        title_attr = title_line if self.backend.title_is_name else tip
        title_attr = self._title_for_backend(title_attr)
        state = view.icon_state(index, opts)
        key = view.menu_spec(index, opts, None)
        if self.icon is None:
            return
        if state != self.shown_state:
            template = self._template(state)
            image = icons.render(state, 64, template=template)
            attention = state.waiting != (self.shown_state.waiting if self.shown_state else False)
            self.shown_state = state
            self.counts["icon"] += 1
            if hasattr(self.icon, "icon_state"):
                # each size drawn at that size: tray.linux (theme), tray.platform_icons (.ico, 18/36 pt)
                self.icon.icon_state = state
                self.icon.icon_template = template
            self._ui(lambda: self._set_icon(image, template))
            if attention and hasattr(self.icon, "set_attention"):
                self.icon.set_attention(state.waiting)  # SNI NeedsAttention while a session waits
        if title_attr != self.shown_title:
            self.shown_title = title_attr
            self.counts["title"] += 1
            self._ui(lambda: setattr(self.icon, "title", title_attr))
        if hasattr(self.icon, "set_tooltip"):  # tray.sni: the SNI ToolTip, title and one line per session
            from . import sni

            tip_pair = (title_line, sni.tooltip_body(index))
            if tip_pair != self.shown_tooltip:
                self.shown_tooltip = tip_pair
                self.icon.set_tooltip(*tip_pair)
        label = title_line if self.settings.show_label else ""
        if label != self.shown_label:
            self.shown_label = label
            self.counts["label"] += 1
            self._set_label(label)
        if key != self.menu_key or (
            now - self.menu_built_at >= MENU_AGE_REFRESH and view.menu_spec(index, opts, now) != self.menu_spec
        ):
            self.rebuild_menu(now)
        ops = self.notifier.feed(index, now)
        if not self.settings.notifications:  # still withdraw what was shown before they were switched off
            ops = [op for op in ops if isinstance(op, notify_mod.Close)]
        if ops:
            self.counts["notify"] += sum(1 for op in ops if isinstance(op, notify_mod.Notice))
            try:
                self.delivery.apply(ops)
            except Exception:
                log.warning("notification failed", exc_info=True)

    def rebuild_menu(self, now: Optional[float] = None) -> None:
        with self._lock:
            self._rebuild_menu(now)

    def _rebuild_menu(self, now: Optional[float]) -> None:
        if self.index is None or self.icon is None:
            return
        now = self.clock() if now is None else now
        opts = self.options()
        self.menu_key = view.menu_spec(self.index, opts, None)
        self.menu_spec = view.menu_spec(self.index, opts, now)
        self.menu_built_at = now
        if self.pystray is not None:  # tray.sni reads self.menu_spec itself
            self._items = self._make_items(self.menu_spec)
        self.counts["menu"] += 1
        self._ui(self.icon.update_menu)

    def _set_icon(self, image: Any, template: bool) -> None:
        self.icon.icon = image
        if self.backend.template_image:
            # pystray 0.19.5 never marks the NSImage as a template, so a black template icon would vanish
            # on a dark menu bar; mark it ourselves (already on the main thread here).
            try:
                self.icon._status_item.button().image().setTemplate_(template)
            except Exception:
                log.debug("could not set the template flag", exc_info=True)

    def _set_label(self, text: str) -> None:
        """Text beside the icon: the AppIndicator label, or the macOS status item title."""
        icon = self.icon
        if not self.backend.label:
            return
        if hasattr(icon, "set_label"):  # tray.sni: XAyatanaLabel
            icon.set_label(text)
        elif getattr(icon, "_appindicator", None) is not None:
            from gi.repository import GLib

            def set_label() -> bool:
                icon._appindicator.set_label(text, "☁️ 2s | Ctx:00%/00% | 0a | ✓")
                return False

            GLib.idle_add(set_label)
        elif getattr(icon, "_status_item", None) is not None:
            self._ui(lambda: icon._status_item.button().setTitle_(text))

    def notify(self, message: str, title: str) -> None:
        """A one-off message (About, a failed action); session notifications go through `apply`."""
        self.counts["notify"] += 1
        try:
            if isinstance(self.delivery, notify_mod.PystrayDelivery):
                self._ui(lambda: self.delivery.message(title, message))
            else:
                self.delivery.message(title, message)
        except Exception:
            log.warning("notification failed", exc_info=True)

    def start_notifications(self) -> None:
        """desktop-notifier instead of pystray's notifier (one toast per session, actions, withdrawal)."""
        if self.backend.name == "dummy":
            return
        try:
            icon_path = None
            if self.runtime_dir:
                icon_path = os.path.join(self.runtime_dir, "claude-status.png")
                icons.app_icon(128).save(icon_path)
            self.delivery = notify_mod.DesktopDelivery(self.on_notification_action, icon_path)
        except Exception as err:  # not installed, or no loop: pystray's notifier stays
            log.warning("desktop notifications unavailable (%s: %s); using the tray's own", type(err).__name__, err)

    def on_notification_action(self, action: str, session_ids: tuple[str, ...]) -> None:
        """A notification's "Show" (or a click on it) and "Open dashboard"."""
        log.info("notification action: %s %s", action, ",".join(s[:8] for s in session_ids))
        if action == notify_mod.ACTION_DASHBOARD:
            self._on_action("dashboard", None)
        elif session_ids:
            self._on_action("focus", session_ids[0])

    def on_activate(self) -> None:
        """A left click where the host does not open the menu (SNI Activate): focus the session that waits
        for you, the first one in the menu; nothing when none waits."""
        with self._lock:
            index = self.index or {}
        from core import present

        rows = present.menu_order(view.active_rows(index))
        if rows and present.state(rows[0]) == "waiting":
            self._on_action("focus", str(rows[0].get("session_id") or ""))

    # ------------------------------------------------------------ actions (menu callbacks)

    def _on_action(self, action: str, arg: Optional[str], icon: Any = None, item: Any = None) -> None:
        try:
            self.ACTIONS[action](self, arg)
        except Exception as err:
            if isinstance(err, TrayError):  # said to the user: one line (the traceback only with --debug)
                log.warning("menu action %s failed: %s", action, err)
                log.debug("menu action %s", action, exc_info=True)
            else:
                log.error("menu action %s failed", action, exc_info=True)
            msg = str(err) if isinstance(err, TrayError) else f"{type(err).__name__}: {err}"
            self.notify(msg, f"claude-status: {action} failed")

    def do_refresh(self, arg: Optional[str] = None) -> None:
        log.info("action: refresh")
        self.tick(force=True)

    def do_cleanup(self, arg: Optional[str] = None) -> None:
        removed = self.source.cleanup_stale()
        log.info("action: cleanup removed %d", removed)
        self.tick(force=True)

    def do_toggle_notifications(self, arg: Optional[str] = None) -> None:
        self.settings.notifications = not self.settings.notifications
        settings_mod.save(self.settings, self.settings_path)
        log.info("action: notifications %s", "on" if self.settings.notifications else "off")
        self.rebuild_menu()

    def do_toggle_autostart(self, arg: Optional[str] = None) -> None:
        if self.autostart:
            autostart.disable(self.platform, self.environ)
        else:
            autostart.enable(self.platform, self.environ)
        self.autostart = not self.autostart
        log.info("action: autostart %s", "on" if self.autostart else "off")
        self.rebuild_menu()

    def do_focus(self, arg: Optional[str]) -> None:
        from . import focus

        ok, what = focus.focus_session(arg or "", self.source.sdir)
        log.info("action: focus %s: %s", (arg or "")[:8], what)
        if not ok:
            raise TrayError(what)

    def do_open_path(self, arg: Optional[str]) -> None:
        open_path(arg or "", self.platform)

    def do_copy(self, arg: Optional[str]) -> None:
        if not copy_text(arg or "", self.platform):
            self.notify(arg or "", "No clipboard tool found; the session id is")

    def do_dashboard(self, arg: Optional[str] = None) -> None:
        try:
            from dashboard import server
        except ImportError as err:
            raise TrayError("the dashboard is not installed in this build") from err
        from core import present

        # what the tray shows (its resolved dirs, --dir included), not whatever the environment says
        url = server.start_background(
            host="127.0.0.1", port=0, status_dir=self.source.sdir, claude_dir=self.dirs.claude,
            context_thresholds=present.thresholds(self.settings.context_warn, self.settings.context_high),
        )
        webbrowser.open(url)

    def do_about(self, arg: Optional[str] = None) -> None:
        self.notify(
            f"claude-status-tray {__version__}\nstatus dir: {self.source.sdir}\nbackend: {self.backend.name}",
            "About claude-status",
        )

    def do_quit(self, arg: Optional[str] = None) -> None:
        log.info("action: quit")
        self.stop_event.set()
        self._wake.set()
        if self.icon is not None:
            self.icon.stop()

    # every `MenuEntry.action` of `view.menu_spec` -> its handler (tests check both directions)
    ACTIONS: ClassVar[dict[str, Callable[[TrayApp, Optional[str]], None]]] = {
        "refresh": do_refresh,
        "cleanup": do_cleanup,
        "toggle_notifications": do_toggle_notifications,
        "toggle_autostart": do_toggle_autostart,
        "open_path": do_open_path,
        "copy": do_copy,
        "focus": do_focus,
        "dashboard": do_dashboard,
        "about": do_about,
        "quit": do_quit,
    }

    # ------------------------------------------------------------ run

    def _setup(self, icon: Any) -> None:
        from .watch import Watcher

        wake = self._wake
        watcher = Watcher(self.source.sdir, wake.set)
        try:
            self._ui(lambda: setattr(icon, "visible", True))
            if self.settings.watch_files:
                watcher.start()  # a status file changed: tick now instead of at the next poll
            self.tick(force=True)
            docker = None
            if self.backend.name == "xorg" and self.platform.startswith("linux"):
                from .linux import XorgDocker

                docker = XorgDocker(icon)
            from . import linux

            # the XEmbed icon stands in for a missing SNI host: look for one now and then
            sni_check = self.backend.name == "gtk" and bool(linux.chosen.get("backend"))
            next_sni_check = time.monotonic() + SNI_CHECK_EVERY
            while not self.stop_event.is_set():
                wake.wait(self.settings.poll_interval)
                wake.clear()
                if self.stop_event.is_set():
                    break
                try:
                    self.tick()
                    if docker is not None:
                        docker.check(time.monotonic())
                    if sni_check and time.monotonic() >= next_sni_check:
                        next_sni_check = time.monotonic() + SNI_CHECK_EVERY
                        self._restart_for_sni_host()
                except Exception:
                    log.error("refresh failed", exc_info=True)
        except Exception:
            log.error("tray setup failed", exc_info=True)
        finally:
            watcher.stop()

    def run(self) -> None:
        import shutil
        import tempfile

        from core import store

        # one tray per config dir (Start at login plus a `claude-status tray` typed later: one icon);
        # released at exit, and across the exec of a restart (the descriptor is not inherited)
        os.makedirs(self.dirs.config, exist_ok=True)
        single = store.DirLock(os.path.join(self.dirs.config, "tray.lock"), timeout=0.0)
        try:
            single.__enter__()
        except TimeoutError:
            raise TrayError("the tray is already running (%s is held)" % single.path) from None
        self.runtime_dir = tempfile.mkdtemp(prefix="claude-status-tray-")
        try:
            icon = self.create_icon()
            if self.platform == "darwin":
                _hide_dock_icon()
            install_excepthook(self)
            self.start_notifications()
            self._quit_on_signals()
            icon.run(setup=self._setup)
        finally:
            self.stop_event.set()
            with contextlib.suppress(Exception):
                self.delivery.close()
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
            single.__exit__()
        if self.restart_argv:
            # a StatusNotifierItem host appeared: start again as an AppIndicator (menu, label, attention)
            from . import linux

            if linux.chosen.pop("backend", None):
                os.environ.pop("PYSTRAY_BACKEND", None)
            sys.stdout.flush()
            sys.stderr.flush()
            os.execv(self.restart_argv[0], self.restart_argv)

    restart_argv: Optional[list[str]] = None

    def _restart_for_sni_host(self) -> None:
        """Called from the refresh loop: the XEmbed icon was chosen because no SNI host ran; when one
        appears (a panel started after the tray, GNOME's AppIndicator extension enabled), restart as an
        AppIndicator (menu on Wayland, label, NeedsAttention)."""
        from . import linux

        if self.restart_argv or linux.sni_host_present(self.environ) is not True:
            return
        log.warning("a StatusNotifierItem host appeared on the session bus: restarting the tray to use it")
        self.restart_argv = linux.restart_argv()
        self.do_quit()

    def _quit_on_signals(self) -> None:
        """SIGTERM (logout, `kill`) and SIGINT end the tray like Quit does, so its temp files go too."""
        import signal

        def quit_now(*_: Any) -> bool:
            log.info("signal: quitting")
            threading.Thread(target=self.do_quit, daemon=True).start()
            return False

        if self.backend.glib:
            from gi.repository import GLib

            for sig in (signal.SIGTERM, signal.SIGINT):
                GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, quit_now)
        elif threading.current_thread() is threading.main_thread() and self.platform != "win32":
            signal.signal(signal.SIGTERM, quit_now)


def _hide_dock_icon() -> None:
    try:
        import AppKit

        AppKit.NSApplication.sharedApplication().setActivationPolicy_(AppKit.NSApplicationActivationPolicyAccessory)
    except Exception:
        log.debug("could not hide the Dock icon", exc_info=True)


def install_excepthook(app: TrayApp) -> None:
    """Log uncaught errors and tell the user; the icon never dies silently (docs/platform-notes.md, design rules)."""

    def hook(exc_type: Any, exc: BaseException, tb: Any) -> None:
        log.error("uncaught: %s", "".join(traceback.format_exception(exc_type, exc, tb)))
        with contextlib.suppress(Exception):
            app.notify(f"{exc_type.__name__}: {exc}", "claude-status hit an error")

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(args.exc_type, args.exc_value, args.exc_traceback)  # type: ignore[arg-type]
