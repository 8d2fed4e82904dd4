"""End to end: the real hook writes sessions, the real server serves them, Debian's Chromium shows them.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``) and Playwright from PyPI; Playwright's own
browser download is never used. ``DASHBOARD_SCREENSHOTS=1`` also writes the screenshots to ``docs/``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import types
from datetime import datetime, timedelta, timezone

import pytest
from hookrun import ROOT, event, hook_env, run_hook

from dashboard import server as dserver
from dashboard.app import App

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 15_000
MODEL = "claude-opus-4-6"

# Six live sessions a real user might have: two of them in the same project on different branches.
CARDS = "9f3c2a71-4b8e-4d2a-9c61-2f0e8b7d5a13"  # working, reading files
SSE = "c41d7e02-83f5-4a6b-b0d9-5e2a1f9c8e47"  # same project, other branch, waiting for permission
SHOP = "2b8e5f14-6c3a-4f7d-a1e8-9d4c7b2a0f65"  # finished
GATEWAY = "e7a90c36-1f2b-4e8d-9a57-3c6b0d8f1e29"  # error: authentication_failed
DOCS = "58d1b4e9-0a7c-4b3f-8e26-7f9a2c5d1b80"  # just started: no usage yet, context unknown
ETL = "a06f9d28-5e4b-4c1a-b7f3-8d2e6a9c4b17"  # compacting
LIVE = (CARDS, SSE, SHOP, GATEWAY, DOCS, ETL)

pytestmark = pytest.mark.e2e
if os.environ.get("CI"):  # CI installs both (.ci/run): a missing browser there is a failure, not a skip
    from playwright import sync_api
    assert os.path.exists(CHROMIUM), "CI must apt-get install chromium"
else:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def write_transcript(env, cwd, sid, branch, turns, *, minutes_ago=40, title=None):
    """A transcript in Claude Code's format: per turn a typed prompt, then assistant messages with usage and
    tool calls. ``turns``: (prompt, [tool names], context tokens, minutes Claude worked, minutes until the
    next prompt)."""
    folder = os.path.join(env["CLAUDE_CONFIG_DIR"], "projects", cwd.replace("/", "-"))
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, sid + ".jsonl")
    t = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    base = {"sessionId": sid, "cwd": cwd, "gitBranch": branch, "version": "2.1.259", "isSidechain": False,
            "userType": "external"}
    lines = []
    for n, (prompt, tools, context, work, pause) in enumerate(turns):
        lines.append({**base, "type": "user", "timestamp": _iso(t), "uuid": "u%d-%s" % (n, sid[:8]),
                      "message": {"role": "user", "content": prompt}})
        content = [{"type": "text", "text": "On it."}]
        content += [{"type": "tool_use", "id": "toolu_%d_%d" % (n, i), "name": name, "input": {}}
                    for i, name in enumerate(tools)]
        t += timedelta(minutes=work)
        lines.append({**base, "type": "assistant", "timestamp": _iso(t), "uuid": "a%d-%s" % (n, sid[:8]),
                      "message": {"id": "msg_%d_%s" % (n, sid[:8]), "role": "assistant", "model": MODEL,
                                  "content": content,
                                  "usage": {"input_tokens": 12, "cache_creation_input_tokens": 800,
                                            "cache_read_input_tokens": context - 812, "output_tokens": 420}}})
        t += timedelta(minutes=pause)
    if title:
        lines.append({"type": "ai-title", "aiTitle": title, "sessionId": sid})
    with open(path, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line) + "\n")
    return path


def seed_sessions(env):
    """Six distinct live sessions through the real hook, with transcripts where Claude Code would have them."""
    def send(name, sid, cwd, path, **extra):
        run_hook(env, event(name, session_id=sid, cwd=cwd, transcript_path=path or "", **extra))

    def custom(name, sid, cwd, path, **extra):
        base = event("UserPromptSubmit__leopold_v2.1.259")
        for key in ("prompt", "prompt_id"):
            base.pop(key, None)
        run_hook(env, {**base, "hook_event_name": name, "session_id": sid, "cwd": cwd, "transcript_path": path,
                       **extra})

    cwd = "/home/maria/code/claude-status-tray"
    path = write_transcript(env, cwd, CARDS, "feat/dashboard-cards", [
        ("Look at the dashboard screenshot: why do all six cards say claude-project?", ["Read", "Grep"], 41_200, 3, 2),
        ("Show project, branch, last prompt and a short id on every card", ["Read", "Edit", "Read"], 64_900, 2, 0),
    ])
    send("UserPromptSubmit__leopold_v2.1.259", CARDS, cwd, path,
         prompt="Show project, branch, last prompt and a short id on every card")
    send("PreToolUse__leopold_v2.1.259_bash", CARDS, cwd, path, tool_name="Read",
         tool_input={"file_path": cwd + "/dashboard/static/app.js"})

    path = write_transcript(env, cwd, SSE, "fix/sse-watcher", [
        ("Event-stream clients each poll the status dir; make one shared watcher feed them all", ["Read", "Bash"],
         118_400, 6, 1),
        ("Run the wire tests and push the branch", ["Bash"], 131_700, 1, 0),
    ], minutes_ago=25)
    send("UserPromptSubmit__leopold_v2.1.259", SSE, cwd, path, prompt="Run the wire tests and push the branch")
    send("PermissionRequest__leopold_v2.1.259_bash", SSE, cwd, path,
         tool_input={"command": "git push --force-with-lease origin fix/sse-watcher",
                     "description": "Push the rebased branch"})

    cwd = "/home/maria/code/acme-shop"
    path = write_transcript(env, cwd, SHOP, "main", [
        ("Add a dark mode toggle to the settings page", ["Read", "Edit", "Edit", "Bash"], 52_300, 8, 3),
        ("Keep the choice in localStorage and respect prefers-color-scheme", ["Edit", "Bash"], 58_800, 4, 0),
    ], minutes_ago=30, title="Dark mode toggle for settings")
    send("UserPromptSubmit__leopold_v2.1.259", SHOP, cwd, path,
         prompt="Keep the choice in localStorage and respect prefers-color-scheme")
    send("Stop__leopold_v2.1.259", SHOP, cwd, path)

    cwd = "/home/maria/code/api-gateway"
    path = write_transcript(env, cwd, GATEWAY, "perf/response-cache", [
        ("Cache GET /v2/catalog responses for 30 s behind a feature flag", ["Read", "Grep"], 23_900, 2, 0),
    ], minutes_ago=12)
    send("UserPromptSubmit__leopold_v2.1.259", GATEWAY, cwd, path,
         prompt="Cache GET /v2/catalog responses for 30 s behind a feature flag")
    custom("StopFailure", GATEWAY, cwd, path, error="authentication_failed")

    cwd = "/home/maria/code/docs-site"
    send("UserPromptSubmit__leopold_v2.1.259", DOCS, cwd, "",
         prompt="Proofread the installation guide and fix broken links")

    cwd = "/home/maria/code/etl-jobs"
    path = write_transcript(env, cwd, ETL, "main", [
        ("Backfill the March partitions and compare row counts with the warehouse", ["Bash", "Bash", "Read"],
         171_500, 14, 0),
    ], minutes_ago=20)
    send("UserPromptSubmit__leopold_v2.1.259", ETL, cwd, path,
         prompt="Backfill the March partitions and compare row counts with the warehouse")
    custom("PreCompact", ETL, cwd, path, trigger="auto", custom_instructions="")


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


def save(page, tmp_path, name, full_page=True):
    page.screenshot(path=str(tmp_path / name), full_page=full_page)
    if os.environ.get("DASHBOARD_SCREENSHOTS"):
        page.screenshot(path=os.path.join(ROOT, "docs", name), full_page=full_page)


def card(page, session_id):
    return page.locator('.card[data-session-id="%s"]' % session_id)


# The WCAG 2 contrast ratio of every visible element that holds text of its own, from computed styles: the
# text colour (with the opacity of it and its ancestors) over the composited backgrounds below it.
CONTRAST_JS = """
(rootSelector) => {
  const root = document.querySelector(rootSelector);
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let base = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) base = over(layers[i], base);
    return base;
  };
  const out = [];
  for (const el of root.querySelectorAll("*")) {
    if (el.tagName === "OPTION" || el.tagName === "SCRIPT" || el.tagName === "STYLE") continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || cs.visibility === "hidden") continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const bg = background(el);
    const c = parse(cs.color);
    const fg = over([c[0], c[1], c[2], c[3] * opacity], bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push({ text: el.textContent.trim().slice(0, 40), tag: el.tagName, cls: String(el.className),
               ratio: (a + 0.05) / (b + 0.05), color: cs.color, bg: "rgb(" + bg.slice(0, 3).map(Math.round) + ")" });
  }
  return out;
}
"""


def assert_contrast(page, root="body", minimum=4.5):
    found = page.evaluate(CONTRAST_JS, root)
    assert len(found) >= 5, found  # the check saw the page's text
    low = [f for f in found if f["ratio"] < minimum]
    assert not low, "text below %.1f:1: %s" % (minimum, json.dumps(low, indent=1)[:3000])
    return found


def in_viewport(page, selector):
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] < size["height"] and box["x"] >= 0 \
        and box["x"] + min(box["width"], 50) <= size["width"]


def test_cards_tell_sessions_apart_say_what_happens_and_update_live(env, served, browser, tmp_path):
    seed_sessions(env)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.url)
    for sid in LIVE:
        card(page, sid).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => document.getElementById('conn').dataset.mode === 'live'", timeout=TIMEOUT_MS)

    # Waiting-for-you comes first and is highlighted, with what it asks and for how long.
    first = page.locator(".card").first
    assert first.get_attribute("data-session-id") == SSE
    assert "attention" in first.get_attribute("class")
    assert "waiting for you" in first.locator(".badge").inner_text().lower()
    page.wait_for_function(
        "id => /waiting for \\d+ (s|min)/.test(document.querySelector(`.card[data-session-id='${id}'] .waiting-for`)"
        ".textContent)", arg=SSE, timeout=TIMEOUT_MS)
    # What it asks, from the hook's `ask` through core.present.asked, cut cleanly.
    assert "Needs you: Bash: git push --force-with-lease" in first.locator(".waiting-for").inner_text()

    # Two sessions of one project are told apart by branch, last prompt and short id.
    cards_text = {sid: card(page, sid).inner_text() for sid in LIVE}
    assert "claude-status-tray" in cards_text[CARDS] and "claude-status-tray" in cards_text[SSE]
    assert "feat/dashboard-cards" in cards_text[CARDS] and "fix/sse-watcher" in cards_text[SSE]
    assert "Run the wire tests and push the branch" in cards_text[SSE]  # as its task, so not repeated below
    assert card(page, SSE).locator(".last-prompt").count() == 0
    assert "Keep the choice in localStorage" in card(page, SHOP).locator(".last-prompt").inner_text()
    for sid in LIVE:
        assert "id " + sid[:8] in cards_text[sid]
    assert len({card(page, sid).locator(".task").inner_text() for sid in LIVE}) == len(LIVE)

    # Human words, not raw values; the error card stands out; unknown context is a dash, not 0%.
    assert "Reading a file" in cards_text[CARDS] and "\nRead\n" not in cards_text[CARDS]
    err = card(page, GATEWAY)
    assert "error" in err.get_attribute("class").split()
    assert "Authentication failed" in err.inner_text() and "authentication_failed" not in err.inner_text()
    border = page.evaluate("id => getComputedStyle(document.querySelector(`.card[data-session-id='${id}']`))"
                           ".borderTopColor", GATEWAY)
    plain = page.evaluate("id => getComputedStyle(document.querySelector(`.card[data-session-id='${id}']`))"
                          ".borderTopColor", SHOP)
    assert border != plain
    assert card(page, DOCS).locator(".meter .value").inner_text() == "—"
    assert card(page, DOCS).locator('[role="progressbar"]').get_attribute("aria-valuenow") is None
    assert card(page, CARDS).locator(".meter .value").inner_text().endswith("%")
    assert "Compacting the conversation" in cards_text[ETL]

    assert page.locator("#sum-waiting").inner_text() == "1"
    assert_contrast(page)
    save(page, tmp_path, "dashboard.png")

    # Another hook event changes a card live, over the stream.
    run_hook(env, event("PermissionRequest__leopold_v2.1.259_bash", session_id=CARDS,
                        cwd="/home/maria/code/claude-status-tray"))
    page.wait_for_function(
        "id => document.querySelector(`.card[data-session-id='${id}']`).dataset.state === 'waiting'",
        arg=CARDS, timeout=TIMEOUT_MS)
    assert "attention" in card(page, CARDS).get_attribute("class")
    assert page.locator("#sum-waiting").inner_text() == "2"

    # The server goes away: a clear banner, the last data stays.
    served.stop()
    page.locator("#banner").wait_for(state="visible", timeout=TIMEOUT_MS)
    assert "not responding" in page.locator("#banner").inner_text()
    assert page.locator(".card").count() == len(LIVE)


def test_a_card_opens_its_session_view_and_focus_reaches_tray_focus(env, served, browser, tmp_path, monkeypatch):
    calls = []
    fake = types.ModuleType("tray.focus")

    def focus_session(session_id, status_dir):
        calls.append((session_id, status_dir))
        return True, "tmux pane work:2.1"

    fake.focus_session = focus_session
    monkeypatch.setitem(sys.modules, "tray.focus", fake)
    seed_sessions(env)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.url)
    card(page, SHOP).wait_for(timeout=TIMEOUT_MS)
    card(page, SHOP).click()
    page.locator("#session-view .prompts li").first.wait_for(timeout=TIMEOUT_MS)
    assert in_viewport(page, "#session-view")
    view = page.locator("#session-view").inner_text()
    assert "Dark mode toggle for settings" in page.locator("#session-title").inner_text()
    assert "Keep the choice in localStorage" in view and "Add a dark mode toggle" in view  # prompt history
    assert "Edit" in page.locator("#session-view .tools").inner_text()  # tools used
    assert "Bash" in page.locator("#session-view .tools").inner_text()
    assert "3 min in total" in view  # waited on you: 3 min between the first answer and the next prompt
    assert_contrast(page, "#session-view")
    page.click("#focus-button")
    page.wait_for_function("() => document.getElementById('focus-result').textContent.startsWith('Focused')",
                           timeout=TIMEOUT_MS)
    assert "tmux pane work:2.1" in page.locator("#focus-result").inner_text()
    assert calls == [(SHOP, env["CLAUDE_STATUS_DIR"])]
    page.click("#session-close")
    assert not page.locator("#session-view").is_visible()

    # Without tray.focus the button says so clearly (501 from the server).
    monkeypatch.setitem(sys.modules, "tray.focus", None)
    card(page, GATEWAY).press("Enter")  # keyboard works too
    page.locator("#focus-button").wait_for(timeout=TIMEOUT_MS)
    page.click("#focus-button")
    page.wait_for_function("() => document.getElementById('focus-result').textContent.includes('not available')",
                           timeout=TIMEOUT_MS)


def seed_history(env, n):
    projects = ["claude-status-tray", "acme-shop", "api-gateway", "docs-site", "etl-jobs", "mobile-app"]
    asks = ["Fix the flaky login test on CI", "Explain why the nightly export takes 40 minutes",
            "Rename the billing module's public functions", "Write a migration for the orders.status column",
            "Review the pull request about rate limiting", "Upgrade the React Router dependency to v7",
            "Find what allocates 2 GB during the image resize job", "Document the release checklist"]
    for i in range(n):
        sid = "%08x-7c1e-4d2b-9a3f-%012x" % (0x3a000000 + i * 7919, i)
        cwd = "/home/maria/code/" + projects[i % len(projects)]
        write_transcript(env, cwd, sid, "main", [(asks[i % len(asks)], ["Read", "Edit"], 20_000 + 1_500 * i, 2, 0)],
                         minutes_ago=60 * (i + 1))


def test_history_detail_opens_where_the_user_looks_and_disabled_pager_looks_disabled(env, served, browser, tmp_path):
    seed_sessions(env)
    seed_history(env, 40)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.url + "#history")
    rows = page.locator("#history-table tbody tr")
    rows.nth(30).wait_for(timeout=TIMEOUT_MS)
    assert rows.count() == 45
    far = rows.nth(40)
    far.scroll_into_view_if_needed()
    sid = far.get_attribute("data-session-id")
    far.click()
    page.locator("#session-view .prompts li").first.wait_for(timeout=TIMEOUT_MS)
    assert in_viewport(page, "#session-view")
    assert in_viewport(page, "#session-title")
    assert sid[:8] in page.locator("#session-view").inner_text()
    assert MODEL in page.locator("#session-view").inner_text()
    assert_contrast(page, "#session-view")
    page.keyboard.press("Escape")
    assert not page.locator("#session-view").is_visible()

    prev, nxt = page.locator("#prev"), page.locator("#next")
    assert prev.is_disabled() and nxt.is_disabled()  # 45 rows fit one page of 50
    style = "sel => { const s = getComputedStyle(document.querySelector(sel)); " \
            "return [s.cursor, s.borderTopStyle, s.color, s.backgroundColor]; }"
    disabled = page.evaluate(style, "#prev")
    page.evaluate("document.getElementById('next').disabled = false")
    enabled = page.evaluate(style, "#next")
    assert disabled[0] == "not-allowed" and enabled[0] == "pointer"
    assert disabled[1] == "dashed" and enabled[1] == "solid"
    assert disabled[2] != enabled[2] and disabled[3] != enabled[3]
    assert_contrast(page)

    # For the docs: the top of History with a live session's view open.
    page.evaluate("window.scrollTo(0, 0)")
    page.click('#history-table tbody tr[data-session-id="%s"]' % SHOP)
    page.locator("#session-view .prompts li").nth(1).wait_for(timeout=TIMEOUT_MS)
    assert in_viewport(page, "#session-title")
    save(page, tmp_path, "dashboard-history.png", full_page=False)


# Every word of every History title sits on one line: a word split over two lines has two client rects.
WORDS_SPLIT_JS = """
() => {
  const split = [];
  for (const td of document.querySelectorAll("#history-table td.title")) {
    const node = td.firstChild;
    if (!node || node.nodeType !== 3) continue;
    const text = node.textContent;
    const re = /\\S+/g;
    let m;
    while ((m = re.exec(text))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) split.push(m[0]);
    }
  }
  return split;
}
"""


def test_usable_at_360px_and_dark(env, served, browser, tmp_path):
    seed_sessions(env)
    seed_history(env, 12)
    page = browser.new_page(viewport={"width": 360, "height": 740}, color_scheme="dark")
    page.goto(served.url)
    for sid in LIVE:
        card(page, sid).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => document.getElementById('conn').dataset.mode === 'live'", timeout=TIMEOUT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(21, 23, 27)"  # the dark palette
    assert_contrast(page)
    save(page, tmp_path, "dashboard-360-dark.png")
    page.click("#tab-history")
    page.locator("#history-table tbody tr").nth(10).wait_for(timeout=TIMEOUT_MS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate(WORDS_SPLIT_JS) == []
    assert_contrast(page)
    page.locator("#history-table tbody tr").first.click()
    page.locator("#session-view .prompts li").first.wait_for(timeout=TIMEOUT_MS)
    assert in_viewport(page, "#session-title")
    assert_contrast(page, "#session-view")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_empty_state_says_how_to_register_the_hook(env, served, browser, scheme):
    page = browser.new_page(viewport={"width": 1024, "height": 700}, color_scheme=scheme)
    page.goto(served.url)
    page.locator("#empty").wait_for(state="visible", timeout=TIMEOUT_MS)
    text = page.locator("#empty").inner_text()
    assert "claude-status install-hook" in text
    assert_contrast(page)


def test_a_session_written_by_a_newer_version_is_shown_not_dropped(env, served, browser):
    seed_sessions(env)
    sdir = env["CLAUDE_STATUS_DIR"]
    newer = "0d9e8f7a-6b5c-4d3e-8f21-a0b1c2d3e4f5"
    with open(os.path.join(sdir, newer + ".json"), "w", encoding="utf-8") as fh:
        json.dump({"version": "9.0.0", "session_id": newer, "shape": "from the future"}, fh)
    with open(os.path.join(sdir, "corrupt-1.json"), "w", encoding="utf-8") as fh:
        fh.write('{"session_id": "corrupt-1", "upd')  # half-written by a crashed writer
    now = time.time()
    os.utime(os.path.join(sdir, newer + ".json"), (now, now))
    run_hook(env, event("PreToolUse__leopold_v2.1.259_bash", session_id=CARDS,
                        cwd="/home/maria/code/claude-status-tray"))  # the index is rebuilt
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.url)
    card(page, newer).wait_for(timeout=TIMEOUT_MS)
    text = card(page, newer).inner_text()
    assert "newer version" in text.lower()
    assert card(page, newer).locator(".meter .value").inner_text() == "—"
    assert page.locator(".card").count() == len(LIVE) + 1
    note = page.locator("#skipped")
    note.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert "1 unreadable status file skipped: corrupt-1.json" in note.inner_text()
    assert_contrast(page)


def test_focus_with_the_real_tray_focus_says_why_it_could_not(env, served, browser):
    """With E's real ``tray.focus`` (when installed): a session with no terminal anywhere gets its reason."""
    focus = pytest.importorskip("tray.focus")
    assert callable(focus.focus_session)
    seed_sessions(env)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.url)
    card(page, DOCS).wait_for(timeout=TIMEOUT_MS)
    card(page, DOCS).click()
    page.locator("#focus-button").wait_for(timeout=TIMEOUT_MS)
    page.click("#focus-button")
    page.wait_for_function("() => /^(Focused|Could not focus): ./.test(document.getElementById('focus-result')"
                           ".textContent)", timeout=TIMEOUT_MS)
    # The test's sessions have no Claude process or terminal: the real module says why, in one line.
    assert page.locator("#focus-result").inner_text().startswith("Could not focus: ")


def test_the_users_context_thresholds_colour_the_cards(env, browser):
    """The thresholds come from the payload (the tray settings' context_warn/context_high), not from 50/80."""
    seed_sessions(env)
    app = App(env["CLAUDE_STATUS_DIR"], env["CLAUDE_CONFIG_DIR"], context_thresholds={"warn": 20, "high": 30})
    srv = dserver.make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(srv.url)
        card(page, CARDS).wait_for(timeout=TIMEOUT_MS)
        assert card(page, CARDS).locator(".meter .value").inner_text() == "32%"
        assert "high" in card(page, CARDS).locator(".bar").get_attribute("class").split()  # 32% >= 30
        assert card(page, GATEWAY).locator(".meter .value").inner_text() == "12%"
        assert not {"mid", "high"} & set(card(page, GATEWAY).locator(".bar").get_attribute("class").split())
        assert "high" in card(page, SSE).locator(".bar").get_attribute("class").split()  # 66%: mid with 50/80
    finally:
        srv.stop()
        thread.join(10)
