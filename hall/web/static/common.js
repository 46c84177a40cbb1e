/* Shared helpers of the hall pages: the JSON API, messages, durations and the hall's Socket.IO stream. */
"use strict";
const T = window.T || {};

function bootData() {
  const el = document.getElementById("boot");
  return el ? JSON.parse(el.textContent) : {};
}

function fmt(text, vars) {
  return String(text).replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? vars[k] : m));
}

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/* Call the JSON API; the session cookie (or a device token) says who we are. Errors throw ApiError. */
async function api(method, url, body, token) {
  const headers = {"Accept": "application/json"};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers["Authorization"] = "Bearer " + token;
  let response;
  try {
    response = await fetch(url, {method, headers, credentials: "same-origin",
                                 body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (e) {
    throw new ApiError(0, "network", e.message);
  }
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    throw new ApiError(response.status, (data && data.error) || "error",
                       (data && data.message) || response.statusText);
  }
  return data;
}

/* "Không có người chờ cho quầy này (409: nobody is waiting for counter 3)" */
function errorText(err) {
  const known = (T.errors || {})[err.code];
  const detail = err.message ? `${err.status ? err.status + ": " : ""}${err.message}` : "";
  return known ? (detail ? `${known} (${detail})` : known) : `${T.error || "Error"}: ${detail}`;
}

function toast(text, kind) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const el = document.createElement("div");
  el.className = "toast " + (kind || "info");
  el.textContent = text;
  box.appendChild(el);
  setTimeout(() => el.classList.add("gone"), kind === "error" ? 7000 : 3500);
  setTimeout(() => el.remove(), kind === "error" ? 7600 : 4100);
}

function pad2(n) { return String(n).padStart(2, "0"); }

/* 75 → "01:15"; 3725 → "1:02:05" */
function clockText(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h ? `${h}:${pad2(m)}:${pad2(s)}` : `${pad2(m)}:${pad2(s)}`;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/* The hall stream (/counter, /supervisor …): a snapshot, then events with seq, handed on in order. A gap asks for a
   resync (and drops what comes before the snapshot, which covers it); the calls the gap would skip come after the
   snapshot from its fresh_calls, each once, as called/recalled events with replay: true. The same rules as the
   pygame screens' display/sequence.py (docs/protocol.md, "Sequence numbers").
   handlers: {snapshot(s), event(type, msg), status(connected)} */
function replayedCall(c) {
  const type = c.recall ? "recalled" : "called";
  return [type, {seq: c.seq, type, at: c.at, counter: c.counter, counter_label: c.counter_label, service: c.service,
                 unit: c.unit, recall: !!c.recall, replay: true,
                 ticket: {number: c.number, service: c.service, unit: c.unit, unit_name: c.unit_name,
                          service_name: c.service_name}}];
}

function hallStream(namespace, token, handlers) {
  const socket = io(namespace, {auth: {token}, transports: ["websocket", "polling"]});
  let seq = null, lastCall = null, waiting = false;
  socket.on("connect", () => handlers.status && handlers.status(true));
  socket.on("disconnect", () => { seq = null; waiting = false; if (handlers.status) handlers.status(false); });
  socket.on("connect_error", (err) => handlers.status && handlers.status(false, err));
  socket.on("snapshot", (snap) => {
    const replays = [];
    if (typeof snap.seq === "number") {
      if (lastCall !== null && snap.seq < lastCall) lastCall = null;      // the hall's log started again
      if (lastCall !== null) {
        for (const c of (snap.fresh_calls || []).slice().sort((a, b) => a.seq - b.seq)) {
          if (c.seq > lastCall && c.seq <= snap.seq) { replays.push(replayedCall(c)); lastCall = c.seq; }
        }
      }
      lastCall = lastCall === null ? snap.seq : Math.max(lastCall, snap.seq);
    }
    seq = snap.seq;
    waiting = false;
    handlers.snapshot(snap);
    for (const [type, msg] of replays) handlers.event(type, msg);
  });
  socket.onAny((type, msg) => {
    if (type === "snapshot" || !msg || typeof msg.seq !== "number") return;
    if (waiting || (seq !== null && msg.seq <= seq)) return;   // covered by the snapshot asked for / already in one
    if (seq !== null && msg.seq > seq + 1) { waiting = true; socket.emit("resync"); return; }
    seq = msg.seq;
    if (type === "called" || type === "recalled") lastCall = lastCall === null ? msg.seq : Math.max(lastCall, msg.seq);
    handlers.event(type, msg);
  });
  return socket;
}

/* Offset between the server's clock and this browser's, from a snapshot's "at" (whole seconds): only a real
   skew counts, not the second the server's time was rounded down by. */
function serverOffset(at) {
  const t = Date.parse(at), skew = isNaN(t) ? 0 : t - Date.now();
  return Math.abs(skew) < 2000 ? 0 : skew;
}

function showConnection(connected) {
  const dot = document.getElementById("conn");
  if (dot) {
    dot.classList.toggle("on", !!connected);
    dot.title = connected ? T.online : T.offline;
  }
  const banner = document.getElementById("offline");
  if (banner) banner.hidden = !!connected;
}
