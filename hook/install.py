"""Register (or remove) our hook in Claude Code's user ``settings.json``.

Merging rules: every other setting and hook is kept as it is; the file is backed up before it changes;
a file that is not valid JSON is never touched; our own entries are recognised exactly (the whole
command, parsed), never by substring.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Callable

from core import jsonio, paths, store

# First Claude Code version that knows each event (docs/platform-notes.md, Claude Code). An event whose first version
# is unknown there counts as needing 2.1.240, the newest documented version.
EVENTS: dict = {
    "SessionStart": (1, 0, 62),
    "UserPromptSubmit": (1, 0, 54),
    "PreToolUse": (1, 0, 38),
    "PostToolUse": (1, 0, 38),
    "PostToolUseFailure": (2, 1, 240),
    "PermissionRequest": (2, 0, 45),
    "Notification": (1, 0, 38),
    "Stop": (1, 0, 38),
    "StopFailure": (2, 1, 78),
    "SubagentStart": (2, 0, 43),
    "SubagentStop": (1, 0, 38),
    "PreCompact": (1, 0, 48),
    "PostCompact": (2, 1, 76),
    "SessionEnd": (1, 0, 85),
    "PermissionDenied": (2, 1, 89),
    # No documented first version: only from the version the real-client suite runs and sees sending it
    # (tests/realclient, docs/claude-code-compat.md); an unknown name makes Claude Code skip the whole file.
    "PostToolBatch": (2, 1, 332),
}
EXEC_FORM_SINCE = (2, 1, 139)
ASYNC_SINCE = (2, 1, 23)
UNKNOWN_VERSION_EVENTS_UPTO = (2, 0, 45)
TIMEOUT_SECONDS = 10
FROZEN_HOOK_NAMES = ("claude-status-hook", "claude-status-hook.exe")
_CODE_PREFIX = "import sys;sys.path.insert(0,"
_CODE_SUFFIX = ");from hook.main import main;main()"
_CODE_RE = re.compile(re.escape(_CODE_PREFIX) + r'("(?:[^"\\]|\\.)*")' + re.escape(_CODE_SUFFIX))


class InstallError(Exception):
    """A clear, one-line reason why settings.json was not changed."""


def parse_version(text: object) -> tuple | None:
    """``(2, 1, 259)`` from ``2.1.259 (Claude Code)`` or ``2.1.259``; None if there is no version."""
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", text) if isinstance(text, str) else None
    return tuple(int(g) for g in m.groups()) if m else None


def detect_claude_version(timeout: float = 5.0) -> str | None:
    """``claude --version`` of the installed Claude Code, or None when it cannot be run."""
    import shutil
    import subprocess

    exe = shutil.which("claude")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    v = parse_version(out.stdout)
    return ".".join(map(str, v)) if v else None


def package_root() -> str:
    """The directory that holds the ``hook`` and ``core`` packages."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def canonical_python(path: str) -> str:
    """One name for one interpreter: ``.venv/bin/python`` and ``.venv/bin/python3`` are the same file, and
    whichever name started us must not make two installs disagree (and rewrite settings.json)."""
    folder = os.path.dirname(path)
    for name in ("python3", "python", "python3.exe", "python.exe"):
        candidate = os.path.join(folder, name)
        try:
            if os.path.samefile(candidate, path):
                return candidate
        except OSError:
            continue
    return path


def hook_argv(python: str | None = None, root: str | None = None) -> list:
    """The command we register: an absolute interpreter run with ``-I -S`` (no site, no env, no cwd on
    sys.path) over the compiled ``hook`` package, so no shell profile, shim or ``uv run`` is involved."""
    python = python or canonical_python(sys.executable)
    root = root or package_root()
    if sys.platform == "win32":  # pragma: no cover - Git Bash eats unquoted backslashes
        root = root.replace("\\", "/")
    return [python, "-I", "-S", "-c", _CODE_PREFIX + jsonio.dumps(root) + _CODE_SUFFIX]


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def handler(version: tuple | None, argv: list | None = None) -> dict:
    """The settings.json handler for ``version`` (None: unknown, the oldest safe shape)."""
    argv = argv or hook_argv()
    if version is not None and version >= EXEC_FORM_SINCE:
        h: dict = {"type": "command", "command": argv[0], "args": list(argv[1:])}
    else:
        h = {"type": "command", "command": " ".join(_quote(a) for a in argv)}
    h["timeout"] = TIMEOUT_SECONDS
    if version is not None and version >= ASYNC_SINCE:
        h["async"] = True
    return h


