"""Tickets: issue one, follow one, cancel one, bring a no-show back."""
from __future__ import annotations

from typing import Optional

from flask import jsonify

from . import Body, api, body, hall, require


class IssueTicket(Body):
    service: str
    priority: Optional[str] = None
    channel: str = "kiosk"


class Cancel(Body):
    reason: str = ""


@api.post("/tickets")
def issue_ticket():
    """Issue a ticket for a service (kiosk token or staff)."""
    who = require("kiosk", roles=("clerk", "supervisor", "admin"))
    req = body(IssueTicket)
    channel = req.channel if who["kind"] == "user" or req.channel == "kiosk" else "kiosk"
    ticket = hall().issue_ticket(req.service, req.priority, channel)
    return jsonify(ticket), 201


@api.get("/tickets/<token>")
def ticket_status(token: str):
    """A ticket's state, place in line and counter (by its unguessable id)."""
    return jsonify(hall().ticket_status(token))


@api.post("/tickets/<token>/cancel")
def cancel_ticket(token: str):
    """Cancel a ticket."""
    require(roles=("clerk", "supervisor", "admin"))
    return jsonify(hall().cancel(token, body(Cancel).reason))


@api.post("/tickets/<token>/return")
def return_ticket(token: str):
    """Bring a no-show back into line while its grace period lasts."""
    require(roles=("clerk", "supervisor", "admin"))
    return jsonify(hall().come_back(token))
