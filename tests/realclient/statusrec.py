"""A recording status line: appends ``{"wall", "raw", "out"}`` (its stdin, its output) to argv[1].

It is the "user's own status line" in the suite's scenarios: what it prints (ANSI colours, non-ASCII, no
final newline, something on stderr, exit status 0) must reach Claude Code byte for byte through our tap,
and what it was given is Claude Code's own ground truth (context %, window).
"""
import os
import sys
import time

wall = time.time()
data = sys.stdin.buffer.read()
import json  # noqa: E402

try:
    obj = json.loads(data)
    cw = obj.get("context_window") or {}
    line = "\x1b[36mREC\x1b[0m ctx=%s%% · win=%s · %s" % (cw.get("used_percentage"), cw.get("context_window_size"),
                                                        (obj.get("model") or {}).get("id"))
except ValueError:
    line = "REC unparsable"
out = line.encode("utf-8")
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
os.write(fd, (json.dumps({"wall": wall, "raw": data.decode("utf-8", "replace"), "out": line}) + "\n").encode())
os.close(fd)
sys.stderr.write("statusrec: rendered\n")
sys.stdout.buffer.write(out)
