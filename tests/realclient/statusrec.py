"""A recording status line: appends ``{"wall", "raw"}`` (its stdin) to argv[1] and prints one line.

It is the "user's own status line" in the suite's scenarios: what it prints must reach the screen byte
for byte through our tap, and what it was given is Claude Code's own ground truth (context %, window).
"""
import os
import sys
import time

wall = time.time()
data = sys.stdin.buffer.read()
import json  # noqa: E402

fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
os.write(fd, (json.dumps({"wall": wall, "raw": data.decode("utf-8", "replace")}) + "\n").encode())
os.close(fd)
try:
    obj = json.loads(data)
    cw = obj.get("context_window") or {}
    line = "REC ctx=%s%% win=%s model=%s" % (cw.get("used_percentage"), cw.get("context_window_size"),
                                            (obj.get("model") or {}).get("id"))
except ValueError:
    line = "REC unparsable"
sys.stdout.write(line + "\n")
