"""Session history from Claude Code's transcripts (``<claude dir>/projects/*/*.jsonl``).

Each transcript is summarised once and cached by (size, mtime). When a file only grew, just the appended
lines are parsed, from the byte offset where the last complete line ended. The transcript format is
internal to Claude Code, so every field is read defensively and unknown line types are ignored.
"""

from __future__ import annotations

import copy
import os
import threading
from datetime import datetime
from typing import Any

from core import ids, transcript

TITLE_MAX = 120
PROMPT_MAX = 300
PROMPT_LOG = 50  # prompts kept per session for its view
CHUNK = 1024 * 1024  # bytes per read: a huge transcript is parsed piecewise, never read whole into memory
MAX_LINE = 32 * 1024 * 1024  # a longer line (pending its newline) is skipped rather than buffered


def _seconds_between(start: str, end: str) -> float | None:
    try:
        a = datetime.fromisoformat(start.replace("Z", "+00:00"))
        b = datetime.fromisoformat(end.replace("Z", "+00:00"))
        return max(0.0, (b - a).total_seconds())
    except (ValueError, TypeError):
        return None


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class Summary:
    """Running summary of one transcript; ``feed`` takes one parsed line at a time."""

    def __init__(self, session_id: str, project_dir: str) -> None:
        self.session_id = session_id
        self.project_dir = project_dir
        self.cwd: str | None = None
        self.git_branch: str | None = None
        self.version: str | None = None
        self.first: str | None = None
        self.last: str | None = None
        self.user_messages = 0
        self.assistant_messages = 0
        self.prompts = 0
        self.first_prompt: str | None = None
        self.last_prompt: str | None = None
        self.custom_title: str | None = None
        self.ai_title: str | None = None
        self.summary: str | None = None
        self.model: str | None = None
        self.context_tokens: int | None = None
        self.compactions = 0
        self.sidechain_lines = 0
        self.tools: dict[str, int] = {}
        self.interruptions = 0
        self.prompt_log: list[dict[str, Any]] = []  # the last PROMPT_LOG prompts: {"at", "text"}
        self.waited_seconds = 0.0
        self._turn_end: str | None = None
        self._last_message_id: str | None = None

    def feed(self, line: dict[str, Any]) -> None:
        """One record. What it says (titles, prompts, usage, compactions) is ``core.transcript``'s reading;
        this adds only the envelope (times, cwd, branch, version) and counts."""
        facts = transcript.record_facts(line)
        kind = line.get("type")
        stamp = line.get("timestamp")
        if not isinstance(stamp, str) or kind not in ("user", "assistant", "system"):
            stamp = None
        if stamp is not None:
            if self.first is None or stamp < self.first:
                self.first = stamp
            if self.last is None or stamp > self.last:
                self.last = stamp
        for key in ("custom_title", "ai_title", "summary"):
            if key in facts:
                setattr(self, key, facts[key])
        if kind not in ("user", "assistant", "system"):
            return
        self._envelope(line)
        if facts.get("sidechain"):
            self.sidechain_lines += 1
        elif kind == "user":
            self._user(facts, stamp)
        elif kind == "assistant":
            self._assistant(facts, stamp)
        elif "compact_tokens" in facts:
            self.compactions += 1
            self.context_tokens = facts["compact_tokens"]

    def _envelope(self, line: dict[str, Any]) -> None:
        for attr, key in (("cwd", "cwd"), ("git_branch", "gitBranch"), ("version", "version")):
            value = line.get(key)
            if isinstance(value, str) and value:
                setattr(self, attr, value)

    def _user(self, facts: dict[str, Any], stamp: str | None) -> None:
        self.user_messages += 1
        if facts.get("interrupted"):
            self.interruptions += 1
            return
        prompt = facts.get("prompt")
        if prompt is None:
            return
        self.prompts += 1
        if self.first_prompt is None:
            self.first_prompt = _clip(prompt, PROMPT_MAX)
        self.last_prompt = _clip(prompt, PROMPT_MAX)
        self.prompt_log.append({"at": stamp, "text": self.last_prompt})
        del self.prompt_log[:-PROMPT_LOG]
        # Claude had answered and the next prompt came later: that gap is time the session waited on you.
        if stamp and self._turn_end and stamp > self._turn_end:
            gap = _seconds_between(self._turn_end, stamp)
            if gap is not None:
                self.waited_seconds += gap
        self._turn_end = None

    def _assistant(self, facts: dict[str, Any], stamp: str | None) -> None:
        if "message_id" not in facts:
            return  # an API error or a synthetic message
        # Streaming writes one line per content block; they share message.id and repeat usage.
        message_id = facts["message_id"]
        if message_id is None or message_id != self._last_message_id:
            self.assistant_messages += 1
        self._last_message_id = message_id
        if "tokens" in facts:
            self.context_tokens = facts["tokens"]
            if "model" in facts:
                self.model = facts["model"]
        for name in facts["tools"]:
            self.tools[name] = self.tools.get(name, 0) + 1
        if stamp:
            self._turn_end = stamp

    @property
    def title(self) -> str | None:
        for candidate in (self.custom_title, self.ai_title, self.summary, self.first_prompt):
            if candidate and candidate.strip():
                return _clip(candidate, TITLE_MAX)
        return None

    @property
    def project(self) -> str:
        if self.cwd:
            return os.path.basename(self.cwd.rstrip("/\\")) or self.cwd
        return self.project_dir

    def row(self) -> dict[str, Any]:
        """The ``/api/sessions`` list row."""
        return {
            "session_id": self.session_id,
            "project": self.project,
            "project_dir": self.project_dir,
            "title": self.title,
            "first_activity": self.first,
            "last_activity": self.last,
            "message_count": self.user_messages + self.assistant_messages,
            "model": self.model,
            "context_tokens": self.context_tokens,
        }

    def details(self) -> dict[str, Any]:
        """The ``/api/sessions/<id>`` body: the row plus everything else we know."""
        out = self.row()
        out.update(
            {
                "cwd": self.cwd,
                "git_branch": self.git_branch,
                "claude_version": self.version,
                "user_messages": self.user_messages,
                "assistant_messages": self.assistant_messages,
                "prompts": self.prompts,
                "first_prompt": self.first_prompt,
                "last_prompt": self.last_prompt,
                "custom_title": self.custom_title,
                "ai_title": self.ai_title,
                "compactions": self.compactions,
                "sidechain_lines": self.sidechain_lines,
                "tools": dict(sorted(self.tools.items(), key=lambda kv: (-kv[1], kv[0]))),
                "interruptions": self.interruptions,
                "prompt_history": [dict(p) for p in self.prompt_log],
                "waited_seconds": round(self.waited_seconds),
            }
        )
        return out


