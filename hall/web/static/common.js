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

/* The hall stream (/counter, /supervisor …): a snapshot, then events with seq; a gap asks for a resync.
   handlers: {snapshot(s), event(type, msg), status(connected)} */
function hallStream(namespace, token, handlers) {
  const socket = io(namespace, {auth: {token}, transports: ["websocket", "polling"]});
  let seq = null;
  socket.on("connect", () => handlers.status && handlers.status(true));
  socket.on("disconnect", () => handlers.status && handlers.status(false));
  socket.on("connect_error", (err) => handlers.status && handlers.status(false, err));
  socket.on("snapshot", (snap) => { seq = snap.seq; handlers.snapshot(snap); });
  socket.onAny((type, msg) => {
    if (type === "snapshot" || !msg || typeof msg.seq !== "number") return;
    if (seq !== null && msg.seq <= seq) return;            // already in the snapshot
    if (seq !== null && msg.seq > seq + 1) { seq = msg.seq; socket.emit("resync"); return; }
    seq = msg.seq;
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
