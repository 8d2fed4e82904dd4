"""Session history from Claude Code's transcripts (``<claude dir>/projects/*/*.jsonl``).

Each transcript is summarised once and cached by (size, mtime). When a file only grew, just the appended
lines are parsed, from the byte offset where the last complete line ended. The transcript format is
internal to Claude Code, so every field is read defensively and unknown line types are ignored.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from core import transcript

TITLE_MAX = 120
PROMPT_MAX = 300
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
    __slots__ = ("ino", "mtime_ns", "offset", "path", "size", "summary")

    def __init__(self, path: str, summary: Summary) -> None:
        self.path = path
        self.summary = summary
        self.size = -1
        self.mtime_ns = -1
        self.ino = -1
        self.offset = 0


def _read_from(entry: _Entry, start: int) -> int:
    """Feed complete lines from byte ``start`` into the entry's summary; returns the new offset."""
    with open(entry.path, "rb") as fh:
        fh.seek(start)
        data = fh.read()
    end = data.rfind(b"\n") + 1  # a trailing partial line is left for the next read
    for raw in data[:end].splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict):
            entry.summary.feed(line)
    return start + end


class History:
    """Cached scan of every transcript under ``<claude dir>/projects``. Thread-safe."""

    def __init__(self, claude_dir: str) -> None:
        self.projects_dir = os.path.realpath(os.path.join(claude_dir, "projects"))
        self._projects_dir_names = {self.projects_dir, os.path.abspath(os.path.join(claude_dir, "projects"))}
        self._entries: dict[str, _Entry] = {}
        self._by_id: dict[str, _Entry] = {}
        self._lock = threading.Lock()
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

    def _refresh(self, project_dir: str, path: str, st: os.stat_result) -> _Entry | None:
        entry = self._entries.get(path)
        if entry is not None and (entry.size, entry.mtime_ns, entry.ino) == (st.st_size, st.st_mtime_ns, st.st_ino):
            return entry
        start = entry.offset if entry is not None and entry.ino == st.st_ino and st.st_size >= entry.size else 0
        if start == 0:
            entry = _Entry(path, Summary(os.path.basename(path)[: -len(".jsonl")], project_dir))
        assert entry is not None
        try:
            entry.offset = _read_from(entry, start)
        except OSError:
            return None
        self.parsed_bytes += st.st_size - start
        entry.size, entry.mtime_ns, entry.ino = st.st_size, st.st_mtime_ns, st.st_ino
        return entry

    def scan(self) -> list[dict[str, Any]]:
        """Every session's row, newest activity first. Reads only files whose size or mtime changed."""
        with self._lock:
            entries: dict[str, _Entry] = {}
            for project_dir, path, st in self._transcripts():
                entry = self._refresh(project_dir, path, st)
                if entry is not None:
                    entries[path] = entry
            self._entries = entries
            self._by_id = {e.summary.session_id: e for e in entries.values()}
            rows = [e.summary.row() for e in entries.values()]
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
            entry = self._refresh(os.path.basename(project), real, st)
            if entry is not None:
                self._entries[real] = self._by_id[session_id] = entry
            return entry

    def details(self, session_id: str, *, rescan: bool = True, hint: str | None = None) -> dict[str, Any] | None:
        """One session's details, refreshed if its file changed; None if there is no such transcript.

        ``hint`` is a transcript path (from a status file) tried before anything else. An id not seen
        before triggers a full (cached) scan unless ``rescan`` is false.
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
        with self._lock:
            fresh = self._refresh(entry.summary.project_dir, entry.path, st)
            if fresh is None:
                return None
            self._entries[entry.path] = self._by_id[session_id] = fresh
            return fresh.summary.details()


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
