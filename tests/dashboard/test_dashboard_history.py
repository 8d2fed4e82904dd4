from __future__ import annotations

import json
import os
import shutil
from urllib.parse import quote

import pytest

from core import ids, transcript
from dashboard import history as history_module
from dashboard.app import App
from dashboard.history import History, page
from dashboard.routes import Request, route

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "transcripts")
SUBAGENT_INLINE = "agentlogs_v2.0.13_task_subagent_inline_sidechain.jsonl"
TODOWRITE = "agentlogs_v2.0.14_todowrite.jsonl"
TOOL_HEAVY = "spotter_v2.1.38_main_session_tool_heavy.jsonl"
SUBAGENT_FILE = "spotter_v2.1.39_subagents_agent-aac57f5.jsonl"


def put(claude_dir, project, session_id, fixture=None, lines=()):
    folder = claude_dir / "projects" / project
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (session_id + ".jsonl")
    if fixture:
        shutil.copyfile(os.path.join(FIXTURES, fixture), path)
    with open(path, "a", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line) + "\n")
    return path


@pytest.fixture
def claude_dir(tmp_path):
    return tmp_path / "claude"


def test_real_transcripts_are_summarised(claude_dir):
    put(claude_dir, "-Users-philipp-dev-studio", "609efeca-2f51-4118-b077-e91c9fe63f73", SUBAGENT_INLINE)
    put(claude_dir, "-home-marco-projects-spotter", "d6e0bada-1959-4eec-a9d2-0bfade768d8f", TOOL_HEAVY)
    put(claude_dir, "-Users-philipp-dev-vibeinsights", "0db46778-18a1-4d84-853f-d4dc72a07a1b", TODOWRITE)
    rows = History(str(claude_dir)).scan()
    assert [r["session_id"][:8] for r in rows] == ["d6e0bada", "0db46778", "609efeca"]  # newest first
    spotter, todo, studio = rows
    assert spotter["project"] == "spotter"
    assert spotter["project_dir"] == "-home-marco-projects-spotter"
    assert spotter["model"] == "claude-opus-4-6"
    assert spotter["title"] == "start phoenix in background"  # first typed prompt, no command markup
    assert spotter["first_activity"] == "2026-02-10T22:57:54.684Z"
    assert spotter["last_activity"] == "2026-02-10T22:59:46.748Z"
    assert spotter["context_tokens"] > 0
    assert studio["title"] == "Tailwind Studio: Component Catalog Architecture Design"  # the `summary` line wins
    assert studio["model"] == "claude-sonnet-4-5-20250929"
    assert todo["title"].startswith("create a todo list with 3 items")


def test_streamed_assistant_lines_count_once_and_sidechains_are_left_out(claude_dir):
    put(claude_dir, "p", "609efeca-2f51-4118-b077-e91c9fe63f73", SUBAGENT_INLINE)
    details = History(str(claude_dir)).details("609efeca-2f51-4118-b077-e91c9fe63f73")
    # 3 main user lines, assistant lines 4-6 share one message.id and 10-11 another; 2 sidechain lines.
    assert details["user_messages"] == 2
    assert details["assistant_messages"] == 2
    assert details["message_count"] == 4
    assert details["sidechain_lines"] == 2
    assert details["tools"] == {"Task": 1}
    assert details["claude_version"] == "2.0.13"


