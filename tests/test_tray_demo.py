"""`claude-status demo`: frames that fit the terminal (80x24 included) and redraw in place; the temp dir and
temp icon files are gone after SIGTERM or SIGINT (real processes, a private $TMPDIR)."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios

import pytest

from tests.desktop import Desktop, missing_binaries, wait_for
from tests.tray_helpers import NOW, make_index, make_row, tray_env  # noqa: F401
from tray import demo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("cols,rows", [(80, 24), (60, 12), (120, 40)])
def test_frame_fits_the_terminal(cols, rows):
    tasks = ["Translate docs to 日本語 and check every heading " * 2, "Refactor the config parser"]
    index = make_index([make_row(i, task=tasks[i % 2], state="waiting" if i == 17 else "working")
                        for i in range(30)])
    lines = demo.frame_lines(index, "claude-status demo: 30 sessions, t=12.3s (last event: Stop in session 7)",
                             cols, rows, NOW)
    assert len(lines) <= rows - 1
    assert all(demo.display_width(line) <= cols for line in lines), [demo.display_width(x) for x in lines]
    assert lines[1].startswith("☁️ 30s | ")  # the title is always on screen
    assert lines[2].startswith("⏳ ")  # the waiting session comes first
    if rows - 3 < 30:
        assert lines[-1].endswith(f"{30 - (rows - 4)} more…")
    else:
        assert len(lines) == 32


def test_display_width():
    assert demo.display_width("abc") == 3
    assert demo.display_width("日本語") == 6
    assert demo.display_width("☁️ x") == 4
    assert demo.fit("日本語日本語", 7) == "日本語…"


def private_env(tray_env, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
    env.update(tray_env, TMPDIR=str(tmpdir))
    return env, tmpdir


def test_live_frames_redraw_in_place_in_80x24_and_sigterm_cleans_up(tray_env, tmp_path):
    env, tmpdir = private_env(tray_env, tmp_path)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    p = subprocess.Popen([sys.executable, "-m", "cli", "demo", "--terminal", "--sessions", "8", "--speed", "0.5"],
                         cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    out = b""

    def read_some():
        nonlocal out
        import select

        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return out
            if not chunk:
                break
            out += chunk
        return out

    try:
        assert wait_for(lambda: read_some().count(b"\x1b[H") >= 4, 60), out[-2000:]
        assert os.listdir(tmpdir), "the demo's temp dir exists while it runs"
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) != 0
    finally:
        if p.poll() is None:
            p.kill()
    read_some()
    os.close(master)
    text = out.decode("utf-8", "replace")
    assert text.count("\x1b[2J") == 1  # cleared once, then redrawn in place
    frames = [f for f in text.split("\x1b[H")[1:] if f]
    for f in frames:
        body = f.split("\x1b[J")[0]
        lines = [line for line in body.split("\x1b[K\r\n") if line]
        assert 2 <= len(lines) <= 23, lines
        assert all(demo.display_width(line) <= 80 for line in lines)
    assert text.endswith("\x1b[?25h") or "\x1b[?25h" in text  # the cursor is shown again
    assert os.listdir(tmpdir) == []


def test_sigint_cleans_up(tray_env, tmp_path):
    env, tmpdir = private_env(tray_env, tmp_path)
    p = subprocess.Popen([sys.executable, "-m", "cli", "demo", "--terminal", "--once", "--sessions", "3",
                          "--speed", "0.3"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: os.listdir(tmpdir), 60)
        line = p.stdout.readline()
        assert line.startswith(b"claude-status demo: 3 sessions")
        p.send_signal(signal.SIGINT)
        assert p.wait(30) == 130
    finally:
        if p.poll() is None:
            p.kill()
    assert os.listdir(tmpdir) == []


@pytest.mark.gui
@pytest.mark.skipif(bool(missing_binaries()), reason="needs Xvfb and dbus-daemon")
def test_tray_demo_sigterm_leaves_no_temp_files(tray_env, tmp_path):
    env, tmpdir = private_env(tray_env, tmp_path)
    d = Desktop(str(tmp_path)).start()
    try:
        child_env = d.env(env)
        p = d.popen([sys.executable, "-m", "cli", "demo", "--sessions", "3", "--speed", "0.5"], cwd=ROOT,
                    env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert wait_for(lambda: d.records("items.jsonl"), 60)
        assert wait_for(lambda: len(os.listdir(tmpdir)) >= 2, 10), os.listdir(tmpdir)  # demo dir + tray runtime
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
        assert os.listdir(tmpdir) == []
    finally:
        d.stop()
