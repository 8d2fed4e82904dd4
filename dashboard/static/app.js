// Claude status dashboard: plain JavaScript, no dependencies. Every value from the server is set with
// textContent (never innerHTML): task names and prompts are user text.
"use strict";

const POLL_MS = 2000;
const STREAM_RETRY_AFTER_POLLS = 3;
const PAGE_SIZE = 50;
const STATE_ORDER = { waiting: 0, error: 1, working: 2, compacting: 3, idle: 4, unknown: 5 };
const TOKEN = document.querySelector('meta[name="dashboard-token"]')?.getAttribute("content") || "";

const $ = (id) => document.getElementById(id);
let latest = null;          // the last index received
let clockSkewMs = 0;        // server clock minus browser clock
let stream = null;
let pollTimer = null;
let okPolls = 0;
const history = { offset: 0, project: "", total: 0 };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

function parseTime(iso) {
  const t = Date.parse(iso || "");
  return Number.isNaN(t) ? null : t;
}

function ago(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 2) return "just now";
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  if (s < 86400) return Math.floor(s / 3600) + " h ago";
  return Math.floor(s / 86400) + " d ago";
}

function tokens(n) {
  if (n === null || n === undefined) return "–";
  if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + "M";
  if (n >= 1e3) return Math.round(n / 1e3) + "k";
  return String(n);
}

function shortDate(iso) {
  const t = parseTime(iso);
  if (t === null) return "–";
  const d = new Date(t);
  const pad = (x) => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function dateCell(iso, extra) {
  // Date and time each unbreakable, so a narrow column wraps between them, never inside "2026-12-01".
  const text = shortDate(iso);
  const [day, time] = text.split(" ");
  return el("td", { class: "date" + (extra ? " " + extra : "") }, el("span", { text: day }), time ? " " : null,
    time ? el("span", { text: time }) : null);
}

// ---- overview -------------------------------------------------------------------------------

function stateOf(row) {
  return row.status === "stale" ? "stale" : (row.state || "unknown");
}

function sortRows(rows) {
  return rows.slice().sort((a, b) => {
    const sa = a.status === "stale" ? 1 : 0, sb = b.status === "stale" ? 1 : 0;
    if (sa !== sb) return sa - sb;
    const oa = STATE_ORDER[a.state] ?? 9, ob = STATE_ORDER[b.state] ?? 9;
    if (oa !== ob) return oa - ob;
    return (parseTime(b.updated_at) || 0) - (parseTime(a.updated_at) || 0);
  });
}

function meter(label, pct, cls, valueText) {
  const known = pct !== null && pct !== undefined;
  const clamped = known ? Math.max(0, Math.min(100, pct)) : 0;
  const fill = el("span");
  fill.style.width = clamped + "%";
  return el("div", { class: "meter" },
    el("span", { class: "label", text: label }),
    el("div", { class: "bar " + cls, role: "progressbar", "aria-label": label, "aria-valuemin": 0,
      "aria-valuemax": 100, "aria-valuenow": known ? clamped : null,
      "aria-valuetext": known ? null : "unknown" }, fill),
    el("span", { class: "value", text: valueText }));
}

function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min";
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h + " h" + (m ? " " + m + " min" : "");
}

// The badge: a short state word. core.present words the rest (state_words, asked) in the payload.
function badgeText(row, d) {
  const state = stateOf(row);
  if (row.reason === "newer_version") return "newer version";
  if (state === "waiting") return "waiting for you";
  if (state === "idle") return row.reason === "interrupted" ? "interrupted" : row.reason === "ready" ? "ready" : "finished";
  return state;
}

function contextOf(row, thresholds) {
  // Unknown context (no usage seen yet, or a newer-version row) is "—", never "0%". The hook writes 0 tokens
  // until it has read a usage record; a real context is never 0 (the system prompt alone is thousands).
  const known = typeof row.context_tokens === "number" && row.context_tokens > 0;
  const pct = known ? (row.context_pct || 0) : null;
  const warn = thresholds.warn ?? 50, high = thresholds.high ?? 80;
  const cls = pct === null ? "unknown" : pct >= high ? "high" : pct >= warn ? "mid" : "";
  return { pct, cls, text: pct === null ? "—" : pct + "%" };
}

