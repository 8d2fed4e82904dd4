"""Architecture rule 1: core and hook import the standard library only and keep to Python 3.9 syntax."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("core", "hook")
SOURCES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))

CHECK = r"""
import sys, importlib, pkgutil
sys.path.insert(0, {root!r})
before = set(sys.modules)
for pkg in ("core", "hook"):
    m = importlib.import_module(pkg)
    for info in pkgutil.walk_packages(m.__path__, pkg + "."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
extra = sorted({{n.split(".")[0] for n in set(sys.modules) - before}} - set(sys.stdlib_module_names) - {{"core", "hook"}})
print(",".join(extra))
"""


def test_importable_with_isolated_no_site_interpreter_and_stdlib_only():
    out = subprocess.run([sys.executable, "-I", "-S", "-c", CHECK.format(root=str(ROOT))], capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_hook_path_imports_stay_small():
    """What one real hook run imports: no re, json, datetime, tempfile, logging, pathlib, typing."""
    code = ("import sys;sys.path.insert(0,%r);sys.stdin=open('/dev/null');from hook.main import main;main();"
            "print(','.join(sorted(sys.modules)))" % str(ROOT))
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60, check=False)
    loaded = set(out.stdout.strip().split(","))
    heavy = {"re", "json", "datetime", "tempfile", "logging", "pathlib", "typing", "dataclasses", "subprocess",
             "argparse", "shlex", "importlib.metadata"}
    assert loaded, out.stderr
    assert not loaded & heavy


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_python39_syntax(path):
    ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=(3, 9))


def test_vermin_says_39():
    exe = Path(sys.executable).parent / "vermin"
    if not exe.exists():
        pytest.fail("vermin is a test dependency: pip install -e '.[test]'")
    out = subprocess.run([str(exe), "-t=3.9-", "--no-tips", "--violations", "--eval-annotations", *map(str, SOURCES)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
