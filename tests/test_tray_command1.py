"""README command 1 on a Linux desktop: `python3 -m venv .venv && .venv/bin/pip install -e '.[tray]'` with the
distribution's Python gives a tray with a menu, with nothing compiled: where a StatusNotifierItem host runs,
our own item over dbus-fast (no PyGObject at all); where none runs, the classic XEmbed icon through the
distribution's python3-gi although the venv cannot import it; where that cannot work the tray stops with one
line naming the package."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.desktop import Desktop, find, missing_binaries, wait_for
from tests.test_tray_gui import ROOT, event, fire
from tests.tray_helpers import tray_env  # noqa: F401
from tray import linux

SYSTEM_PY = "/usr/bin/python3"


def _system_gi():
    if not os.path.exists(SYSTEM_PY):
        return "no /usr/bin/python3"
    r = subprocess.run([SYSTEM_PY, "-c", "import gi; gi.require_version('AyatanaAppIndicator3', '0.1')"],
                       capture_output=True, text=True, check=False)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["?"])[-1]


@pytest.mark.gui
@pytest.mark.skipif(bool(_system_gi() or missing_binaries()),
                    reason=f"needs /usr/bin/python3 with python3-gi and the AppIndicator typelib ({_system_gi()}), and "
                           f"for the test desktop {missing_binaries()}")
def test_fresh_venv_from_command_1_gives_a_tray_with_a_menu(tmp_path, tray_env):
    venv = tmp_path / "venv"
    subprocess.run([SYSTEM_PY, "-m", "venv", str(venv)], check=True, timeout=300)
    r = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-compile", "-e", f"{ROOT}[tray]"],
                       capture_output=True, text=True, timeout=900, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    # a plain venv does not see the distribution's site dir...
    assert subprocess.run([str(venv / "bin" / "python"), "-c", "import gi"], capture_output=True,
                          check=False).returncode != 0
    os.makedirs(tmp_path / "sni")
    d = Desktop(str(tmp_path / "sni")).start()
    env = dict(tray_env)
    log_path = os.path.join(env["CLAUDE_STATUS_TRAY_CONFIG"], "tray.log")
    try:
        fire(env, event("eeee5555-0000-4000-8000-000000000005", "UserPromptSubmit", prompt="Fresh machine"))
        child_env = d.env()
        child_env.update(env)
        err_path = tmp_path / "err"
        with open(err_path, "w") as err:
            tray = d.popen([str(venv / "bin" / "claude-status")], env=child_env, stdout=subprocess.DEVNULL,
                           stderr=err, cwd=str(tmp_path))
            items = wait_for(lambda: d.records("items.jsonl"), 60)
            assert items, err_path.read_text()
            # ...yet the tray is an SNI item with its menu: our own, with no PyGObject loaded at all
            assert wait_for(lambda: find(d.layout(items[0])[1], "● Fresh machine") is not None, 15)
            assert d.prop(items[0], "ToolTip")[2].startswith("☁️ Fresh machine | ")
            with open(f"/proc/{tray.pid}/maps") as fh:
                maps = fh.read()
            assert "_gi." not in maps and "libgtk-3" not in maps
            d.click(items[0], find(d.layout(items[0])[1], "Quit")["id"])
            assert tray.wait(15) == 0
        assert err_path.read_text() == ""
        with open(log_path) as fh:
            log = fh.read()
        assert "tray backend: our own StatusNotifierItem over D-Bus" in log
        assert "PyGObject" not in log
    finally:
        d.stop()

    # no SNI host: the classic icon, through the distribution's python3-gi the venv cannot import itself
    os.makedirs(tmp_path / "xembed")
    d = Desktop(str(tmp_path / "xembed"), "--no-watcher").start()
    try:
        child_env = d.env()
        child_env.update(env)
        with open(tmp_path / "err2", "w") as err:
            tray = d.popen([str(venv / "bin" / "claude-status")], env=child_env, stdout=subprocess.DEVNULL,
                           stderr=err, cwd=str(tmp_path))

            def said():
                with open(log_path) as fh:
                    return "using a classic system-tray (XEmbed) icon" in fh.read()

            assert wait_for(said, 60), (tmp_path / "err2").read_text()
            assert tray.poll() is None
            tray.terminate()  # (may land before its signal handler is in place: the exit code is not the point)
            tray.wait(15)
        with open(log_path) as fh:
            log = fh.read()
        assert "using the distribution's PyGObject from /usr/lib/python3/dist-packages/gi" in log
    finally:
        d.stop()


def test_system_gi_is_found_only_for_a_matching_interpreter(tmp_path):
    site = tmp_path / "dist-packages" / "gi"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text("")
    (site / "_gi.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    assert linux.find_system_gi([str(site.parent)], [".cpython-311-x86_64-linux-gnu.so", ".abi3.so"]) == (
        str(site), "")
    pkg, why = linux.find_system_gi([str(site.parent)], [".cpython-312-x86_64-linux-gnu.so", ".so"])
    assert pkg is None and "built for another Python (_gi.cpython-311-x86_64-linux-gnu.so)" in why
    assert linux.find_system_gi([str(tmp_path / "nothing")], [".so"]) == (None, "PyGObject (gi) is not installed")


def test_missing_gi_is_one_line_naming_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(linux, "_os_id", lambda: "ubuntu")
    monkeypatch.setattr(linux, "find_system_gi", lambda *a: (None, "PyGObject (gi) is not installed"))
    line = linux.missing_gi_line("ModuleNotFoundError: No module named 'gi'")
    assert "\n" not in line
    assert "sudo apt install python3-gi gir1.2-ayatanaappindicator3-0.1" in line
    assert sys.executable in line
    monkeypatch.setattr(linux, "find_system_gi",
                        lambda *a: (None, "the distribution's PyGObject is built for another Python (_gi.x.so)"))
    line = linux.missing_gi_line("ModuleNotFoundError: No module named 'gi'")
    assert "/usr/bin/python3 -m venv .venv" in line


def test_os_release_ids(tmp_path):
    for text, want in (('ID=debian\n', "debian"), ('ID=linuxmint\nID_LIKE="ubuntu debian"\n', "ubuntu"),
                       ('ID="fedora"\n', "fedora"), ('ID=arch\n', "arch")):
        p = tmp_path / "os"
        p.write_text(text)
        assert linux._os_id(str(p)) == want