function card(row, details, thresholds, figures) {
  const state = stateOf(row);
  const d = details || {};
  const waiting = row.state === "waiting" && row.status !== "stale";
  const classes = ["card", "state-" + state];
  if (waiting) classes.push("attention");
  if (row.state === "error" && row.status !== "stale") classes.push("error");
  if (row.status === "stale") classes.push("stale");
  const ctx = contextOf(row, thresholds || {});
  const title = row.task || d.title || d.name || row.project || "(no task yet)";
  const names = (row.agent_names || []).join(", ");
  const ctxTitle = row.context_tokens ? tokens(row.context_tokens) + " of " + tokens(row.context_window) + " tokens" : "";
  const sid = row.session_id || "";
  const asked = d.asked || row.waiting_for;
  const detailText = d.detail_text;

  const node = el("article", { class: classes.join(" "), "data-session-id": sid, "data-state": state,
    tabindex: 0, role: "button", "aria-haspopup": "dialog", "aria-label": "Open session " + title },
    el("div", { class: "card-head" },
      el("span", { class: "badge " + state, text: badgeText(row, d) }),
      el("span", { class: "project", text: row.project || "–" }),
      d.git_branch ? el("span", { class: "branch", title: "git branch", text: "⎇ " + d.git_branch }) : null,
      row.model ? el("span", { class: "model", text: row.model }) : null),
    el("h2", { class: "task", text: title }),
    waiting ? el("div", { class: "waiting-for" },
      el("span", { text: asked ? "Needs you: " + asked : "Needs you" }),
      row.state_since ? el("span", { class: "waited", "data-since": row.state_since, text: "" }) : null) : null,
    detailText && !(waiting && asked && detailText === asked) ? el("div", { class: "sub detail-line", text: detailText }) : null,
    d.last_prompt && d.last_prompt !== title ? el("div", { class: "sub last-prompt", title: "last prompt" },
      el("span", { class: "label", text: "Last prompt: " }), el("q", { text: d.last_prompt })) : null,
    row.progress > 0 ? meter("Progress", row.progress, "progress", row.progress + "%") : null,
    meter("Context", ctx.pct, ctx.cls, ctx.text),
    ...((figures && figures.lines) || []).map((line) => el("div", { class: "sub figures", text: line })),
    row.agents > 0 ? el("div", { class: "sub agents", text: row.agents + (row.agents === 1 ? " agent" : " agents") + (names ? ": " + names : "") }) : null,
    el("div", { class: "card-foot" },
      el("span", { class: "updated", "data-updated": row.updated_at || "", text: "" }),
      el("span", { class: "sid", title: sid, text: "id " + sid.slice(0, 8) })));
  if (ctxTitle) node.querySelector(".meter:last-of-type")?.setAttribute("title", ctxTitle);
  node.addEventListener("click", () => openSession(sid));
  node.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openSession(sid); } });
  return node;
}

function tickAges() {
  const now = Date.now() + clockSkewMs;
  for (const span of document.querySelectorAll("[data-updated]")) {
    const t = parseTime(span.getAttribute("data-updated"));
    span.textContent = t === null ? "" : "updated " + ago(now - t);
  }
  for (const span of document.querySelectorAll("[data-since]")) {
    const t = parseTime(span.getAttribute("data-since"));
    span.textContent = t === null ? "" : " · waiting for " + duration(now - t);
  }
}

function renderSummary(index) {
  const s = index.summary || {};
  $("title-line").textContent = index.title || "☁️ –";
  document.title = index.title || "Claude status";
  $("sum-sessions").textContent = `${s.active_sessions ?? 0} active` + (s.stale_sessions ? ` · ${s.stale_sessions} stale` : "");
  $("sum-waiting").textContent = String(s.waiting_sessions ?? 0);
  $("sum-agents").textContent = String(s.total_agents ?? 0);
  $("sum-context").textContent = (s.max_context_pct ?? 0) + "%";
  const load = s.load || {};
  $("sum-load").textContent = load.load_avg === undefined || load.load_avg === null
    ? (load.status || "–") : `${load.status || ""} ${Number(load.load_avg).toFixed(2)}`.trim();
  renderLedger(index.ledger);
  // What the index could not show: unreadable files (named, with why) and sessions beyond its row cap.
  const notes = [];
  if (s.skipped_files) {
    const named = (Array.isArray(index.skipped) ? index.skipped : []).slice(0, 3)
      .map((f) => `${f.name} (${f.reason})`).join(", ");
    notes.push(`${s.skipped_files} unreadable status file${s.skipped_files === 1 ? "" : "s"} skipped` + (named ? ": " + named : ""));
  }
  if (s.omitted_sessions) notes.push(`${s.omitted_sessions} older session${s.omitted_sessions === 1 ? "" : "s"} not shown`);
  const skipped = $("skipped");
  skipped.hidden = notes.length === 0;
  skipped.textContent = notes.join(" · ");
}

