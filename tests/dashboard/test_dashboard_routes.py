from __future__ import annotations

import json
import os
import shutil
import sys
import types

import pytest

from dashboard.app import App
from dashboard.routes import Request, host_allowed, route, static_files

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "transcripts")
SID = "d6e0bada-1959-4eec-a9d2-0bfade768d8f"
PORT = 8765
HOST = "127.0.0.1:%d" % PORT


def fake_index(*rows):
    return {
        "version": "1.1.0",
        "updated_at": "2026-02-14T20:30:00Z",
        "status_dir": "/tmp/x",
        "sessions": list(rows),
        "summary": {"total_sessions": len(rows), "active_sessions": len(rows), "stale_sessions": 0,
                    "total_agents": 0, "max_context_pct": 0, "load": {}, "waiting_sessions": 0, "skipped_files": 0},
        "title": "☁️ –",
    }


@pytest.fixture
def claude_dir(tmp_path):
    folder = tmp_path / "claude" / "projects" / "-home-marco-projects-spotter"
    folder.mkdir(parents=True)
    shutil.copyfile(os.path.join(FIXTURES, "spotter_v2.1.38_main_session_tool_heavy.jsonl"), folder / (SID + ".jsonl"))
    return tmp_path / "claude"


@pytest.fixture
def app(tmp_path, claude_dir):
    rows = [{"session_id": SID, "task": "Fix scrolling", "status": "active", "state": "working",
             "transcript_path": str(claude_dir / "projects" / "-home-marco-projects-spotter" / (SID + ".jsonl"))},
            {"session_id": "no-transcript", "task": "Other", "status": "active", "state": "waiting",
             "transcript_path": None}]
    a = App(str(tmp_path / "status"), str(claude_dir), aggregate=lambda sdir: fake_index(*rows),
            signature=lambda sdir: 1, clock=lambda: 1000.0)
    a.port = PORT
    return a


def get(app, target, host=HOST, method="GET"):
    return route(Request(method, target, host), app)


def body(response):
    return json.loads(response.body.decode("utf-8"))


def test_live_is_the_index_plus_card_details(app):
    r = get(app, "/api/status/live")
    assert r.status == 200
    assert r.header("Content-Type") == "application/json; charset=utf-8"
    assert r.header("Cache-Control") == "no-store"
    data = body(r)
    index = fake_index()
    assert set(index) <= set(data)
    assert set(data) - set(index) == {"details", "server_time", "context_thresholds", "ledger"}
    assert data["context_thresholds"] == {"warn": 50, "high": 80}
    assert data["server_time"] == 1000.0
    assert data["details"][SID]["transcript"] is True
    assert data["details"][SID]["title"] == "start phoenix in background"
    assert data["details"][SID]["history_model"] == "claude-opus-4-6"
    assert data["details"]["no-transcript"] == {"transcript": False, "name": "Other", "state_words": "waiting for you",
                                                "asked": None, "detail_text": None}


def test_live_is_built_fresh_on_every_request(tmp_path, claude_dir):
    calls = []

    def aggregate(sdir):
        calls.append(sdir)
        return fake_index()

    a = App(str(tmp_path / "status"), str(claude_dir), aggregate=aggregate)
    a.port = PORT
    get(a, "/api/status/live")
    get(a, "/api/status/live")
    assert calls == [str(tmp_path / "status")] * 2


def test_live_cannot_read_status_dir_is_a_json_503(tmp_path, claude_dir):
    def aggregate(sdir):
        raise PermissionError(13, "Permission denied", sdir)

    a = App(str(tmp_path / "status"), str(claude_dir), aggregate=aggregate)
    r = get(a, "/api/status/live", host="localhost")
    assert r.status == 503
    assert "Permission denied" in body(r)["error"]["message"]


def test_sessions_lists_history(app):
    data = body(get(app, "/api/sessions"))
    assert data["total"] == 1
    assert data["limit"] == 50 and data["offset"] == 0
    assert data["projects"] == [{"name": "spotter", "sessions": 1}]
    (row,) = data["sessions"]
    assert row["session_id"] == SID
    assert set(row) == {"session_id", "project", "project_dir", "title", "first_activity", "last_activity",
                        "message_count", "model", "context_tokens"}


