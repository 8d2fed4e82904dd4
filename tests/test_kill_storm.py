"""kill -9 storm (issue 8): 8 parallel hooks killed at random moments while a reader re-parses every file.
0 torn reads, index.json consistent after the next event, no temp files after the grace period."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time

from core import aggregate, scan
from tests.conftest import event, hook_cmd, read_index, read_session, run_hook

SESSIONS = ["storm-%d" % i for i in range(6)]
NAMES = ["PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop", "SubagentStart", "PermissionRequest"]


class Reader(threading.Thread):
    """Re-parses every file we write, as the tray and dashboard do, until stopped."""

    def __init__(self, sdir) -> None:
        super().__init__(daemon=True)
        self.sdir = sdir
        self.stop = threading.Event()
        self.reads = 0
        self.torn: list = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                names = os.listdir(self.sdir)
            except OSError:
                continue
            for name in names:
                if not (name.endswith(".json") or name == ".ended") or name.endswith(".tmp"):
                    continue
                try:
                    with open(os.path.join(self.sdir, name), "rb") as f:
                        data = f.read()
                except OSError:  # removed or replaced between listdir and open: not a torn read
                    continue
                self.reads += 1
                try:
                    json.loads(data)
                except ValueError:
                    self.torn.append((name, data[:80]))


def test_kill_9_storm(sdir):
    rng = random.Random(8)
    for sid in SESSIONS:
        assert run_hook(event("UserPromptSubmit", sid, prompt="go")).returncode == 0
    reader = Reader(str(sdir))
    reader.start()
    killed = finished = 0
    try:
        for round_no in range(30):
            procs = []
            for i in range(8):
                sid = rng.choice(SESSIONS)
                ev = event(rng.choice(NAMES), sid, tool_name="T%d_%d" % (round_no, i), agent_id=None)
                if ev["hook_event_name"] == "SubagentStart":
                    ev["agent_id"], ev["agent_type"] = "a%d" % rng.randrange(4), "Explore"
                else:
                    ev.pop("agent_id")
                p = subprocess.Popen(hook_cmd(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                p.stdin.write(json.dumps(ev).encode())
                p.stdin.close()
                procs.append(p)
            time.sleep(rng.uniform(0.0, 0.06))
            for p in rng.sample(procs, len(procs)):
                if p.poll() is None:
                    p.send_signal(signal.SIGKILL)
                    killed += 1
                else:
                    finished += 1
                time.sleep(rng.uniform(0.0, 0.005))
            for p in procs:
                p.wait(timeout=60)
    finally:
        reader.stop.set()
        reader.join(timeout=30)
    assert reader.reads > 0
    assert reader.torn == []  # 0 torn reads
    assert killed > 0 and finished > 0, (killed, finished)  # the storm really hit both ways

    # the next event: index.json consistent with the session files
    assert run_hook(event("PostToolUse", "storm-0", tool_name="After")).returncode == 0
    index = read_index(sdir)
    files = {n[:-5] for n in os.listdir(sdir) if n.startswith("storm-") and n.endswith(".json")}
    assert {r["session_id"] for r in index["sessions"]} == files == set(SESSIONS)
    for r in index["sessions"]:
        s = read_session(sdir, r["session_id"])
        assert (r["updated_at"], r["last_tool"], r["state"]) == (s["updated_at"], s.get("last_tool"), s["state"])
    assert read_session(sdir, "storm-0")["last_tool"] == "After"

    # temp files a killed hook left are removed once older than the grace period
    temps = [n for n in os.listdir(sdir) if n.startswith(".") and n.endswith(".tmp")]
    old = time.time() - aggregate.TMP_GRACE_SECONDS - 5
    for n in temps:
        os.utime(sdir / n, (old, old), follow_symlinks=False)
    scan.invalidate(str(sdir))  # what any other writer (the tray's aggregation) does; the hook then reads fully
    assert run_hook(event("PostToolUse", "storm-1", tool_name="Sweep")).returncode == 0
    assert [n for n in os.listdir(sdir) if n.endswith(".tmp")] == []
    assert not (sdir / "hook.log").exists() or "Error" not in (sdir / "hook.log").read_text()
    print("\nkill storm: %d killed, %d finished, %d temp files left by kills, %d reads" % (
        killed, finished, len(temps), reader.reads))