// ---- issue 12: rate limits, waiting minutes and cost (core.ledger's figures and words) -----------

function bars(box, values, labels, title) {
  // plain CSS bars: one <span> per bucket, height in % of the largest, the minutes in its tooltip
  const top = Math.max(60, ...values);
  const minutes = (s) => Math.round(s / 60);
  box.setAttribute("aria-label", `${title}: ` + values.map((v, i) => `${labels[i]} ${minutes(v)} min`).join(", "));
  box.replaceChildren(...values.map((v, i) => {
    const bar = el("span", { class: "bar", title: `${labels[i]}: ${minutes(v)} min` });
    bar.style.height = `${Math.max(v > 0 ? 4 : 0, Math.round((v / top) * 100))}%`;
    return el("div", { class: "col" }, bar, el("small", {}, labels[i]));
  }));
}

function renderLedger(day) {
  const waits = $("waits");
  if (!day) {
    ["sum-limits", "sum-waited", "sum-cost"].forEach((id) => { $(id).textContent = "–"; });
    waits.hidden = true;
    return;
  }
  const limits = $("sum-limits");
  limits.textContent = (day.limits_line || "").replace(/^Limits: /, "");
  limits.dataset.level = day.limits_level || "ok";  // core.present.limit_level, the one rule
  $("sum-waited").textContent = (day.attention_line || "").replace(/^waited on you /, "").replace(" today", "");
  $("sum-cost").textContent = "$" + Number((day.totals || {}).cost_usd || 0).toFixed(2);
  waits.hidden = false;
  const hours = day.hours || [];
  bars($("chart-today"), hours, hours.map((_, i) => (i % 6 === 0 ? String(i).padStart(2, "0") : "")),
       "Waiting minutes per hour today");
  const week = day.week || [];
  bars($("chart-week"), week.map((d) => d.waiting_seconds || 0), week.map((d) => d.day.slice(5)),
       "Waiting minutes per day, last 7 days");
}

function render(index) {
  latest = index;
  if (typeof index.server_time === "number") clockSkewMs = index.server_time * 1000 - Date.now();
  renderSummary(index);
  const rows = sortRows(index.sessions || []);
  const details = index.details || {};
  const thresholds = index.context_thresholds || {};
  const figures = (index.ledger && index.ledger.sessions) || {};
  $("cards").replaceChildren(...rows.map((r) => card(r, details[r.session_id], thresholds, figures[r.session_id])));
  $("empty").hidden = rows.length > 0;
  tickAges();
}

// ---- connection: stream first, polling as fallback, banner when the server is gone -----------

function setConn(mode, text) {
  const c = $("conn");
  c.dataset.mode = mode;
  c.textContent = text;
  const banner = $("banner");
  if (mode === "offline") {
    banner.hidden = false;
    banner.textContent = "The dashboard server is not responding. Showing the last data received; retrying every few seconds.";
  } else {
    banner.hidden = true;
  }
}

function openStream() {
  if (!("EventSource" in window)) return startPolling();
  stream = new EventSource("/api/status/stream");
  stream.addEventListener("index", (ev) => {
    render(JSON.parse(ev.data));
    setConn("live", "live");
  });
  stream.onerror = () => {
    stream.close();
    stream = null;
    startPolling();
  };
}