def events_for(version: tuple | None) -> list:
    limit = UNKNOWN_VERSION_EVENTS_UPTO if version is None else version
    return [name for name, since in EVENTS.items() if since <= limit]


def argv_of(h: dict) -> list | None:
    """The command line a settings.json handler runs (exec form ``command`` + ``args``, else the shell
    ``command`` split like a POSIX shell); None when it is not a well-formed command handler."""
    command = h.get("command")
    if not isinstance(command, str):
        return None
    args = h.get("args")
    if args is not None:
        return [command, *args] if isinstance(args, list) and all(isinstance(a, str) for a in args) else None
    import shlex

    try:
        return shlex.split(command)
    except ValueError:
        return None


def is_ours(h: object) -> bool:
    """True only for a handler whose whole command is one we generate (any interpreter, any path)."""
    if not isinstance(h, dict) or h.get("type", "command") != "command":
        return False
    argv = argv_of(h)
    if not argv:
        return False
    if len(argv) == 1:
        return os.path.basename(argv[0].replace("\\", "/")) in FROZEN_HOOK_NAMES
    return hook_root(argv) is not None


def hook_root(argv: list) -> str | None:
    """The dir holding the ``hook`` package that a command we generate (``hook_argv``) runs, else None."""
    if len(argv) != 5 or argv[1:4] != ["-I", "-S", "-c"]:
        return None
    m = _CODE_RE.fullmatch(argv[4])
    if not m:
        return None
    try:
        root = jsonio.loads(m.group(1))
    except ValueError:
        return None
    return root if isinstance(root, str) else None


def _strip_ours(hooks: dict) -> int:
    """Remove our handlers (and the groups/events left empty by that) in place; returns how many."""
    removed = 0
    for event in list(hooks):
        groups = hooks[event]
        if not isinstance(groups, list):
            continue
        kept_groups = []
        for group in groups:
            inner = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(inner, list):
                kept_groups.append(group)
                continue
            kept = [h for h in inner if not is_ours(h)]
            removed += len(inner) - len(kept)
            if kept or len(kept) == len(inner):
                group["hooks"] = kept
                kept_groups.append(group)
        if kept_groups or not groups:
            hooks[event] = kept_groups
        else:
            del hooks[event]
    return removed


def _load(path: str) -> tuple[dict, bytes | None]:
    try:
        raw = store.read_bytes(path, 64 * 1024 * 1024)
    except FileNotFoundError:
        return {}, None
    except IsADirectoryError:
        raise InstallError("%s is a directory, not a settings file; nothing was written" % path) from None
    except OSError as exc:
        raise InstallError("cannot read %s: %s" % (path, exc.strerror or exc)) from None
    import json

    try:
        settings = json.loads(raw.decode("utf-8-sig")) if raw.strip() else {}
    except ValueError as exc:
        raise InstallError("%s is not valid JSON (%s); fix it first, nothing was written" % (path, exc)) from None
    if not isinstance(settings, dict):
        raise InstallError("%s does not hold a JSON object; nothing was written" % path)
    if not isinstance(settings.get("hooks", {}), dict):
        raise InstallError('"hooks" in %s is not an object; nothing was written' % path)
    return settings, raw


def _render(original: bytes | None, settings: dict) -> bytes:
    """The new file: the original text with only what changed re-rendered (``hook.jsonedit``)."""
    from hook import jsonedit

    text = original.decode("utf-8") if original is not None else ""
    return jsonedit.splice(text, settings).encode("utf-8")


# Backups: one a day (the first version of that day), the newest KEEP_BACKUPS kept. Older versions of this
# installer wrote settings.json.bak-YYYYMMDD-HHMMSS[-N]: those are ours too, and pruned the same way.
BACKUP_TAG = ".bak-claude-status-"
KEEP_BACKUPS = 3
_BACKUP_RE = re.compile(r"(?:%s(\d{8})|\.bak-(\d{8})-(\d{6})(?:-\d+)?)" % re.escape(BACKUP_TAG))


