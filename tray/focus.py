"""Bring a session's terminal to the front: `focus_session(session_id, status_dir)`.

Best effort, one place after another, each told by the Claude process (the status file's `pid`) and its
ancestors (psutil):

1. tmux: the pane whose process tree holds the pid (its server's socket comes from the pane's `TMUX`
   variable); select its window and pane, switch an attached client to its session, then raise the
   terminal window that shows that client (step 3 with the client's pid).
2. VS Code / Cursor (the integrated terminal sets `TERM_PROGRAM=vscode`): open the project folder with
   the editor's command-line tool, which brings that window forward.
3. X11 (`DISPLAY`): the top-level window whose `_NET_WM_PID` is the nearest ancestor, activated with an
   EWMH `_NET_ACTIVE_WINDOW` message (python-xlib, pystray's own X library).
4. macOS: Terminal or iTerm2, the tab whose tty is the process's tty (AppleScript).
5. Windows: the top-level window of the nearest ancestor (Windows Terminal), else the process's console.

Returns `(True, what was focused)` or `(False, one line saying why not)`; never raises. Used by the tray
menu, the notification's "Show" action, the dashboard's Focus button and `claude-status focus`.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

log = logging.getLogger("claude-status.focus")

Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=5, check=False)


class NotFound(LookupError):
    """No session, or an ambiguous prefix."""


# ------------------------------------------------------------------ the session record


def find_session(session_id: str, status_dir: str) -> dict[str, Any]:
    """The status record of `session_id` (the full id or a unique prefix). Raises NotFound."""
    from core import aggregate

    key = (session_id or "").strip()
    if not key:
        raise NotFound("no session id given")
    try:
        entries, _ = aggregate.load_sessions(status_dir)
    except OSError as err:
        raise NotFound(f"cannot read {status_dir}: {err.strerror or err}") from err
    # core.record.Entry: the record beside what the reader learned (a newer version's file has no record)
    sessions = [e.record for e in entries if isinstance(getattr(e, "record", None), dict)]
    exact = [s for s in sessions if s.get("session_id") == key]
    if exact:
        return exact[0]
    matches = [s for s in sessions if str(s.get("session_id", "")).startswith(key)]
    if not matches:
        raise NotFound(f"no session {key!r} in {status_dir}")
    if len(matches) > 1:
        ids = ", ".join(sorted(str(s.get("session_id"))[:12] for s in matches)[:5])
        raise NotFound(f"{key!r} matches {len(matches)} sessions ({ids}); give more of the id")
    return matches[0]


# ------------------------------------------------------------------ processes


@dataclass
class Proc:
    pid: int
    name: str
    environ: dict[str, str] = field(default_factory=dict)
    tty: Optional[str] = None


def ancestry(pid: int) -> list[Proc]:
    """`pid` and its ancestors, nearest first (empty when the process is gone)."""
    import psutil

    out: list[Proc] = []
    try:
        p: Any = psutil.Process(pid)
    except (psutil.Error, ValueError):
        return out
    seen: set[int] = set()
    while p is not None and p.pid not in seen and p.pid > 0:
        seen.add(p.pid)
        try:
            name = p.name()
        except psutil.Error:
            name = ""
        try:
            env = p.environ()
        except (psutil.Error, OSError):
            env = {}
        try:
            tty = p.terminal()
        except (psutil.Error, AttributeError, OSError):  # terminal() is POSIX only
            tty = None
        out.append(Proc(p.pid, name, env, tty))
        try:
            p = p.parent()
        except psutil.Error:
            break
    return out


# ------------------------------------------------------------------ tmux


@dataclass
class TmuxPane:
    socket: str
    pane_id: str
    session: str
    window_id: str
    window_index: str
    pane_index: str


def _tmux_socket(chain: list[Proc]) -> Optional[str]:
    for p in chain:
        value = p.environ.get("TMUX")
        if value:
            return value.split(",")[0]
    return None


def find_tmux_pane(chain: list[Proc], run: Runner = _run) -> Optional[TmuxPane]:
    socket = _tmux_socket(chain)
    if not socket or shutil.which("tmux") is None:
        return None
    fmt = "#{pane_id}\t#{pane_pid}\t#{session_name}\t#{window_id}\t#{window_index}\t#{pane_index}"
    r = run(["tmux", "-S", socket, "list-panes", "-a", "-F", fmt])
    if r.returncode != 0:
        return None
    pids = [p.pid for p in chain]
    panes: dict[int, TmuxPane] = {}
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 6 and parts[1].isdigit():
            panes[int(parts[1])] = TmuxPane(socket, parts[0], parts[2], parts[3], parts[4], parts[5])
    for pid in pids:  # nearest first: a nested tmux's pane wins over the outer one
        if pid in panes:
            return panes[pid]
    return None


def focus_tmux(pane: TmuxPane, run: Runner = _run, raise_pid: Optional[Callable[[int], tuple[bool, str]]] = None
               ) -> tuple[bool, str]:
    t = ["tmux", "-S", pane.socket]
    where = f"tmux pane {pane.session}:{pane.window_index}.{pane.pane_index}"
    for cmd in (["select-window", "-t", pane.window_id], ["select-pane", "-t", pane.pane_id]):
        r = run(t + cmd)
        if r.returncode != 0:
            return False, f"tmux {cmd[0]} failed: {(r.stderr or r.stdout).strip()[:200]}"
    r = run([*t, "list-clients", "-F", "#{client_name}\t#{client_pid}\t#{session_name}\t#{client_activity}"])
    clients = []
    for line in r.stdout.splitlines() if r.returncode == 0 else []:
        parts = line.split("\t")
        if len(parts) == 4 and parts[1].isdigit():
            clients.append((parts[2] == pane.session, int(parts[3]) if parts[3].isdigit() else 0, parts[0],
                            int(parts[1])))
    if not clients:
        return False, (f"selected {where}, but no client is attached to that tmux server: "
                       f"run `tmux -S {pane.socket} attach -t {pane.session}`")
    # a client already on that session, else the most recently active one, switched over
    clients.sort(reverse=True)
    on_session, _, name, client_pid = clients[0]
    if not on_session:
        r = run([*t, "switch-client", "-c", name, "-t", pane.session])
        if r.returncode != 0:
            return False, f"selected {where}, but tmux switch-client failed: {(r.stderr or r.stdout).strip()[:200]}"
    if raise_pid is not None:
        ok, what = raise_pid(client_pid)
        if ok:
            return True, f"{where} in {what}"
    return True, where


# ------------------------------------------------------------------ X11 (EWMH)


def x11_window_for(pids: list[int], display: Any) -> Optional[int]:
    """The top-level window whose `_NET_WM_PID` is the first of `pids` that has one."""
    root = display.screen().root
    wm_pid = display.intern_atom("_NET_WM_PID")
    client_list = root.get_full_property(display.intern_atom("_NET_CLIENT_LIST"), 0)
    windows = [display.create_resource_object("window", w) for w in client_list.value] if client_list else []
    # Then the root's children: there is no EWMH window manager, or it never adopted a window (one mapped
    # before it started, or it restarted), so _NET_CLIENT_LIST lacks it although its _NET_WM_PID is set.
    windows += list(root.query_tree().children)
    by_pid: dict[int, int] = {}
    for w in windows:
        try:
            prop = w.get_full_property(wm_pid, 0)
        except Exception:  # the window went away meanwhile (BadWindow)
            continue
        if prop is not None and len(prop.value):
            by_pid.setdefault(int(prop.value[0]), w.id)
    for pid in pids:
        if pid in by_pid:
            return by_pid[pid]
    return None


def activate_x11(pids: list[int], environ: Optional[dict[str, str]] = None) -> tuple[bool, str]:
    env = os.environ if environ is None else environ
    if not env.get("DISPLAY"):
        return False, "no X display (DISPLAY is unset)"
    try:
        from Xlib import X, protocol
        from Xlib import display as xdisplay
    except ImportError:
        return False, "python-xlib is not installed"
    try:
        d = xdisplay.Display(env["DISPLAY"])
    except Exception as err:
        return False, f"cannot open X display {env['DISPLAY']}: {err}"
    try:
        wid = x11_window_for(pids, d)
        if wid is None:
            return False, "no X11 window belongs to the session's process or its ancestors"
        root = d.screen().root
        win = d.create_resource_object("window", wid)
        mask = X.SubstructureRedirectMask | X.SubstructureNotifyMask
        desktop = win.get_full_property(d.intern_atom("_NET_WM_DESKTOP"), 0)
        if desktop is not None and len(desktop.value) and int(desktop.value[0]) != 0xFFFFFFFF:
            ev = protocol.event.ClientMessage(window=root, client_type=d.intern_atom("_NET_CURRENT_DESKTOP"),
                                              data=(32, [int(desktop.value[0]), X.CurrentTime, 0, 0, 0]))
            root.send_event(ev, event_mask=mask)
        # source indication 2: a pager-like tool acting for the user, which focus-stealing prevention allows
        ev = protocol.event.ClientMessage(window=win, client_type=d.intern_atom("_NET_ACTIVE_WINDOW"),
                                          data=(32, [2, X.CurrentTime, 0, 0, 0]))
        root.send_event(ev, event_mask=mask)
        win.map()
        win.raise_window()
        d.flush()
        name = win.get_wm_name() or ""
        if not name:
            net_name = win.get_full_property(d.intern_atom("_NET_WM_NAME"), 0)
            name = net_name.value.decode("utf-8", "replace") if net_name is not None else ""
        return True, f"X11 window 0x{wid:x}" + (f" ({name[:60]})" if name else "")
    except Exception as err:
        return False, f"X11 activation failed: {type(err).__name__}: {err}"
    finally:
        d.close()


# ------------------------------------------------------------------ macOS

_TERMINAL_SCRIPT = """
on run argv
  set theTty to item 1 of argv
  tell application "Terminal"
    repeat with w in windows
      repeat with t in tabs of w
        if tty of t is theTty then
          set selected of t to true
          set index of w to 1
          activate
          return "ok"
        end if
      end repeat
    end repeat
  end tell
  return "none"