function startPolling() {
  if (pollTimer) return;
  okPolls = 0;
  pollOnce();
  pollTimer = setInterval(pollOnce, POLL_MS);
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

async function pollOnce() {
  try {
    const r = await fetch("/api/status/live", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    setConn("polling", "polling");
    okPolls += 1;
    if (okPolls >= STREAM_RETRY_AFTER_POLLS && "EventSource" in window) {
      stopPolling();
      openStream();
    }
  } catch (e) {
    okPolls = 0;
    setConn("offline", "offline");
  }
}

// ---- history ----------------------------------------------------------------------------------

async function loadHistory() {
  const q = new URLSearchParams({ limit: PAGE_SIZE, offset: history.offset });
  if (history.project) q.set("project", history.project);
  let data;
  try {
    const r = await fetch("/api/sessions?" + q.toString(), { cache: "no-store" });
    data = await r.json();
    if (!r.ok) throw new Error(data.error ? data.error.message : "HTTP " + r.status);
  } catch (e) {
    $("history-count").textContent = "Could not load history: " + e.message;
    return;
  }
  history.total = data.total;
  const select = $("project-filter");
  const keep = history.project;
  select.replaceChildren(el("option", { value: "", text: "All projects" }),
    ...data.projects.map((p) => el("option", { value: p.name, text: `${p.name} (${p.sessions})` })));
  select.value = keep;
  $("history-count").textContent = `${data.total} session${data.total === 1 ? "" : "s"}`;
  const rows = data.sessions.map((s) => {
    const tr = el("tr", { tabindex: 0, "data-session-id": s.session_id },
      dateCell(s.last_activity),
      el("td", { class: "project", text: s.project }),
      el("td", { class: "title", text: s.title || "(untitled)" }),
      el("td", { class: "num", text: String(s.message_count) }),
      el("td", { class: "wide", text: s.model || "–" }),
      el("td", { class: "num wide", text: tokens(s.context_tokens) }),
      dateCell(s.first_activity, "wide"));
    tr.addEventListener("click", () => openSession(s.session_id));
    tr.addEventListener("keydown", (ev) => { if (ev.key === "Enter") openSession(s.session_id); });
    return tr;
  });
  $("history-table").tBodies[0].replaceChildren(...rows);
  const last = Math.min(history.offset + PAGE_SIZE, data.total);
  $("page-info").textContent = data.total ? `${history.offset + 1}–${last} of ${data.total}` : "no transcripts found";
  $("prev").disabled = history.offset === 0;
  $("next").disabled = last >= data.total;
}

function field(dl, name, value) {
  dl.append(el("dt", { text: name }), el("dd", { text: value === null || value === undefined || value === "" ? "–" : String(value) }));
}

async function fetchSession(id) {
  const r = await fetch("/api/sessions/" + encodeURIComponent(id), { cache: "no-store" });
  const d = await r.json();
  if (r.status === 404) return null;  // a live session whose transcript we cannot see
  if (!r.ok) throw new Error(d.error ? d.error.message : "HTTP " + r.status);
  return d;
}

// One view for a session, opened from its card or its History row: a modal dialog, so it is always
// where the user is looking (History used to render it 1,690 px further down).
async function openSession(id) {
  const box = $("session-view");
  const body = $("session-body");
  body.replaceChildren(el("p", { class: "note", text: "Loading…" }));
  if (!box.open) box.showModal();
  box.scrollTop = 0;
  const live = (latest && latest.sessions || []).find((r) => r.session_id === id) || null;
  const liveDetails = (latest && latest.details || {})[id] || {};
  let d = null;
  try {
    d = await fetchSession(id);
  } catch (e) {
    body.replaceChildren(el("p", { class: "note", text: "Could not load session: " + e.message }));
    return;
  }
  if (!d && !live) {
    body.replaceChildren(el("p", { class: "note", text: "No transcript and no live status for this session." }));
    return;
  }
  const t = d || {};
  const title = (live && live.task) || t.title || liveDetails.name || id;
  $("session-title").textContent = title;
  const parts = [];
  const head = el("div", { class: "view-head" });
  if (live) {
    const state = stateOf(live);
    const badge = badgeText(live, liveDetails);
    head.append(el("span", { class: "badge " + state, text: badge }));
    const words = liveDetails.state_words;
    if (words && words.toLowerCase() !== badge && live.state !== "waiting") head.append(el("span", { class: "state-words", text: words }));
    if (live.state === "waiting" && live.state_since) head.append(el("span", { class: "waited", "data-since": live.state_since }));
  }
  head.append(el("span", { class: "project", text: (live && live.project) || t.project || "–" }));
  const branch = t.git_branch || liveDetails.git_branch;
  if (branch) head.append(el("span", { class: "branch", text: "⎇ " + branch }));
  head.append(el("span", { class: "sid", title: id, text: "id " + id.slice(0, 8) }));
  parts.push(head);

  if (live && live.status !== "stale") {
    const result = el("p", { id: "focus-result", class: "note", role: "status", "aria-live": "polite" });
    const button = el("button", { type: "button", id: "focus-button", class: "primary", text: "Focus its terminal" });
    button.addEventListener("click", () => focusSession(id, button, result));
    parts.push(el("div", { class: "view-actions" }, button, result));
  }

  const dl = el("dl");
  if (live && live.state === "waiting") field(dl, "Needs you", liveDetails.asked || live.waiting_for);
  if (liveDetails.detail_text) field(dl, "Now", liveDetails.detail_text);
  field(dl, "Waited on you", d && t.prompts > 1
    ? duration((t.waited_seconds || 0) * 1000) + " in total, between its answers and your next prompts" : null);
  field(dl, "Folder", (live && live.cwd) || t.cwd);
  field(dl, "Model", (live && live.model) || t.model);
  const ctx = live ? contextOf(live, (latest && latest.context_thresholds) || {}).text : (t.context_tokens === null || t.context_tokens === undefined ? "—" : tokens(t.context_tokens) + " tokens");
  field(dl, "Context", ctx);
  if (d) {
    field(dl, "Messages", `${t.message_count} (${t.prompts} prompt${t.prompts === 1 ? "" : "s"})`);
    field(dl, "Started", shortDate(t.first_activity));
    field(dl, "Last activity", shortDate(t.last_activity));
    field(dl, "Compactions", t.compactions);
    field(dl, "Interrupted", t.interruptions);
    field(dl, "Claude Code", t.claude_version);
  }
  field(dl, "Session id", id);
  parts.push(dl);

  if (d) {
    const tools = Object.entries(t.tools || {});
    parts.push(el("h3", { text: "Tools used" }));
    parts.push(tools.length ? el("ul", { class: "tools" }, ...tools.map(([k, v]) => el("li", {},
      el("span", { class: "tool", text: k }), el("span", { class: "count", text: "×" + v })))) : el("p", { class: "note", text: "No tools used." }));
    const prompts = (t.prompt_history || []).slice().reverse();
    parts.push(el("h3", { text: "Prompts" + (t.prompts > prompts.length ? ` (last ${prompts.length} of ${t.prompts})` : "") }));
    parts.push(prompts.length ? el("ol", { class: "prompts", reversed: true }, ...prompts.map((p) => el("li", {},
      el("time", { text: shortDate(p.at) }), el("span", { text: p.text })))) : el("p", { class: "note", text: "No prompts yet." }));
  } else {
    parts.push(el("p", { class: "note", text: "No transcript found for this session, so no prompt history or tools." }));
  }
  body.replaceChildren(...parts);
  tickAges();
}

async function focusSession(id, button, result) {
  button.disabled = true;
  result.textContent = "Focusing…";
  try {
    const r = await fetch("/api/sessions/" + encodeURIComponent(id) + "/focus", {
      method: "POST", cache: "no-store", headers: { "X-Dashboard-Token": TOKEN } });
    const d = await r.json();
    if (!r.ok) throw new Error(d.error ? d.error.message : "HTTP " + r.status);
    result.textContent = (d.ok ? "Focused: " : "Could not focus: ") + d.message;
    result.dataset.ok = String(!!d.ok);
  } catch (e) {
    result.textContent = "Could not focus: " + e.message;
    result.dataset.ok = "false";
  } finally {
    button.disabled = false;
  }
}

// ---- tabs and start-up ------------------------------------------------------------------------

function showTab(name) {
  for (const t of ["overview", "history"]) {
    $("tab-" + t).setAttribute("aria-selected", String(t === name));
    $(t).hidden = t !== name;
  }
  if (name === "history") loadHistory();
  if (location.hash !== "#" + name) history_replace(name);
}

function history_replace(name) {
  window.history.replaceState(null, "", "#" + name);
}

document.addEventListener("DOMContentLoaded", () => {
  $("tab-overview").addEventListener("click", () => showTab("overview"));
  $("tab-history").addEventListener("click", () => showTab("history"));
  $("project-filter").addEventListener("change", (ev) => { history.project = ev.target.value; history.offset = 0; loadHistory(); });
  $("prev").addEventListener("click", () => { history.offset = Math.max(0, history.offset - PAGE_SIZE); loadHistory(); });
  $("next").addEventListener("click", () => { history.offset += PAGE_SIZE; loadHistory(); });
  $("session-close").addEventListener("click", () => $("session-view").close());
  $("session-view").addEventListener("click", (ev) => { if (ev.target === $("session-view")) $("session-view").close(); });
  showTab(location.hash === "#history" ? "history" : "overview");
  setInterval(tickAges, 1000);
  // One fetch paints at once; then the stream takes over (or polling, if that first fetch failed).
  pollOnce().then(() => { if (okPolls > 0) openStream(); else startPolling(); });
});
