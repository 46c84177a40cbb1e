"""From the visit log to facts: the one place where report figures come from the events.

A ticket belongs to the local day it was issued; a day's facts are derived from every event of that day's tickets
(so a cancellation at midnight still counts for the day the ticket was issued).

Ticket facts (one per `issued`): local day and hour of issue, issued service, channel, the counter and clerk of the
first call, the wait (issued → first `called`), and whether it was cancelled.
Visit facts (one per `called`, i.e. per stay at a counter): local day and hour of the call, the visit's service,
counter and clerk, how it ended (done, no_show, transferred, cancelled, or open), the walk to the counter
(called → started), the service time (started → finished) and the rating it got. A ticket transferred while still
waiting (no visit) adds a visit fact of its own with outcome `transferred`, counter 0 and no clerk.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from math import isnan, nan
from typing import Iterable

from sqlalchemy import case, null, select

from ..db import tables
from .facts import Facts

ENDINGS = {"finished": "done", "no_show": "no_show", "transferred": "transferred", "cancelled": "cancelled"}


def day_bounds(day: date, tz) -> tuple[datetime, datetime]:
    """The UTC instants where a local day starts and ends."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


def day_events(session, day: date, tz) -> list:
    """Every event of the tickets issued on that local day, in log order."""
    e = tables.events.c
    start, end = day_bounds(day, tz)
    issued = select(e.ticket_id).where(e.kind == "issued", e.at >= start, e.at < end)
    # only issued (channel) and rated (value) events need their data: skip parsing the JSON of the rest
    data = case((e.kind.in_(("issued", "rated")), e.data), else_=null()).label("data")
    columns = [e.id, e.at, e.kind, e.ticket_id, e.visit_id, e.service, e.counter, e.clerk, data]
    return list(session.execute(select(*columns).where(e.ticket_id.in_(issued)).order_by(e.id)))


def counter_events(session, day: date, tz, counter: int) -> list:
    """One counter's events on that local day (for its timeline)."""
    e = tables.events.c
    start, end = day_bounds(day, tz)
    return list(session.execute(select(tables.events).where(e.at >= start, e.at < end, e.counter == counter)
                                .order_by(e.id)))


def derive(events: Iterable, tz) -> Facts:
    """Ticket and visit facts from events (rows with kind, at, ticket_id, visit_id, service, counter, clerk, data)."""
    tickets: dict[int, dict] = {}
    visits: dict[int, dict] = {}
    loose: list[dict] = []
    for ev in events:
        kind, at = ev.kind, ev.at
        if kind == "issued":
            local = at.astimezone(tz)
            tickets[ev.ticket_id] = {"ticket": ev.ticket_id, "day": local.date().toordinal(), "hour": local.hour,
                                     "service": ev.service or "", "channel": (ev.data or {}).get("channel") or "",
                                     "counter": 0, "clerk": "", "wait": nan, "cancelled": 0, "_at": at}
            continue
        ticket = tickets.get(ev.ticket_id)
        if ticket is None:
            continue  # not a ticket of these days
        visit = visits.get(ev.visit_id) if ev.visit_id is not None else None
        if kind == "called":
            if isnan(ticket["wait"]):  # the first call
                ticket.update(wait=(at - ticket["_at"]).total_seconds(), counter=ev.counter or 0,
                              clerk=ev.clerk or "")
            local = at.astimezone(tz)
            visits[ev.visit_id] = {"day": ticket["day"], "hour": local.hour, "service": ev.service or "",
                                   "counter": ev.counter or 0, "clerk": ev.clerk or "", "outcome": "open",
                                   "walk": nan, "service_s": nan, "rating": 0, "_called": at, "_started": None}
        elif kind == "started" and visit is not None:
            visit["_started"] = at
            visit["walk"] = (at - visit["_called"]).total_seconds()
        elif kind in ENDINGS:
            if kind == "cancelled":
                ticket["cancelled"] += 1
            if visit is not None:
                visit["outcome"] = ENDINGS[kind]
                if kind == "finished" and visit["_started"] is not None:
                    visit["service_s"] = (at - visit["_started"]).total_seconds()
            elif kind == "transferred":
                local = at.astimezone(tz)
                loose.append({"day": ticket["day"], "hour": local.hour, "service": ev.service or "", "counter": 0,
                              "clerk": "", "outcome": "transferred", "walk": nan, "service_s": nan, "rating": 0})
        elif kind == "rated" and visit is not None:
            visit["rating"] = int((ev.data or {}).get("value") or 0)
    return Facts.from_rows(list(tickets.values()), list(visits.values()) + loose)
