"""Benchmark (not a test): the Linux tray's start-up and memory with each SNI backend, side by side.

`sni` is the tray's own StatusNotifierItem over dbus-fast (tray/sni.py); `appindicator` is pystray's
libayatana backend (CLAUDE_STATUS_SNI=0). Each round starts the real tray (`python -m tray tray`) on a fresh
private desktop (Xvfb + dbus-daemon + tests/sni_fake.py's StatusNotifierWatcher), times process start ->
registered item with a readable menu (dbusmenu GetLayout holds "Quit"), then reads VmRSS and the thread count
2 s later, and quits it from the menu. Rounds interleave the two backends.

    .venv/bin/python bench/tray_backends.py --rounds 5
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.desktop import Desktop, find, wait_for  # noqa: E402


def one(mode: str) -> tuple[float, float, int]:
    tmp = tempfile.mkdtemp(prefix="tray-backends-")
    d = Desktop(tmp).start()
    try:
        env = d.env()
        env.update(HOME=f"{tmp}/home", CLAUDE_CONFIG_DIR=f"{tmp}/home/.claude", CLAUDE_STATUS_DIR=f"{tmp}/status",
                   CLAUDE_STATUS_TRAY_CONFIG=f"{tmp}/conf", XDG_CONFIG_HOME=f"{tmp}/home/.config")
        if mode == "appindicator":
            env["CLAUDE_STATUS_SNI"] = "0"
        t0 = time.monotonic()
        p = d.popen([sys.executable, "-m", "tray", "tray"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
        items = wait_for(lambda: d.records("items.jsonl"), 60, 0.01)
        assert items, "the tray never registered"
        assert wait_for(lambda: find(d.layout(items[0])[1], "Quit"), 60, 0.01)
        started = time.monotonic() - t0
        time.sleep(2)
        with open(f"/proc/{p.pid}/status") as fh:
            rss = int(next(x for x in fh if x.startswith("VmRSS")).split()[1]) / 1024
        threads = len(os.listdir(f"/proc/{p.pid}/task"))
        d.click(items[0], find(d.layout(items[0])[1], "Quit")["id"])
        p.wait(20)
        return started, rss, threads
    finally:
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    res: dict[str, list[tuple[float, float, int]]] = {"sni": [], "appindicator": []}
    for _ in range(args.rounds):
        for mode, rows in res.items():
            rows.append(one(mode))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load {os.getloadavg()[0]:.2f}")
    print("| backend | rounds | start -> menu median | RSS median | threads |")
    print("|---|---|---|---|---|")
    for mode, rows in res.items():
        print(f"| {mode} | {len(rows)} | {statistics.median(r[0] for r in rows):.2f} s | "
              f"{statistics.median(r[1] for r in rows):.1f} MB | {rows[0][2]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