@pytest.mark.parametrize(
    ("query", "total", "shown"),
    [
        pytest.param("?project=spotter", 1, 1, id="project-name"),
        pytest.param("?project=-home-marco-projects-spotter", 1, 1, id="project-dir"),
        pytest.param("?project=other", 0, 0, id="other-project"),
        pytest.param("?limit=1&offset=1", 1, 0, id="past-the-end"),
        pytest.param("?limit=500&offset=0", 1, 1, id="max-limit"),
        pytest.param("?project=", 1, 1, id="empty-project-means-all"),
    ],
)
def test_sessions_filters_and_pages(app, query, total, shown):
    data = body(get(app, "/api/sessions" + query))
    assert (data["total"], len(data["sessions"])) == (total, shown)


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        pytest.param("/api/sessions?limit=abc", "limit must be a whole number", id="limit-text"),
        pytest.param("/api/sessions?limit=0", "between 1 and 500", id="limit-zero"),
        pytest.param("/api/sessions?limit=501", "between 1 and 500", id="limit-big"),
        pytest.param("/api/sessions?offset=-1", "offset must be between", id="offset-negative"),
        pytest.param("/api/sessions?limit=1&limit=2", "given 2 times", id="repeated"),
        pytest.param("/api/sessions?sort=asc", "unknown query parameter 'sort'", id="unknown-param"),
        pytest.param("/api/status/live?x=1", "unknown query parameter", id="live-param"),
        pytest.param("/api/sessions/..%2f..%2fetc", "not a session id", id="traversal-id"),
    ],
)
def test_bad_queries_are_400_with_a_message(app, target, needle):
    r = get(app, target)
    assert r.status == 400
    assert needle in body(r)["error"]["message"]


def test_one_session(app):
    data = body(get(app, "/api/sessions/" + SID))
    assert data["session_id"] == SID
    assert data["git_branch"] == "master"
    assert data["claude_version"] == "2.1.38"
    assert data["first_prompt"] == "start phoenix in background"
    assert data["tools"]


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("/api/sessions/00000000-0000-0000-0000-000000000000", id="unknown-session"),
        pytest.param("/api/nothing", id="unknown-api"),
        pytest.param("/index.html", id="no-root-files"),
        pytest.param("/static/../routes.py", id="static-traversal"),
        pytest.param("/static/%2e%2e/routes.py", id="static-encoded-traversal"),
        pytest.param("/static/", id="static-dir"),
        pytest.param("/api/sessions/a/b", id="nested"),
    ],
)
def test_unknown_is_404_json(app, target):
    r = get(app, target)
    assert r.status == 404
    assert body(r)["error"]["status"] == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_other_methods_are_405(app, method):
    r = get(app, "/api/status/live", method=method)
    assert r.status == 405
    assert r.header("Allow") == "GET, HEAD"
    assert "read-only" in body(r)["error"]["message"]


@pytest.mark.parametrize("target", ["/api/sessions", "/", "/static/app.js", "/healthz", "/nope", "/api/sessions?x=1"])
def test_head_has_gets_headers_and_length_but_no_body(app, target):
    full = get(app, target)
    r = get(app, target, method="HEAD")
    assert (r.status, r.body, r.stream) == (full.status, b"", None)
    assert r.headers == (*full.headers, ("Content-Length", str(len(full.body))))
    assert int(r.header("Content-Length")) == len(full.body) > 0


def test_head_of_a_refused_request_has_no_body(app):
    r = get(app, "/healthz", host="evil.example", method="HEAD")
    assert r.status == 403 and r.body == b"" and int(r.header("Content-Length")) > 0


def test_head_of_the_event_stream_sends_no_length(app):
    r = get(app, "/api/status/stream", method="HEAD")
    assert r.status == 200 and r.stream is None and r.body == b""
    assert r.header("Content-Type").startswith("text/event-stream") and r.header("Content-Length") is None


def test_healthz(app):
    assert body(get(app, "/healthz"))["ok"] is True


