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

# Which top-level modules are the standard library: sys.stdlib_module_names (3.10+); on 3.9, a module built
# into the interpreter, frozen, or loaded from the interpreter's own stdlib dir (never site-packages).
IS_STDLIB = r"""
import os, sys, sysconfig
def stdlib_by_location(name):
    if name in sys.builtin_module_names:
        return True
    mod = sys.modules.get(name)
    spec = getattr(mod, "__spec__", None)
    origin = getattr(spec, "origin", None) or getattr(mod, "__file__", None)
    if origin in ("built-in", "frozen"):
        return True
    if not origin:
        return False
    path = os.path.realpath(origin)
    roots = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}
    inside = any(path.startswith(r + os.sep) for r in roots)
    return inside and not any(p in path.split(os.sep) for p in ("site-packages", "dist-packages"))
def is_stdlib(name, force_fallback=False):
    names = None if force_fallback else getattr(sys, "stdlib_module_names", None)
    return name in names if names is not None else stdlib_by_location(name)
"""

CHECK = IS_STDLIB + r"""
import importlib, pkgutil
sys.path.insert(0, __ROOT__)
before = set(sys.modules)
for pkg in ("core", "hook"):
    m = importlib.import_module(pkg)
    for info in pkgutil.walk_packages(m.__path__, pkg + "."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
loaded = {n.split(".")[0] for n in set(sys.modules) - before} - {"core", "hook"}
print(",".join(sorted(n for n in loaded if not is_stdlib(n, __FORCE__))))
"""


@pytest.mark.parametrize("force_fallback", [False, True], ids=["interpreter-list", "by-location"])
def test_importable_with_isolated_no_site_interpreter_and_stdlib_only(force_fallback):
    code = CHECK.replace("__ROOT__", repr(str(ROOT))).replace("__FORCE__", repr(force_fallback))
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_the_39_rule_agrees_with_the_interpreters_list():
    """The by-location rule (Python 3.9) says what sys.stdlib_module_names says, for stdlib and third-party
    modules alike, where the interpreter has the list (3.10+)."""
    code = IS_STDLIB + r"""
import json, importlib
probe = ["json", "os", "re", "sqlite3", "ctypes", "email", "asyncio", "pytest", "hypothesis", "pluggy", "PIL",
         "pydantic", "_pytest", "tests"]
out = {}
for n in probe:
    try:
        importlib.import_module(n)
    except ImportError:
        continue
    out[n] = [stdlib_by_location(n), n in getattr(sys, "stdlib_module_names", [n] if stdlib_by_location(n) else [])]
print(json.dumps(out))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                         cwd=str(ROOT))
    assert out.returncode == 0, out.stderr
    import json

    verdicts = json.loads(out.stdout)
    assert verdicts["json"] == [True, True] and verdicts["pytest"] == [False, False], verdicts
    assert {n: v[0] for n, v in verdicts.items()} == {n: v[1] for n, v in verdicts.items()}


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