end run
"""

_ITERM_SCRIPT = """
on run argv
  set theTty to item 1 of argv
  tell application "iTerm2"
    repeat with w in windows
      repeat with t in tabs of w
        repeat with s in sessions of t
          if tty of s is theTty then
            select w
            select t
            select s
            activate
            return "ok"
          end if
        end repeat
      end repeat
    end repeat
  end tell
  return "none"
end run
"""


def focus_macos(chain: list[Proc], run: Runner = _run) -> tuple[bool, str]:
    tty = next((p.tty for p in chain if p.tty), None)
    if not tty:
        return False, "the session's process has no terminal (tty)"
    program = next((p.environ.get("TERM_PROGRAM") for p in chain if p.environ.get("TERM_PROGRAM")), "")
    names = {p.name for p in chain}
    apps = []
    if program == "iTerm.app" or "iTerm2" in names:
        apps.append(("iTerm2", _ITERM_SCRIPT))
    if program == "Apple_Terminal" or "Terminal" in names:
        apps.append(("Terminal", _TERMINAL_SCRIPT))
    if not apps:
        apps = [("Terminal", _TERMINAL_SCRIPT), ("iTerm2", _ITERM_SCRIPT)]
    for app, script in apps:
        r = run(["osascript", "-e", script, tty])
        if r.returncode == 0 and r.stdout.strip() == "ok":
            return True, f"{app} tab on {tty}"
    return False, f"no Terminal or iTerm2 tab shows {tty}"


# ------------------------------------------------------------------ VS Code / Cursor


def editor_for(chain: list[Proc]) -> Optional[str]:
    """"code" or "cursor" when the session runs in that editor's integrated terminal."""
    env: dict[str, str] = {}
    for p in reversed(chain):  # nearest last: the Claude process's own variables win
        env.update(p.environ)
    names = " ".join(p.name.lower() for p in chain)
    if env.get("TERM_PROGRAM") != "vscode" and "code" not in names and "cursor" not in names:
        return None
    if "cursor" in names or any(k.startswith("CURSOR_") for k in env):
        return "cursor"
    return "code"


