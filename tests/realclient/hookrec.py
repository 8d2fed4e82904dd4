"""A recording hook: appends ``{"wall": time, "raw": stdin}`` to the file named by argv[1]. Prints nothing.

Registered by the suite beside our own hook (project settings, every event), so each scenario knows when
Claude Code fired what, with exactly what payload (the source of the refreshed fixtures).
"""
import os
import sys
import time

wall = time.time()
data = sys.stdin.buffer.read()
import json  # noqa: E402 - after the read: the timestamp is as early as possible

line = json.dumps({"wall": wall, "raw": data.decode("utf-8", "replace")}) + "\n"
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
os.write(fd, line.encode())
os.close(fd)
