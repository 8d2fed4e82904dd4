"""A loopback mock of the Anthropic Messages API for driving the real Claude Code offline.

Only ever binds 127.0.0.1 (port 0). Replies are scripted: a user prompt (or a subagent's task prompt)
carries a marker ``@script:NAME``; the mock looks the script up and answers step ``k`` where ``k`` is the
number of assistant turns already in the conversation after that prompt. Each step is a dict:

- ``{"text": "...", "usage": {...}}``: a text reply (``stop_reason: end_turn``);
- ``{"tool": "Bash", "input": {...}, "usage": {...}}``: one tool_use block (``stop_reason: tool_use``);
- ``{"error": 529, "type": "overloaded_error", "times": 1}``: an HTTP error, served ``times`` times
  (then the script moves to the next step), with ``x-should-retry: false``;
- ``{"sleep": s, ...}``: wait ``s`` seconds before answering (a slow model).

Side requests are routed by their content: the compaction request (its last user message asks for a
summary), the session-title request (a system prompt about titles, no tools), count_tokens, and any other
small-model request (answered with a short text). Every request and every usage sent is recorded with a
monotonic timestamp, so tests compare what Claude Code shows with exactly what it was told.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MARKER = "@script:"
DEFAULT_USAGE = {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                 "output_tokens": 5}
COMPACT_SUMMARY = "<summary>The user ran scripted turns against a mock API. Nothing else matters.</summary>"


def _text_of(content: object) -> str:
    """All text in a message ``content`` (a string or a list of blocks), tool results included."""
    if isinstance(content, str):
        return content
    out = []
    if isinstance(content, list):
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text":
                out.append(str(block.get("text", "")))
            elif block.get("type") == "tool_result":
                out.append(_text_of(block.get("content")))
    return "\n".join(out)


def _system_text(body: dict) -> str:
    system = body.get("system")
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "\n".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
    return ""


def _last_user_text(body: dict) -> str:
    for m in reversed(body.get("messages") or []):
        if isinstance(m, dict) and m.get("role") == "user":
            return _text_of(m.get("content"))
    return ""


def full_usage(usage: dict | None) -> dict:
    u = dict(DEFAULT_USAGE)
    u.update(usage or {})
    return u


def context_of(usage: dict) -> int:
    """Context in use per Claude Code's rule (input + cache creation + cache read), for the scripts' own use."""
    return int(usage.get("input_tokens", 0)) + int(usage.get("cache_creation_input_tokens", 0)) + int(
        usage.get("cache_read_input_tokens", 0))


class Mock:
    """The scripted API. ``scripts`` maps a name to a list of steps; ``title`` is the session title sent."""

    def __init__(self, scripts: dict | None = None, title: str = "Mock scripted session",
                 compact_usage: dict | None = None) -> None:
        self.scripts: dict = dict(scripts or {})
        self.title = title
        self.compact_usage = full_usage(compact_usage or {"input_tokens": 2000, "output_tokens": 565})
        self.log: list = []  # one dict per request
        self.lock = threading.Lock()
        self.served_errors: dict = {}
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.t0 = time.monotonic()
        self.gates: dict = {}  # name -> threading.Event: a step with "gate" waits for it

    # --- routing -----------------------------------------------------------------------------------
    def classify(self, body: dict) -> tuple:
        """(kind, script name, step index) for one /v1/messages request."""
        messages = body.get("messages") if isinstance(body.get("messages"), list) else []
        system = _system_text(body)
        tools = body.get("tools") or []
        last_user = ""
        for m in reversed(messages):
            if isinstance(m, dict) and m.get("role") == "user":
                last_user = _text_of(m.get("content"))
                break
        # The compaction request: Claude Code asks for a summary of the conversation.
        low_last = last_user.lower()
        if ("summary" in low_last and ("conversation" in low_last or "compact" in low_last)
                and ("<summary>" in last_user or "summar" in low_last) and MARKER not in last_user[-200:]
                and "detailed summary" in low_last):
            return "compact", None, 0
        # The session-title request: no tools, a system prompt about naming the session (it quotes the prompt,
        # marker included, so it is recognised before the scripts).
        low_system = system.lower()
        if not tools and ("naming a coding session" in low_system or "title" in low_system):
            return "title", None, 0
        # Find the newest user message that carries a marker, and count assistant turns after it.
        for i in range(len(messages) - 1, -1, -1):
            m = messages[i]
            if not isinstance(m, dict) or m.get("role") != "user":
                continue
            text = _text_of(m.get("content"))
            pos = text.rfind(MARKER)
            if pos < 0:
                continue
            name = text[pos + len(MARKER):].split()[0].strip(".,;:'\"`)]") if text[pos + len(MARKER):].split() else ""
            if name not in self.scripts:
                continue
            step = sum(1 for mm in messages[i + 1:] if isinstance(mm, dict) and mm.get("role") == "assistant")
            return ("main" if tools else "script"), name, step
        if not tools and ("title" in system.lower() or "title" in low_last[:400]):
            return "title", None, 0
        return "side", None, 0

    # --- replies -----------------------------------------------------------------------------------
    def step_for(self, name: str, step: int) -> dict:
        steps = self.scripts.get(name) or [{"text": "ok"}]
        # Errors that were served out move the script along.
        k = 0
        remaining = step
        while k < len(steps):
            s = steps[k]
            if "error" in s:
                key = (name, k)
                with self.lock:
                    served = self.served_errors.get(key, 0)
                    if served < int(s.get("times", 1)):
                        self.served_errors[key] = served + 1
                        return s
                k += 1
                continue
            if remaining == 0:
                return s
            remaining -= 1
            k += 1
        return steps[-1] if "error" not in steps[-1] else {"text": "done"}

    def record(self, entry: dict) -> None:
        entry["t"] = round(time.monotonic() - self.t0, 4)
        entry["wall"] = time.time()
        with self.lock:
            self.log.append(entry)

    # --- server ------------------------------------------------------------------------------------
    def start(self) -> int:
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _body(self) -> dict:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    obj = json.loads(raw or b"{}")
                except ValueError:
                    obj = {}
                return obj if isinstance(obj, dict) else {}

            def _json(self, code: int, obj: object, headers: dict | None = None) -> None:
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("request-id", "req_mock_" + uuid.uuid4().hex[:12])
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                mock.record({"method": "GET", "path": self.path})
                self._json(200, {"data": [], "has_more": False})

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                body = self._body()
                path = self.path.split("?", 1)[0]
                if path.endswith("/count_tokens"):
                    mock.record({"method": "POST", "path": self.path, "kind": "count_tokens"})
                    self._json(200, {"input_tokens": 100})
                    return
                if not path.endswith("/v1/messages"):
                    mock.record({"method": "POST", "path": self.path, "kind": "other"})
                    self._json(200, {})
                    return
                kind, name, step = mock.classify(body)
                model = str(body.get("model") or "claude-mock")
                if kind == "compact":
                    reply = {"text": COMPACT_SUMMARY, "usage": mock.compact_usage}
                elif kind == "title":
                    reply = {"text": json.dumps({"title": mock.title}), "usage": {"input_tokens": 50}}
                elif kind in ("main", "script") and name:
                    reply = mock.step_for(name, step)
                else:
                    reply = {"text": "ok", "usage": {"input_tokens": 20}}
                entry = {"method": "POST", "path": self.path, "kind": kind, "script": name, "step": step,
                         "model": model, "stream": bool(body.get("stream")),
                         "n_messages": len(body.get("messages") or []),
                         "tools": [t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)],
                         "system_head": _system_text(body)[:300 if kind == "main" else 3000],
                         "output_format": body.get("output_format") or body.get("response_format"),
                         "last_user": _last_user_text(body)[:500] if kind != "main" else None}
                if reply.get("sleep"):
                    time.sleep(float(reply["sleep"]))
                gate = reply.get("gate")
                if gate:
                    mock.gates.setdefault(gate, threading.Event()).wait(120)
                if "error" in reply:
                    entry["error"] = reply["error"]
                    mock.record(entry)
                    code = int(reply["error"])
                    etype = reply.get("type", "api_error")
                    self._json(code, {"type": "error", "error": {"type": etype, "message": "mock %s" % etype}},
                               {"x-should-retry": "false"})
                    return
                usage = full_usage(reply.get("usage"))
                entry["usage"] = usage
                entry["reply"] = {k: v for k, v in reply.items() if k != "usage"}
                mock.record(entry)
                if body.get("stream"):
                    self._stream(model, reply, usage)
                else:
                    self._json(200, mock.message(model, reply, usage))

            def _stream(self, model: str, reply: dict, usage: dict) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("request-id", "req_mock_" + uuid.uuid4().hex[:12])
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                for event, data in mock.events(model, reply, usage):
                    chunk = "event: %s\ndata: %s\n\n" % (event, json.dumps(data))
                    try:
                        self.wfile.write(chunk.encode())
                        self.wfile.flush()
                    except OSError:
                        return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return int(self.server.server_address[1])

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # --- message shapes ----------------------------------------------------------------------------
    @staticmethod
    def blocks(reply: dict) -> list:
        if "tool" in reply:
            out = []
            if reply.get("text"):
                out.append({"type": "text", "text": reply["text"]})
            out.append({"type": "tool_use", "id": reply.get("id") or "toolu_mock_" + uuid.uuid4().hex[:16],
                        "name": reply["tool"], "input": reply.get("input") or {}})
            return out
        return [{"type": "text", "text": str(reply.get("text", "ok"))}]

    def message(self, model: str, reply: dict, usage: dict) -> dict:
        blocks = self.blocks(reply)
        return {"id": "msg_mock_" + uuid.uuid4().hex[:16], "type": "message", "role": "assistant", "model": model,
                "content": blocks, "stop_reason": "tool_use" if "tool" in reply else "end_turn",
                "stop_sequence": None, "usage": usage}

    def events(self, model: str, reply: dict, usage: dict) -> list:
        blocks = self.blocks(reply)
        start_usage = dict(usage)
        start_usage["output_tokens"] = 1
        out = [("message_start", {"type": "message_start", "message": {
            "id": "msg_mock_" + uuid.uuid4().hex[:16], "type": "message", "role": "assistant", "model": model,
            "content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage}})]
        for i, b in enumerate(blocks):
            if b["type"] == "text":
                out.append(("content_block_start", {"type": "content_block_start", "index": i,
                                                    "content_block": {"type": "text", "text": ""}}))
                text = b["text"]
                for j in range(0, max(len(text), 1), 40):
                    out.append(("content_block_delta", {"type": "content_block_delta", "index": i,
                                                        "delta": {"type": "text_delta", "text": text[j:j + 40]}}))
            else:
                out.append(("content_block_start", {"type": "content_block_start", "index": i, "content_block": {
                    "type": "tool_use", "id": b["id"], "name": b["name"], "input": {}}}))
                raw = json.dumps(b["input"])
                for j in range(0, len(raw), 30):
                    out.append(("content_block_delta", {"type": "content_block_delta", "index": i, "delta": {
                        "type": "input_json_delta", "partial_json": raw[j:j + 30]}}))
            out.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
        out.append(("message_delta", {"type": "message_delta", "delta": {
            "stop_reason": "tool_use" if "tool" in reply else "end_turn", "stop_sequence": None},
            "usage": {"input_tokens": usage["input_tokens"],
                      "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
                      "cache_read_input_tokens": usage["cache_read_input_tokens"],
                      "output_tokens": usage["output_tokens"]}}))
        out.append(("message_stop", {"type": "message_stop"}))
        return out
