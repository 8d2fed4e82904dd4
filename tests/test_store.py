"""Atomic writes, the symlink-or-copy link, the dir lock, and the small platform branches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from core import load, store
from tests.conftest import ROOT, event, read_session


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    tmp_path = tmp_path / "d"
    tmp_path.mkdir()
    target = tmp_path / "s.json"
    store.write_json(str(target), {"v": 1})

    def disk_full(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(OSError):
        store.write_json(str(target), {"v": 2})
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"v": 1}
    assert os.listdir(tmp_path) == ["s.json"]


def test_link_falls_back_to_an_atomic_copy_where_symlinks_are_refused(tmp_path, monkeypatch):
    tmp_path = tmp_path / "d"
    tmp_path.mkdir()
    """Windows without developer mode refuses symlinks: status.json becomes a copy."""
    src = tmp_path / "a.json"
    src.write_text('{"session_id": "a"}')

    def refuse(*args, **kwargs):
        raise OSError(1314, "A required privilege is not held by the client")

    monkeypatch.setattr(os, "symlink", refuse)
    store.point_link(str(tmp_path / "status.json"), "a.json", str(src))
    link = tmp_path / "status.json"
    assert not link.is_symlink()
    assert json.loads(link.read_text()) == {"session_id": "a"}
    assert sorted(os.listdir(tmp_path)) == ["a.json", "status.json"]


def test_link_is_replaced_atomically_and_removed(tmp_path):
    tmp_path = tmp_path / "d"
    tmp_path.mkdir()
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text("{}")
    link = str(tmp_path / "status.json")
    store.point_link(link, "a.json", None)
    store.point_link(link, "b.json", None)
    assert os.readlink(link) == "b.json"
    store.point_link(link, None, None)
    assert not os.path.lexists(link)
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.json"]


def test_lock_waits_a_bounded_time(tmp_path):
    path = str(tmp_path / ".lock")
    held = threading.Event()
    release = threading.Event()

    def holder():
        with store.DirLock(path):
            held.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    try:
        with pytest.raises(TimeoutError), store.DirLock(path, timeout=0.2):
            pass
    finally:
        release.set()
        t.join()
    with store.DirLock(path, timeout=0.2):
        pass


def test_no_load_average_means_null_and_ok(monkeypatch):
    monkeypatch.delattr(os, "getloadavg")
    assert load.current({}) == {"profile": "balanced", "status": "OK", "load_avg": None}


@pytest.mark.parametrize(("avg", "cpus", "profile", "status"), [
    (0.5, 1, "balanced", "OK"), (1.0, 1, "balanced", "HIGH"), (1.6, 1, "balanced", "CRITICAL"),
    (0.7, 1, "conservative", "HIGH"), (1.9, 1, "performance", "HIGH"), (7.0, 8, "balanced", "OK")])
def test_load_profiles(avg, cpus, profile, status):
    assert load.classify(avg, cpus, profile) == status


def test_profile_from_environment():
    assert load.profile_name({"CLAUDE_STATUS_LOAD_PROFILE": "Performance"}) == "performance"
    assert load.profile_name({"CLAUDE_STATUS_LOAD_PROFILE": "nonsense"}) == "balanced"


def test_python_m_hook_works_and_stdin_is_utf8_bytes(sdir):
    payload = event("UserPromptSubmit", prompt="Répare l’authentification ✓")
    proc = subprocess.run([sys.executable, "-m", "hook"], input=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                          capture_output=True, cwd=str(ROOT), env=dict(os.environ, PYTHONIOENCODING="cp1252"),
                          check=False, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    assert read_session(sdir, "s1")["task"]["name"] == "Répare l’authentification ✓"
