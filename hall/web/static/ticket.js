/* The citizen's ticket page: follows one ticket over Socket.IO /ticket and says clearly when it is their turn. */
"use strict";
(function () {
  const boot = bootData();
  const notes = JSON.parse(document.getElementById("notes").textContent);
  const $ = (id) => document.getElementById(id);
  const id = boot.ticket.id;
  let last = boot.ticket.state;

  function draw(t) {
    const n = boot.names[t.service] || {service: t.service_name, unit: t.unit_name};
    $("number").textContent = t.number;
    $("service").replaceChildren(n.service, el("br"), n.unit);
    $("state").textContent = T.states[t.state] || t.state;
    $("state").className = "badge state-" + t.state;
    $("figs").hidden = t.state !== "waiting";
    $("ahead").textContent = t.people_ahead;
    $("wait").textContent = fmt(notes.about, {n: Math.round((t.estimated_wait_s || 0) / 60)});
    $("turn").hidden = t.state !== "called";
    $("turn-counter").textContent = fmt(notes.turn, {counter: t.counter});
    let note = notes[t.state] || "";
    if (t.state === "waiting" && t.transferred_to_counter) note = notes.transferred;
    if (t.state === "no_show") note = t.grace_until ? notes.no_show : notes.no_show_late;
    const until = t.grace_until ? new Date(t.grace_until).toTimeString().slice(0, 5) : "";
    $("note").textContent = fmt(note, {counter: t.counter || t.transferred_to_counter, until});
    if (t.state === "called" && last !== "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
    document.title = t.state === "called" ? `▶ ${t.number} — ${$("turn-counter").textContent}` : t.number;
    last = t.state;
  }

  const socket = io("/ticket", {auth: {ticket: id}, transports: ["websocket", "polling"]});
  socket.on("connect", () => showConnection(true));
  socket.on("disconnect", () => showConnection(false));
  socket.on("connect_error", () => showConnection(false));
  socket.on("snapshot", draw);
  const refresh = () => socket.emit("status", {ticket: id});
  socket.on("ticket", refresh);
  socket.on("queue", refresh);
  draw(boot.ticket);
})();
