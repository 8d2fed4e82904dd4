"""Where the pinned Claude Code lives, how to install it, and how to set up an offline, isolated run.

Stdlib only: imported both by pytest and by the scenario driver that runs inside ``unshare --net``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys

VERSION = "2.1.332"
PACKAGE = "@anthropic-ai/claude-code"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
API_KEY = "sk-ant-api03-mock-offline-key-0123456789abcdefghijklmnopqrstuvwxyz-AA"
# Every hook event Claude Code 2.1.332 knows (reference section 12; an unknown name makes it skip the file).
EVENTS_2_1_332 = (
    "PreToolUse", "PostToolUse", "PostToolUseFailure", "PostToolBatch", "Notification", "UserPromptSubmit",
    "UserPromptExpansion", "SessionStart", "SessionEnd", "Stop", "StopFailure", "SubagentStart", "SubagentStop",
    "PreCompact", "PostCompact", "PreModelSwitch", "PostModelSwitch", "PermissionRequest", "PermissionDenied",
    "Setup", "TeammateIdle", "TaskCreated", "TaskCompleted", "Elicitation", "ElicitationResult", "ConfigChange",
    "WorktreeCreate", "WorktreeRemove", "InstructionsLoaded", "CwdChanged", "FileChanged", "DirectoryAdded",
    "MessageDisplay", "PreSkillShellCommand")
# Never recorded: a WorktreeCreate hook replaces git's worktree creation and must print a path.
NOT_RECORDED = ("WorktreeCreate",)


def cache_dir() -> str:
    """``$CLAUDE_STATUS_CLAUDE_CODE_DIR``, else ``<repo>/.cache/claude-code-<version>`` (npm --prefix)."""
    return os.environ.get("CLAUDE_STATUS_CLAUDE_CODE_DIR") or os.path.join(ROOT, ".cache", "claude-code-" + VERSION)


def platform_package() -> str:
    """The optional dependency that carries the native binary for this machine (see the package's install.cjs)."""
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    musl = system == "linux" and not platform.libc_ver()[0]
    return "%s-%s-%s%s" % (PACKAGE, system, arch, "-musl" if musl else "")


def binary_path(base: str | None = None) -> str:
    """The native binary itself (``node_modules/<platform package>/claude``): run directly, no node."""
    base = base or cache_dir()
    name = "claude.exe" if sys.platform == "win32" else "claude"
    return os.path.join(base, "node_modules", *platform_package().split("/"), name)


def installed_version(binary: str) -> str | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.split()[0] if out.returncode == 0 and out.stdout.strip() else None


def install(base: str | None = None, timeout: float = 600) -> str:
    """``npm install --prefix <cache> @anthropic-ai/claude-code@<VERSION>`` (exact pin) unless it is there.
    Returns the binary path. Raises RuntimeError with npm's output on failure."""
    base = base or cache_dir()
    binary = binary_path(base)
    if os.path.exists(binary) and installed_version(binary) == VERSION:
        return binary
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("npm is not installed")
    os.makedirs(base, exist_ok=True)
    cmd = [npm, "install", "--prefix", base, "--no-audit", "--no-fund", "--no-save", "%s@%s" % (PACKAGE, VERSION)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if out.returncode != 0 or not os.path.exists(binary):
        raise RuntimeError("npm install failed (%d): %s" % (out.returncode, (out.stdout + out.stderr)[-2000:]))
    return binary


def seed_config(config_dir: str, cwds: list, api_key: str = API_KEY) -> None:
    """``$CLAUDE_CONFIG_DIR/.claude.json`` so interactive mode asks nothing: onboarding done, our key
    approved (its last 20 characters), every project dir trusted."""
    os.makedirs(config_dir, exist_ok=True)
    path = os.path.join(config_dir, ".claude.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        data = {}
    data.update({"hasCompletedOnboarding": True, "lastOnboardingVersion": VERSION, "numStartups": 1,
                 "customApiKeyResponses": {"approved": [api_key[-20:]], "rejected": []},
                 "autoUpdates": False, "hasSeenTasksHint": True, "hasAcknowledgedCostThreshold": True})
    projects = data.setdefault("projects", {})
    for cwd in cwds:
        p = projects.setdefault(cwd, {})
        p.update({"hasTrustDialogAccepted": True, "hasCompletedProjectOnboarding": True,
                  "projectOnboardingSeenCount": 1, "allowedTools": []})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)


def install_our_hook(config_dir: str, python: str | None = None) -> dict:
    """Register our hook exactly as a user would: ``python -m hook.install --config-dir ... --claude-version``."""
    python = python or sys.executable
    out = subprocess.run([python, "-m", "hook.install", "--config-dir", config_dir, "--claude-version", VERSION],
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    if out.returncode != 0:
        raise RuntimeError("hook.install failed: %s%s" % (out.stdout, out.stderr))
    with open(os.path.join(config_dir, "settings.json"), encoding="utf-8") as f:
        return json.load(f)


def env_for(home: str, config_dir: str, status_dir: str, port: int, extra: dict | None = None) -> dict:
    """The whole environment Claude Code runs with: nothing inherited but PATH and the locale."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "USERPROFILE": home,
        "CLAUDE_CONFIG_DIR": config_dir,
        "CLAUDE_STATUS_DIR": status_dir,
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:%d" % port,
        "ANTHROPIC_API_KEY": API_KEY,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "DISABLE_TELEMETRY": "1",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
    }
    env.update(extra or {})
    return env
