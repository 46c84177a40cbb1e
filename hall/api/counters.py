"""Counter actions: POST /api/counters/<number>/<action>."""
from __future__ import annotations

from typing import Optional

from flask import jsonify

from .. import views
from ..domain.errors import NotFound
from . import Body, api, body, hall, require_counter, text


class Call(Body):
    ticket: text(64)


class Finish(Body):
    note: text(500) = ""


class Transfer(Body):
    service: Optional[text(40)] = None
    unit: Optional[text(40)] = None
    counter: Optional[int] = None
    note: text(500) = ""


class Pause(Body):
    reason: text(200)


class Empty(Body):
    pass


ACTIONS = {
    "next": (Empty, lambda h, n, who, b: h.call_next(n, who.get("username"))),
    "call": (Call, lambda h, n, who, b: h.call_ticket(n, who.get("username"), b.ticket)),
    "recall": (Empty, lambda h, n, who, b: h.recall(n)),
    "start": (Empty, lambda h, n, who, b: h.start(n)),
    "finish": (Finish, lambda h, n, who, b: h.finish(n, b.note)),
    "no-show": (Empty, lambda h, n, who, b: h.no_show(n)),
    "transfer": (Transfer, lambda h, n, who, b: h.transfer(n, b.service, b.counter, b.unit, b.note)),
    "pause": (Pause, lambda h, n, who, b: h.pause(n, b.reason)),
    "resume": (Empty, lambda h, n, who, b: h.resume(n)),
}


@api.post("/counters/<int:number>/<action>")
def counter_action(number: int, action: str):
    """Act at a counter: next, call, recall, start, finish, no-show, transfer, pause, resume."""
    if action not in ACTIONS:
        raise NotFound(f"unknown counter action '{action}' (known: {', '.join(ACTIONS)})")
    h = hall()
    h.counter_config(number)
    who = require_counter(number)
    model, run = ACTIONS[action]
    return jsonify(run(h, number, who, body(model)))


@api.get("/counters/<int:number>")
def counter_state(number: int):
    """One counter's state."""
    h = hall()
    h.counter_config(number)
    with h.uow(write=False) as uow:
        c = uow.repo.counter(number)
        t = uow.repo.ticket(c.ticket_id) if c.ticket_id else None
        out = views.counter(h, c, t)
    return jsonify(out)
