"""The `cli` package: the command table contract, lazy imports, the one error boundary."""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys

import pytest

from cli import main as cli_main
from tests.tray_helpers import tray_env  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DESKTOP = ("pydantic", "platformdirs", "pystray", "PIL")


def run_py(code: str, env=None, timeout=60):
    env = dict(os.environ if env is None else env)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.mark.parametrize("name", sorted(cli_main.COMMANDS))
def test_every_command_module_follows_the_contract(name):
    module = importlib.import_module(cli_main.COMMANDS[name])
    assert isinstance(module.HELP, str) and module.HELP and "\n" not in module.HELP
    assert callable(module.add_arguments) and callable(module.run)
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)  # must not raise


def test_top_level_help_lists_every_command():
    r = subprocess.run([sys.executable, "-m", "cli", "--help"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 0
    for name in cli_main.COMMANDS:
        assert name in r.stdout


def test_command_modules_import_no_desktop_library():
    code = (
        "import sys, importlib\n"
        "from cli import main\n"
        "for m in main.COMMANDS.values(): importlib.import_module(m)\n"
        f"print(sorted(m for m in {DESKTOP!r} if m in sys.modules))\n"
    )
    r = run_py(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


BLOCK = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    f"        if name.split('.')[0] in {DESKTOP!r}: raise ImportError('blocked: ' + name)\n"
    "sys.meta_path.insert(0, Block())\n"
)


def test_menu_runs_without_desktop_libraries(tray_env):
    from tests.test_tray_cli import A, fire

    fire(dict(os.environ), A, "UserPromptSubmit", prompt="Refactor parser")
    r = run_py(BLOCK + "from cli.main import main\nsys.exit(main(['menu']))\n")
    assert r.returncode == 0, r.stderr
    assert "  ● Refactor parser — working · 0% >" in r.stdout.splitlines()
    assert r.stderr.startswith("claude-status: warning: tray settings not read")
    assert len(r.stderr.strip().splitlines()) == 1


def test_menu_without_platformdirs_reads_no_settings_but_runs(tray_env):
    env = dict(os.environ)
    env.pop("CLAUDE_STATUS_TRAY_CONFIG")
    code = BLOCK.replace("('pydantic', 'platformdirs', 'pystray', 'PIL')", "('platformdirs',)")
    r = run_py(code + "from cli.main import main\nsys.exit(main(['menu']))\n", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Title:   ☁️ –")


def test_python_dash_m_cli_and_tray_are_the_same_command():
    for mod in ("cli", "tray"):
        r = subprocess.run([sys.executable, "-m", mod, "demo", "--sessions", "0"], cwd=ROOT, capture_output=True,
                           text=True, check=False)
        assert r.returncode == 1
        assert r.stderr.strip() == "claude-status: error: --sessions must be between 1 and 30"


def test_no_import_cycle_between_hookcmd_and_the_dispatcher():
    r = run_py("import sys\nimport cli.hookcmd\nprint('cli.main' in sys.modules)\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def crash_module(tmp_path):
    """A command that crashes with an unexpected error, registered in COMMANDS for one run."""
    pkg = tmp_path / "crashy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "boom.py").write_text(
        "HELP = 'crash'\n"
        "def add_arguments(parser): pass\n"
        "def run(args): raise RuntimeError('kaboom')\n"
    )
    return (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "from cli import main\n"
        "main.COMMANDS['boom'] = 'crashy.boom'\n"
    )


def test_unexpected_error_is_one_line_and_a_crash_report_in_the_log(tray_env, tmp_path):
    from cli import __version__

    r = run_py(crash_module(tmp_path) + "sys.exit(main.main(['boom']))\n")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    log = os.path.join(os.environ["CLAUDE_STATUS_TRAY_CONFIG"], "tray.log")
    assert lines == [f"claude-status: error: RuntimeError: kaboom (run with --debug for details; crash report in {log})"]
    with open(log, encoding="utf-8") as fh:
        report = fh.read()
    assert f"version: claude-status {__version__}" in report
    assert "platform: " in report and f"python: {sys.version.split()[0]}" in report
    assert "Traceback (most recent call last)" in report and "RuntimeError: kaboom" in report
    assert "command: claude-status boom" in report


def test_debug_shows_the_traceback(tray_env, tmp_path):
    r = run_py(crash_module(tmp_path) + "sys.exit(main.main(['boom', '--debug']))\n")
    assert r.returncode == 1
    assert "Traceback (most recent call last)" in r.stderr and "RuntimeError: kaboom" in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("claude-status: error: RuntimeError: kaboom")


def test_cli_error_is_one_line_without_a_crash_report(tray_env):
    r = subprocess.run([sys.executable, "-m", "cli", "demo", "--sessions", "99"], cwd=ROOT, capture_output=True,
                       text=True, check=False)
    assert r.returncode == 1 and r.stderr == "claude-status: error: --sessions must be between 1 and 30\n"
    assert not os.path.exists(os.path.join(os.environ["CLAUDE_STATUS_TRAY_CONFIG"], "tray.log"))


def test_no_command_is_the_tray(monkeypatch):
    module, args = cli_main.parse([])
    assert module.__name__ == "cli.tray" and args.dir is None and args.debug is False
    module, args = cli_main.parse(["--debug"])
    assert module.__name__ == "cli.tray" and args.debug is True


def test_hook_install_public_api_for_the_cli_and_doctor():
    from hook import install

    argv = install.hook_argv("/usr/bin/python3", "/opt/cst")
    for version in (None, (2, 1, 259)):
        h = install.handler(version, argv)
        assert install.argv_of(h) == argv
        assert install.hook_root(install.argv_of(h)) == "/opt/cst"
    assert install.hook_root(["/usr/bin/python3", "-c", "print(1)"]) is None
    assert install.argv_of({"command": 3}) is None