def focus_editor(editor: str, cwd: str, run: Runner = _run) -> tuple[bool, str]:
    label = {"code": "VS Code", "cursor": "Cursor"}[editor]
    exe = shutil.which(editor)
    if exe is None:
        return False, f"the session runs in {label}, but its `{editor}` command is not on PATH"
    if not cwd or not os.path.isdir(cwd):
        return False, f"the session's folder {cwd!r} does not exist"
    r = run([exe, cwd])
    if r.returncode != 0:
        return False, f"`{editor} {cwd}` failed: {(r.stderr or r.stdout).strip()[:200]}"
    return True, f"{label} window of {cwd}"


# ------------------------------------------------------------------ Windows


def focus_windows(pids: list[int]) -> tuple[bool, str]:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    user32 = ctypes.windll.user32  # type: ignore[attr-defined]
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    found: dict[int, int] = {}

    @ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
    def each(hwnd: int, _: int) -> bool:
        if user32.IsWindowVisible(hwnd):
            owner = wintypes.DWORD()
            user32.GetWindowThreadProcessId(hwnd, ctypes.byref(owner))
            found.setdefault(owner.value, hwnd)
        return True

    user32.EnumWindows(each, 0)
    hwnd = next((found[p] for p in pids if p in found), None)
    what = "window"
    if hwnd is None:
        # a classic console belongs to conhost, not to an ancestor: attach to the process's console
        kernel32.FreeConsole()
        if kernel32.AttachConsole(pids[0]):
            hwnd = kernel32.GetConsoleWindow() or None
            kernel32.FreeConsole()
            what = "console window"
    if not hwnd:
        return False, "no window belongs to the session's process or its ancestors"
    user32.ShowWindow(hwnd, 9)  # SW_RESTORE
    if not user32.SetForegroundWindow(hwnd):
        return False, "Windows refused to bring the window to the front"
    return True, f"{what} 0x{hwnd:x}"


