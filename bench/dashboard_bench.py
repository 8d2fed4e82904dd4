"""Dashboard benchmarks: live latency with 50 sessions, loopback throughput, history cold/warm, the server's
CPU with 1 vs 200 event-stream clients, and its threads under 1,000 idle connections.

    .venv/bin/python bench/dashboard_bench.py [--sessions 50] [--transcripts 1000]
    .venv/bin/python bench/dashboard_bench.py --only wire [--baseline-ref 66f796e]

``--baseline-ref`` also runs the wire part against the dashboard of that git commit (extracted to a temp dir
with ``git archive``), side by side in the same run. CPU is the server process's utime+stime from
``/proc/<pid>/stat``; threads are ``/proc/<pid>/task`` entries.

Everything runs in temp dirs and talks only to 127.0.0.1; every request loop has a fixed count.
Sessions are written by the real hook (in-process ``hook.main.run``); transcripts are copies of the real
fixtures under ``tests/dashboard/fixtures/transcripts`` with new session ids.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from dashboard.app import App  # noqa: E402
from dashboard.routes import Request, route  # noqa: E402
from hook import main as hook_main  # noqa: E402

EVENTS = os.path.join(ROOT, "tests", "dashboard", "fixtures", "hook-events")
TRANSCRIPTS = os.path.join(ROOT, "tests", "dashboard", "fixtures", "transcripts")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def ms(seconds: float) -> str:
    return "%.2f ms" % (seconds * 1000)


def seed_sessions(env: dict, n: int) -> None:
    with open(os.path.join(EVENTS, "UserPromptSubmit__leopold_v2.1.259.json"), encoding="utf-8") as fh:
        prompt = json.load(fh)
    with open(os.path.join(EVENTS, "PermissionRequest__leopold_v2.1.259_bash.json"), encoding="utf-8") as fh:
        permission = json.load(fh)
    fixture = os.path.join(TRANSCRIPTS, "spotter_v2.1.38_main_session_tool_heavy.jsonl")
    for i in range(n):
        sid = "bench-%04d-0000-4000-8000-000000000000" % i
        folder = os.path.join(env["CLAUDE_CONFIG_DIR"], "projects", "-home-me-projects-p%02d" % (i % 7))
        os.makedirs(folder, exist_ok=True)
        transcript = os.path.join(folder, sid + ".jsonl")
        shutil.copyfile(fixture, transcript)
        ev = dict(prompt, session_id=sid, cwd="/home/me/projects/p%02d" % (i % 7), prompt="Task number %d" % i,
                  transcript_path=transcript)
        hook_main.run(json.dumps(ev).encode(), env)
        if i % 5 == 0:
            hook_main.run(json.dumps(dict(permission, session_id=sid, transcript_path=transcript)).encode(), env)


def seed_transcripts(claude_dir: str, n: int) -> int:
    fixtures = sorted(f for f in os.listdir(TRANSCRIPTS) if f.endswith(".jsonl") and "agent-" not in f)
    total = 0
    for i in range(n):
        folder = os.path.join(claude_dir, "projects", "-home-me-projects-p%02d" % (i % 20))
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "t%05d-0000-4000-8000-000000000000.jsonl" % i)
        shutil.copyfile(os.path.join(TRANSCRIPTS, fixtures[i % len(fixtures)]), path)
        total += os.path.getsize(path)
    return total


def bench_live_inprocess(app: App, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = route(Request("GET", "/api/status/live", "127.0.0.1"), app)
        times.append(time.perf_counter() - t0)
        assert r.status == 200
    return times


def bench_live_http(port: int, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", "/api/status/live")
        resp = conn.getresponse()
        resp.read()
        times.append(time.perf_counter() - t0)
        assert resp.status == 200
    conn.close()
    return times


def bench_rps(port: int, path: str, threads: int, per_thread: int) -> float:
    errors = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(per_thread):
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors.append(resp.status)
        conn.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    assert not errors, errors[:5]
    return threads * per_thread / elapsed


def bench_history(claude_dir: str, repeats: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"cold": [], "warm": [], "one_changed": []}
    for i in range(repeats):
        app = App(os.path.join(claude_dir, "nostatus"), claude_dir)
        req = Request("GET", "/api/sessions?limit=50", "127.0.0.1")
        t0 = time.perf_counter()
        assert route(req, app).status == 200
        out["cold"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        body = route(req, app).body
        out["warm"].append(time.perf_counter() - t0)
        assert json.loads(body)["total"] >= 1000
        folder = os.path.join(claude_dir, "projects", "-home-me-projects-p00")
        target = os.path.join(folder, sorted(os.listdir(folder))[0])
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"type": "user", "timestamp": "2027-01-01T00:00:%02dZ" % i,
                                 "message": {"role": "user", "content": "more"}}) + "\n")
        t0 = time.perf_counter()
        assert route(req, app).status == 200
        out["one_changed"].append(time.perf_counter() - t0)
    return out


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds (Linux /proc)."""
    with open("/proc/%d/stat" % pid, encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_threads(pid: int) -> int:
    return len(os.listdir("/proc/%d/task" % pid))


def start_server(env: dict, root: str = ROOT) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "--port", "0"], cwd=root,
                            env={**os.environ, **env, "PYTHONPATH": root}, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, int(line.split("http://127.0.0.1:")[1].split("/")[0])


