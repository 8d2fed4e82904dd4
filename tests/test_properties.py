"""Property tests (issue 8): hostile events, status-dir contents and transcript tails, each example run
through the REAL hook process exactly as ``hook.install`` registers it.

Invariants after every hook run: exit 0, nothing on stdout or stderr, under 5 s, nothing written outside the
status dir, every file there valid JSON and at most 64 KiB, ``index.json`` consistent with the session files,
and the healthy session's event landed (its file and its index row).

Profiles (registered in tests/conftest.py): ``ci`` (the default: derandomized, so every CI run tries the
same cases) and ``long`` for local runs, e.g.::

    .venv/bin/python -m pytest -q tests/test_properties.py --hypothesis-profile=long --hypothesis-show-statistics
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import ids, limits
from tests.conftest import hook_cmd

HOOK_EVENTS = ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PostToolUseFailure",
               "PermissionRequest", "Notification", "Stop", "StopFailure", "SubagentStart", "SubagentStop",
               "PreCompact", "PostCompact", "SessionEnd"]
OUR_HIDDEN = (".index-state", ".index-cold", ".ended")
STATES = ("working", "waiting", "idle", "compacting", "error", "unknown")
CASES = {"events": 0, "dirs": 0, "tails": 0, "hook runs": 0}
SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)


# ------------------------------------------------------------------------------------------- the harness


class Box:
    """A fresh HOME, Claude dir and status dir for one example."""

    def __init__(self) -> None:
        self.root = tempfile.mkdtemp(prefix="prop-")
        self.home = os.path.join(self.root, "home")
        self.sdir = os.path.join(self.root, "status")
        os.mkdir(self.home)
        self.env = {"PATH": os.environ.get("PATH", ""), "HOME": self.home, "USERPROFILE": self.home,
                    "CLAUDE_CONFIG_DIR": os.path.join(self.root, "claude"), "CLAUDE_STATUS_DIR": self.sdir}

    def run(self, data: bytes) -> None:
        before = self._outside()
        started = time.monotonic()
        proc = subprocess.run(hook_cmd(), input=data, capture_output=True, env=self.env, cwd=self.root,
                              timeout=60, check=False)
        elapsed = time.monotonic() - started
        CASES["hook runs"] += 1
        assert proc.returncode == 0, proc
        assert proc.stdout == b"" and proc.stderr == b"", proc
        assert elapsed < 5.0, elapsed
        assert self._outside() == before, "wrote outside the status dir"

    def _outside(self) -> list:
        out = []
        for top, dirs, files in os.walk(self.root):
            if os.path.abspath(top).startswith(self.sdir):
                dirs[:] = []
                continue
            for name in files + dirs:
                path = os.path.join(top, name)
                if path == self.sdir:
                    continue
                st = os.lstat(path)
                out.append((path, st.st_size, st.st_mtime_ns))
        return sorted(out)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _major(version: object) -> int | None:
    if not isinstance(version, str):
        return None
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def check_dir(sdir: str) -> dict:
    """Every file valid JSON and <= 64 KiB; index.json consistent with the session files. Returns the index."""
    sessions = {}
    for name in os.listdir(sdir):
        path = os.path.join(sdir, name)
        assert not (name.startswith(".") and name.endswith(".tmp")), "temp file left: %s" % name
        if os.path.islink(path):
            assert name == "status.json" and os.path.exists(path), name
            continue
        if not os.path.isfile(path) or name in ("hook.log", "hook.log.1", ".lock"):
            continue
        if name.startswith(".") and name not in OUR_HIDDEN:
            continue  # a file a test put there
        if not name.endswith(".json") and name not in OUR_HIDDEN:
            continue
        data = open(path, "rb").read()
        planted = _PLANTED.get(sdir, {}).get(name) == data  # still what the test put there
        if not planted and (name in OUR_HIDDEN or name == "index.json" or _written_by_hook(sdir, name)):
            assert len(data) <= limits.MAX_FILE, (name, len(data))
            json.loads(data)  # valid JSON (raises otherwise)
        if name.startswith(".") or name in ("index.json", "status.json"):
            continue
        try:
            rec = json.loads(data)
        except ValueError:
            continue
        if isinstance(rec, dict) and rec.get("session_id") == name[:-5] and len(data) <= limits.MAX_FILE:
            major = _major(rec.get("version", "1.0.0"))
            if major is not None and major >= 1:
                sessions[name[:-5]] = rec
    with open(os.path.join(sdir, "index.json"), "rb") as f:
        index = json.loads(f.read())
    rows = {r["session_id"]: r for r in index["sessions"]}
    assert len(rows) == len(index["sessions"])
    assert set(rows) == set(sessions), (sorted(rows), sorted(sessions))
    for sid, row in rows.items():
        rec = sessions[sid]
        if _major(rec.get("version", "1.0.0")) == 1 and rec.get("state") in STATES:
            assert row["state"] == rec["state"], sid
    return index


_HOOK_WRITTEN: dict = {}
_PLANTED: dict = {}  # sdir -> {name: bytes} the test wrote


def _written_by_hook(sdir: str, name: str) -> bool:
    return name in _HOOK_WRITTEN.get(sdir, ())


def healthy_lands(box: Box, n: int) -> dict:
    """The healthy session's next event: its file and its index row are right afterwards."""
    marker = "Marker%d" % n
    ev = {"session_id": "healthy-1", "hook_event_name": "PostToolUse", "tool_name": marker,
          "cwd": "/work/healthy", "tool_input": {"command": "true"}, "tool_response": {"stdout": ""}}
    box.run(json.dumps(ev).encode())
    _HOOK_WRITTEN.setdefault(box.sdir, set()).add("healthy-1.json")
    with open(os.path.join(box.sdir, "healthy-1.json"), "rb") as f:
        rec = json.loads(f.read())
    assert rec["last_tool"] == marker
    index = check_dir(box.sdir)
    row = {r["session_id"]: r for r in index["sessions"]}["healthy-1"]
    assert row["last_tool"] == marker
    return index


