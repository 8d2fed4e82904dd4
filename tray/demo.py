"""`claude-status demo`: scripted sessions driven through the real hook into a temporary status dir.

Every step is a real Claude Code hook payload fed to `hook.main.run` (the code the installed hook
runs), and transcripts get real `usage` lines so context % moves. With a display the tray shows it;
without one the title and menu are printed each time they change.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .dirs import resolve as resolve_dirs

TASKS = [
    "Refactor the config parser",
    "Write the release notes",
    "Fix the flaky CI test",
    "Review PR #42",
    "Migrate the DB schema",
    "Port the CLI to Windows",
    "Profile the hot loop",
    "Translate docs to 日本語",
]
AGENTS = ["researcher", "coder", "tester", "reviewer"]


@dataclass(frozen=True)
class Step:
    at: float  # seconds from the start (before speed scaling)
    session: int
    event: str
    extra: tuple[tuple[str, Any], ...] = ()
    tokens: Optional[int] = None  # append an assistant usage line with this many context tokens first


def session_id(i: int) -> str:
    return f"demo{i:04d}-0000-4000-8000-{i:012d}"


def script(n: int) -> list[Step]:
    """The timeline for `n` sessions: start, work, subagents, a permission wait, finish, one ends."""
    steps: list[Step] = []
    for i in range(n):
        t0 = i * 0.6
        base = 20_000 + (i * 37_000) % 120_000
        steps += [
            Step(t0, i, "SessionStart", (("source", "startup"),), tokens=base),
            Step(t0 + 0.3, i, "UserPromptSubmit", (("prompt", TASKS[i % len(TASKS)]),)),
            Step(t0 + 1.0, i, "PreToolUse", (("tool_name", "Read"), ("tool_input", {"file_path": "README.md"}))),
            Step(
                t0 + 2.0,
                i,
                "PostToolUse",
                (("tool_name", "Read"), ("tool_input", {"file_path": "README.md"})),
                tokens=base + 18_000,
            ),
        ]
        if i % 2 == 0:
            agent = AGENTS[i % len(AGENTS)]
            steps += [
                Step(t0 + 3.0, i, "SubagentStart", (("agent_id", f"a{i}x"), ("agent_type", agent))),
                Step(t0 + 3.5, i, "SubagentStart", (("agent_id", f"a{i}y"), ("agent_type", "general-purpose"))),
                Step(t0 + 7.0, i, "SubagentStop", (("agent_id", f"a{i}x"), ("agent_type", agent))),
                Step(t0 + 8.0, i, "SubagentStop", (("agent_id", f"a{i}y"), ("agent_type", "general-purpose"))),
            ]
        if i % 3 == 1:
            steps += [
                Step(
                    t0 + 4.0, i, "PermissionRequest", (("tool_name", "Bash"), ("tool_input", {"command": "make test"}))
                ),
                Step(
                    t0 + 9.0,
                    i,
                    "PostToolUse",
                    (("tool_name", "Bash"), ("tool_input", {"command": "make test"})),
                    tokens=base + 60_000,
                ),
            ]
        steps.append(Step(t0 + 11.0, i, "Stop", (), tokens=base + 75_000))
    if n > 1:
        steps.append(Step(13.0 + (n - 1) * 0.6, n - 1, "SessionEnd", (("reason", "prompt_input_exit"),)))
    return sorted(steps, key=lambda s: (s.at, s.session))


class Demo:
    def __init__(self, n: int, root: Optional[str] = None) -> None:
        self.n = n
        self.root = root or tempfile.mkdtemp(prefix="claude-status-demo-")
        self.environ = dict(os.environ)
        self.environ["CLAUDE_CONFIG_DIR"] = os.path.join(self.root, "claude")
        self.environ["CLAUDE_STATUS_DIR"] = os.path.join(self.root, "claude", "status")
        self.status_dir = self.environ["CLAUDE_STATUS_DIR"]
        # what the demo's tray and terminal view read: the dirs the demo's hook writes (the user's tray
        # settings still apply, from the user's config dir)
        self.dirs = resolve_dirs(self.environ)
        for i in range(n):
            os.makedirs(self.project(i), exist_ok=True)
            os.makedirs(os.path.dirname(self.transcript(i)), exist_ok=True)

    def project(self, i: int) -> str:
        return os.path.join(self.root, "projects", f"project-{i + 1}")

    def transcript(self, i: int) -> str:
        return os.path.join(self.root, "claude", "projects", f"project-{i + 1}", session_id(i) + ".jsonl")

    def payload(self, step: Step) -> dict[str, Any]:
        i = step.session
        event = {
            "session_id": session_id(i),
            "transcript_path": self.transcript(i),
            "cwd": self.project(i),
            "permission_mode": "bypassPermissions" if i == 3 else "default",
            "hook_event_name": step.event,
        }
        event.update(dict(step.extra))
        if step.event == "SessionStart":
            event["model"] = "claude-sonnet-4-5"
        return event

    def add_usage(self, i: int, tokens: int) -> None:
        line = {
            "type": "assistant",
            "sessionId": session_id(i),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "message": {
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [{"type": "text", "text": "working on it"}],
                "usage": {
                    "input_tokens": 6,
                    "cache_creation_input_tokens": 1000,
                    "cache_read_input_tokens": tokens - 1006,
                    "output_tokens": 50,
                },
            },
        }
        with open(self.transcript(i), "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")

    def fire(self, step: Step) -> None:
        from hook import main as hook_main

        if step.tokens is not None:
            self.add_usage(step.session, step.tokens)
        hook_main.run(json.dumps(self.payload(step)).encode(), self.environ, time.time())

    def play(
        self,
        speed: float = 1.0,
        stop: Optional[threading.Event] = None,
        after_step: Optional[Callable[[Step], None]] = None,
    ) -> None:
        start = time.monotonic()
        stop = stop or threading.Event()
        for step in script(self.n):
            delay = start + step.at / speed - time.monotonic()
            if delay > 0 and stop.wait(delay):
                return
            self.fire(step)
            if after_step:
                after_step(step)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (CJK, most emoji) count 2, combining marks 0, and a
    character followed by the emoji variation selector (☁️) 2."""
    import unicodedata

    width = 0
    for i, ch in enumerate(text):
        if ch == "\ufe0f" or unicodedata.combining(ch):
            continue
        wide = unicodedata.east_asian_width(ch) in ("W", "F") or ord(ch) >= 0x1F000
        if not wide and i + 1 < len(text) and text[i + 1] == "\ufe0f":
            wide = True
        width += 2 if wide else 1
    return width


