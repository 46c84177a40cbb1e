/* The tablet rating pad of one counter (/pad?token=…): idle → faces when the counter finishes a visit →
   (a follow-up question for a low rating) → thank you → idle; back to idle when nobody answers. */
"use strict";
(function () {
  const boot = bootData();
  const $ = (id) => document.getElementById(id);
  let visit = null, chosen = null, idleTimer = null, sending = false;

  function show(name, seconds) {
    for (const s of document.querySelectorAll(".pad-screen")) s.hidden = s.id !== "screen-" + name;
    clearTimeout(idleTimer);
    if (seconds) idleTimer = setTimeout(idle, seconds * 1000);
  }

  function idle() { visit = null; chosen = null; show("idle"); }

  /* A face whose mouth bends from a smile (best) to a frown (worst). */
  function face(level, i, n) {
    const bend = n > 1 ? 1 - (2 * i) / (n - 1) : 1, y = 64, k = 16 * bend;
    const svg = `<svg viewBox="0 0 100 100" aria-hidden="true"><circle cx="50" cy="50" r="46" fill="${level.color}"/>
      <circle cx="35" cy="40" r="6" fill="#fff"/><circle cx="65" cy="40" r="6" fill="#fff"/>
      <path d="M 28 ${y - k / 2} Q 50 ${y + k * 1.2} 72 ${y - k / 2}" stroke="#fff" stroke-width="7" fill="none"
            stroke-linecap="round"/></svg>`;
    const b = el("button", {class: "face", type: "button", "data-value": level.value, style: `--c:${level.color}`,
                            onclick: () => choose(level.value)});
    b.innerHTML = svg;
    b.append(el("span", {text: level.label}));
    return b;
  }

  const faces = $("faces");
  boot.levels.forEach((lvl, i) => faces.append(face(lvl, i, boot.levels.length)));
  for (const c of boot.criteria) {
    $("criteria").append(el("button", {class: "criterion", type: "button", "data-code": c.code, "aria-pressed": "false",
      onclick: (ev) => { const b = ev.currentTarget; b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true"); show("criteria", boot.timeout_s); }},
      c.label));
  }

  function ask(msg) {
    visit = msg.visit_id;
    chosen = null;
    $("rate-ticket").textContent = msg.number ? `${msg.number}${msg.service_name ? " · " + msg.service_name : ""}` : "";
    for (const b of document.querySelectorAll(".criterion")) b.setAttribute("aria-pressed", "false");
    show("rate", boot.timeout_s);
  }

  function choose(value) {
    if (sending || visit === null) return;
    chosen = value;
    if (value <= boot.ask_criteria_at_most && boot.criteria.length) show("criteria", boot.timeout_s);
    else send([]);
  }

  async function send(criteria) {
    if (sending) return;
    sending = true;
    try {
      await api("POST", "/api/ratings", {value: chosen, visit_id: visit, criteria}, boot.token);
      show("thanks", 5);
    } catch (err) {
      $("pad-error").textContent = errorText(err);
      show("error", 5);
    } finally {
      sending = false;
      visit = null;
    }
  }

  $("criteria-send").addEventListener("click", () => send(
    Array.from(document.querySelectorAll(".criterion[aria-pressed=true]")).map((b) => b.dataset.code)));
  $("criteria-skip").addEventListener("click", () => send([]));

  const socket = io("/pad", {auth: {token: boot.token}, transports: ["websocket", "polling"]});
  socket.on("connect", () => showConnection(true));
  socket.on("disconnect", () => showConnection(false));
  socket.on("connect_error", () => showConnection(false));
  socket.on("snapshot", (s) => { if (s.pending && visit === null) ask({visit_id: s.pending.visit_id}); });
  socket.on("rate", ask);
  socket.on("idle", () => { if (!sending) idle(); });
  socket.on("rated", (msg) => { if (visit !== null && !sending) show("thanks", 5); });
  idle();
})();
