"""Build the standalone bundle for this OS into dist/ (PyInstaller onedir, two executables).

    python packaging/build.py              # dist/claude-status/ (or dist/Claude Status.app) + an archive
    python packaging/build.py --no-archive

Output:
  Linux    dist/claude-status/{claude-status,claude-status-hook,_internal/}
           dist/claude-status-<version>-linux-<arch>.tar.gz
  macOS    dist/Claude Status.app/Contents/MacOS/{claude-status,claude-status-hook}
           dist/claude-status-<version>-macos-<arch>.zip (ditto: keeps symlinks, modes, signatures)
  Windows  dist/claude-status/{claude-status.exe,claude-status-hook.exe,_internal/}
           dist/claude-status-<version>-windows-<arch>.zip
Prints the archive's path and size on the last line.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DIST = os.path.join(ROOT, "dist")
WORK = os.path.join(ROOT, "build", "pyinstaller")
SPEC = os.path.join(HERE, "claude-status.spec")


def version() -> str:
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as fh:
        m = re.search(r'^version\s*=\s*"([^"]+)"', fh.read(), re.M)
    assert m, "no version in pyproject.toml"
    return m.group(1)


def os_tag() -> str:
    return {"darwin": "macos", "win32": "windows"}.get(sys.platform, "linux")


def arch_tag() -> str:
    m = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(m, m)


def bundle_dir() -> str:
    """The folder that holds both executables."""
    if sys.platform == "darwin":
        return os.path.join(DIST, "Claude Status.app", "Contents", "MacOS")
    return os.path.join(DIST, "claude-status")


def executables() -> tuple[str, str]:
    ext = ".exe" if sys.platform == "win32" else ""
    d = bundle_dir()
    return os.path.join(d, "claude-status" + ext), os.path.join(d, "claude-status-hook" + ext)


def run_pyinstaller() -> None:
    env = dict(os.environ)
    # pystray's hooks-contrib hook imports pystray; on a headless builder that raises DisplayNameError
    # (harmless, but it hides real warnings). The dummy backend imports anywhere.
    env["PYSTRAY_BACKEND"] = "dummy"
    env.setdefault("PYINSTALLER_STRICT_BUNDLE_CODESIGN_ERROR", "1")
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--workpath",
        WORK,
        "--distpath",
        DIST,
        SPEC,
    ]
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)


def archive() -> str:
    name = f"claude-status-{version()}-{os_tag()}-{arch_tag()}"
    if sys.platform == "darwin":
        out = os.path.join(DIST, name + ".zip")
        if os.path.exists(out):
            os.unlink(out)
        subprocess.run(["ditto", "-c", "-k", "--keepParent", os.path.join(DIST, "Claude Status.app"), out], check=True)
    elif sys.platform == "win32":
        out = shutil.make_archive(os.path.join(DIST, name), "zip", DIST, "claude-status")
    else:
        out = os.path.join(DIST, name + ".tar.gz")
        with tarfile.open(out, "w:gz", compresslevel=9) as tar:  # tar keeps the executable bits
            tar.add(os.path.join(DIST, "claude-status"), arcname="claude-status")
    return out


def tree_size(path: str) -> tuple[int, int]:
    total = files = 0
    for dirpath, _dirs, names in os.walk(path):
        for n in names:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                total += os.path.getsize(p)
                files += 1
    return total, files


def main(argv: list | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the claude-status bundle for this OS into dist/.")
    p.add_argument("--no-archive", action="store_true", help="skip the .tar.gz/.zip")
    args = p.parse_args(argv)
    missing = subprocess.run(
        [sys.executable, os.path.join(ROOT, "assets", "make_icons.py"), "--check"], check=False
    ).returncode
    if missing:
        return 1
    started = time.monotonic()
    run_pyinstaller()
    app, hook = executables()
    for exe in (app, hook):
        if not os.path.isfile(exe):
            print(f"build.py: missing {exe}", file=sys.stderr)
            return 1
    top = os.path.join(DIST, "Claude Status.app") if sys.platform == "darwin" else bundle_dir()
    size, files = tree_size(top)
    print(f"built {top}: {size / 1e6:.1f} MB in {files} files, {time.monotonic() - started:.0f} s")
    print(f"  app:  {app}\n  hook: {hook}")
    if not args.no_archive:
        out = archive()
        print(f"archive {out}: {os.path.getsize(out) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
