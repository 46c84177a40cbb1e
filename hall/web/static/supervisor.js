/* The supervisor's live page: counters, queues per unit and service, alerts (waits past target, bad ratings),
   device faults, and the levers (open/close a service, sign a clerk out, announcement, reprint, users).
   A queue is late from the `late_at` the server sends (hall/domain/waiting.py); the page only compares clocks. */
"use strict";
(function () {
  const boot = bootData();
  const $ = (id) => document.getElementById(id);

  document.querySelectorAll("#logout").forEach((b) => b.addEventListener("click", async () => {
    try { await api("POST", "/api/logout", {}); } catch (err) { /* already out */ }
    location.reload();
  }));
  const signin = $("signin");
  if (signin) {
    signin.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(signin), out = $("signin-error");
      try {
        await api("POST", "/api/login", {username: f.get("username"), password: f.get("password")});
        location.reload();
      } catch (err) { out.textContent = errorText(err); out.hidden = false; }
    });
    return;
  }
  if (!boot.me) return;

  const services = {}, unitOf = {};
  for (const u of boot.units) for (const s of u.services) { services[s.code] = s; unitOf[s.code] = u; }
  let snap = null, queuesAt = Date.now(), refreshTimer = null, offset = 0;
  const expanded = new Set(), ratingAlerts = [], feed = [];

  async function run(promise, okText) {
    try { await promise; if (okText) toast(okText, "ok"); socket.emit("resync"); }
    catch (err) { toast(errorText(err), "error"); }
  }

  /* ---- counters ------------------------------------------------------------------------------ */
  function drawCounters() {
    const box = $("counters");
    box.replaceChildren();
    for (const c of snap.counters) {
      const tile = el("div", {class: "ctr " + c.state, "data-counter": c.number},
        el("div", {class: "ctr-head"}, el("strong", {text: c.label}),
           el("span", {class: "ctr-state", text: T.short_states[c.state] || c.state, title: T.states[c.state]})),
        el("div", {class: "ctr-clerk", text: c.clerk || T.nobody}),
        c.ticket ? el("div", {class: "ctr-ticket", text: `${c.ticket.number}`, title: T.states[c.ticket.state]}) : null,
        c.state === "paused" ? el("div", {class: "ctr-svc", text: c.pause_reason}) : null,
        el("div", {class: "ctr-svc", text: c.services.join(" · "),
                   title: c.services.map((s) => services[s] ? services[s].name : s).join("\n")}));
      if (c.clerk) {
        tile.append(el("button", {class: "btn btn-small btn-danger", type: "button", text: T.sign_out,
          onclick: () => { if (confirm(fmt(T.confirm_signout, {counter: c.number})))
                             run(api("POST", `/api/counters/${c.number}/sign-out`, {}), T.done_ok); }}));
      }
      box.append(tile);
    }
    $("st-open").textContent = snap.counters.filter((c) => c.state === "open").length;
    $("st-paused").textContent = snap.counters.filter((c) => c.state === "paused").length;
  }

  /* ---- queues -------------------------------------------------------------------------------- */
  function longest(q) { return q.waiting ? q.longest_wait_s + (Date.now() - queuesAt) / 1000 : 0; }
  function late(q) { return !!(q && q.late_at) && Date.now() + offset >= Date.parse(q.late_at); }

  function drawUnits() {
    const body = $("units"), byService = {};
    for (const q of snap.queues) byService[q.service] = q;
    body.replaceChildren();
    let total = 0;
    for (const u of boot.units) {
      const qs = u.services.map((s) => byService[s.code] || {service: s.code, waiting: 0, longest_wait_s: 0, open: true});
      const waiting = qs.reduce((a, q) => a + q.waiting, 0);
      const worst = Math.max(0, ...qs.map(longest));
      const anyLate = qs.some(late);
      const shut = qs.filter((q) => !q.open).length;
      total += waiting;
      const open = expanded.has(u.code);
      body.append(el("tr", {class: "unit-row" + (anyLate ? " late" : ""), "data-unit": u.code, style: "cursor:pointer",
                            onclick: () => { open ? expanded.delete(u.code) : expanded.add(u.code); drawUnits(); }},
        el("td", {}, el("span", {class: "unit-dot", style: `background:${u.color}`}), `${open ? "▾" : "▸"} ${u.name}`),
        el("td", {class: "num", text: String(waiting)}),
        el("td", {class: "num wait", text: waiting ? clockText(worst) : "—"}),
        el("td", {}, shut ? el("span", {class: "badge state-closed", text: `${shut} ${T.closed_now.toLowerCase()}`}) : null)));
      if (!open) continue;
      for (const q of qs) {
        const s = services[q.service];
        body.append(el("tr", {class: "svc-row" + (late(q) ? " late" : ""),
                              "data-service": q.service},
          el("td", {text: s.name}), el("td", {class: "num", text: String(q.waiting)}),
          el("td", {class: "num wait", text: q.waiting ? clockText(longest(q)) : "—"}),
          el("td", {}, el("button", {class: "switch" + (q.open ? "" : " off"), type: "button", "data-service": q.service,
                                     text: q.open ? T.open_now : T.closed_now,
                                     onclick: (ev) => { ev.stopPropagation();
                                       run(api("POST", `/api/services/${encodeURIComponent(q.service)}/open`, {open: !q.open}),
                                           T.done_ok); }}))));
      }
    }
    $("st-waiting").textContent = total;
  }

  /* ---- alerts, faults, feed ------------------------------------------------------------------ */
  function drawAlerts() {
    const list = $("alerts");
    list.replaceChildren();
    for (const q of snap.queues) {
      const s = services[q.service];
      if (s && late(q)) {
        list.append(el("li", {class: "wait", text: fmt(T.wait_over, {service: `${unitOf[q.service].short_name} · ${s.name}`,
          minutes: Math.floor(longest(q) / 60), target: s.target_wait_min})}));
      }
    }
    for (const a of ratingAlerts) list.append(el("li", {class: "rating", text: a}));
    if (!list.children.length) list.append(el("li", {class: "empty", style: "background:none;color:inherit;font-weight:400",
                                                      text: T.no_alerts}));
    $("st-alerts").textContent = list.querySelectorAll("li:not(.empty)").length;
  }

  function drawFaults() {
    const list = $("faults");
    list.replaceChildren();
    for (const f of snap.faults) list.append(el("li", {}, el("strong", {text: f.device}), ` — ${f.fault}`,
                                                 f.message ? ` (${f.message})` : ""));
    if (!snap.faults.length) list.append(el("li", {class: "empty", style: "background:none", text: T.no_faults}));
  }

  function drawFeed() {
    const list = $("feed");
    list.replaceChildren();
    for (const line of feed.slice(0, 14)) list.append(line);
  }

  function feedLine(type, msg) {
    const at = msg.at ? new Date(msg.at).toTimeString().slice(0, 8) : "";
    const what = [T.events[type] || type];
    if (msg.ticket) what.push(msg.ticket.number);
    if (msg.counter) what.push(`→ ${msg.counter_label || msg.counter}`);
    if (type === "rated") what.push(`: ${boot.levels[msg.data.value] || msg.data.value}`);
    if (type === "paused") what.push(`: ${msg.data.reason}`);
    if (type === "service_opened" || type === "service_closed") what.push(services[msg.service] ? services[msg.service].name : msg.service);
    if (type === "device_fault") what.push(`${msg.data.device}: ${msg.data.fault}`);
    return el("li", {"data-type": type}, el("time", {text: at}), el("span", {text: what.join(" ")}));
  }

  function drawAll() {
    drawCounters(); drawUnits(); drawAlerts(); drawFaults(); drawFeed();
    const input = document.querySelector("#announce input");
    if (document.activeElement !== input) input.value = snap.announcement || "";
  }

  setInterval(() => { if (snap) { drawAlerts(); drawUnits(); } }, 5000);

  /* ---- levers -------------------------------------------------------------------------------- */
  $("announce").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = new FormData(ev.target).get("text");
    run(api("POST", "/api/announcement", {text}), T.announcement_set);
    ev.target.querySelector("input").blur();
  });
  $("reprint").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const kiosk = new FormData(ev.target).get("kiosk");
    run(api("POST", `/api/kiosks/${encodeURIComponent(kiosk)}/reprint`, {}), T.reprint_sent);
  });

  async function loadUsers() {
    const box = $("users");
    if (!box) return;
    try {
      const users = await api("GET", "/api/users");
      box.replaceChildren(...users.map((u) => el("tr", {"data-user": u.username},
        el("td", {}, el("strong", {text: u.username}), el("br"), el("small", {class: "muted", text: u.full_name})),
        el("td", {text: T["role_" + u.role] || u.role}),
        el("td", {}, el("span", {class: "badge " + (u.active ? "state-open" : "state-closed"), text: u.active ? T.active : T.disabled})),
        el("td", {}, u.username === boot.me.username ? null : el("button", {class: "btn btn-small", type: "button",
          text: u.active ? T.disable : T.enable,
          onclick: async () => { await run(api("POST", `/api/users/${encodeURIComponent(u.username)}/active`,
                                               {active: !u.active}), T.done_ok); loadUsers(); }})))));
    } catch (err) { toast(errorText(err), "error"); }
  }
  const addUser = $("add-user");
  if (addUser) {
    addUser.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(addUser);
      try {
        await api("POST", "/api/users", {username: f.get("username"), password: f.get("password"),
                                         role: f.get("role"), full_name: f.get("full_name")});
        toast(T.user_added, "ok");
        addUser.reset();
        loadUsers();
      } catch (err) { toast(errorText(err), "error"); }
    });
    loadUsers();
  }

  /* ---- live ---------------------------------------------------------------------------------- */
  const socket = hallStream("/supervisor", boot.token, {
    status: showConnection,
    snapshot(s) {
      snap = s;
      offset = serverOffset(s.at);
      queuesAt = Date.now();
      if (!feed.length) {
        for (const c of s.recent_calls.slice().reverse())
          feed.unshift(feedLine(c.recall ? "recalled" : "called", {at: c.at, ticket: {number: c.number},
                                                                   counter: c.counter, counter_label: c.counter_label}));
      }
      drawAll();
    },
    event(type, msg) {
      feed.unshift(feedLine(type, msg));
      if (feed.length > 40) feed.length = 40;
      if (type === "rated" && msg.data && msg.data.value <= boot.bad_rating_at_most) {
        ratingAlerts.unshift(fmt(T.bad_rating, {counter: msg.counter, label: boot.levels[msg.data.value] || msg.data.label,
                                                number: msg.data.number || ""}));
        ratingAlerts.length = Math.min(ratingAlerts.length, 8);
        toast(ratingAlerts[0], "error");
      }
      if (snap && msg.queue && msg.queue.length) {
        for (const q of msg.queue) {
          const i = snap.queues.findIndex((x) => x.service === q.service);
          if (i >= 0) snap.queues[i] = q;
        }
      }
      if (snap) { drawFeed(); drawAlerts(); }
      if (type === "signed_in") loadUsers();  // a new clerk may have been added from the command line
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => socket.emit("resync"), 200);
    },
  });
})();
