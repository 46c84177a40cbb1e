"""The few API routes the pages need beyond hall/api: a counter's figures for today, and enabling/disabling users.

    GET  /api/counters/<n>/today          served, no-show, transferred, average service time, ratings
    POST /api/users/<username>/active     {"active": false}  (admin) — a disabled user's sign-ins stop working
"""
from __future__ import annotations

from datetime import datetime, time

from flask import jsonify
from sqlalchemy import select

from .. import accounts
from ..api import Body, body, hall, queue_error, require, require_counter
from ..db import tables
from ..domain.errors import QueueError
from . import bp

bp.register_error_handler(QueueError, queue_error)


def day_start(h) -> datetime:
    """Local midnight of the hall's today, as an aware datetime."""
    return datetime.combine(h.clock.today(), time(0), tzinfo=h.clock.tz)


def counter_today(h, number: int, clerk: str | None = None) -> dict:
    """What a counter (and, if given, one clerk there) has done since local midnight."""
    v, r = tables.visits.c, tables.ratings.c
    since = day_start(h)
    where = [v.counter == number, v.called_at >= since]
    if clerk:
        where.append(v.clerk == clerk)
    with h.uow(write=False) as uow:
        rows = uow.session.execute(select(v.outcome, v.started_at, v.ended_at).where(*where)).all()
        rated = [r.value for r in uow.session.execute(select(r.value).where(
            r.counter == number, r.at >= since, *([r.clerk == clerk] if clerk else []))).all()]
    done = [row for row in rows if row.outcome == "done"]
    spans = [(row.ended_at - row.started_at).total_seconds() for row in done if row.started_at and row.ended_at]
    return {"counter": number, "clerk": clerk, "day": h.clock.today().isoformat(),
            "called": len(rows), "served": len(done),
            "no_show": sum(1 for row in rows if row.outcome == "no_show"),
            "transferred": sum(1 for row in rows if row.outcome == "transferred"),
            "avg_service_s": round(sum(spans) / len(spans)) if spans else None,
            "ratings": len(rated), "avg_rating": round(sum(rated) / len(rated), 2) if rated else None}


@bp.get("/api/counters/<int:number>/today")
def today(number: int):
    """A counter's figures for today; a clerk sees their own, a supervisor the whole counter's."""
    h = hall()
    h.counter_config(number)
    who = require_counter(number)
    return jsonify(counter_today(h, number, who["username"] if who["role"] == "clerk" else None))


class Active(Body):
    active: bool


@bp.post("/api/users/<username>/active")
def set_active(username: str):
    """Enable or disable a user (admin). Admins cannot lock themselves out."""
    who = require(roles=("admin",))
    active = body(Active).active
    if username == who["username"] and not active:
        raise QueueError("you cannot disable your own account", field="username")
    accounts.set_active(hall(), username, active)
    return jsonify({"username": username, "active": active})

