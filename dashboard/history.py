"""Session history from Claude Code's transcripts (``<claude dir>/projects/*/*.jsonl``).

Each transcript is summarised once and cached by (size, mtime). When a file only grew, just the appended
lines are parsed, from the byte offset where the last complete line ended. The transcript format is
internal to Claude Code, so every field is read defensively and unknown line types are ignored.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from typing import Any

from core import transcript

TITLE_MAX = 120
PROMPT_MAX = 300
CHUNK = 1024 * 1024  # bytes per read: a huge transcript is parsed piecewise, never read whole into memory
MAX_LINE = 32 * 1024 * 1024  # a longer line (pending its newline) is skipped rather than buffered
SESSION_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _prompt_text(message: Any) -> str | None:
    """The typed prompt in a ``user`` line, or None for tool results and command/caveat markup."""
    if not isinstance(message, dict):
        return None
    content = message.get("content")
    if isinstance(content, list):
        texts = [b.get("text") for b in content if isinstance(b, dict) and b.get("type") == "text"]
        content = "\n".join(t for t in texts if isinstance(t, str))
    if not isinstance(content, str):
        return None
    content = content.strip()
    if not content or content.startswith("<") or content.startswith("[Request interrupted"):
        return None
    return content


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
        self._last_message_id: str | None = None

    def feed(self, line: dict[str, Any]) -> None:
        kind = line.get("type")
        stamp = line.get("timestamp")
        if isinstance(stamp, str) and kind in ("user", "assistant", "system"):
            if self.first is None or stamp < self.first:
                self.first = stamp
            if self.last is None or stamp > self.last:
                self.last = stamp
        if kind == "custom-title" and isinstance(line.get("customTitle"), str):
            self.custom_title = line["customTitle"]
        elif kind == "ai-title" and isinstance(line.get("aiTitle"), str):
            self.ai_title = line["aiTitle"]
        elif kind == "summary" and isinstance(line.get("summary"), str):
            self.summary = line["summary"]
        elif kind in ("user", "assistant", "system"):
            self._envelope(line)
            if line.get("isSidechain") is True:
                self.sidechain_lines += 1
            elif kind == "user":
                self._user(line)
            elif kind == "assistant":
                self._assistant(line)
            else:
                self._system(line)

    def _envelope(self, line: dict[str, Any]) -> None:
        for attr, key in (("cwd", "cwd"), ("git_branch", "gitBranch"), ("version", "version")):
            value = line.get(key)
            if isinstance(value, str) and value:
                setattr(self, attr, value)

    def _user(self, line: dict[str, Any]) -> None:
        self.user_messages += 1
        if line.get("isMeta") is True:
            return
        prompt = _prompt_text(line.get("message"))
        if prompt is None:
            return
        self.prompts += 1
        if self.first_prompt is None:
            self.first_prompt = _clip(prompt, PROMPT_MAX)
        self.last_prompt = _clip(prompt, PROMPT_MAX)

    def _assistant(self, line: dict[str, Any]) -> None:
        message = line.get("message")
        if not isinstance(message, dict) or line.get("isApiErrorMessage") is True:
            return
        # Streaming writes one line per content block; they share message.id and repeat usage.
        message_id = message.get("id")
        if message_id is None or message_id != self._last_message_id:
            self.assistant_messages += 1
        self._last_message_id = message_id
        model = message.get("model")
        if isinstance(model, str) and model and not model.startswith("<"):
            self.model = model
            tokens = transcript.usage_tokens(message.get("usage"))
            if tokens is not None:
                self.context_tokens = tokens
        for block in message.get("content") or ():
            if isinstance(block, dict) and block.get("type") == "tool_use":
                name = str(block.get("name") or "?")
                self.tools[name] = self.tools.get(name, 0) + 1

    def _system(self, line: dict[str, Any]) -> None:
        if line.get("subtype") != "compact_boundary":
            return
        self.compactions += 1
        meta = line.get("compactMetadata")
        post = meta.get("postTokens") if isinstance(meta, dict) else None
        self.context_tokens = post if isinstance(post, int) else None

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
    return out


def _feed_lines(summary: Summary, data: bytes) -> None:
    for raw in data.splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict):
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
        if not valid_session_id(session_id):
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


def valid_session_id(session_id: str) -> bool:
    return 0 < len(session_id) <= 200 and set(session_id) <= SESSION_ID_CHARS and not session_id.startswith(".")


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
