"""Measure the built standalone bundle (python packaging/build.py first): size and start-up times.

    python bench/binary_bench.py [--runs 50] [--json bench/results/binary.json]

Everything is measured in one run, round-robin (one run of each command in turn, repeated), so drift
on a noisy machine hits every row alike. Rows:

- floor: the interpreter the bundle was built with, `-I -S -c "import json"` (the issue's floor);
- `claude-status --version` (the windowed app's start-up: bootloader, runtime hooks, argparse);
- `claude-status-hook` on a real UserPromptSubmit event (the lean hook exe);
- the same event through the stdlib hook sources shipped in the bundle (a copy, as `install-hook` stages
  them), run by each real python3 found (the command `install-hook` registers when it is faster);
- for reference, Debian's python3 floor when present.

Prints a Markdown table (median, p90, ratio to the floor) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "packaging"))
sys.path.insert(0, ROOT)
import build  # noqa: E402

EVENT = os.path.join(ROOT, "tests", "fixtures", "hook-events", "UserPromptSubmit__leopold_v2.1.259.json")


def base_python() -> str:
    r = subprocess.run(
        [sys.executable, "-I", "-S", "-c", "import sys;print(sys._base_executable)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return os.path.realpath(r.stdout.strip() or sys.executable)


def sizes() -> dict:
    top = os.path.join(build.DIST, "Claude Status.app") if sys.platform == "darwin" else build.bundle_dir()
    total, files = build.tree_size(top)
    archives = [
        os.path.join(build.DIST, n)
        for n in os.listdir(build.DIST)
        if n.startswith("claude-status-") and n.endswith((".tar.gz", ".zip"))
    ]
    app, hook = build.executables()
    return {
        "bundle_bytes": total,
        "bundle_files": files,
        "archive": os.path.basename(archives[0]) if archives else None,
        "archive_bytes": os.path.getsize(archives[0]) if archives else None,
        "app_exe_bytes": os.path.getsize(app),
        "hook_exe_bytes": os.path.getsize(hook),
    }


def main(argv: list | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--json", help="also write the results here")
    args = p.parse_args(argv)

    from hook import install

    app, hook = build.executables()
    size = sizes()
    bundled = os.path.join(build.bundle_dir(), "_internal", "hooksrc")
    if sys.platform == "darwin":
        bundled = os.path.join(build.DIST, "Claude Status.app", "Contents", "Resources", "hooksrc")
    tmp = tempfile.mkdtemp(prefix="binary-bench-")
    # a copy, as install-hook stages it (Python caches bytecode there, never inside the bundle)
    hooksrc = shutil.copytree(bundled, os.path.join(tmp, "hooksrc"))
    with open(EVENT, "rb") as fh:
        event = fh.read()
    floor_py = base_python()
    rows: list[tuple[str, list[str], bytes]] = [
        (f"floor: {floor_py} -I -S -c 'import json'", [floor_py, "-I", "-S", "-c", "import json"], b""),
        ("claude-status --version", [app, "--version"], b""),
        ("claude-status-hook < UserPromptSubmit", [hook], event),
        (f"{floor_py} -I -S <bundled hook sources>", install.hook_argv(floor_py, hooksrc), event),
    ]
    deb = "/usr/bin/python3"
    if os.path.isfile(deb) and os.path.realpath(deb) != floor_py:
        rows.insert(1, (f"{deb} -I -S -c 'import json'", [deb, "-I", "-S", "-c", "import json"], b""))
        rows.append((f"{deb} -I -S <bundled hook sources>", install.hook_argv(deb, hooksrc), event))

    env = dict(os.environ)
    env.update(CLAUDE_STATUS_DIR=os.path.join(tmp, "status"), CLAUDE_CONFIG_DIR=os.path.join(tmp, "claude"))
    times: dict[str, list[float]] = {label: [] for label, _, _ in rows}
    try:
        for i in range(args.warmup + args.runs):
            for label, cmd, data in rows:
                t = time.perf_counter()
                r = subprocess.run(cmd, input=data, capture_output=True, env=env, check=False)
                elapsed = (time.perf_counter() - t) * 1000
                if r.returncode != 0:
                    print(f"{label}: exit {r.returncode}: {r.stderr.decode(errors='replace')[-300:]}", file=sys.stderr)
                    return 1
                if i >= args.warmup:
                    times[label].append(elapsed)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    floor = statistics.median(times[rows[0][0]])
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"## Standalone bundle, {time.strftime('%Y-%m-%d')} ({machine})\n")
    print(
        f"Bundle: {size['bundle_bytes'] / 1e6:.1f} MB in {size['bundle_files']} files; "
        f"{size['archive']}: {(size['archive_bytes'] or 0) / 1e6:.1f} MB; "
        f"claude-status {size['app_exe_bytes'] / 1e6:.2f} MB, "
        f"claude-status-hook {size['hook_exe_bytes'] / 1e6:.2f} MB\n"
    )
    print(f"{args.runs} runs each after {args.warmup} warm-up rounds, round-robin.\n")
    print("| Command | median ms | p90 ms | x floor |")
    print("|---|---:|---:|---:|")
    result = {"date": time.strftime("%Y-%m-%d"), "machine": machine, "runs": args.runs, "size": size, "rows": []}
    for label, _, _ in rows:
        xs = sorted(times[label])
        med, p90 = statistics.median(xs), xs[max(0, round(0.9 * len(xs)) - 1)]
        print(f"| `{label}` | {med:.1f} | {p90:.1f} | {med / floor:.2f} |")
        result["rows"].append({"command": label, "median_ms": med, "p90_ms": p90, "ratio": med / floor})
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
