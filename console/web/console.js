// The moderator console's page. Plain DOM, no framework and no build step. Everything from the
// server is put on the page with textContent, never as HTML, so a post cannot inject markup.
"use strict";

const state = {
  me: null,          // {user, role, csrf_token, started_ms, break_reminder_minutes}
  offset: 0,
  limit: 50,
  matching: 0,
  caseId: null,
  events: null,      // the EventSource
  breakShownAt: 0,
};

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

async function api(method, path, body) {
  const headers = {"Accept": "application/json"};
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    if (state.me) headers["X-CSRF-Token"] = state.me.csrf_token;
  }
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "/api/login") showLogin();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function show(section) {
  for (const id of ["login", "queue", "case"]) $(id).hidden = id !== section;
  $("bar").hidden = section === "login";
}

function showLogin() {
  state.me = null;
  if (state.events) state.events.close();
  state.events = null;
  show("login");
}

function formatTime(ms) {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function minutesSince(ms) {
  return Math.max(0, Math.floor((Date.now() - ms) / 60000));
}

// --- wellness: time on shift and break reminders -------------------------------------------

function tickShift() {
  if (!state.me) return;
  const minutes = minutesSince(state.me.started_ms);
  $("shift").textContent = `on shift ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  const every = state.me.break_reminder_minutes;
  if (every > 0 && minutes >= every && minutes - state.breakShownAt >= every) {
    $("break-minutes").textContent = String(minutes);
    $("break").hidden = false;
  }
}

$("break-dismiss").addEventListener("click", () => {
  $("break").hidden = true;
  state.breakShownAt = minutesSince(state.me.started_ms);
});

// --- login ---------------------------------------------------------------------------------

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    state.me = await api("POST", "/api/login",
                         {user: $("login-user").value, password: $("login-password").value});
    $("login-password").value = "";
    await startWork();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/api/logout", {}); } finally { showLogin(); }
});

async function startWork() {
  $("who").textContent = `${state.me.user} (${state.me.role})`;
  $("lead-toggle").hidden = state.me.role === "moderator";
  state.breakShownAt = 0;
  tickShift();
  listen();
  await openQueue();
}

// --- queue ---------------------------------------------------------------------------------

function queueQuery() {
  const params = new URLSearchParams();
  if ($("filter-priority").value) params.set("priority", $("filter-priority").value);
  if ($("filter-category").value.trim()) params.set("category", $("filter-category").value.trim());
  if ($("filter-minor").checked) params.set("minor", "1");
  if ($("filter-lead").checked) params.set("lead", "1");
  params.set("offset", String(state.offset));
  params.set("limit", String(state.limit));
  return params.toString();
}

async function openQueue() {
  state.caseId = null;
  show("queue");
  await refreshQueue();
}

async function refreshQueue() {
  const page = await api("GET", "/api/queue?" + queueQuery());
  state.matching = page.matching;
  const counts = $("counts");
  counts.replaceChildren();
  for (const p of ["P0", "P1", "P2", "P3"]) {
    counts.append(el("span", `${p}: ${page.by_priority[p]}`, "count " + p));
  }
  counts.append(el("span", `overdue: ${page.overdue}`, page.overdue > 0 ? "count overdue" : "count"));
  if (!page.caught_up) counts.append(el("span", "still reading the topics…", "count"));
  const body = document.querySelector("#cases tbody");
  body.replaceChildren();
  for (const c of page.cases) {
    const row = el("tr", undefined, c.overdue ? "overdue" : "");
    row.dataset.caseId = c.case_id;
    row.append(el("td", c.priority, "priority " + c.priority),
               el("td", c.categories.join(", ") + (c.minor_recipient ? " · DM to a minor" : "")),
               el("td", c.account_id), el("td", c.items),
               el("td", (c.overdue ? "overdue since " : "") + formatTime(c.deadline_ms)),
               el("td", c.claimed_by || "—"));
    row.tabIndex = 0;
    row.addEventListener("click", () => openCase(c.case_id));
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") openCase(c.case_id); });
    body.append(row);
  }
  const last = Math.min(state.offset + page.cases.length, page.matching);
  $("page-info").textContent = page.matching === 0 ? "no open cases"
      : `${state.offset + 1}–${last} of ${page.matching}`;
  $("prev").disabled = state.offset === 0;
  $("next").disabled = last >= page.matching;
}

for (const id of ["filter-priority", "filter-minor", "filter-lead"]) {
  $(id).addEventListener("change", () => { state.offset = 0; refreshQueue(); });
}
$("filter-category").addEventListener("input", () => { state.offset = 0; refreshQueue(); });
$("filters").addEventListener("submit", (e) => e.preventDefault());
$("prev").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - state.limit);
  refreshQueue();
});
$("next").addEventListener("click", () => { state.offset += state.limit; refreshQueue(); });

// New escalations and decisions arrive as server-sent events; whatever is on screen is
// fetched again.
function listen() {
  if (state.events) state.events.close();
  state.events = new EventSource("/api/events");
  state.events.addEventListener("queue", () => {
    if (!state.me) return;
    if (state.caseId === null) refreshQueue().catch(() => {});
  });
}

// --- case page -----------------------------------------------------------------------------

// The post's text with each reason's byte span [begin, end) marked. Spans are UTF-8 byte
// offsets, so the text is cut as bytes and each piece decoded back.
function highlightedText(text, reasons) {
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  const spans = reasons.filter((r) => Array.isArray(r.span) && r.span[1] > r.span[0])
                       .map((r) => ({begin: r.span[0], end: Math.min(r.span[1], bytes.length),
                                     category: r.category}))
                       .sort((a, b) => a.begin - b.begin);
  const out = el("p", undefined, "post-text");
  let at = 0;
  for (const span of spans) {
    if (span.begin < at || span.begin >= bytes.length) continue;  // overlapping: first wins
    out.append(decoder.decode(bytes.slice(at, span.begin)));
    const mark = el("mark", decoder.decode(bytes.slice(span.begin, span.end)));
    mark.title = span.category;
    out.append(mark);
    at = span.end;
  }
  out.append(decoder.decode(bytes.slice(at)));
  return out;
}

function itemView(item) {
  const li = el("li", undefined, "item");
  const ids = item.content_ids || {};
  const ctx = item.context || {};
  li.append(el("p", `${item.priority} · ${item.category} · score ${Number(item.score).toFixed(2)}`
                    + ` · ${ctx.kind}${ctx.recipient_is_minor ? " to a minor" : ""}`
                    + ` · ${formatTime(item.detected_at_ms)}`, "item-head"));
  li.append(el("p", `post ${ids.post_id || "—"}  media ${ids.media_id || "—"}`, "ids"));
  if (typeof item.text === "string") {
    li.append(highlightedText(item.text, item.reasons || []));
  } else if ((item.reasons || []).length > 0) {
    li.append(el("p", "post text not available; quoted spans:", "note"));
  }
  const reasons = el("ul", undefined, "reasons");
  for (const r of item.reasons || []) {
    reasons.append(el("li", `${r.source} ${r.entry_id} → ${r.category} (weight ${r.weight})`
                            + `${r.quoted ? ", quoted" : ""}: “${r.quote}”`));
  }
  for (const m of item.matches || []) {
    reasons.append(el("li", `bank ${m.bank} entry ${m.entry_id} (${m.hash_type}, distance `
                            + `${m.distance}) → ${m.category}`));
  }
  li.append(reasons);
  const scores = el("p", (item.categories || []).map(
      (c) => `${c.category} ${Number(c.score).toFixed(2)}/${c.threshold}`).join(" · "), "scores");
  li.append(scores);
  if (item.preview && item.preview.data_base64) li.append(previewView(item));
  return li;
}

// Media: only decide's blurred greyscale preview; each click on "one step clearer" is logged
// (audit topic) before the blur is reduced, once.
function previewView(item) {
  const box = el("div", undefined, "preview");
  const img = el("img", undefined, "blurred");
  img.alt = "blurred greyscale preview";
  img.src = "data:image/jpeg;base64," + item.preview.data_base64;
  const button = el("button", "One step clearer");
  button.type = "button";
  button.addEventListener("click", async () => {
    try {
      await api("POST", `/api/cases/${state.caseId}/reveal`, {item: item.event_id});
      img.className = "clearer";
      button.disabled = true;
    } catch (error) {
      $("action-error").textContent = error.message;
    }
  });
  box.append(img, button);
  return box;
}

async function openCase(caseId) {
  state.caseId = caseId;
  $("action-error").textContent = "";
  const data = await api("GET", "/api/cases/" + encodeURIComponent(caseId));
  const c = data.case;
  show("case");
  $("case-title").textContent = `${c.priority} case for ${c.account_id}`;
  $("case-meta").textContent = `${c.items} item(s) · ${c.categories.join(", ")} · due `
      + formatTime(c.deadline_ms) + (c.overdue ? " (overdue)" : "")
      + ` · claimed by ${c.claimed_by || "nobody"}`;
  const categories = $("confirm-category");
  categories.replaceChildren(...c.categories.map((name) => el("option", name)));
  const mine = c.claimed_by === state.me.user;
  $("claim").disabled = mine || c.decision !== "";
  for (const id of ["release", "confirm", "dismiss", "to-lead"]) $(id).disabled = !mine;
  const reputation = $("reputation");
  reputation.replaceChildren();
  const latest = data.items.length ? data.items[data.items.length - 1].reputation : null;
  if (latest) {
    for (const [key, value] of Object.entries(latest)) {
      reputation.append(el("dt", key), el("dd", typeof value === "object"
                                                 ? JSON.stringify(value) : value));
    }
  } else {
    reputation.append(el("dd", "no reputation snapshot (the reputation stage is not configured)"));
  }
  $("items").replaceChildren(...data.items.map(itemView));
  $("decisions").replaceChildren(...(data.decisions.length ? data.decisions.map(
      (d) => el("li", `${formatTime(d.decided_at_ms)} ${d.decision} ${d.category}`
                      + ` (case ${d.case_id}${d.moderator ? ", " + d.moderator : ""})`))
      : [el("li", "none")]));
}

async function act(path, body) {
  $("action-error").textContent = "";
  try {
    await api("POST", `/api/cases/${state.caseId}/${path}`, body || {});
    return true;
  } catch (error) {
    $("action-error").textContent = error.message;
    return false;
  }
}

$("back").addEventListener("click", openQueue);
$("claim").addEventListener("click", async () => { if (await act("claim")) openCase(state.caseId); });
$("release").addEventListener("click", async () => { if (await act("release")) openCase(state.caseId); });
$("to-lead").addEventListener("click", async () => { if (await act("lead")) openQueue(); });
$("confirm").addEventListener("click", async () => {
  if (await act("decision", {decision: "confirmed", category: $("confirm-category").value})) openQueue();
});
$("dismiss").addEventListener("click", async () => {
  if (await act("decision", {decision: "dismissed", category: $("confirm-category").value})) openQueue();
});

// --- start ---------------------------------------------------------------------------------

setInterval(tickShift, 30000);
api("GET", "/api/me").then((me) => { state.me = me; return startWork(); })
                     .catch(() => showLogin());
