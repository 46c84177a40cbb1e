/* The clerk's counter panel: sign in, the ticket at hand with its timer, the counter's queues, the actions
   (buttons and keyboard shortcuts), today's figures — live over Socket.IO /counter.
   The server decides, the panel displays: the buttons enabled are the counter's `actions` as the server sends them
   (hall/domain/actions.py), a queue is late from its `late_at` (hall/domain/waiting.py). */
"use strict";
(function () {
  const boot = bootData();

  /* ---- signing in ---------------------------------------------------------------------------- */
  const signin = document.getElementById("signin");
  if (signin) {
    signin.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(signin), out = document.getElementById("signin-error");
      const button = signin.querySelector("button[type=submit]");
      button.disabled = true;
      out.hidden = true;
      try {
        await api("POST", "/api/login", {username: f.get("username"), password: f.get("password"),
                                         counter: parseInt(f.get("counter"), 10), force: f.get("force") === "on"});
        location.reload();
      } catch (err) {
        out.textContent = errorText(err);
        out.hidden = false;
        button.disabled = false;
      }
    });
    return;
  }
  if (!boot.me) return;

  /* ---- state --------------------------------------------------------------------------------- */
  const number = boot.me.counter;
  const names = {};
  for (const u of boot.units) for (const s of u.services) names[s.code] = {name: s.name, unit: u.name};
  let counter = null, queues = {}, offset = 0, queuesAt = Date.now(), busy = false, signedOut = false;
  let refreshTimer = null;
  const $ = (id) => document.getElementById(id);
  const buttons = Array.from(document.querySelectorAll(".act"));

  function now() { return Date.now() + offset; }
  /* past the service's target wait: the server says from when (null: nobody waiting) */
  function late(q) { return !!(q && q.late_at) && now() >= Date.parse(q.late_at); }

  /* ---- drawing ------------------------------------------------------------------------------- */
  function draw() {
    if (!counter) return;
    const t = counter.ticket;
    $("counter-label").textContent = counter.label;
    $("counter-state").textContent = T.states[counter.state] || counter.state;
    $("counter-state").className = "badge state-" + counter.state;
    $("ticket-number").textContent = t ? t.number : "—";
    $("ticket-number").classList.toggle("idle", !t);
    $("ticket-state").textContent = t ? (T.states[t.state] || t.state) : T.no_ticket;
    $("ticket-state").className = "badge " + (t ? "state-" + t.state : "");
    $("ticket-service").textContent = t && names[t.service] ? names[t.service].name : "";
    $("ticket-priority").hidden = !(t && t.priority);
    $("ticket-priority").textContent = t && t.priority ? "★ " + t.priority : "";
    $("ticket-unreceived").hidden = !(t && t.received === false);   // the kiosk never confirmed the number
    $("ticket-unreceived").textContent = T.unreceived;
    $("pause-reason").hidden = counter.state !== "paused";
    $("pause-reason").textContent = counter.state === "paused" ? `${T.states.paused}: ${counter.pause_reason}` : "";
    drawQueues();
    enable();
    tick();
  }

  function drawQueues() {
    const list = $("queues");
    list.replaceChildren();
    for (const code of counter.services) {
      const q = queues[code] || {waiting: 0, longest_wait_s: 0};
      const longest = q.waiting ? q.longest_wait_s + (Date.now() - queuesAt) / 1000 : 0;
      list.append(el("li", {class: "queue" + (late(q) ? " late" : "") + (q.open === false ? " shut" : ""),
                            "data-service": code},
        el("div", {class: "queue-name"}, el("strong", {text: names[code] ? names[code].name : code}),
           q.open === false ? el("span", {class: "badge state-closed", text: T.closed_now}) : null),
        el("div", {class: "queue-figs"},
           el("span", {class: "count", text: String(q.waiting)}), el("small", {text: T.waiting}),
           el("span", {class: "longest", text: q.waiting ? `${T.longest} ${clockText(longest)}` : T.none_waiting}))));
    }
  }

  function allowed(action) {
    return !signedOut && !!counter && (counter.actions || []).includes(action);
  }

  function enable() {
    for (const b of buttons) b.disabled = busy || !allowed(b.dataset.action);
  }

  function tick() {
    const t = counter && counter.ticket;
    $("timer").textContent = t && t.called_at ? clockText((now() - Date.parse(t.called_at)) / 1000) : "00:00";
    if (counter && Object.keys(queues).length) drawQueuesLongest();
  }

  function drawQueuesLongest() {
    for (const li of document.querySelectorAll("#queues li")) {
      const q = queues[li.dataset.service];
      if (!q || !q.waiting) continue;
      const longest = q.longest_wait_s + (Date.now() - queuesAt) / 1000;
      li.querySelector(".longest").textContent = `${T.longest} ${clockText(longest)}`;
      li.classList.toggle("late", late(q));
    }
  }
  setInterval(tick, 1000);

  async function figures() {
    try {
      const f = await api("GET", `/api/counters/${number}/today`);
      $("fig-served").textContent = f.served;
      $("fig-no-show").textContent = f.no_show;
      $("fig-transferred").textContent = f.transferred;
      $("fig-avg").textContent = f.avg_service_s === null ? "—" : clockText(f.avg_service_s);
    } catch (err) { /* the figures are a nicety; the banner shows real failures */ }
  }

  function banner(text) {
    $("banner").textContent = text || "";
    $("banner").hidden = !text;
  }

  /* ---- actions ------------------------------------------------------------------------------- */
  async function act(action, body) {
    if (busy || !allowed(action)) return;
    busy = true;
    enable();
    try {
      const out = await api("POST", `/api/counters/${number}/${action}`, body || {});
      banner("");
      if (action === "next" || action === "call") toast(fmt(T.called_to, {number: out.number, counter: number}), "ok");
      else toast(T.done_ok, "ok");
      socket.emit("resync");
      if (["finish", "no-show", "transfer"].includes(action)) figures();
    } catch (err) {
      banner(errorText(err));
      toast(errorText(err), "error");
    } finally {
      busy = false;
      enable();
    }
  }

  function openDialog(id) {
    const dlg = $(id);
    dlg.querySelector("form").reset();
    if (id === "dlg-transfer") fillTargets();
    dlg.showModal();
    const first = dlg.querySelector("input:not([type=radio]), select");
    if (first) first.focus();
  }

  for (const b of buttons) {
    b.addEventListener("click", () => {
      const action = b.dataset.action;
      if (!allowed(action) || busy) return;
      if (action === "call") openDialog("dlg-call");
      else if (action === "transfer") openDialog("dlg-transfer");
      else if (action === "pause") openDialog("dlg-pause");
      else act(action);
    });
  }

  for (const dlg of document.querySelectorAll("dialog")) {
    const form = dlg.querySelector("form");
    dlg.querySelector(".cancel").addEventListener("click", () => dlg.close());
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      dlg.close();
      const action = form.dataset.action;
      if (action === "call") act("call", {ticket: f.get("ticket").trim().toUpperCase()});
      else if (action === "pause") act("pause", {reason: f.get("reason").trim()});
      else if (action === "transfer") {
        const kind = f.get("kind"), target = f.get("target"), body = {note: f.get("note") || ""};
        body[kind] = kind === "counter" ? parseInt(target, 10) : target;
        act("transfer", body);
      }
    });
  }
  for (const chip of document.querySelectorAll(".chip[data-reason]")) {
    chip.addEventListener("click", () => {
      const input = chip.closest("form").querySelector("input[name=reason]");
      input.value = chip.dataset.reason;
      input.focus();
    });
  }

  function fillTargets() {
    const form = $("dlg-transfer").querySelector("form"), select = form.querySelector("select");
    const kind = form.querySelector("input[name=kind]:checked").value;
    select.replaceChildren();
    if (kind === "service") {
      for (const u of boot.units) {
        const group = el("optgroup", {label: u.name});
        for (const s of u.services) group.append(el("option", {value: s.code, text: s.name}));
        select.append(group);
      }
    } else if (kind === "unit") {
      for (const u of boot.units) select.append(el("option", {value: u.code, text: u.name}));
    } else {
      for (const c of boot.counters) if (c.number !== number) select.append(el("option", {value: c.number, text: c.label}));
    }
  }
  for (const radio of document.querySelectorAll("#dlg-transfer input[name=kind]")) radio.addEventListener("change", fillTargets);

  /* Keyboard shortcuts: the letter shown on each button, when no dialog or text field has the focus. */
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.repeat) return;
    if (document.querySelector("dialog[open]")) return;
    if (ev.target.closest("input, select, textarea")) return;
    const b = buttons.find((x) => x.dataset.key === ev.key.toLowerCase());
    if (b) { ev.preventDefault(); if (!b.disabled) b.click(); }
  });

  $("logout").addEventListener("click", async () => {
    try { await api("POST", "/api/logout", {}); } catch (err) { /* signed out already */ }
    location.reload();
  });

  /* ---- live ---------------------------------------------------------------------------------- */
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => socket.emit("resync"), 150);
  }

  function mine(msg) {
    if (msg.counter === number) return true;
    if (counter && msg.service && counter.services.includes(msg.service)) return true;
    return !!(msg.data && msg.data.to_counter === number);
  }

  const socket = hallStream("/counter", boot.token, {
    status: showConnection,
    snapshot(snap) {
      offset = serverOffset(snap.at);
      counter = snap.counters.find((c) => c.number === number);
      queues = {};
      for (const q of snap.queues) queues[q.service] = q;
      queuesAt = Date.now();
      if (counter && counter.state !== "closed") { signedOut = false; banner(""); }
      draw();
    },
    event(type, msg) {
      if (counter && msg.counter === number && msg.counter_state) {  // the server's word, before the resync
        counter.state = msg.counter_state.state;
        counter.actions = msg.counter_state.actions;
        enable();
      }
      for (const q of msg.queue || []) queues[q.service] = q;
      if (msg.queue && msg.queue.length) { queuesAt = Date.now(); if (counter) drawQueues(); }
      if (type === "signed_out" && msg.counter === number && !busy) {
        signedOut = true;
        banner(T.signed_out_by);
      }
      if (type === "rated" && msg.counter === number) figures();
      if (mine(msg)) refreshSoon();
    },
  });
  figures();
})();
