// Claude status dashboard: plain JavaScript, no dependencies. Every value from the server is set with
// textContent (never innerHTML): task names and prompts are user text.
"use strict";

const POLL_MS = 2000;
const STREAM_RETRY_AFTER_POLLS = 3;
const PAGE_SIZE = 50;
const STATE_ORDER = { waiting: 0, error: 1, working: 2, compacting: 3, idle: 4, unknown: 5 };

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
  const clamped = Math.max(0, Math.min(100, pct || 0));
  const fill = el("span");
  fill.style.width = clamped + "%";
  return el("div", { class: "meter" },
    el("span", { class: "label", text: label }),
    el("div", { class: "bar " + cls, role: "progressbar", "aria-label": label, "aria-valuemin": 0,
      "aria-valuemax": 100, "aria-valuenow": clamped }, fill),
    el("span", { class: "value", text: valueText }));
}

function card(row, details) {
  const state = stateOf(row);
  const waiting = row.state === "waiting" && row.status !== "stale";
  const classes = ["card", "state-" + state];
  if (waiting) classes.push("attention");
  if (row.status === "stale") classes.push("stale");
  const pct = row.context_pct || 0;
  const ctxClass = pct >= 80 ? "high" : pct >= 50 ? "mid" : "";
  const d = details || {};
  const title = row.task || d.title || "(no task yet)";
  const names = (row.agent_names || []).join(", ");
  const ctxText = pct + "%";
  const ctxTitle = row.context_tokens ? tokens(row.context_tokens) + " of " + tokens(row.context_window) + " tokens" : "";

  const node = el("article", { class: classes.join(" "), "data-session-id": row.session_id, "data-state": state },
    el("div", { class: "card-head" },
      el("span", { class: "badge " + state, text: state === "waiting" ? "waiting for you" : state }),
      el("span", { class: "project", text: row.project || "–" }),
      row.model ? el("span", { class: "model", text: row.model }) : null),
    el("h2", { class: "task", text: title }),
    waiting && row.waiting_for ? el("div", { class: "waiting-for", text: "Needs you: " + row.waiting_for }) : null,
    row.detail ? el("div", { class: "sub detail-line", text: row.detail }) : null,
    row.progress > 0 ? meter("Progress", row.progress, "progress", row.progress + "%") : null,
    meter("Context", pct, ctxClass, ctxText),
    el("div", { class: "sub agents", text: row.agents + (row.agents === 1 ? " agent" : " agents") + (names ? ": " + names : "") }),
    el("div", { class: "card-foot" },
      el("span", { class: "updated", "data-updated": row.updated_at || "", text: "" }),
      el("span", { class: "sid", title: row.session_id, text: (row.session_id || "").slice(0, 8) })));
  if (ctxTitle) node.querySelector(".meter:last-of-type")?.setAttribute("title", ctxTitle);
  return node;
}

function tickAges() {
  const now = Date.now() + clockSkewMs;
  for (const span of document.querySelectorAll("[data-updated]")) {
    const t = parseTime(span.getAttribute("data-updated"));
    span.textContent = t === null ? "" : "updated " + ago(now - t);
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
  const skipped = $("skipped");
  skipped.hidden = !s.skipped_files;
  skipped.textContent = s.skipped_files ? `${s.skipped_files} unreadable status file(s) skipped` : "";
}

function render(index) {
  latest = index;
  if (typeof index.server_time === "number") clockSkewMs = index.server_time * 1000 - Date.now();
  renderSummary(index);
  const rows = sortRows(index.sessions || []);
  const details = index.details || {};
  $("cards").replaceChildren(...rows.map((r) => card(r, details[r.session_id])));
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
      el("td", { text: shortDate(s.last_activity) }),
      el("td", { text: s.project }),
      el("td", { class: "title", text: s.title || "(untitled)" }),
      el("td", { class: "num", text: String(s.message_count) }),
      el("td", { class: "wide", text: s.model || "–" }),
      el("td", { class: "num wide", text: tokens(s.context_tokens) }),
      el("td", { class: "wide", text: shortDate(s.first_activity) }));
    tr.addEventListener("click", () => showSession(s.session_id));
    tr.addEventListener("keydown", (ev) => { if (ev.key === "Enter") showSession(s.session_id); });
    return tr;
  });
  $("history-table").tBodies[0].replaceChildren(...rows);
  const last = Math.min(history.offset + PAGE_SIZE, data.total);
  $("page-info").textContent = data.total ? `${history.offset + 1}–${last} of ${data.total}` : "no transcripts found";
  $("prev").disabled = history.offset === 0;
  $("next").disabled = last >= data.total;
}

async function showSession(id) {
  const box = $("session-detail");
  box.hidden = false;
  box.replaceChildren(el("p", { class: "note", text: "Loading…" }));
  try {
    const r = await fetch("/api/sessions/" + encodeURIComponent(id), { cache: "no-store" });
    const d = await r.json();
    if (!r.ok) throw new Error(d.error ? d.error.message : "HTTP " + r.status);
    const tools = Object.entries(d.tools || {}).map(([k, v]) => `${k} ×${v}`).join(", ");
    const fields = [
      ["Session", d.session_id], ["Title", d.title], ["Project", d.cwd || d.project], ["Branch", d.git_branch],
      ["Model", d.model], ["Context", tokens(d.context_tokens) + " tokens"], ["Messages",
        `${d.message_count} (${d.prompts} prompts)`], ["First activity", shortDate(d.first_activity)],
      ["Last activity", shortDate(d.last_activity)], ["Compactions", d.compactions], ["Tools", tools || "–"],
      ["First prompt", d.first_prompt], ["Last prompt", d.last_prompt], ["Claude Code", d.claude_version],
    ];
    const dl = el("dl");
    for (const [k, v] of fields) dl.append(el("dt", { text: k }), el("dd", { text: v === null || v === undefined || v === "" ? "–" : String(v) }));
    box.replaceChildren(el("h2", { class: "task", text: d.title || d.session_id }), dl);
  } catch (e) {
    box.replaceChildren(el("p", { class: "note", text: "Could not load session: " + e.message }));
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
  showTab(location.hash === "#history" ? "history" : "overview");
  setInterval(tickAges, 1000);
  // One fetch paints at once; then the stream takes over (or polling, if that first fetch failed).
  pollOnce().then(() => { if (okPolls > 0) openStream(); else startPolling(); });
});