def test_context_is_the_last_main_chain_input_side_usage(claude_dir):
    path = put(claude_dir, "p", "s1", TOOL_HEAVY)
    last_usage = None
    for raw in path.read_text().splitlines():
        line = json.loads(raw)
        if line.get("type") == "assistant" and not line.get("isSidechain"):
            last_usage = line["message"]["usage"]
    want = sum(last_usage.get(k, 0) for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
    assert History(str(claude_dir)).details("s1")["context_tokens"] == want


@pytest.mark.parametrize(
    ("extra", "title"),
    [
        pytest.param([{"type": "ai-title", "aiTitle": "AI one"}, {"type": "ai-title", "aiTitle": "AI two"}], "AI two", id="last-ai-title"),
        pytest.param([{"type": "ai-title", "aiTitle": "AI"}, {"type": "custom-title", "customTitle": "Mine"}], "Mine", id="custom-wins"),
        pytest.param([], "start phoenix in background", id="first-prompt"),
    ],
)
def test_title_order(claude_dir, extra, title):
    put(claude_dir, "p", "s1", TOOL_HEAVY, extra)
    assert History(str(claude_dir)).scan()[0]["title"] == title


def test_compact_boundary_resets_context_to_post_tokens(claude_dir):
    boundary = {"type": "system", "subtype": "compact_boundary", "timestamp": "2026-02-11T00:00:00Z",
                "compactMetadata": {"trigger": "manual", "preTokens": 150000, "postTokens": 12000}}
    put(claude_dir, "p", "s1", TOOL_HEAVY, [boundary])
    details = History(str(claude_dir)).details("s1")
    assert details["context_tokens"] == 12000
    assert details["compactions"] == 1
    assert details["last_activity"] == "2026-02-11T00:00:00Z"


def test_subagent_files_and_junk_are_not_sessions(claude_dir):
    put(claude_dir, "p", "ae4a77f8-aedd-4bc1-888f-c94edc91af04", TODOWRITE)
    sub = claude_dir / "projects" / "p" / "ae4a77f8-aedd-4bc1-888f-c94edc91af04" / "subagents"
    sub.mkdir(parents=True)
    shutil.copyfile(os.path.join(FIXTURES, SUBAGENT_FILE), sub / "agent-aac57f5.jsonl")
    shutil.copyfile(os.path.join(FIXTURES, SUBAGENT_FILE), claude_dir / "projects" / "p" / "agent-old.jsonl")
    (claude_dir / "projects" / "p" / "broken.jsonl").write_bytes(b"not json\n\xff\xfe\n{\"type\": \n")
    (claude_dir / "projects" / "notes.txt").write_text("x")
    rows = History(str(claude_dir)).scan()
    assert sorted(r["session_id"] for r in rows) == ["ae4a77f8-aedd-4bc1-888f-c94edc91af04", "broken"]
    broken = next(r for r in rows if r["session_id"] == "broken")
    assert broken["message_count"] == 0
    assert broken["title"] is None


def test_missing_projects_dir_is_empty(claude_dir):
    assert History(str(claude_dir)).scan() == []
    assert History(str(claude_dir)).details("nope") is None


def test_second_scan_reads_nothing_and_appends_read_only_the_tail(claude_dir):
    path = put(claude_dir, "p", "s1", TOOL_HEAVY)
    put(claude_dir, "p", "s2", TODOWRITE)
    history = History(str(claude_dir))
    first = history.scan()
    cold = history.parsed_bytes
    assert cold == path.stat().st_size + (claude_dir / "projects" / "p" / "s2.jsonl").stat().st_size
    assert history.scan() == first
    assert history.parsed_bytes == cold  # nothing changed, nothing read
    prompt = {"type": "user", "timestamp": "2026-02-12T09:00:00Z", "message": {"role": "user", "content": "one more thing"}}
    before = path.stat().st_size
    with open(path, "a") as fh:
        fh.write(json.dumps(prompt) + "\n")
    rows = {r["session_id"]: r for r in history.scan()}
    assert history.parsed_bytes - cold == path.stat().st_size - before
    assert rows["s1"]["message_count"] == next(r for r in first if r["session_id"] == "s1")["message_count"] + 1
    assert rows["s1"]["last_activity"] == "2026-02-12T09:00:00Z"
    assert history.details("s1")["last_prompt"] == "one more thing"


def test_partial_last_line_waits_for_its_newline(claude_dir):
    path = put(claude_dir, "p", "s1")
    line = json.dumps({"type": "user", "timestamp": "2026-01-01T00:00:00Z", "message": {"role": "user", "content": "hi"}})
    path.write_text(line[:20])
    history = History(str(claude_dir))
    assert history.scan()[0]["message_count"] == 0
    path.write_text(line + "\n")
    assert history.scan()[0]["message_count"] == 1


def test_rewritten_file_is_read_again_from_the_start(claude_dir):
    path = put(claude_dir, "p", "s1", TOOL_HEAVY)
    history = History(str(claude_dir))
    assert history.scan()[0]["model"] == "claude-opus-4-6"
    shutil.copyfile(os.path.join(FIXTURES, TODOWRITE), path)  # shorter: truncated and rewritten
    row = history.scan()[0]
    assert row["model"] == "claude-sonnet-4-5-20250929"
    assert row["title"].startswith("create a todo list")


def test_deleted_transcript_disappears(claude_dir):
    path = put(claude_dir, "p", "s1", TODOWRITE)
    history = History(str(claude_dir))
    assert len(history.scan()) == 1
    path.unlink()
    assert history.scan() == []
    assert history.details("s1") is None


def test_hint_path_is_used_only_inside_projects(claude_dir, tmp_path):
    put(claude_dir, "p", "s1", TODOWRITE)
    outside = tmp_path / "elsewhere" / "s2.jsonl"
    outside.parent.mkdir()
    shutil.copyfile(os.path.join(FIXTURES, TODOWRITE), outside)
    history = History(str(claude_dir))
    inside = str(claude_dir / "projects" / "p" / "s1.jsonl")
    assert history.details("s1", rescan=False, hint=inside)["session_id"] == "s1"
    assert history.details("s2", rescan=False, hint=str(outside)) is None
    assert history.details("s1", rescan=False, hint=str(outside))["session_id"] == "s1"


@pytest.mark.parametrize(
    "session_id",
    ["d6e0bada-1959-4eec-a9d2-0bfade768d8f", "", "../etc/passwd", ".hidden", "a/b", "x" * 201,
     "a b", "x" * 150, "index", "ü-1", "ü" * 100, "a\udc80", "CON", "x" * 128],
)
def test_the_dashboard_and_the_hook_agree_on_session_ids(claude_dir, session_id):
    """One session-id rule (issue 8 item 3): the dashboard answers an id exactly when the hook would store it."""
    assert not hasattr(history_module, "valid_session_id")  # no second rule beside core.ids
    valid = ids.is_valid(session_id)
    if valid:
        put(claude_dir, "-p", session_id, None, lines=[{"type": "user", "message": {"content": "hi"}}])
    found = History(str(claude_dir)).details(session_id)
    assert (found is not None) is valid
    app = App(str(claude_dir / "status"), str(claude_dir), aggregate=lambda sdir: {"sessions": []})
    r = route(Request("GET", "/api/sessions/" + quote(session_id, safe="", errors="surrogateescape"), "127.0.0.1"), app)
    assert r.status == (200 if valid else 400), (session_id, r.body)


def _rows(n):
    return [{"session_id": "s%d" % i, "project": "a" if i % 2 else "b", "project_dir": "-x-%s" % ("a" if i % 2 else "b")}
            for i in range(n)]


def test_page_slices_and_filters():
    rows = _rows(7)
    out = page(rows, limit=2, offset=1)
    assert out["total"] == 7
    assert [r["session_id"] for r in out["sessions"]] == ["s1", "s2"]
    assert out["projects"] == [{"name": "a", "sessions": 3}, {"name": "b", "sessions": 4}]
    only_a = page(rows, limit=10, offset=0, project="a")
    assert [r["session_id"] for r in only_a["sessions"]] == ["s1", "s3", "s5"]
    assert page(rows, limit=10, offset=0, project="-x-b")["total"] == 4
    assert page(rows, limit=10, offset=50)["sessions"] == []


LIVE = "d6e0bada-1959-4eec-a9d2-0bfade768d8f"
NEW_LIVE = "0db46778-18a1-4d84-853f-d4dc72a07a1b"
SLOW = "609efeca-2f51-4118-b077-e91c9fe63f73"


def test_live_view_and_stream_never_wait_for_a_history_scan(claude_dir, tmp_path, monkeypatch):
    """A cold scan is parsing a (here: blocked) transcript; the live cards still answer, refreshed."""
    import threading

    from dashboard import history as history_mod
    from dashboard.app import App
    from dashboard.routes import Request, route

    live_path = put(claude_dir, "-home-marco-projects-spotter", LIVE, TOOL_HEAVY)
    new_path = put(claude_dir, "-Users-philipp-dev-vibeinsights", NEW_LIVE, TODOWRITE)
    put(claude_dir, "-Users-philipp-dev-studio", SLOW, SUBAGENT_INLINE)
    rows = [{"session_id": sid, "task": "t", "status": "active", "state": "working", "transcript_path": str(p)}
            for sid, p in ((LIVE, live_path), (NEW_LIVE, new_path))]
    index = {"version": "1.1.0", "sessions": rows, "summary": {}, "title": "x"}
    app = App(str(tmp_path / "status"), str(claude_dir), aggregate=lambda sdir: dict(index), signature=lambda s: 1)
    app.port = None
    assert app.live()["details"][LIVE]["transcript"] is True  # LIVE is cached; NEW_LIVE too, then forgotten
    app.history._entries.pop(str(new_path.resolve()))
    app.history._by_id.pop(NEW_LIVE)
    put(claude_dir, "-home-marco-projects-spotter", LIVE, lines=[
        {"type": "user", "timestamp": "2026-02-11T09:00:00.000Z", "message": {"content": "a later prompt"}}])

    entered, release = threading.Event(), threading.Event()
    real = history_mod._read_from

    def slow_read(entry, *args):
        if entry.path.endswith(SLOW + ".jsonl"):
            entered.set()
            release.wait(60)
        return real(entry, *args)

    monkeypatch.setattr(history_mod, "_read_from", slow_read)
    scanner = threading.Thread(target=lambda: route(Request("GET", "/api/sessions", "127.0.0.1"), app), daemon=True)
    results = {}

    def live():
        results["live"] = route(Request("GET", "/api/status/live", "127.0.0.1"), app)
        results["stream"] = list(app.events(limit=1))

    try:
        scanner.start()
        assert entered.wait(30), "the scan never reached the slow transcript"
        reader = threading.Thread(target=live, daemon=True)
        reader.start()
        reader.join(30)
        answered = not reader.is_alive()
    finally:
        release.set()
        scanner.join(30)
    assert answered, "/api/status/live waited for the history scan"
    details = json.loads(results["live"].body)["details"]
    assert details[LIVE]["last_prompt"] == "a later prompt"  # re-read while the scan held the slow file
    assert details[NEW_LIVE]["transcript"] is True  # adopted from the hint while the scan ran
    stream = json.loads(results["stream"][1].split(b"data: ", 1)[1])
    assert stream["details"][LIVE]["last_prompt"] == "a later prompt"
    # the scan's result keeps what the live view published meanwhile
    rows = {r["session_id"]: r for r in app.history.scan()}
    assert set(rows) == {LIVE, NEW_LIVE, SLOW}
    assert app.history.details(LIVE, rescan=False)["last_prompt"] == "a later prompt"


class _Recording:
    def __init__(self, fh, sizes):
        self.fh, self.sizes = fh, sizes

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()

    def seek(self, *a):
        return self.fh.seek(*a)

    def read(self, size=-1):
        self.sizes.append(size)
        return self.fh.read(size)


def test_transcripts_are_read_in_bounded_chunks_with_the_same_result(claude_dir, monkeypatch):
    from dashboard import history as history_mod

    sid = "d6e0bada-1959-4eec-a9d2-0bfade768d8f"
    path = put(claude_dir, "p", sid, TOOL_HEAVY)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"type": "user", "message": {"content": "partial, no newline yet"')  # left for later
    whole = History(str(claude_dir)).details(sid)

    sizes = []
    monkeypatch.setattr(history_mod, "open", lambda p, mode="r": _Recording(open(p, mode), sizes), raising=False)
    monkeypatch.setattr(history_mod, "CHUNK", 97, raising=False)  # lines straddle every chunk border
    chunked = History(str(claude_dir))
    assert chunked.details(sid) == whole
    assert sizes and all(isinstance(n, int) and 0 < n <= 97 for n in sizes), sizes[:5]
    assert len(sizes) > path.stat().st_size // 97  # really piecewise

    with open(path, "a", encoding="utf-8") as fh:
        fh.write("}}\n")
    assert chunked.details(sid)["last_prompt"] == "partial, no newline yet"


def test_an_over_long_line_is_skipped_not_buffered(claude_dir, monkeypatch):
    from dashboard import history as history_mod

    monkeypatch.setattr(history_mod, "CHUNK", 64, raising=False)
    monkeypatch.setattr(history_mod, "MAX_LINE", 256, raising=False)
    sid = "0db46778-18a1-4d84-853f-d4dc72a07a1b"
    put(claude_dir, "p", sid, lines=[
        {"type": "user", "message": {"content": "first"}},
        {"type": "user", "message": {"content": "x" * 5000}},
        {"type": "user", "message": {"content": "last"}},
    ])
    found = History(str(claude_dir)).details(sid)
    assert (found["first_prompt"], found["last_prompt"], found["prompts"]) == ("first", "last", 2)


def _variants(tmp_path, fixture):
    """The fixture as written, with CRLF line ends, and with NUL padding and a BOM (both seen in the wild)."""
    with open(os.path.join(FIXTURES, fixture), "rb") as fh:
        data = fh.read()
    lines = data.splitlines()
    yield "lf", data
    yield "crlf", b"\r\n".join(lines) + b"\r\n"
    yield "nul-bom", b"\xef\xbb\xbf" + b"\n".join(b"\x00\x00" + line if i % 3 == 0 else line
                                                  for i, line in enumerate(lines)) + b"\n"


@pytest.mark.parametrize("fixture", [TOOL_HEAVY, TODOWRITE, SUBAGENT_INLINE])
def test_history_and_the_core_reader_agree_on_record_facts(claude_dir, fixture):
    """One transcript reader (issue 9): history's tokens, model and titles are core.transcript's."""
    for name, data in _variants(claude_dir.parent, fixture):
        sid = "agree-%s-%s" % (name, fixture[:8])
        path = put(claude_dir, "-p", sid)
        path.write_bytes(data)
        found = History(str(claude_dir)).details(sid)
        tail = transcript.tail_info(str(path))
        assert found["context_tokens"] == tail.get("tokens"), name
        assert found["model"] == tail.get("model"), name
        assert found["ai_title"] == tail.get("ai_title") and found["custom_title"] == tail.get("custom_title"), name


def test_history_has_no_parser_of_its_own():
    with open(history_module.__file__, encoding="utf-8") as fh:
        source = fh.read()
    for own_parsing in ("import json", "json.loads", '"usage"', '"compact_boundary"', '"customTitle"', '"tool_use"'):
        assert own_parsing not in source, own_parsing