def test_page_and_static_files(app):
    page = get(app, "/")
    assert page.status == 200
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.header("Content-Security-Policy")
    assert b"/static/app.js" in page.body
    assert get(app, "/static/app.js").header("Content-Type").startswith("text/javascript")
    assert get(app, "/static/style.css").header("Content-Type").startswith("text/css")
    assert set(static_files()) == {"index.html", "app.js", "style.css"}


def test_page_loads_nothing_from_the_network():
    for name, (_, data) in static_files().items():
        text = data.decode("utf-8")
        assert "http://" not in text and "https://" not in text, name


def test_no_cors_headers_anywhere(app):
    for target in ("/", "/api/status/live", "/api/sessions", "/nope"):
        r = get(app, target)
        assert not [k for k, _ in r.headers if k.lower().startswith("access-control-")]


def test_stream_route_returns_event_stream(app):
    r = get(app, "/api/status/stream")
    assert r.status == 200
    assert r.header("Content-Type").startswith("text/event-stream")
    assert r.stream is not None
    r.stream.close()


def test_events_push_the_index_when_the_signature_changes(tmp_path, claude_dir):
    sigs = iter([1, 1, 2])
    a = App(str(tmp_path / "status"), str(claude_dir), aggregate=lambda s: fake_index(),
            signature=lambda s: next(sigs), clock=lambda: 5.0)
    chunks = list(a.events(poll=0, resend=3600, limit=2))
    assert chunks[0] == b"retry: 2000\n\n"
    assert len(chunks) == 3  # sig 1 sends, the repeat of 1 does not, sig 2 sends
    event = chunks[1].decode()
    assert event.startswith("event: index\ndata: ") and event.endswith("\n\n")
    assert json.loads(event.split("data: ", 1)[1])["server_time"] == 5.0


def test_events_end_when_the_app_stops(tmp_path, claude_dir):
    a = App(str(tmp_path / "status"), str(claude_dir), aggregate=lambda s: fake_index(), signature=lambda s: 1)
    a.stopping.set()
    assert list(a.events(poll=0)) == [b"retry: 2000\n\n"]


@pytest.mark.parametrize(
    ("host", "port", "bind", "ok"),
    [
        pytest.param("127.0.0.1:8765", 8765, "127.0.0.1", True, id="ipv4-loopback"),
        pytest.param("localhost:8765", 8765, "127.0.0.1", True, id="localhost"),
        pytest.param("LOCALHOST:8765", 8765, "127.0.0.1", True, id="case"),
        pytest.param("[::1]:8765", 8765, "127.0.0.1", True, id="ipv6-loopback"),
        pytest.param("127.0.0.2:8765", 8765, "127.0.0.1", True, id="loopback-range"),
        pytest.param("localhost:9999", 8765, "127.0.0.1", False, id="wrong-port"),
        pytest.param("localhost", 8765, "127.0.0.1", False, id="no-port"),
        pytest.param("localhost", 80, "127.0.0.1", True, id="no-port-on-80"),
        pytest.param("evil.example:8765", 8765, "127.0.0.1", False, id="dns-rebinding"),
        pytest.param("localhost.evil.example:8765", 8765, "127.0.0.1", False, id="lookalike"),
        pytest.param("192.168.1.5:8765", 8765, "127.0.0.1", False, id="lan-ip-on-loopback-bind"),
        pytest.param("192.168.1.5:8765", 8765, "192.168.1.5", True, id="bound-lan-ip"),
        pytest.param("192.168.1.5:8765", 8765, "0.0.0.0", True, id="ip-literal-on-wildcard"),
        pytest.param("evil.example:8765", 8765, "0.0.0.0", False, id="name-on-wildcard"),
        pytest.param("", 8765, "127.0.0.1", False, id="empty"),
        pytest.param(None, 8765, "127.0.0.1", False, id="missing"),
        pytest.param("[::1]x", 8765, "127.0.0.1", False, id="garbage-after-ipv6"),
    ],
)
def test_host_allowed(host, port, bind, ok):
    assert host_allowed(host, port, bind) is ok