def backups(path: str) -> list:
    """Our backups of the settings file at ``path``, oldest first."""
    path = os.path.realpath(path)
    folder, base = os.path.split(path)
    found = []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        if not name.startswith(base):
            continue
        m = _BACKUP_RE.fullmatch(name[len(base):])
        if m:
            day = m.group(1) or m.group(2)
            found.append((day, m.group(3) or "999999", os.path.join(folder, name)))
    return [p for _, _, p in sorted(found)]


def prune_backups(path: str, keep: int = KEEP_BACKUPS, dry_run: bool = False) -> list:
    """Remove our backups beyond the newest ``keep``; returns the removed (or, dry, removable) paths."""
    doomed = backups(path)[:-keep] if keep > 0 else backups(path)
    if not dry_run:
        for p in doomed:
            _unlink(p)
    return doomed


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        return


def _write(path: str, original: bytes | None, data: bytes, now: float | None = None) -> str | None:
    """Back up the original (at most once a day), then replace atomically, through a symlink (dotfile
    managers) and keeping the file's mode. Returns the backup that holds the day's first version."""
    backup = None
    path = os.path.realpath(path)
    store.ensure_dir(os.path.dirname(path))
    if original is not None:
        backup = path + BACKUP_TAG + time.strftime("%Y%m%d", time.localtime(now))
        if not os.path.exists(backup):
            store.atomic_write(backup, original)
        prune_backups(path)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = None
    store.atomic_write(path, data)
    if mode is not None:
        os.chmod(path, mode)
    return backup


class SettingsEdit:
    """What ``update_settings`` did (or would do, with ``dry_run``)."""

    def __init__(self, path: str, changed: bool, backup: str | None, text: bytes, before: dict,
                 after: dict) -> None:
        self.path, self.changed, self.backup, self.text = path, changed, backup, text
        self.before, self.after = before, after


def read_settings(config_dir: str | None = None) -> dict:
    """Claude Code's user settings as a dict ({} when the file does not exist). Raises InstallError."""
    return _load(paths.settings_path(config_dir))[0]


def update_settings(mutate: Callable[[dict], object], config_dir: str | None = None,
                    dry_run: bool = False, now: float | None = None) -> SettingsEdit:
    """The one writer of Claude Code's ``settings.json``. ``mutate(settings)`` edits the parsed dict in place
    (its return value is ignored); the file is then rewritten by splicing, so every part that did not
    change keeps its exact text. Backs up at most once a day. Raises InstallError (nothing written)."""
    import copy

    path = paths.settings_path(config_dir)
    settings, original = _load(path)
    before = copy.deepcopy(settings)
    mutate(settings)
    after = settings
    from hook import jsonedit

    try:
        data = _render(original, after) if original is None or not jsonedit.same(after, before) else original
    except ValueError as exc:  # json.loads accepted what our parser did not: never rewrite it blind
        raise InstallError("cannot edit %s (%s); nothing was written" % (path, exc)) from None
    changed = data != original
    backup = _write(path, original, data, now) if changed and not dry_run else None
    return SettingsEdit(path, changed, backup, data, before, after)


class Result:
    """What an install or uninstall did (or would do, with ``dry_run``)."""

    def __init__(self, path: str, changed: bool, events: list, removed: int, backup: str | None,
                 version: str | None, handler: dict | None, text: bytes) -> None:
        self.path, self.changed, self.events, self.removed = path, changed, events, removed
        self.backup, self.version, self.handler, self.text = backup, version, handler, text


def merged(settings: dict, h: dict, events: list) -> int:
    """Put our handler ``h`` on ``events`` in ``settings`` (in place), replacing any of ours; returns how many
    of ours were removed first. Raises InstallError for a hooks entry that is not a list."""
    hooks = settings.setdefault("hooks", {})
    removed = _strip_ours(hooks)
    for event in events:
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise InstallError('"hooks.%s" in settings.json is not a list; nothing was written' % event)
        groups.append({"hooks": [dict(h)]})
    return removed