# ------------------------------------------------------------------ the entry point


def raise_terminal(pid: int, platform: str = sys.platform, environ: Optional[dict[str, str]] = None,
                   run: Runner = _run) -> tuple[bool, str]:
    """Raise the window that shows process `pid` (a terminal running it, or one of its ancestors)."""
    chain = ancestry(pid)
    if not chain:
        return False, f"process {pid} is gone"
    return _raise_window(chain, platform, environ, run)


def _raise_window(chain: list[Proc], platform: str, environ: Optional[dict[str, str]], run: Runner) -> tuple[bool, str]:
    """The platform's way to raise the window that shows one of `chain` (a process and its ancestors)."""
    if platform == "darwin":
        return focus_macos(chain, run)
    if platform == "win32":
        return focus_windows([p.pid for p in chain])
    return activate_x11([p.pid for p in chain], environ)


def focus_record(record: dict[str, Any], platform: str = sys.platform, environ: Optional[dict[str, str]] = None,
                 run: Runner = _run) -> tuple[bool, str]:
    pid = record.get("pid")
    cwd = str(record.get("cwd") or "")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False, "the session's Claude process is not known yet (no pid in its status file)"
    chain = ancestry(pid)
    if not chain:
        return False, f"the session's Claude process ({pid}) is not running"
    pane = find_tmux_pane(chain, run)
    if pane is not None:
        return focus_tmux(pane, run, lambda p: raise_terminal(p, platform, environ, run))
    editor = editor_for(chain)
    if editor is not None:
        return focus_editor(editor, cwd, run)
    return _raise_window(chain, platform, environ, run)


def focus_session(session_id: str, status_dir: str) -> tuple[bool, str]:
    """Bring the terminal of `session_id` (an id or a unique prefix) in `status_dir` to the front.
    `(True, what was focused)` or `(False, a one-line reason)`; never raises."""
    try:
        record = find_session(session_id, status_dir)
        ok, what = focus_record(record)
    except NotFound as err:
        return False, str(err)
    except Exception as err:  # best effort: a broken platform tool is a reason, not a crash
        log.warning("focus %s failed", session_id, exc_info=True)
        return False, f"focus failed: {type(err).__name__}: {err}"
    log.debug("focus %s: %s %s", session_id[:8], "ok" if ok else "no", what)
    return ok, " ".join(what.split())