# ------------------------------------------------------------------------------------------- strategies

short_text = st.text(max_size=12)
long_text = st.integers(min_value=1, max_value=300_000).map(lambda n: "x" * n)
any_text = st.one_of(short_text, long_text, st.sampled_from(["", "\udcff", "a\x00b", "ü" * 200, "../../etc",
                                                             "index", "CON", " ", "é" * 65]))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), any_text),
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(short_text, inner, max_size=6)),
    max_leaves=20)
session_ids = st.one_of(st.sampled_from(["healthy-1", "s1", "s2", "0b9c5f2e-3d4a-4c4e-9a51-2f7d1c9e8b10"]),
                        any_text, st.integers(), st.none())
FIELDS = ["cwd", "tool_name", "model", "permission_mode", "transcript_path", "error", "error_details",
          "agent_id", "agent_type", "background_tasks", "tool_input", "tool_response", "prompt", "source",
          "reason", "message", "notification_type", "stop_hook_active", "agent_transcript_path", "trigger"]


@st.composite
def hostile_events(draw) -> bytes:
    ev = {"session_id": draw(session_ids),
          "hook_event_name": draw(st.one_of(st.sampled_from(HOOK_EVENTS), any_text, st.integers()))}
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True)):
        ev[key] = draw(json_values)
    if draw(st.booleans()):
        ev["background_tasks"] = draw(st.lists(st.fixed_dictionaries(
            {"id": any_text, "type": st.sampled_from(["subagent", "bash", "x"]), "status": short_text}), max_size=4))
    data = json.dumps(ev, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    cut = draw(st.sampled_from(["whole", "whole", "whole", "truncate", "garbage"]))
    if cut == "truncate":
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    elif cut == "garbage":
        data = draw(st.binary(max_size=200))
    return data


NOW = round(time.time())  # one value per test session: generated data must not depend on the clock


def _record(sid: str, **over) -> dict:
    now = NOW
    rec = {"version": "1.1.0", "session_id": sid, "updated_at": "2026-12-01T08:00:00Z", "updated_ts": now,
           "first_seen_ts": now - 5, "state": "working", "reason": "tool",
           "task": {"name": "t", "id": None, "progress": 0, "status": "active"},
           "context": {"current_tokens": 0, "total_tokens": 200000, "percentage": 0},
           "agents": {"active": 0, "names": []}}
    rec.update(over)
    return rec


@st.composite
def dir_entries(draw) -> list:
    """``(name, bytes | None)`` pairs; None makes a directory."""
    out = []
    for i in range(draw(st.integers(min_value=0, max_value=6))):
        kind = draw(st.sampled_from(["ours", "ours", "truncated", "garbage", "foreign", "mismatch", "newer",
                                     "old-version", "oversized", "dir", "not-json-name", "weird-fields"]))
        sid = "f%d" % i
        if kind == "ours":
            content = json.dumps(_record(sid, state=draw(st.sampled_from(["working", "idle", "waiting"])))).encode()
        elif kind == "weird-fields":
            rec = _record(sid)
            for key in draw(st.lists(short_text, max_size=4)):
                rec[key] = draw(json_values)
            rec["context"] = draw(st.one_of(json_values, st.just(rec["context"])))
            content = json.dumps(rec).encode()
        elif kind == "truncated":
            full = json.dumps(_record(sid)).encode()
            content = full[: draw(st.integers(min_value=0, max_value=len(full) - 1))]
        elif kind == "garbage":
            content = draw(st.binary(max_size=300))
        elif kind == "foreign":
            content = json.dumps(draw(json_values)).encode()
        elif kind == "mismatch":
            content = json.dumps(_record("other-%d" % i)).encode()
        elif kind == "newer":
            content = json.dumps({"version": "2.0.0", "session_id": sid, "new": draw(json_values)}).encode()
        elif kind == "old-version":
            content = json.dumps(_record(sid, version="0.9")).encode()
        elif kind == "oversized":
            content = json.dumps(_record(sid, pad="p" * draw(st.integers(70_000, 1_200_000)))).encode()
        elif kind == "dir":
            content = None
        else:
            sid = draw(st.sampled_from(["notes.txt", ".hidden.json", "f%d.json.bak" % i, "index.json.old"]))
            content = draw(st.binary(max_size=50))
            out.append((sid, content))
            continue
        out.append((sid + ".json", content))
    if draw(st.integers(0, 3)) == 0:  # our own private files, damaged
        name = draw(st.sampled_from([".ended", ".index-state", ".index-cold", ".lock"]))
        out.append((name, draw(st.sampled_from([b"", b"{", b"[" * 50_000 + b"]" * 50_000, b"\xff" * 100,
                                                 b'{"v": 1, "hot": 5}', b'{"healthy-1": 1e308}']))))
    if draw(st.booleans()):  # the healthy session's own file, corrupt or not
        out.append(("healthy-1.json", draw(st.sampled_from([b"{", b"", json.dumps(_record("healthy-1")).encode(),
                                                             b'{"session_id": "healthy-1", "version": "9.0"}']))))
    return out


def _write_dir(box: Box, entries: list) -> None:
    os.makedirs(box.sdir, exist_ok=True)
    for name, content in entries:
        path = os.path.join(box.sdir, name)
        if content is None:
            os.mkdir(path)
        else:
            with open(path, "wb") as f:
                f.write(content)
            _PLANTED.setdefault(box.sdir, {})[name] = content


# ------------------------------------------------------------------------------------------- properties


@SLOW
@given(events=st.lists(hostile_events(), min_size=1, max_size=2))
def test_hostile_events_never_stop_a_healthy_session(events):
    CASES["events"] += 1
    box = Box()
    try:
        for data in events:
            box.run(data)
            _track_valid(box, data)
        healthy_lands(box, 1)
    finally:
        box.close()


def _track_valid(box: Box, data: bytes) -> None:
    """Names the hook may have written for this event (to hold them to 64 KiB)."""
    try:
        sid = json.loads(data).get("session_id")
    except (ValueError, AttributeError):
        return
    if ids.is_valid(sid):
        _HOOK_WRITTEN.setdefault(box.sdir, set()).add(sid + ".json")


@SLOW
@given(entries=dir_entries(), second=st.booleans())
def test_hostile_status_dir_contents_never_stop_a_healthy_session(entries, second):
    CASES["dirs"] += 1
    box = Box()
    try:
        _write_dir(box, entries)
        index = healthy_lands(box, 1)
        skipped_names = {s["name"] for s in index.get("skipped", [])}
        for name, _content in entries:
            if name == "healthy-1.json" or not name.endswith(".json") or name.startswith("."):
                continue
            if name in skipped_names:
                continue
            assert name[:-5] in {r["session_id"] for r in index["sessions"]}, name
        if second:  # the next event: the hook's incremental view of the dir
            healthy_lands(box, 2)
    finally:
        box.close()


USAGE_KEYS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


@st.composite
def transcript_lines(draw) -> list:
    lines = []
    big = False  # at most one line of over 1 MiB of tool output per list (files stay far under the 8 MiB bound)
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        kind = draw(st.sampled_from(["assistant", "assistant", "sidechain", "user", "tool", "big-tool", "garbage",
                                     "blank", "synthetic"]))
        if kind == "big-tool":
            kind, big = ("tool" if big else "big-tool"), True
        if kind in ("assistant", "sidechain", "synthetic"):
            usage = {k: draw(st.integers(min_value=0, max_value=90_000)) for k in USAGE_KEYS}
            rec = {"type": "assistant", "message": {"model": "<synthetic>" if kind == "synthetic" else "claude-x",
                                                    "role": "assistant", "usage": usage}}
            if kind == "sidechain":
                rec["isSidechain"] = True
            lines.append(json.dumps(rec).encode() + b"\n")
        elif kind == "user":
            lines.append(json.dumps({"type": "user", "message": {"role": "user", "content": "hi"}}).encode() + b"\n")
        elif kind in ("tool", "big-tool"):
            size = draw(st.integers(10, 1_300_000 if kind == "big-tool" else 2000))
            lines.append(json.dumps({"type": "user", "message": {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t", "content": "o" * size}]}}).encode() + b"\n")
        elif kind == "garbage":
            lines.append(draw(st.binary(max_size=80)).replace(b"\n", b"") + b"\n")
        else:
            lines.append(b"\n")
    return lines


def _expected_tokens(data: bytes) -> int:
    """Reference: the usage of the last complete main-chain assistant line (python's json, line by line)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    parts = data.split(b"\n")
    last = parts[-1].rstrip(b" \t\r\x00")
    if last and not last.endswith(b"}"):
        parts = parts[:-1]  # half-written
    tokens = 0
    for raw in parts:
        line = raw.strip(b" \t\r\n\x00")
        if line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if len(raw) > 1024 * 1024:
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if not isinstance(rec, dict) or rec.get("type") != "assistant" or rec.get("isSidechain"):
            continue
        msg = rec.get("message") or {}
        if msg.get("model") == "<synthetic>":
            continue
        tokens = sum(msg["usage"][k] for k in USAGE_KEYS)
    return tokens


@st.composite
def tails(draw) -> tuple:
    head = b"".join(draw(transcript_lines()))
    more = b"".join(draw(transcript_lines()))
    if draw(st.booleans()):  # a half-written last line
        line = json.dumps({"type": "assistant", "message": {"model": "m", "usage": {"input_tokens": 5}}}).encode()
        more += line[: draw(st.integers(min_value=1, max_value=len(line) - 1))]
    style = draw(st.sampled_from(["lf", "crlf", "bom", "nul-tail", "nul-head"]))
    if style == "crlf":
        head, more = head.replace(b"\n", b"\r\n"), more.replace(b"\n", b"\r\n")
    elif style == "bom":
        head = b"\xef\xbb\xbf" + head
    elif style == "nul-tail":
        more += b"\x00" * draw(st.integers(1, 5000))
    elif style == "nul-head":
        head = b"\x00" * 64 + b"\n" + head
    split = draw(st.integers(min_value=0, max_value=len(more)))
    return head + more[:split], more[split:]


@SLOW
@given(tail=tails())
def test_transcript_tails_never_lose_the_event_and_give_the_last_complete_usage(tail):
    CASES["tails"] += 1
    first, appended = tail
    box = Box()
    try:
        path = os.path.join(box.root, "t.jsonl")
        with open(path, "wb") as f:
            f.write(first)
        before = os.path.join(box.root, "t.jsonl")
        for n, data in enumerate((first, first + appended)):
            if n == 1:
                with open(before, "ab") as f:
                    f.write(appended)
            ev = {"session_id": "healthy-1", "hook_event_name": "PostToolUse", "tool_name": "Marker%d" % n,
                  "transcript_path": path, "cwd": "/w"}
            box.run(json.dumps(ev).encode())
            _HOOK_WRITTEN.setdefault(box.sdir, set()).add("healthy-1.json")
            with open(os.path.join(box.sdir, "healthy-1.json"), "rb") as f:
                rec = json.loads(f.read())
            assert rec["last_tool"] == "Marker%d" % n
            assert rec["context"]["current_tokens"] == _expected_tokens(data), n
            check_dir(box.sdir)
    finally:
        box.close()


def test_report_cases_tried():
    """Runs last in this file: prints how many cases each property tried (``-s`` shows it)."""
    print("\nproperty cases tried: %s (max_examples %d per property)" % (
        ", ".join("%s %d" % kv for kv in CASES.items()), settings.default.max_examples))
