"""The real-client suite: skipped locally (with the reason) when npm, tmux or unshare are missing or
unusable; under ``CI=true`` a missing piece is a failure, never a skip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.realclient import claude

CAPTURE_ENV = "CLAUDE_STATUS_REALCLIENT_CAPTURE"  # keep every scenario's result.json here (refresh_fixtures.py)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail("real-client suite cannot run under CI: " + reason, pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.realclient)


@pytest.fixture(scope="session")
def claude_binary() -> str:
    """The pinned native binary (installed with npm into the cache dir on first use)."""
    for tool in ("tmux", "unshare"):
        if not shutil.which(tool):
            _unavailable("%s is not installed" % tool)
    probe = subprocess.run(["unshare", "--net", "--pid", "--fork", "--mount-proc", "true"], capture_output=True,
                           text=True, check=False)
    if probe.returncode != 0:
        _unavailable("unshare --net --pid cannot run here (needs root or user namespaces): %s" % probe.stderr.strip())
    binary = claude.binary_path()
    if not (os.path.exists(binary) and claude.installed_version(binary) == claude.VERSION):
        if not shutil.which("npm"):
            _unavailable("npm is not installed and Claude Code %s is not in %s" % (claude.VERSION, claude.cache_dir()))
        try:
            binary = claude.install()
        except RuntimeError as exc:
            _unavailable(str(exc))
    return binary


class Scenarios:
    """Runs each scenario once per test session (several tests read the same run), in its own namespace."""

    def __init__(self, binary: str, base: Path) -> None:
        self.binary, self.base = binary, base
        self.cache: dict = {}

    def __call__(self, name: str, timeout: float = 300, **params: object) -> dict:
        key = (name, json.dumps(params, sort_keys=True))
        if key in self.cache:
            return self.cache[key]
        workdir = self.base / ("%s-%s" % (name, uuid.uuid4().hex[:6]))
        workdir.mkdir(parents=True)
        spec = {"scenario": name, "workdir": str(workdir), "binary": self.binary, "params": params}
        (workdir / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TMUX", "CLAUDE", "ANTHROPIC"))}
        cmd = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child",
               sys.executable, "-m", "tests.realclient.driver", str(workdir / "spec.json")]
        try:
            proc = subprocess.run(cmd, cwd=claude.ROOT, env=env, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            pytest.fail("scenario %s did not finish in %d s (workdir %s)" % (name, timeout, workdir))
        result_path = workdir / "result.json"
        if not result_path.exists():
            pytest.fail("scenario %s wrote no result (rc %s): %s" % (name, proc.returncode, proc.stderr[-3000:]))
        result = json.loads(result_path.read_text(encoding="utf-8"))
        result["workdir"] = str(workdir)
        capture = os.environ.get(CAPTURE_ENV)
        if capture:
            Path(capture).mkdir(parents=True, exist_ok=True)
            shutil.copy(result_path, Path(capture) / ("%s.json" % name))
        if result.get("error"):
            pytest.fail("scenario %s failed: %s\n%s" % (name, result["error"], result.get("traceback", "")))
        self.cache[key] = result
        return result


@pytest.fixture(scope="session")
def scenario(claude_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Scenarios:
    return Scenarios(claude_binary, tmp_path_factory.mktemp("realclient"))