class _Entry:
    """One transcript's summary as of (size, mtime, inode). Never changed once published: a refresh parses
    into a copy, so readers need no lock and a slow parse holds none."""

    __slots__ = ("ino", "mtime_ns", "offset", "path", "size", "summary")

    def __init__(self, path: str, summary: Summary) -> None:
        self.path = path
        self.summary = summary
        self.size = -1
        self.mtime_ns = -1
        self.ino = -1
        self.offset = 0


def _copy_summary(summary: Summary) -> Summary:
    out = copy.copy(summary)
    out.tools = dict(summary.tools)
    out.prompt_log = list(summary.prompt_log)
    return out


def _feed_lines(summary: Summary, data: bytes) -> None:
    for raw in data.split(b"\n"):
        line = transcript.parse_line(raw)
        if line is not None:
            summary.feed(line)


def _read_from(entry: _Entry, start: int, stop: int | None = None) -> int:
    """Feed the complete lines between byte ``start`` and ``stop`` (default: the end) into the entry's
    summary, reading ``CHUNK`` bytes at a time; returns the offset after the last complete line. A trailing
    partial line is left for the next read; a line longer than ``MAX_LINE`` is skipped, not buffered."""
    offset = pos = start
    pending = b""
    skipping = False
    with open(entry.path, "rb") as fh:
        fh.seek(start)
        while stop is None or pos < stop:
            chunk = fh.read(CHUNK if stop is None else min(CHUNK, stop - pos))
            if not chunk:
                break
            pos += len(chunk)
            cut = chunk.rfind(b"\n") + 1
            if cut:
                head, tail = chunk[:cut], chunk[cut:]
                if skipping:  # the rest of an over-long line ends at the first newline
                    head, skipping = head[head.find(b"\n") + 1 :], False
                else:
                    head = pending + head
                _feed_lines(entry.summary, head)
                offset, pending = pos - len(tail), tail
            elif not skipping:
                pending += chunk
            if len(pending) > MAX_LINE:
                pending, skipping = b"", True
    return offset


def _newer(a: _Entry, b: _Entry) -> bool:
    return (a.mtime_ns, a.size) > (b.mtime_ns, b.size)


