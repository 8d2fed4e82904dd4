"""The scenario driver: runs inside ``unshare --net`` (loopback only), mock API included.

``python -m tests.realclient.driver SPEC.json`` reads ``{"scenario", "workdir", "binary", "params"}``, brings
up ``lo``, starts the mock on 127.0.0.1 port 0, runs the scenario (``tests/realclient/scenarios.py``) against
the real Claude Code (print mode or interactive under a private tmux server) and writes
``<workdir>/result.json``: the scenario's measurements plus everything captured (every request the mock
answered with the usage it sent, every hook payload with its time, every status-line input, the timeline of
our session files and ``index.json``, and the transcript records as they landed).

Everything is wall-clock (``time.time()``) so timestamps from other processes line up.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
import uuid

from tests.realclient import claude
from tests.realclient.mockapi import Mock

HERE = os.path.dirname(os.path.abspath(__file__))
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def loopback_up() -> None:
    """``ip link set lo up`` without iproute2: one ioctl. A new network namespace has ``lo`` down."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifreq = struct.pack("16sH14s", b"lo", 0, b"\0" * 14)
        flags = struct.unpack("16sH14s", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, ifreq))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b"\0" * 14))
    finally:
        s.close()


def only_loopback() -> list:
    """Interface names in this namespace (must be just ``lo``)."""
    return [name for _, name in socket.if_nameindex()]


def _read_json(path: str) -> object:
    try:
        with open(path, "rb") as f:
            return json.loads(f.read() or b"null")
    except (OSError, ValueError):
        return None


def _jsonl(path: str) -> list:
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
    except OSError:
        pass
    return out


def snapshot(s: dict) -> dict:
    """The parts of one of our session files that a scenario compares with Claude Code."""
    ctx = s.get("context") or {}
    agents = s.get("agents") or {}
    return {"state": s.get("state"), "waiting_for": s.get("waiting_for"), "reason": s.get("reason"),
            "tokens": ctx.get("current_tokens"), "pct": ctx.get("percentage"), "window": ctx.get("total_tokens"),
            "model": s.get("model"), "agents": agents.get("active"), "last_event": s.get("last_event"),
            "task": (s.get("task") or {}).get("name"), "statusline": bool(s.get("statusline"))}


def index_row(r: dict) -> dict:
    return {"state": r.get("state"), "pct": r.get("context_pct"), "tokens": r.get("context_tokens"),
            "window": r.get("context_window"), "agents": r.get("agents"), "status": r.get("status"),
            "waiting_for": r.get("waiting_for")}


