"""Tickets: issue one (once per order), confirm a kiosk got it, follow one, cancel one, bring a no-show back."""
from __future__ import annotations

import re
from typing import Optional

from flask import jsonify, request

from . import Body, api, body, hall, require, text
from ..domain.errors import QueueError

IDEMPOTENCY_KEY = "Idempotency-Key"
KEY_FORM = re.compile(r"[A-Za-z0-9._:-]{8,64}")


class IssueTicket(Body):
    service: text(40)
    priority: Optional[text(32)] = None
    channel: text(16) = "kiosk"


class Cancel(Body):
    reason: text(500) = ""


@api.post("/tickets")
def issue_ticket():
    """Issue a ticket for a service (kiosk token or staff)."""
    who = require("kiosk", roles=("clerk", "supervisor", "admin"))
    req = body(IssueTicket)
    key = order_key()
    channel = req.channel if who["kind"] == "user" or req.channel == "kiosk" else "kiosk"
    ticket = hall().issue_ticket(req.service, req.priority, channel, orderer(who), key)
    return jsonify(ticket), 201


@api.post("/tickets/<token>/received")
def ticket_received(token: str):
    """The kiosk that ordered the ticket confirms it has the number: the ticket is no longer marked unreceived."""
    who = require("kiosk", roles=("clerk", "supervisor", "admin"))
    return jsonify(hall().confirm_receipt(token, orderer(who) if who["kind"] == "kiosk" else None))


def order_key() -> Optional[str]:
    """The order's Idempotency-Key header (8–64 letters, digits, `.`, `_`, `:`, `-`), or None without one."""
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        return None
    if not KEY_FORM.fullmatch(key):
        raise QueueError(f"{IDEMPOTENCY_KEY}: give 8 to 64 letters, digits, '.', '_', ':' or '-' "
                         "(a new UUID for each order)", field=IDEMPOTENCY_KEY)
    return key


def orderer(who: dict) -> str:
    """Whose keys these are: a key is unique per kiosk (or per user)."""
    return f"kiosk:{who['id']}" if who["kind"] == "kiosk" else f"user:{who['username']}"


@api.get("/tickets/<token>")
def ticket_status(token: str):
    """A ticket's state, place in line and counter (by its unguessable id)."""
    return jsonify(hall().ticket_status(token))


@api.post("/tickets/<token>/cancel")
def cancel_ticket(token: str):
    """Cancel a ticket: a waiting one (staff), or one in service (its counter's clerk, or a supervisor)."""
    who = require(roles=("clerk", "supervisor", "admin"))
    at_counter = None
    if who["role"] == "clerk":  # a clerk whose counter was taken over holds none
        at_counter = who.get("counter") if who.get("holds_counter") else 0
    return jsonify(hall().cancel(token, body(Cancel).reason, at_counter))


@api.post("/tickets/<token>/return")
def return_ticket(token: str):
    """Bring a no-show back into line while its grace period lasts."""
    require(roles=("clerk", "supervisor", "admin"))
    return jsonify(hall().come_back(token))