class History:
    """Cached scan of every transcript under ``<claude dir>/projects``. Thread-safe.

    ``_lock`` guards only the two dicts, for a few dict operations at a time: no file is read under it, so
    the live view's ``details(..., rescan=False)`` never waits for a scan. ``_scan_lock`` keeps full scans
    one at a time (the history page's requests wait for each other, not the live view)."""

    def __init__(self, claude_dir: str) -> None:
        self.projects_dir = os.path.realpath(os.path.join(claude_dir, "projects"))
        self._projects_dir_names = {self.projects_dir, os.path.abspath(os.path.join(claude_dir, "projects"))}
        self._entries: dict[str, _Entry] = {}
        self._by_id: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._scan_lock = threading.Lock()
        self.parsed_bytes = 0  # for tests and benchmarks: how much the last scans actually read

    def _transcripts(self) -> list[tuple[str, str, os.stat_result]]:
        found = []
        try:
            projects = list(os.scandir(self.projects_dir))
        except OSError:
            return []
        for project in projects:
            if not project.is_dir(follow_symlinks=False):
                continue
            try:
                files = list(os.scandir(project.path))
            except OSError:
                continue
            for f in files:
                # agent-*.jsonl directly in a project folder are old-style subagent files, not sessions.
                if f.name.endswith(".jsonl") and not f.name.startswith("agent-"):
                    try:
                        found.append((project.name, f.path, f.stat(follow_symlinks=False)))
                    except OSError:
                        continue
        return found

    def _refresh(self, project_dir: str, path: str, st: os.stat_result, base: _Entry | None) -> _Entry | None:
        """``base`` if the file is unchanged, else a new entry: ``base``'s summary (copied) plus the appended
        lines, or the whole file parsed afresh. Reads the file without any lock held; mutates nothing shared."""
        if base is not None and (base.size, base.mtime_ns, base.ino) == (st.st_size, st.st_mtime_ns, st.st_ino):
            return base
        start = base.offset if base is not None and base.ino == st.st_ino and st.st_size >= base.size else 0
        summary = _copy_summary(base.summary) if start and base is not None else None
        entry = _Entry(path, summary or Summary(os.path.basename(path)[: -len(".jsonl")], project_dir))
        try:
            entry.offset = _read_from(entry, start, st.st_size)
        except OSError:
            return None
        with self._lock:
            self.parsed_bytes += st.st_size - start
        entry.size, entry.mtime_ns, entry.ino = st.st_size, st.st_mtime_ns, st.st_ino
        return entry

    def _publish(self, entry: _Entry) -> _Entry:
        """Make ``entry`` the current one for its path and id, unless a newer one was published meanwhile."""
        with self._lock:
            current = self._entries.get(entry.path)
            if current is not None and current is not entry and _newer(current, entry):
                return current
            self._entries[entry.path] = self._by_id[entry.summary.session_id] = entry
            return entry

    def scan(self) -> list[dict[str, Any]]:
        """Every session's row, newest activity first. Reads only files whose size or mtime changed."""
        with self._scan_lock:
            with self._lock:
                before = dict(self._entries)
            parsed: dict[str, _Entry] = {}
            for project_dir, path, st in self._transcripts():
                entry = self._refresh(project_dir, path, st, before.get(path))
                if entry is not None:
                    parsed[path] = entry
            with self._lock:
                # details() may have published entries while this scan read files: keep the newer ones,
                # and those for files created after the listing (a deleted file's entry is left out).
                for path, current in self._entries.items():
                    if current is before.get(path):
                        continue
                    mine = parsed.get(path)
                    if mine is None or _newer(current, mine):
                        parsed[path] = current
                self._entries = parsed
                self._by_id = {e.summary.session_id: e for e in parsed.values()}
                rows = [e.summary.row() for e in parsed.values()]
        rows.sort(key=lambda r: (r["last_activity"] or "", r["session_id"]), reverse=True)
        return rows

    def _adopt(self, session_id: str, path: str) -> _Entry | None:
        """Register a transcript path given by a status file, if it really is ``projects/<dir>/<id>.jsonl``."""
        if os.path.basename(path) != session_id + ".jsonl":
            return None
        # Cheap rejection first: realpath costs more than the rest of a live request per session.
        if os.path.dirname(os.path.dirname(os.path.abspath(path))) not in self._projects_dir_names:
            return None
        real = os.path.realpath(path)
        project = os.path.dirname(real)
        if os.path.basename(real) != session_id + ".jsonl" or os.path.dirname(project) != self.projects_dir:
            return None
        try:
            st = os.stat(real)
        except OSError:
            return None
        with self._lock:
            base = self._entries.get(real)
        entry = self._refresh(os.path.basename(project), real, st, base)
        return None if entry is None else self._publish(entry)

    def details(self, session_id: str, *, rescan: bool = True, hint: str | None = None) -> dict[str, Any] | None:
        """One session's details, refreshed if its file changed; None if there is no such transcript.

        ``hint`` is a transcript path (from a status file) tried before anything else. An id not seen
        before triggers a full (cached) scan unless ``rescan`` is false; with ``rescan`` false this never
        waits for a scan in progress.
        """
        if not ids.is_valid(session_id):
            return None
        with self._lock:
            entry = self._by_id.get(session_id)
        if entry is None and hint:
            entry = self._adopt(session_id, hint)
        if entry is None:
            if not rescan:
                return None
            self.scan()
            with self._lock:
                entry = self._by_id.get(session_id)
            return None if entry is None else entry.summary.details()
        try:
            st = os.stat(entry.path)
        except OSError:
            return None
        fresh = self._refresh(entry.summary.project_dir, entry.path, st, entry)
        if fresh is None:
            return None
        return self._publish(fresh).summary.details()


def page(rows: list[dict[str, Any]], *, limit: int, offset: int, project: str | None = None) -> dict[str, Any]:
    """Filter rows by project (its name or its folder name) and slice them; pure."""
    projects: dict[str, int] = {}
    for r in rows:
        projects[r["project"]] = projects.get(r["project"], 0) + 1
    if project is not None:
        rows = [r for r in rows if project in (r["project"], r["project_dir"])]
    return {
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "project": project,
        "projects": [{"name": k, "sessions": v} for k, v in sorted(projects.items())],
        "sessions": rows[offset : offset + limit],
    }