def fit(text: str, cols: int) -> str:
    """`text` cut to `cols` columns, with "…" where it was cut."""
    if display_width(text) <= cols:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > cols - 1:
            break
        out += ch
    return out + "…"


def frame_lines(index: dict[str, Any], head: str, cols: int, rows: int, now: Optional[float]) -> list[str]:
    """One screen: the header, the title, then one line per session in menu order (waiting first), cut to
    the terminal's width; never more than `rows - 1` lines (the last row keeps the cursor)."""
    from core import present

    from . import view

    sessions = [r for r in index.get("sessions") or [] if isinstance(r, dict)]
    lines = [head, view.title(index)]
    room = max(1, rows - 1 - len(lines))
    ordered = present.menu_order(sessions)
    shown = ordered if len(ordered) <= room else ordered[: room - 1]
    lines += [present.session_label(r, now) for r in shown]
    if len(shown) < len(ordered):
        lines.append(f"  {len(ordered) - len(shown)} more…")
    if not sessions:
        lines.append("no sessions yet")
    return [fit(line, max(10, cols)) for line in lines[: max(1, rows - 1)]]


def run_terminal(demo: Demo, speed: float, once: bool, out: Any = None) -> int:
    from .source import IndexSource

    out = out or sys.stdout
    source = IndexSource(demo.dirs, demo.environ, refresh=5.0)
    live = not once and hasattr(out, "isatty") and out.isatty()
    last: list[Optional[tuple[str, ...]]] = [None]
    started = time.monotonic()

    def frame(step: Optional[Step] = None) -> None:
        index = source.poll(force=True)
        if index is None:
            return
        cols, rows = shutil.get_terminal_size((80, 24))
        head = f"claude-status demo: {demo.n} sessions · {time.monotonic() - started:4.1f} s"
        if step is not None:
            head += f" · {step.event} in session {step.session + 1}"
        key = tuple(frame_lines(index, "", cols, rows, None))
        if key == last[0]:
            return
        last[0] = key
        lines = frame_lines(index, head, cols, rows, time.time())
        if live:
            # redraw in place: home, each line cleared to its end, then everything below cleared
            out.write("\x1b[H" + "".join(line + "\x1b[K\n" for line in lines) + "\x1b[J")
        else:
            out.write("\n".join(lines) + "\n\n")
        out.flush()

    if live:
        out.write("\x1b[?25l\x1b[2J")  # hide the cursor, clear once
    try:
        frame()
        demo.play(speed, after_step=frame)
    finally:
        if live:
            out.write("\x1b[?25h")
            out.flush()
    out.write(f"demo finished; status dir was {demo.status_dir}\n")
    return 0


def run_tray(demo: Demo, speed: float) -> int:
    from .app import TrayApp

    app = TrayApp(environ=demo.environ, dirs=demo.dirs)
    thread = threading.Thread(target=demo.play, args=(speed, app.stop_event), daemon=True)
    thread.start()
    app.run()
    return 0


def _exit_on_sigterm() -> None:
    """SIGTERM ends the demo like Ctrl+C does, through the `finally` that removes its temp dir (the tray
    installs its own handler when it runs)."""
    import signal

    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        def stop(signum: int, _frame: Any) -> None:
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, stop)


def main(sessions: int = 3, speed: float = 1.0, terminal: bool = False, once: bool = False) -> int:
    from .app import display_problem

    demo = Demo(sessions)
    _exit_on_sigterm()
    try:
        problem = None if terminal else display_problem()
        if terminal or problem:
            if problem and not terminal:
                print(
                    f"claude-status: no tray here ({problem.split(':')[0]}); showing the demo in the terminal",
                    file=sys.stderr,
                )
            return run_terminal(demo, speed, once)
        return run_tray(demo, speed)
    finally:
        demo.remove()
