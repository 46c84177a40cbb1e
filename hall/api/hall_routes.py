"""The hall as a whole: services, the snapshot, sign-in, ratings, and the supervisor's levers."""
from __future__ import annotations

from typing import Optional

from flask import jsonify, request, session
from pydantic import Field

from .. import accounts, passwords, supervision, views
from ..domain.errors import QueueError
from ..lockouts import Throttled
from . import Body, api, body, hall, require, text
from .lockouts import refused


@api.get("/services")
def services():
    """Units and their services, with waiting counts, estimated waits and open/closed."""
    h = hall()
    with h.uow(write=False) as uow:
        return jsonify(views.services(h, uow))


@api.get("/state")
def state():
    """The hall snapshot: counters, what each serves, queues, recent calls, faults."""
    require("display", "kiosk", "pad", roles=("clerk", "supervisor", "admin"))
    h = hall()
    with h.uow(write=False) as uow:
        return jsonify(views.snapshot(h, uow))


class Login(Body):
    username: text(64)
    password: text(256)
    counter: Optional[int] = None
    force: bool = False


@api.post("/login")
def login():
    """Sign in (a clerk takes a counter) and get a bearer token."""
    req = body(Login)
    try:
        out = accounts.login(hall(), req.username, req.password, req.counter, req.force, address=request.remote_addr)
    except (Throttled, passwords.Busy) as exc:
        return refused(exc)
    session["token"] = out["token"]
    return jsonify(out)


@api.post("/logout")
def logout():
    """Sign out and free the counter."""
    who = require(roles=("clerk", "supervisor", "admin"))
    accounts.logout(hall(), who)
    session.pop("token", None)
    return jsonify({"signed_out": True})


@api.get("/me")
def me():
    """Who this credential is."""
    who = require("kiosk", "display", "pad", roles=("clerk", "supervisor", "admin"))
    return jsonify({k: v for k, v in who.items() if k != "token"})


class Rating(Body):
    value: int
    visit_id: Optional[int] = None
    criteria: list[text(40)] = Field(default=[], max_length=20)


@api.post("/ratings")
def rate():
    """A citizen's rating of the visit this pad's counter just finished."""
    who = require("pad")
    req = body(Rating)
    return jsonify(supervision.rate(hall(), who["counter"], who["id"], req.value, req.visit_id, req.criteria)), 201


class ServiceOpen(Body):
    open: bool


@api.post("/services/<code>/open")
def open_service(code: str):
    """Open or close a service for new tickets (supervisor)."""
    who = require(roles=("supervisor", "admin"))
    return jsonify(supervision.set_service_open(hall(), code, body(ServiceOpen).open, who["username"]))


class Announcement(Body):
    text: text(500)


@api.post("/announcement")
def announcement():
    """Set the wall displays' scrolling announcement line (supervisor)."""
    who = require(roles=("supervisor", "admin"))
    return jsonify(supervision.set_announcement(hall(), body(Announcement).text, who["username"]))


class Reprint(Body):
    ticket: Optional[text(64)] = None


@api.post("/kiosks/<kiosk>/reprint")
def reprint(kiosk: str):
    """Ask a kiosk to print its last ticket, or a given one, again (supervisor)."""
    who = require(roles=("supervisor", "admin"))
    return jsonify(supervision.reprint(hall(), kiosk, who["username"], body(Reprint).ticket))


class DeviceStatus(Body):
    fault: Optional[text(32)] = None
    message: text(500) = ""
    ticket: Optional[text(64)] = None


@api.post("/devices/status")
def device_status():
    """A device reports a fault (or that it is fine again)."""
    who = require("kiosk", "display", "pad")
    req = body(DeviceStatus)
    data = {"ticket": req.ticket} if req.ticket else {}
    return jsonify(supervision.report_device(hall(), who["id"], who["kind"], req.fault, req.message, data))


@api.post("/counters/<int:number>/sign-out")
def sign_out(number: int):
    """Sign a counter's clerk out (supervisor)."""
    require(roles=("supervisor", "admin"))
    return jsonify(hall().sign_out(number))


class NewUser(Body):
    username: text(64)
    password: text(256)
    role: text(16)
    full_name: text(128) = ""


@api.get("/users")
def users():
    """The users (admin)."""
    require(roles=("admin",))
    return jsonify(accounts.list_users(hall()))


@api.post("/users")
def add_user():
    """Add a user (admin)."""
    require(roles=("admin",))
    req = body(NewUser)
    return jsonify(accounts.add_user(hall(), req.username, req.password, req.role, req.full_name)), 201


@api.get("/procedures")
def procedures():
    """Search the procedure catalogue (diacritics optional): ?q=ly lich."""
    catalogue = hall().catalogue
    if catalogue is None:
        raise QueueError("no procedure catalogue is configured")
    q = request.args.get("q", "")
    try:
        limit = min(100, max(1, int(request.args.get("limit", 20))))
    except ValueError:
        raise QueueError("limit must be a whole number", field="limit") from None
    return jsonify([p.model_dump() if hasattr(p, "model_dump") else p for p in catalogue.search(q, limit=limit)])
