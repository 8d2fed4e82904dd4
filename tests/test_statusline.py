"""The status-line tap (hook/statusline.py) and its install/uninstall, in real processes.

The command is always run as Claude Code runs it: ``/bin/sh -c <the statusLine command from settings.json>``
with the status-line JSON on stdin (Claude Code 2.1.332 was measured to use /bin/sh).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from core import store
from hook import install, statusline
from tests.conftest import FIXTURES, event, read_index, read_session, run_hook

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the tap execs /bin/sh like Claude Code on POSIX")

RENDER = json.loads((FIXTURES / "hook-events" / "StatusLine__expardus-fleet_v2.1.226_later-render.json").read_text(
    encoding="utf-8"))
USER_CMD = "printf '\\033[1m%s\\033[0m · x' \"$(head -c 12)\"; echo oops >&2; exit 3"


def settings_file(claude_dir) -> str:
    return os.path.join(str(claude_dir), "settings.json")


def render(command: str, payload: object, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return subprocess.run(["/bin/sh", "-c", command], input=data, capture_output=True, env=env or dict(os.environ),
                          timeout=timeout, check=False)


def registered(claude_dir) -> dict:
    with open(settings_file(claude_dir), encoding="utf-8") as f:
        return json.load(f)["statusLine"]


def start_session(sid: str) -> None:
    out = run_hook(event("SessionStart", sid))
    assert out.returncode == 0 and not out.stdout


# --- install / uninstall ----------------------------------------------------------------------------------
ORIGINAL = ('{\n  "model": "opus",\n    "statusLine": {"type": "command", "command": "~/bin/my line.sh --x \'y\'",'
            ' "padding": 2, "refreshInterval": 5},\n  "hooks": {}\n}\n')


def test_install_wraps_and_uninstall_restores_byte_for_byte(tmp_path):
    claude = tmp_path / "claude"
    claude.mkdir(exist_ok=True)
    (claude / "settings.json").write_text(ORIGINAL, encoding="utf-8")
    edit = statusline.install(str(claude))
    assert edit.changed and edit.backup and open(edit.backup, encoding="utf-8").read() == ORIGINAL
    entry = registered(claude)
    assert list(entry) == ["type", "command", "padding", "refreshInterval"]
    assert entry["padding"] == 2 and entry["refreshInterval"] == 5
    assert statusline.status(str(claude))["wrapped"] == {"type": "command", "command": "~/bin/my line.sh --x 'y'",
                                                         "padding": 2, "refreshInterval": 5}
    assert not statusline.install(str(claude)).changed  # idempotent
    assert statusline.uninstall(str(claude)).changed
    assert (claude / "settings.json").read_text(encoding="utf-8") == ORIGINAL
    assert not statusline.uninstall(str(claude)).changed


def test_install_without_a_user_status_line_and_back(tmp_path):
    claude = tmp_path / "claude"
    claude.mkdir(exist_ok=True)
    text = '{\n  "env": {"A": "1"}\n}\n'
    (claude / "settings.json").write_text(text, encoding="utf-8")
    statusline.install(str(claude))
    entry = registered(claude)
    assert set(entry) == {"type", "command"} and statusline.status(str(claude))["wrapped"] is None
    statusline.uninstall(str(claude))
    assert (claude / "settings.json").read_text(encoding="utf-8") == text


def test_dry_run_writes_nothing_and_no_file_is_created(tmp_path):
    claude = tmp_path / "claude"
    edit = statusline.install(str(claude), dry_run=True)
    assert edit.changed and b"hook.statusline" in edit.text
    assert not os.path.exists(settings_file(claude))


def test_foreign_status_line_shapes_are_refused(tmp_path):
    claude = tmp_path / "claude"
    claude.mkdir(exist_ok=True)
    for bad in ('"a string"', '{"type": "static", "text": "x"}'):
        (claude / "settings.json").write_text('{"statusLine": %s}' % bad, encoding="utf-8")
        with pytest.raises(install.InstallError):
            statusline.install(str(claude))
        assert (claude / "settings.json").read_text(encoding="utf-8") == '{"statusLine": %s}' % bad


def test_cli_commands(tmp_path):
    claude = tmp_path / "claude"
    root = install.package_root()
    out = subprocess.run([sys.executable, "-m", "cli", "install-statusline", "--config-dir", str(claude)],
                         capture_output=True, text=True, cwd=root, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "Registered the claude-status status line" in out.stdout
    out = subprocess.run([sys.executable, "-m", "cli", "uninstall-statusline", "--config-dir", str(claude),
                          "--dry-run"], capture_output=True, text=True, cwd=root, timeout=120, check=False)
    assert out.returncode == 0 and "Would restore" in out.stdout
    assert "statusLine" in registered_keys(claude)
    out = subprocess.run([sys.executable, "-m", "cli", "uninstall-statusline", "--config-dir", str(claude)],
                         capture_output=True, text=True, cwd=root, timeout=120, check=False)
    assert out.returncode == 0 and "statusLine" not in registered_keys(claude)


def registered_keys(claude_dir) -> dict:
    with open(settings_file(claude_dir), encoding="utf-8") as f:
        return json.load(f)


# --- the render path -----------------------------------------------------------------------------------------
def test_output_and_status_identical_to_the_wrapped_command(tmp_path):
    wrapped = {"type": "command", "command": USER_CMD}
    tap = statusline.tap_command(wrapped)
    for payload in (RENDER, b"not json at all \xff", b""):
        a, b = render(tap, payload), render(USER_CMD, payload)
        assert (a.stdout, a.stderr, a.returncode) == (b.stdout, b.stderr, b.returncode), payload
    big = dict(RENDER, padding_blob="x" * 200_000)  # larger than a pipe buffer
    cmd = "wc -c"
    a, b = render(statusline.tap_command({"command": cmd}), big), render(cmd, big)
    assert a.stdout == b.stdout and a.returncode == b.returncode == 0


def test_slow_command_keeps_its_own_timing_and_cancellation(tmp_path):
    """The tap becomes the wrapped command (exec): killing the process Claude Code started kills the command."""
    marker = tmp_path / "alive"
    cmd = "sleep 30; touch %s" % marker
    proc = subprocess.Popen(statusline.tap_argv({"command": cmd}), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc.stdin.write(json.dumps(RENDER).encode())
    proc.stdin.close()
    deadline = time.time() + 60
    while time.time() < deadline:  # until the python process has become /bin/sh
        try:
            with open("/proc/%d/comm" % proc.pid, encoding="utf-8") as f:
                if f.read().strip() == "sh":
                    break
        except OSError:
            pytest.skip("no /proc")
        time.sleep(0.02)
    else:
        pytest.fail("the tap did not exec the wrapped command")
    proc.kill()
    proc.wait(30)
    assert not marker.exists()


def test_records_claude_codes_figures_into_session_and_index(sdir):
    sid = RENDER["session_id"]
    start_session(sid)
    out = render(statusline.tap_command({"command": "cat >/dev/null; echo line"}), RENDER)
    assert out.stdout == b"line\n"
    s = read_session(sdir, sid)
    tap = s["statusline"]
    for key in ("context_window", "model", "cost", "exceeds_200k_tokens", "version"):
        assert tap[key] == RENDER[key], key
    cw = RENDER["context_window"]
    usage = cw["current_usage"]
    assert s["context"]["current_tokens"] == usage["input_tokens"] + usage["cache_creation_input_tokens"] + usage[
        "cache_read_input_tokens"]
    row = next(r for r in read_index(sdir)["sessions"] if r["session_id"] == sid)
    assert row["context_pct"] == cw["used_percentage"] and row["context_window"] == cw["context_window_size"]


def test_first_render_without_usage_keeps_inference(sdir):
    first = json.loads((FIXTURES / "hook-events" / "StatusLine__expardus-fleet_v2.1.226_first-render.json").read_text(
        encoding="utf-8"))
    sid = first["session_id"]
    start_session(sid)
    before = read_session(sdir, sid)["context"]
    render(statusline.tap_command(), first)
    s = read_session(sdir, sid)
    assert s["statusline"]["context_window"] == first["context_window"]
    assert s["context"]["current_tokens"] == before["current_tokens"]
    assert s["context"]["total_tokens"] == first["context_window"]["context_window_size"]


def test_no_session_file_is_created_by_the_tap(sdir):
    out = render(statusline.tap_command(), RENDER)
    assert out.returncode == 0 and out.stdout == b"no other sessions\n"
    assert not (sdir / (RENDER["session_id"] + ".json")).exists()


def test_busy_lock_skips_the_record_never_the_line(sdir):
    sid = RENDER["session_id"]
    start_session(sid)
    with store.DirLock(str(sdir / ".lock")):
        out = render(statusline.tap_command({"command": "cat >/dev/null; printf ok"}), RENDER)
    assert out.stdout == b"ok" and out.returncode == 0
    assert "statusline" not in read_session(sdir, sid)


def test_own_line_counts_the_other_sessions(sdir):
    for sid in ("s1", "s2", "s3"):
        start_session(sid)
    run_hook(event("PermissionRequest", "s2", tool_name="Bash", tool_input={"command": "ls"}))
    out = render(statusline.tap_command(), dict(RENDER, session_id="s1"))
    assert out.stdout.decode() == "2 others · 1 waiting\n"
    assert statusline.describe_others([{"state": "working"}]) == "1 other · 1 working"


def test_render_path_imports_neither_json_nor_re(tmp_path):
    code = ("import sys;sys.path.insert(0,%r);from hook.statusline import main;main();"
            "print('|'.join(m for m in ('json','re','shlex','subprocess') if m in sys.modules), file=sys.stderr)"
            % install.package_root())
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], input=json.dumps(RENDER).encode(),
                         capture_output=True, timeout=60, check=False)
    assert out.returncode == 0
    assert out.stderr.decode().strip() == "", out.stderr


def test_hook_events_keep_the_window_claude_code_reported(sdir):
    """Finding 6: after the tap recorded Claude Code's 1M window, the next hook event must not re-infer 200k."""
    sid = RENDER["session_id"]
    start_session(sid)
    one_m = json.loads(json.dumps(RENDER))
    one_m["model"] = {"id": "claude-haiku-5-5", "display_name": "Haiku 5.5"}
    one_m["context_window"].update(context_window_size=1_000_000, used_percentage=4)
    render(statusline.tap_command(), one_m)
    assert read_session(sdir, sid)["context"]["total_tokens"] == 1_000_000
    run_hook(event("UserPromptSubmit", sid, prompt="next"))
    assert read_session(sdir, sid)["context"]["total_tokens"] == 1_000_000
    row = next(r for r in read_index(sdir)["sessions"] if r["session_id"] == sid)
    assert row["context_window"] == 1_000_000