def bench_sse_cpu(
    env: dict, pid: int, port: int, clients: int, seconds: float, change_every: float
) -> tuple[float, int]:
    """Server CPU seconds while ``clients`` event streams stay open for ``seconds`` (a hook event every
    ``change_every`` s, from this process); returns (cpu, events received by all clients)."""
    with open(os.path.join(EVENTS, "PreToolUse__leopold_v2.1.259_bash.json"), encoding="utf-8") as fh:
        tool = json.load(fh)
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(clients):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /api/status/stream HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    received = 0

    def pump(until: float) -> None:
        nonlocal received
        while time.monotonic() < until:
            for key, _ in sel.select(timeout=0.05):
                try:
                    data = key.fileobj.recv(1 << 20)  # type: ignore[union-attr]
                except BlockingIOError:
                    continue
                received += data.count(b"event: index")

    pump(time.monotonic() + 2.0)  # every client connected and got its first event
    received = 0
    cpu0 = proc_cpu(pid)
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        ev = dict(tool, session_id="bench-0000-0000-4000-8000-000000000000", tool_use_id="t%d" % n)
        hook_main.run(json.dumps(ev).encode(), env)
        n += 1
        pump(min(end, time.monotonic() + change_every))
    cpu = proc_cpu(pid) - cpu0
    for s in socks:
        sel.unregister(s)
        s.close()
    return cpu, received


def bench_idle_connections(pid: int, port: int, n: int) -> tuple[int, int, int, float]:
    """Threads before and with ``n`` idle connections open, the live endpoint's status and time meanwhile."""
    before = proc_threads(pid)
    socks = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(n)]
    try:
        time.sleep(1.0)  # let the server accept them all
        during = proc_threads(pid)
        t0 = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/status/live")
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            conn.close()
        except OSError:
            status = 0
        took = time.perf_counter() - t0
    finally:
        for s in socks:
            s.close()
    return before, during, status, took


def bench_wire(env: dict, label: str, root: str, seconds: float, idle: int) -> None:
    proc, port = start_server(env, root)
    try:
        for clients in (1, 200):
            cpu, got = bench_sse_cpu(env, proc.pid, port, clients, seconds, 1.0)
            print("%s: %3d event-stream clients, %.0f s, a hook event every 1 s: server CPU %.2f s (%.1f%% of a core),"
                  " %d events delivered" % (label, clients, seconds, cpu, 100 * cpu / seconds, got))
        before, during, status, took = bench_idle_connections(proc.pid, port, idle)
        print("%s: %d idle connections: server threads %d -> %d; /api/status/live meanwhile: %s in %s" % (
            label, idle, before, during, status or "no answer", ms(took)))
    finally:
        proc.terminate()
        proc.wait(10)


def extract(ref: str, into: str) -> str:
    archive = subprocess.run(["git", "-C", ROOT, "archive", ref, "dashboard", "core", "hook"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    return into


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--transcripts", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--only", choices=("all", "wire"), default="all")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each event-stream CPU run")
    ap.add_argument("--idle", type=int, default=1000, help="idle connections to open")
    ap.add_argument("--baseline-ref", help="also run the wire part against this commit's dashboard")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="dashbench-")
    env = {"HOME": tmp, "CLAUDE_CONFIG_DIR": os.path.join(tmp, "claude"),
           "CLAUDE_STATUS_DIR": os.path.join(tmp, "status")}
    os.environ.update(env)
    try:
        machine = (platform.platform(), os.cpu_count() or 0, platform.python_version())
        print("machine: %s, %d cores, Python %s" % machine)
        print("date: %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        seed_sessions(env, args.sessions)
        if args.only == "wire":
            bench_wire(env, "this tree", ROOT, args.seconds, args.idle)
            if args.baseline_ref:
                base = extract(args.baseline_ref, tempfile.mkdtemp(prefix="dashbase-", dir=tmp))
                bench_wire(env, args.baseline_ref, base, args.seconds, args.idle)
            return 0
        app = App(env["CLAUDE_STATUS_DIR"], env["CLAUDE_CONFIG_DIR"])
        first = json.loads(route(Request("GET", "/api/status/live", "127.0.0.1"), app).body)
        assert len(first["sessions"]) == args.sessions
        bench_live_inprocess(app, 50)  # warm-up
        t = bench_live_inprocess(app, args.requests)
        print("live in-process (%d sessions, %d calls): p50 %s  p90 %s  p99 %s" % (
            args.sessions, len(t), ms(pct(t, .5)), ms(pct(t, .9)), ms(pct(t, .99))))

        # The server runs in its own process (as `claude-status dashboard` would), so the load
        # generator's threads do not share its GIL.
        proc = subprocess.Popen([sys.executable, "-m", "dashboard", "--port", "0"], cwd=ROOT,
                                env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        try:
            bench_live_http(port, 50)
            t = bench_live_http(port, args.requests)
            print("live over HTTP keep-alive (%d sessions, %d requests): p50 %s  p90 %s  p99 %s" % (
                args.sessions, len(t), ms(pct(t, .5)), ms(pct(t, .9)), ms(pct(t, .99))))
            for path, threads in (("/api/status/live", 1), ("/api/status/live", 4), ("/healthz", 4)):
                runs = [bench_rps(port, path, threads, 1000 // threads) for _ in range(3)]
                print("rps %s, %d client threads x %d requests, 3 runs: median %.0f  (runs %s)" % (
                    path, threads, 1000 // threads, statistics.median(runs), ", ".join("%.0f" % r for r in runs)))
        finally:
            proc.terminate()
            proc.wait(10)

        size = seed_transcripts(env["CLAUDE_CONFIG_DIR"], args.transcripts)
        print("transcripts: %d files, %.1f MB" % (args.transcripts, size / 1e6))
        h = bench_history(env["CLAUDE_CONFIG_DIR"], 5)
        for key, values in h.items():
            print("/api/sessions %s, 5 runs: median %s  (min %s, max %s)" % (
                key, ms(statistics.median(values)), ms(min(values)), ms(max(values))))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