def install(config_dir: str | None = None, claude_version: str | None = None, dry_run: bool = False,
            argv: list | None = None, detect: bool = True, now: float | None = None) -> Result:
    """Register our hook for every event the installed Claude Code knows. Idempotent. Raises InstallError."""
    version_text = claude_version or (detect_claude_version() if detect else None)
    version = parse_version(version_text)
    h = handler(version, argv)
    events = events_for(version)
    removed: list = []
    edit = update_settings(lambda s: removed.append(merged(s, h, events)), config_dir, dry_run, now)
    return Result(edit.path, edit.changed, events, removed[0], edit.backup, version_text, h, edit.text)


def uninstall(config_dir: str | None = None, dry_run: bool = False, now: float | None = None) -> Result:
    """Remove exactly our handlers. Raises InstallError."""
    path = paths.settings_path(config_dir)
    if not os.path.lexists(path):
        return Result(path, False, [], 0, None, None, None, b"")
    removed: list = []

    def strip(settings: dict) -> None:
        hooks = settings.get("hooks")
        n = _strip_ours(hooks) if isinstance(hooks, dict) else 0
        if isinstance(hooks, dict) and not hooks and n:
            del settings["hooks"]
        removed.append(n)

    edit = update_settings(strip, config_dir, dry_run, now)
    return Result(edit.path, edit.changed, [], removed[0], edit.backup, None, None, edit.text)


def status_of(settings: dict) -> dict:
    """``{event: [our handler, ...]}`` in a parsed settings dict."""
    found: dict = {}
    hooks = settings.get("hooks") or {}
    for event, groups in hooks.items() if isinstance(hooks, dict) else ():
        for group in groups if isinstance(groups, list) else []:
            for h in group.get("hooks", []) if isinstance(group, dict) else []:
                if is_ours(h):
                    found.setdefault(event, []).append(h)
    return found


def status(config_dir: str | None = None) -> dict:
    """``{event: [our handler, ...]}`` as registered now. Raises InstallError."""
    return status_of(_load(paths.settings_path(config_dir))[0])


def main(argv: list | None = None) -> int:
    """``python -m hook.install [--config-dir DIR] [--dry-run] [--uninstall] [--claude-version X]``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m hook.install",
        description="Register the claude-status hook in Claude Code's user settings.json.")
    from core import __version__

    parser.add_argument("--version", action="version", version="claude-status %s" % __version__)
    parser.add_argument("--config-dir", metavar="DIR",
                        help="Claude Code config dir (default: $CLAUDE_CONFIG_DIR or ~/.claude; here: %s)"
                        % paths.claude_dir())
    parser.add_argument("--dry-run", action="store_true", help="show the result, write nothing")
    parser.add_argument("--uninstall", action="store_true", help="remove our hook entries")
    parser.add_argument("--claude-version", metavar="X",
                        help="assume this Claude Code version (skips `claude --version`)")
    args = parser.parse_args(argv)
    try:
        result = uninstall(args.config_dir, args.dry_run) if args.uninstall else install(
            args.config_dir, args.claude_version, args.dry_run)
    except InstallError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print("error: cannot write settings: %s" % exc, file=sys.stderr)
        return 1
    print(describe(result, args.uninstall, args.dry_run))
    if args.dry_run:
        print(result.text.decode("utf-8"), end="")
    return 0


def describe(result: Result, uninstalling: bool, dry_run: bool) -> str:
    """One friendly paragraph about what happened."""
    if uninstalling:
        if not result.removed:
            return "No claude-status hook entries in %s; nothing to remove." % result.path
        entries = "entry" if result.removed == 1 else "entries"
        return "%s %d claude-status hook %s from %s%s." % (
            "Would remove" if dry_run else "Removed", result.removed, entries, result.path,
            " (backup: %s)" % result.backup if result.backup else "")
    form = "exec form" if result.handler and "args" in result.handler else "shell form"
    extra = ", async" if result.handler and result.handler.get("async") else ""
    version = result.version or "unknown (registered only events known since 2.0.45)"
    head = "%s %d events in %s (%s%s); Claude Code version: %s." % (
        ("Would register" if dry_run else "Registered") if result.changed else "Already registered",
        len(result.events), result.path, form, extra, version)
    if result.backup:
        head += "\nBackup of the previous file: %s" % result.backup
    return head


if __name__ == "__main__":
    raise SystemExit(main())