class Watcher(threading.Thread):
    """Polls the status dir and the transcripts every ``interval`` s; records every change with its time."""

    def __init__(self, sdir: str, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.sdir, self.interval = sdir, interval
        self.files: list = []  # {"wall", "sid", **snapshot}
        self.index: list = []  # {"wall", "sids": {sid: row}}
        self.transcript: list = []  # {"wall", "sid", "type", "subtype", "ctx", "sidechain"}
        self._last: dict = {}
        self._last_index: object = None
        self._offsets: dict = {}
        self._stop = threading.Event()
        self.followers: list = []  # {"wall", "pids"} whenever the set of live followers changed
        self._followers: object = None

    def run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.poll()
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self.join(5)
        with contextlib.suppress(Exception):
            self.poll()

    def live_followers(self) -> list:
        """Our detached followers (hook.main.follow): the hook's command line, orphaned to this namespace's
        pid 1 (the driver), not a zombie. A hook process still running has Claude Code as its parent."""
        out = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % name, "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                if fields[0] == b"Z" or fields[1] != b"1":
                    continue
                with open("/proc/%s/cmdline" % name, "rb") as f:
                    if b"hook.main" in f.read():
                        out.append(int(name))
            except (OSError, IndexError):
                continue
        return sorted(out)

    def poll(self) -> None:
        now = time.time()
        pids = self.live_followers()
        if pids != self._followers:
            self._followers = pids
            self.followers.append({"wall": now, "pids": pids})
        try:
            names = os.listdir(self.sdir)
        except OSError:
            return
        present = set()
        for name in names:
            if not name.endswith(".json") or name.startswith(".") or name in ("index.json", "status.json"):
                continue
            s = _read_json(os.path.join(self.sdir, name))
            if not isinstance(s, dict):
                continue
            sid = name[:-5]
            present.add(sid)
            snap = snapshot(s)
            if self._last.get(sid) != snap:
                self._last[sid] = snap
                self.files.append({"wall": now, "sid": sid, **snap})
            tp = s.get("transcript_path")
            if isinstance(tp, str):
                self._follow(sid, tp, now)
        for sid in list(self._last):
            if sid not in present and self._last[sid] is not None:
                self._last[sid] = None
                self.files.append({"wall": now, "sid": sid, "state": "(removed)"})
        idx = _read_json(os.path.join(self.sdir, "index.json"))
        if isinstance(idx, dict):
            rows = {r.get("session_id"): index_row(r) for r in idx.get("sessions") or [] if isinstance(r, dict)}
            if rows != self._last_index:
                self._last_index = rows
                self.index.append({"wall": now, "sids": rows})

    def _follow(self, sid: str, path: str, now: float) -> None:
        off = self._offsets.get(path, 0)
        try:
            with open(path, "rb") as f:
                f.seek(off)
                data = f.read()
        except OSError:
            return
        end = data.rfind(b"\n")
        if end < 0:
            return
        self._offsets[path] = off + end + 1
        for line in data[: end + 1].splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            entry = {"wall": now, "sid": sid, "type": rec.get("type"), "subtype": rec.get("subtype"),
                     "sidechain": bool(rec.get("isSidechain"))}
            msg = rec.get("message") if isinstance(rec.get("message"), dict) else {}
            usage = msg.get("usage") if isinstance(msg.get("usage"), dict) else None
            if rec.get("type") == "assistant" and usage:
                entry["ctx"] = sum(int(usage.get(k) or 0) for k in (
                    "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
                entry["model"] = msg.get("model")
            if rec.get("type") == "system" and rec.get("compactMetadata"):
                entry["compact"] = rec.get("compactMetadata")
            if rec.get("type") in ("assistant", "system", "user"):
                self.transcript.append(entry)


class PrintSession:
    """A print-mode Claude Code fed user messages on stdin (stream-json); stdout events collected."""

    def __init__(self, run: Run, proc: subprocess.Popen) -> None:
        self.run, self.proc = run, proc
        self.events: list = []
        self.stderr = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with contextlib.suppress(ValueError):
                ev = json.loads(line)
                if isinstance(ev, dict):
                    ev["_wall"] = time.time()
                    self.events.append(ev)

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()[-3000:]

    @property
    def session_id(self) -> str | None:
        for ev in self.events:
            if ev.get("session_id"):
                return str(ev["session_id"])
        return None

    def send(self, text: str) -> float:
        assert self.proc.stdin is not None
        msg = {"type": "user", "message": {"role": "user", "content": [{"type": "text", "text": text}]}}
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        return time.time()

    def results(self) -> list:
        return [e for e in self.events if e.get("type") == "result"]

    def turn(self, text: str, timeout: float = 60) -> dict:
        """Send one prompt and wait for its ``result`` event; returns it."""
        n = len(self.results())
        self.send(text)
        self.run.wait(lambda: len(self.results()) > n or self.proc.poll() is not None, timeout, "result of " + text)
        if len(self.results()) <= n:
            raise RuntimeError("claude -p exited %s: %s" % (self.proc.returncode, self.stderr))
        return self.results()[n]

    def close(self, timeout: float = 30) -> int:
        with contextlib.suppress(OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        try:
            return self.proc.wait(timeout * self.run.slow)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)


class Pane:
    """One interactive Claude Code in a tmux window of the run's private tmux server."""

    def __init__(self, run: Run, name: str) -> None:
        self.run, self.name = run, name

    def tmux(self, *args: str) -> subprocess.CompletedProcess:
        return self.run.tmux(*args)

    def send(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def key(self, *keys: str) -> float:
        """Send keys; returns the time just BEFORE sending (a loaded machine can take longer to return from
        tmux than Claude Code takes to answer a text-only turn, hooks included)."""
        t = time.time()
        self.tmux("send-keys", "-t", self.name, *keys)
        return t

    def submit(self, text: str) -> float:
        """Type ``text``, wait until the screen shows it, press Enter; returns when Enter was sent."""
        self.send(text)
        self.wait_screen(lambda s: text[-20:] in s.replace("\n", ""), 20, "prompt typed")
        time.sleep(0.05)
        return self.key("Enter")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name).stdout

    def wait_screen(self, pred: object, timeout: float = 30, what: str = "screen") -> tuple:
        deadline = time.time() + timeout * self.run.slow
        start = time.time()
        last = ""
        while time.time() < deadline:
            last = self.screen()
            if pred(last):  # type: ignore[operator]
                return last, time.time() - start
            time.sleep(0.03)
        raise TimeoutError("%s not seen in %.0f s; screen:\n%s" % (what, timeout, last))

    def ready(self, timeout: float = 60) -> float:
        """Wait for the input prompt (``❯``) with the mode line under it."""
        _, took = self.wait_screen(lambda s: "\n❯" in s and "manual mode" in s, timeout, "input prompt")
        return took

    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.name, "#{pane_pid}").stdout.strip())


class Run:
    """One scenario's world: temp HOME and Claude dir, our status dir, the mock, the recorders."""

    def __init__(self, workdir: str, binary: str, params: dict) -> None:
        self.dir = workdir
        self.binary = binary
        self.params = params
        self.slow = float(params.get("slow", 1.0))
        self.home = os.path.join(workdir, "home")
        self.cfg = os.path.join(self.home, ".claude")
        self.sdir = os.path.join(workdir, "status")
        self.hookrec = os.path.join(workdir, "hooks.jsonl")
        self.slrec = os.path.join(workdir, "statusline.jsonl")
        self.mock = Mock()
        self.port = 0
        self.projects: list = []
        # Unique across runs: in the private PID namespace the driver is always pid 1, and tmux sockets live in
        # the shared /tmp/tmux-<uid>/ (other checkouts may run this suite at the same time).
        self.socket = "csrc-" + uuid.uuid4().hex[:12]
        self.tmux_started = False
        self.watch = Watcher(self.sdir)
        self.procs: list = []
        self.notes: dict = {}
        for d in (self.home, self.cfg, self.sdir):
            os.makedirs(d, exist_ok=True)

    # --- set-up ---------------------------------------------------------------------------------------
    def project(self, name: str) -> str:
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.join(path, ".claude"), exist_ok=True)
        self.projects.append(path)
        rec = [sys.executable, "-I", "-S", os.path.join(HERE, "hookrec.py"), self.hookrec]
        handler = {"type": "command", "command": rec[0], "args": rec[1:], "timeout": 10, "async": True}
        hooks = {e: [{"hooks": [dict(handler)]}] for e in claude.EVENTS_2_1_332 if e not in claude.NOT_RECORDED}
        # SessionEnd synchronously: in print mode async hooks still running at teardown are killed.
        hooks["SessionEnd"][0]["hooks"][0].pop("async")
        with open(os.path.join(path, ".claude", "settings.local.json"), "w", encoding="utf-8") as f:
            json.dump({"hooks": hooks}, f, indent=1)
        return path

    def start(self, scripts: dict, statusline: str | None = "recorder", hook: bool = True,
              statusline_extra: dict | None = None) -> None:
        """Start the mock, seed ``.claude.json``, register our hook (as hook.install does) and a status line:
        ``recorder`` (the recording command alone), ``tap`` (our tap wrapping the recorder), ``tap-alone``
        (our tap, no user status line) or None."""
        self.mock.scripts.update(scripts)
        self.port = self.mock.start()
        claude.seed_config(self.cfg, self.projects)
        if hook:
            claude.install_our_hook(self.cfg)
        rec_cmd = "%s -I -S %s %s" % (shlex.quote(sys.executable), shlex.quote(os.path.join(HERE, "statusrec.py")),
                                      shlex.quote(self.slrec))
        path = os.path.join(self.cfg, "settings.json")
        settings = _read_json(path) or {}
        assert isinstance(settings, dict)
        if statusline in ("recorder", "tap"):
            settings["statusLine"] = {"type": "command", "command": rec_cmd, "padding": 0, **(statusline_extra or {})}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(settings, f, indent=2)
        if statusline in ("tap", "tap-alone"):
            out = subprocess.run([sys.executable, "-m", "cli.statusline", "install", "--config-dir", self.cfg],
                                 capture_output=True, text=True, cwd=claude.ROOT, timeout=60, check=False)
            if out.returncode != 0:
                raise RuntimeError("install-statusline failed: %s%s" % (out.stdout, out.stderr))
        with open(path, encoding="utf-8") as f:
            self.notes["settings"] = json.load(f)
        self.watch.start()

    def env(self, extra: dict | None = None) -> dict:
        return claude.env_for(self.home, self.cfg, self.sdir, self.port, extra)

    # --- print mode -----------------------------------------------------------------------------------
    def printer(self, cwd: str, args: tuple = (), env: dict | None = None) -> PrintSession:
        """``claude -p --input-format stream-json``: the session stays open until ``close()``, so our files
        can be read after each turn (a one-shot ``-p`` ends, and SessionEnd drops its file, within ms)."""
        cmd = [self.binary, "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
               *args]
        p = subprocess.Popen(cmd, cwd=cwd, env=env or self.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, bufsize=1)
        self.procs.append(p)
        return PrintSession(self, p)

    def print_run(self, prompt: str, cwd: str, args: tuple = (), timeout: float = 120,
                  env: dict | None = None) -> dict:
        """One-shot ``claude -p PROMPT --output-format stream-json --verbose``."""
        start = time.time()
        cmd = [self.binary, "-p", "--output-format", "stream-json", "--verbose", *args, "--", prompt]
        p = subprocess.Popen(cmd, cwd=cwd, env=env or self.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        out, err = p.communicate(timeout=timeout * self.slow)
        events = []
        for x in out.splitlines():
            with contextlib.suppress(ValueError):
                events.append(json.loads(x))
        return {"rc": p.returncode, "secs": round(time.time() - start, 3), "start": start, "end": time.time(),
                "events": events, "stderr": err[-3000:]}

    # --- interactive ----------------------------------------------------------------------------------
    def tmux(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                              timeout=30, check=False)

    def interactive(self, name: str, cwd: str, args: tuple = ("--permission-mode", "default")) -> Pane:
        """Start Claude Code in a new tmux window (the private server inherits the run's whole env)."""
        env = self.env()
        cmd = [self.binary, *args]
        if not self.tmux_started:
            os.environ.clear()
            os.environ.update(env)
            out = self.tmux("new-session", "-d", "-s", name, "-x", "150", "-y", "45", "-c", cwd, *cmd)
            self.tmux_started = True
            self.tmux("set-option", "-g", "remain-on-exit", "on")
        else:
            out = self.tmux("new-session", "-d", "-s", name, "-x", "150", "-y", "45", "-c", cwd, *cmd)
        if out.returncode != 0:
            raise RuntimeError("tmux: %s" % out.stderr)
        return Pane(self, name)

    # --- observing ------------------------------------------------------------------------------------
    def wait(self, cond: object, timeout: float = 30, what: str = "condition", interval: float = 0.02) -> tuple:
        """Poll ``cond()`` until truthy; returns (value, seconds). TimeoutError after ``timeout`` (scaled)."""
        start = time.time()
        deadline = start + timeout * self.slow
        while True:
            value = cond()  # type: ignore[operator]
            if value:
                return value, time.time() - start
            if time.time() >= deadline:
                raise TimeoutError("%s not met in %.0f s" % (what, timeout))
            time.sleep(interval)

    def until(self, cond: object, timeout: float) -> float | None:
        """Seconds until ``cond()`` holds, or None if it does not within ``timeout`` (not scaled: a goal)."""
        start = time.time()
        while time.time() - start < timeout:
            if cond():  # type: ignore[operator]
                return round(time.time() - start, 3)
            time.sleep(0.02)
        return None

    def hooks(self, event: str | None = None) -> list:
        out = []
        for rec in _jsonl(self.hookrec):
            try:
                payload = json.loads(rec["raw"])
            except (ValueError, KeyError):
                continue
            if event is None or payload.get("hook_event_name") == event:
                out.append({"wall": rec["wall"], **payload, "_raw": rec["raw"]})
        return sorted(out, key=lambda e: e["wall"])

    def statuslines(self) -> list:
        out = []
        for rec in _jsonl(self.slrec):
            with contextlib.suppress(ValueError, KeyError):
                out.append({"wall": rec["wall"], **json.loads(rec["raw"]), "_raw": rec["raw"]})
        return out

    def session(self, sid: str) -> dict | None:
        s = _read_json(os.path.join(self.sdir, sid + ".json"))
        return s if isinstance(s, dict) else None

    def row(self, sid: str) -> dict | None:
        idx = _read_json(os.path.join(self.sdir, "index.json"))
        if not isinstance(idx, dict):
            return None
        for r in idx.get("sessions") or []:
            if isinstance(r, dict) and r.get("session_id") == sid:
                return r
        return None

    def sids(self) -> list:
        """Main-session ids in the order Claude Code first fired a hook for them."""
        seen: list = []
        for h in self.hooks():
            sid = h.get("session_id")
            if sid and sid not in seen:
                seen.append(sid)
        return seen

    def main_requests(self, script: str | None = None) -> list:
        return [e for e in self.mock.log if e.get("kind") == "main" and (script is None or e.get("script") == script)]

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                with contextlib.suppress(OSError):
                    p.kill()
                with contextlib.suppress(Exception):
                    p.wait(10)
        if self.tmux_started:
            self.tmux("kill-server")
        self.watch.stop()
        self.mock.stop()

    def captured(self) -> dict:
        return {"requests": self.mock.log, "hooks": self.hooks(), "statuslines": self.statuslines(),
                "files": self.watch.files, "index": self.watch.index, "transcript": self.watch.transcript,
                "followers": self.watch.followers,
                "notes": self.notes}


def main(argv: list) -> int:
    with open(argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    workdir = spec["workdir"]
    loopback_up()
    ifaces = only_loopback()
    result: dict = {"scenario": spec["scenario"], "workdir": workdir, "version": claude.VERSION, "interfaces": ifaces}
    if ifaces != ["lo"]:
        result["error"] = "not in a private network namespace: %s" % ifaces
        _write(workdir, result)
        return 2
    from tests.realclient import scenarios

    run = Run(workdir, spec["binary"], spec.get("params") or {})
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    t0 = time.time()
    try:
        result["measured"] = getattr(scenarios, spec["scenario"])(run)
    except BaseException as exc:
        result["error"] = "%s: %s" % (type(exc).__name__, exc)
        result["traceback"] = traceback.format_exc()
    finally:
        with contextlib.suppress(Exception):
            run.close()
    result["secs"] = round(time.time() - t0, 2)
    result["captured"] = run.captured()
    _write(workdir, result)
    return 0


def _write(workdir: str, result: dict) -> None:
    tmp = os.path.join(workdir, "result.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, default=str)
    os.replace(tmp, os.path.join(workdir, "result.json"))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
