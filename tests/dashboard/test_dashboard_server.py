"""The server on loopback with well-behaved clients: hook-written sessions, the event stream, the command line.

Hostile and misbehaving clients (smuggled bodies, slowloris, floods, protocol errors) are in test_dashboard_wire.py."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading

import pytest
from hookrun import ROOT, event, hook_env, run_hook

from dashboard import server as dserver
from dashboard.app import App

SESSION = "777e68b4-1ad1-4f6c-9d81-64d0cae95a84"


@pytest.fixture
def env(tmp_path):
    return hook_env(tmp_path)


@pytest.fixture
def running(tmp_path, env):
    app = App(env["CLAUDE_STATUS_DIR"], env["CLAUDE_CONFIG_DIR"])
    srv = dserver.make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.stop()
    thread.join(10)
    assert not thread.is_alive()


def request(srv, path, host=None, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)
    headers = {} if host is None else {"Host": host}
    conn.request(method, path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def read_event(resp):
    """The next ``data:`` payload of an SSE response (skipping retry lines and pings)."""
    data = []
    while True:
        line = resp.fp.readline()
        assert line, "stream closed"
        line = line.decode().rstrip("\n")
        if line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and data:
            return json.loads("\n".join(data))


def test_serves_live_sessions_written_by_the_real_hook(running, env):
    run_hook(env, event("SessionStart__leopold_v2.1.259_startup"))
    run_hook(env, event("UserPromptSubmit__leopold_v2.1.259"))
    resp, body = request(running, "/api/status/live")
    assert resp.status == 200
    data = json.loads(body)
    assert [s["session_id"] for s in data["sessions"]] == [SESSION]
    assert data["sessions"][0]["state"] == "working"
    assert data["title"].startswith("☁️ Do these steps")
    assert resp.getheader("Access-Control-Allow-Origin") is None


def test_rejects_a_foreign_host_header_on_the_wire(running):
    resp, body = request(running, "/api/status/live", host="rebind.example:%d" % running.server_address[1])
    assert resp.status == 403
    assert json.loads(body)["error"]["status"] == 403
    resp, _ = request(running, "/api/status/live", method="POST")
    assert resp.status == 405


def test_stream_pushes_a_change_after_a_hook_event(running, env):
    run_hook(env, event("SessionStart__leopold_v2.1.259_startup"))
    conn = http.client.HTTPConnection("127.0.0.1", running.server_address[1], timeout=10)
    conn.request("GET", "/api/status/stream")
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.getheader("Content-Type").startswith("text/event-stream")
    first = read_event(resp)
    assert [s["session_id"] for s in first["sessions"]] == [SESSION]
    run_hook(env, event("PermissionRequest__leopold_v2.1.259_bash", session_id=SESSION))
    for _ in range(5):  # a periodic re-send may come first; the change must arrive soon after
        update = read_event(resp)
        if update["sessions"][0]["state"] == "waiting":
            break
    assert update["sessions"][0]["state"] == "waiting"
    assert update["summary"]["waiting_sessions"] == 1
    conn.close()


def test_stop_ends_open_streams(tmp_path, env):
    app = App(env["CLAUDE_STATUS_DIR"], env["CLAUDE_CONFIG_DIR"])
    srv = dserver.make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)
    conn.request("GET", "/api/status/stream")
    resp = conn.getresponse()
    read_event(resp)
    srv.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert resp.fp.read() is not None  # returns (EOF) instead of hanging
    conn.close()


def test_start_background_returns_the_same_url(monkeypatch, env):
    for key in ("HOME", "CLAUDE_CONFIG_DIR", "CLAUDE_STATUS_DIR"):
        monkeypatch.setenv(key, env[key])
    try:
        url = dserver.start_background()
        assert url.startswith("http://127.0.0.1:")
        assert dserver.start_background() == url
        port = int(url.rsplit(":", 1)[1].strip("/"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/healthz")
        assert json.loads(conn.getresponse().read())["status_dir"] == env["CLAUDE_STATUS_DIR"]
        conn.close()
    finally:
        dserver.stop_background()


def test_cli_port_zero_prints_the_url_and_serves(env):
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "--port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/")
        resp = conn.getresponse()
        assert resp.status == 200
        assert b"<title>" in resp.read()
        conn.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_cli_get_prints_one_response_without_a_socket(env, capsys, monkeypatch):
    for key in ("HOME", "CLAUDE_CONFIG_DIR", "CLAUDE_STATUS_DIR"):
        monkeypatch.setenv(key, env[key])
    assert dserver.main(["--get", "/healthz"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert dserver.main(["--get", "/api/nope"]) == 1
    assert json.loads(capsys.readouterr().out)["error"]["status"] == 404


def test_cli_port_in_use_is_a_clear_error(running, capsys):
    assert dserver.main(["--port", str(running.server_address[1])]) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_host_help_says_what_a_public_address_exposes():
    text = dserver.parser().format_help()
    assert "0.0.0.0" in text and "prompts" in text


def test_python_dash_m_dashboard_help():
    done = subprocess.run([sys.executable, "-m", "dashboard", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=30, check=False, env={**os.environ, "HOME": "/nonexistent"})
    assert done.returncode == 0
    assert "--port" in done.stdout


def test_start_background_serves_the_dirs_it_is_given(tmp_path):
    dserver.stop_background()
    first = dserver.start_background(status_dir=str(tmp_path / "a"), claude_dir=str(tmp_path / "ca"))
    try:
        assert dserver.start_background(status_dir=str(tmp_path / "a"), claude_dir=str(tmp_path / "ca")) == first
        second = dserver.start_background(status_dir=str(tmp_path / "b"), claude_dir=str(tmp_path / "cb"))
        srv = dserver._background["server"]
        _resp, body = request(srv, "/healthz")
        assert json.loads(body)["status_dir"] == str(tmp_path / "b")
        assert json.loads(body)["claude_dir"] == str(tmp_path / "cb")
        if second != first:  # the server for the old dirs is gone
            with pytest.raises(OSError):
                http.client.HTTPConnection("127.0.0.1", int(first.rsplit(":", 1)[1].strip("/")), timeout=5).connect()
    finally:
        dserver.stop_background()


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/sessions", "/no/such/route"])  # bodies that stay the same
def test_head_sends_gets_content_length_and_no_body_on_the_wire(running, path):
    conn = http.client.HTTPConnection("127.0.0.1", running.server_address[1], timeout=10)
    try:
        conn.request("GET", path)
        get_resp = conn.getresponse()
        get_body = get_resp.read()
        conn.request("HEAD", path)  # the same keep-alive connection: a stray body would break the next reply
        head = conn.getresponse()
        assert head.read() == b""
        conn.request("GET", "/healthz")
        after = conn.getresponse()
        assert after.status == 200 and json.loads(after.read())["ok"] is True
    finally:
        conn.close()
    assert head.status == get_resp.status
    assert head.getheader("Content-Length") == str(len(get_body)) != "0"
    assert head.getheader("Content-Type") == get_resp.getheader("Content-Type")
