"""The way out to the screens: Socket.IO namespaces, who may join them, and the `publish` the hall uses.

Each app has its own Socket.IO server (`attach(app)`, then `app.extensions["socketio"]`), and its hall publishes
through that server only — two halls in one process (tests, tools) don't hear each other.

Namespaces (docs/protocol.md):
- /display, /counter, /kiosk, /supervisor — the hall stream: a `snapshot` on connect, then every event of the visit
  log by its type (`issued`, `called`, …), each with its `seq`; a gap in seq means: send `resync`.
- /pad — one room per counter: `rate` when the counter finishes a visit, `rated`, and `idle` when a new call starts.
- /ticket — a citizen's phone following one ticket: `ticket` with its state, `queue` when its line moves.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import Flask, current_app, request
from flask_socketio import SocketIO, emit, join_room

from . import accounts, events, views
from .text import flaw

log = logging.getLogger("motcua.realtime")

HALL_STREAM = ("/display", "/counter", "/kiosk", "/supervisor")
STAFF = {"clerk", "supervisor", "admin"}
# Who may join each namespace: a device by its kind, a person by their role. The supervisor's stream carries the
# whole hall's levers and faults: supervisors and admins only.
ALLOWED = {"/display": {"display"} | STAFF, "/counter": STAFF, "/kiosk": {"kiosk"} | STAFF,
           "/supervisor": {"supervisor", "admin"}, "/pad": {"pad"} | STAFF}


def room(kind: str, key) -> str:
    """The one room-naming function: counter-3, ticket-<token>, service-TP-LLTP, kiosk-kiosk-1."""
    return f"{kind}-{key}"


def attach(app: Flask, **options) -> SocketIO:
    """A Socket.IO server for this app, with the namespaces' handlers; the hall's publisher (given to it when it
    was built, hall/bootstrap.py) sends to it from now on."""
    socketio = SocketIO(app, **options)
    for namespace in HALL_STREAM:
        _hall_stream(socketio, namespace)
    socketio.on("connect", namespace="/pad")(pad_connect)
    socketio.on("connect", namespace="/ticket")(ticket_connect)
    socketio.on("status", namespace="/ticket")(ticket_status)
    hall = app.extensions["motcua.hall"]
    hall.publish.send_to(publisher(socketio, hall))
    return socketio


def publisher(socketio: SocketIO, hall=None) -> Callable[[list[dict]], None]:
    def publish(messages: list[dict]) -> None:
        """Send one commit's messages to every screen that cares, in sequence order. The change is committed
        already: a failure here is logged, and the hall streams get a fresh snapshot (or, if even that fails, see
        a gap in `seq` at the next message and ask for one)."""
        try:
            for msg in messages:
                if msg["type"] == views.RESYNC:
                    raise RuntimeError("the messages of this commit could not be built")
                _send(socketio, msg)
        except Exception:
            log.exception("publishing seq %s failed: the screens resync", [m.get("seq") for m in messages])
            if hall is not None:
                resync_all(socketio, hall)
    return publish


def resync_all(socketio: SocketIO, hall) -> None:
    """A fresh snapshot to every hall stream: what a screen would get by asking for `resync` itself."""
    try:
        with hall.uow(write=False) as uow:
            snap = views.snapshot(hall, uow)
        for ns in HALL_STREAM:
            socketio.emit("snapshot", snap, namespace=ns)
    except Exception:
        log.exception("sending the screens a fresh snapshot failed: they resync at the next message")


def _send(socketio: SocketIO, msg: dict) -> None:
    for ns in HALL_STREAM:
        socketio.emit(msg["type"], msg, namespace=ns)
    ticket = msg.get("ticket")
    if ticket:
        socketio.emit("ticket", msg, namespace="/ticket", to=room("ticket", ticket["id"]))
    for q in msg.get("queue", []):
        socketio.emit("queue", {"seq": msg["seq"], **q}, namespace="/ticket",
                      to=room("service", q["service"]))
    counter = msg.get("counter")
    if counter is not None and events.KINDS[msg["type"]].to_pad:
        socketio.emit(*_pad_message(msg), namespace="/pad", to=room("counter", counter))


def _pad_message(msg: dict) -> tuple[str, dict]:
    if msg["type"] in ("finished", "transferred") and msg.get("data", {}).get("served", True):
        return "rate", {"seq": msg["seq"], "counter": msg["counter"], "visit_id": msg.get("visit_id"),
                        "number": msg["ticket"]["number"], "unit_name": msg["ticket"]["unit_name"],
                        "service_name": msg["ticket"]["service_name"]}
    if msg["type"] == "rated":
        return "rated", {"seq": msg["seq"], "counter": msg["counter"], "value": msg["data"]["value"]}
    return "idle", {"seq": msg["seq"], "counter": msg["counter"]}


def _hall():
    return current_app.extensions["motcua.hall"]


def _principal(auth) -> dict | None:
    token = (auth or {}).get("token") if isinstance(auth, dict) else None
    token = token or request.args.get("token")
    if not isinstance(token, str) or flaw(token) or len(token) > 512:
        return None
    return accounts.resolve(_hall(), token)


def _admitted(namespace: str, who) -> bool:
    return who is not None and (who["role"] if who["kind"] == "user" else who["kind"]) in ALLOWED[namespace]


def _snapshot() -> dict:
    hall = _hall()
    with hall.uow(write=False) as uow:
        return views.snapshot(hall, uow)


def _hall_stream(socketio: SocketIO, namespace: str):
    @socketio.on("connect", namespace=namespace)
    def connect(auth=None):
        who = _principal(auth)
        if not _admitted(namespace, who):
            raise ConnectionRefusedError("a valid device or sign-in token is needed")
        if who["kind"] == "user" and who.get("counter"):
            join_room(room("counter", who["counter"]))
        emit("snapshot", _snapshot())

    @socketio.on("resync", namespace=namespace)
    def resync(_data=None):
        emit("snapshot", _snapshot())


def _pad_state(counter: int) -> dict:
    hall = _hall()
    with hall.uow(write=False) as uow:
        state = uow.repo.counter(counter)
        pending = None
        if state.last_visit_id and not uow.repo.rating_of(state.last_visit_id) and state.last_finished_at:
            age = (hall.clock.now() - state.last_finished_at).total_seconds()
            if age < hall.cfg.ratings.timeout_s:
                pending = {"visit_id": state.last_visit_id}
    return {"counter": counter, "label": views.counter_label(hall, counter), "pending": pending,
            "levels": [lvl.model_dump() for lvl in hall.cfg.ratings.levels],
            "criteria": [c.model_dump() for c in hall.cfg.ratings.criteria],
            "ask_criteria_at_most": hall.cfg.ratings.ask_criteria_at_most, "timeout_s": hall.cfg.ratings.timeout_s}


def pad_connect(auth=None):
    who = _principal(auth)
    if not _admitted("/pad", who) or who.get("counter") is None:
        raise ConnectionRefusedError("a pad token (or a clerk's sign-in) is needed")
    join_room(room("counter", who["counter"]))
    emit("snapshot", _pad_state(who["counter"]))


def ticket_connect(auth=None):
    token = (auth or {}).get("ticket") if isinstance(auth, dict) else request.args.get("ticket")
    hall = _hall()
    try:
        status = hall.ticket_status(token)
    except Exception:
        raise ConnectionRefusedError("no such ticket")
    join_room(room("ticket", status["id"]))
    join_room(room("service", status["service"]))
    emit("snapshot", status)


def ticket_status(data=None):
    token = (data or {}).get("ticket") if isinstance(data, dict) else None
    try:
        emit("snapshot", _hall().ticket_status(token))
    except Exception:
        emit("error", {"error": "no such ticket"})