def test_bad_host_is_403_before_anything_else(app):
    r = get(app, "/api/status/live", host="attacker.example:%d" % PORT)
    assert r.status == 403
    assert "Host header" in body(r)["error"]["message"]
    assert get(app, "/api/status/live", host="attacker.example", method="POST").status == 403


def test_live_falls_back_to_the_legacy_single_session_file(tmp_path):
    """NFR-2: with no status dir, an old hook's <claude dir>/status.json still shows up."""
    import time

    claude = tmp_path / "other-claude"
    claude.mkdir()
    legacy = {"version": "1.0.0", "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "session_id": "legacy", "task": {"name": "Log analysis", "progress": 45, "status": "active"},
              "context": {"current_tokens": 44000, "total_tokens": 200000, "percentage": 22},
              "agents": {"active": 2, "names": ["researcher", "coder"]}}
    (claude / "status.json").write_text(json.dumps(legacy))
    a = App(str(tmp_path / "missing-status"), str(claude))
    data = body(get(a, "/api/status/live", host="localhost"))
    assert [s["task"] for s in data["sessions"]] == ["Log analysis"]
    assert data["details"]["legacy"]["transcript"] is False
    assert data["details"]["legacy"]["name"] == "Log analysis"


# ---- the Focus endpoint: the one that acts, so the one that is guarded ---------------------------------

ORIGIN = "http://" + HOST


def focus(app, sid=SID, *, origin=ORIGIN, token="ok", host=HOST, method="POST"):
    token = app.token if token == "ok" else token
    return route(Request(method, "/api/sessions/%s/focus" % sid, host, origin, token), app)


@pytest.fixture
def fake_focus(monkeypatch):
    calls = []
    module = types.ModuleType("tray.focus")

    def focus_session(session_id, status_dir):
        calls.append((session_id, status_dir))
        return True, "tmux pane %3 in session work"

    module.focus_session = focus_session
    monkeypatch.setitem(sys.modules, "tray.focus", module)
    return calls


def test_focus_calls_tray_focus_with_the_session_and_status_dir(app, fake_focus):
    r = focus(app)
    assert r.status == 200, r.body
    assert body(r) == {"ok": True, "message": "tmux pane %3 in session work"}
    assert fake_focus == [(SID, app.status_dir)]


@pytest.mark.parametrize(
    ("kw", "status"),
    [
        pytest.param({"origin": None}, 403, id="no-origin"),
        pytest.param({"origin": "http://evil.example"}, 403, id="foreign-origin"),
        pytest.param({"origin": "http://localhost:%d" % PORT}, 403, id="other-loopback-origin"),
        pytest.param({"origin": "null"}, 403, id="null-origin"),
        pytest.param({"token": None}, 403, id="no-token"),
        pytest.param({"token": "guess"}, 403, id="wrong-token"),
        pytest.param({"host": "evil.example:%d" % PORT}, 403, id="foreign-host"),
        pytest.param({"method": "GET"}, 405, id="get"),
        pytest.param({"sid": "index"}, 400, id="bad-id"),
    ],
)
def test_focus_is_refused_without_same_origin_and_the_token(app, fake_focus, kw, status):
    r = focus(app, **kw)
    assert r.status == status, r.body
    assert fake_focus == []
    assert not [k for k, _ in r.headers if k.lower().startswith("access-control-")]


def test_focus_without_tray_focus_is_a_clear_501(app, monkeypatch):
    monkeypatch.setitem(sys.modules, "tray.focus", None)  # import raises ImportError
    r = focus(app)
    assert r.status == 501
    assert "focus" in body(r)["error"]["message"].lower()


def test_the_page_embeds_the_token_and_each_app_has_its_own(app, tmp_path, claude_dir):
    page = get(app, "/").body.decode()
    assert app.token in page and len(app.token) >= 32
    other = App(str(tmp_path / "status"), str(claude_dir))
    assert other.token != app.token


def test_other_posts_are_still_405(app):
    r = route(Request("POST", "/api/status/live", HOST, ORIGIN, app.token), app)
    assert r.status == 405 and r.header("Allow") == "GET, HEAD"
