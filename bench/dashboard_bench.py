"""Dashboard benchmarks: live latency with 50 sessions, loopback throughput, history cold/warm.

    .venv/bin/python bench/dashboard_bench.py [--sessions 50] [--transcripts 1000]

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
import shutil
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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--transcripts", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=1000)
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
