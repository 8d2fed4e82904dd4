"""End to end: the real hook writes sessions, the real server serves them, Debian's Chromium shows them.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``) and Playwright from PyPI; Playwright's own
browser download is never used. ``DASHBOARD_SCREENSHOTS=1`` also writes the screenshots to ``docs/``.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from hookrun import ROOT, event, hook_env, run_hook

from dashboard import server as dserver
from dashboard.app import App

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "transcripts")
WORKING = "5b7e0c1a-0000-4000-8000-000000000001"
WAITING = "5b7e0c1a-0000-4000-8000-000000000002"
DONE = "5b7e0c1a-0000-4000-8000-000000000003"
TIMEOUT_MS = 10_000

pytestmark = pytest.mark.e2e
if os.environ.get("CI"):  # CI installs both (.ci/run): a missing browser there is a failure, not a skip
    from playwright import sync_api
    assert os.path.exists(CHROMIUM), "CI must apt-get install chromium"
else:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


def transcript(env, project, session_id, fixture):
    folder = os.path.join(env["CLAUDE_CONFIG_DIR"], "projects", project)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, session_id + ".jsonl")
    shutil.copyfile(os.path.join(FIXTURES, fixture), path)
    return path


def seed_sessions(env):
    """Three sessions through the real hook: one working, one waiting for permission, one finished."""
    tpath = transcript(env, "-home-me-projects-spotter", WORKING, "spotter_v2.1.38_main_session_tool_heavy.jsonl")
    common = {"cwd": "/home/me/projects/spotter", "transcript_path": tpath}
    run_hook(env, event("SessionStart__leopold_v2.1.259_startup", session_id=WORKING, **common))
    run_hook(env, event("UserPromptSubmit__leopold_v2.1.259", session_id=WORKING,
                        prompt="Fix xterm.js scrollback in the web terminal", **common))
    run_hook(env, event("PreToolUse__leopold_v2.1.259_bash", session_id=WORKING, **common))

    tpath = transcript(env, "-home-me-projects-webapp", WAITING, "agentlogs_v2.0.14_todowrite.jsonl")
    common = {"cwd": "/home/me/projects/webapp", "transcript_path": tpath}
    run_hook(env, event("UserPromptSubmit__leopold_v2.1.259", session_id=WAITING,
                        prompt="Add a dark mode toggle to settings", **common))
    run_hook(env, event("PermissionRequest__leopold_v2.1.259_bash", session_id=WAITING, **common))

    common = {"cwd": "/home/me/projects/docs-site", "transcript_path": ""}
    run_hook(env, event("UserPromptSubmit__leopold_v2.1.259", session_id=DONE,
                        prompt="Proofread the installation guide", **common))
    run_hook(env, event("Stop__leopold_v2.1.259", session_id=DONE, **common))


@pytest.fixture
def env(tmp_path):
    return hook_env(tmp_path)


@pytest.fixture
def served(env):
    srv = dserver.make_server("127.0.0.1", 0, App(env["CLAUDE_STATUS_DIR"], env["CLAUDE_CONFIG_DIR"]))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    if not srv.app.stopping.is_set():
        srv.stop()
    thread.join(10)


@pytest.fixture
def browser(tmp_path):
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def save(page, tmp_path, name):
    page.screenshot(path=str(tmp_path / name), full_page=True)
    if os.environ.get("DASHBOARD_SCREENSHOTS"):
        page.screenshot(path=os.path.join(ROOT, "docs", name), full_page=True)


def card(page, session_id):
    return page.locator('.card[data-session-id="%s"]' % session_id)


def test_cards_live_updates_waiting_first_and_server_gone_banner(env, served, browser, tmp_path):
    seed_sessions(env)
    page = browser.new_page(viewport={"width": 1280, "height": 760})
    page.goto(served.url)
    for sid in (WORKING, WAITING, DONE):
        card(page, sid).wait_for(timeout=TIMEOUT_MS)

    # Waiting-for-you comes first and is highlighted; the badge says so.
    first = page.locator(".card").first
    assert first.get_attribute("data-session-id") == WAITING
    assert "attention" in first.get_attribute("class")
    assert "waiting for you" in first.locator(".badge").inner_text().lower()
    assert "permission" in first.locator(".waiting-for").inner_text().lower()
    assert "attention" not in card(page, WORKING).get_attribute("class")

    # Card content: task, project, model and context bar from the transcript, live age.
    working = card(page, WORKING)
    assert "Fix xterm.js scrollback" in working.locator(".task").inner_text()
    assert "spotter" in working.locator(".project").inner_text()
    assert working.locator('[role="progressbar"][aria-label="Context"]').count() == 1
    page.wait_for_function(
        "id => /updated (just now|\\d+ s ago)/.test(document.querySelector(`.card[data-session-id='${id}'] .updated`).textContent)",
        arg=WORKING, timeout=TIMEOUT_MS)
    assert page.locator("#title-line").inner_text().startswith("☁️ 3s")
    assert page.locator("#sum-waiting").inner_text() == "1"
    page.wait_for_function("document.getElementById('conn').dataset.mode === 'live'", timeout=TIMEOUT_MS)
    save(page, tmp_path, "dashboard.png")

    # Another hook event changes a card live, over the stream.
    run_hook(env, event("PermissionRequest__leopold_v2.1.259_bash", session_id=WORKING,
                        cwd="/home/me/projects/spotter"))
    page.wait_for_function(
        "id => document.querySelector(`.card[data-session-id='${id}']`).dataset.state === 'waiting'",
        arg=WORKING, timeout=TIMEOUT_MS)
    assert "attention" in card(page, WORKING).get_attribute("class")
    assert page.locator("#sum-waiting").inner_text() == "2"

    # History tab lists the transcripts.
    page.click("#tab-history")
    page.locator('#history-table tbody tr[data-session-id="%s"]' % WORKING).wait_for(timeout=TIMEOUT_MS)
    assert page.locator("#history-table tbody tr").count() == 2
    page.click('#history-table tbody tr[data-session-id="%s"]' % WORKING)
    page.locator("#session-detail dl").wait_for(timeout=TIMEOUT_MS)
    assert "claude-opus-4-6" in page.locator("#session-detail").inner_text()
    save(page, tmp_path, "dashboard-history.png")
    page.click("#tab-overview")

    # The server goes away: a clear banner, the last data stays.
    served.stop()
    page.locator("#banner").wait_for(state="visible", timeout=TIMEOUT_MS)
    assert "not responding" in page.locator("#banner").inner_text()
    assert page.locator(".card").count() == 3


def test_usable_at_360px_and_dark(env, served, browser, tmp_path):
    seed_sessions(env)
    page = browser.new_page(viewport={"width": 360, "height": 740}, color_scheme="dark")
    page.goto(served.url)
    card(page, WAITING).wait_for(timeout=TIMEOUT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(21, 23, 27)"  # the dark palette
    save(page, tmp_path, "dashboard-360-dark.png")
    page.click("#tab-history")
    page.locator("#history-table tbody tr").first.wait_for(timeout=TIMEOUT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
