"""The daily rollup: each settled day's facts, derived from the visit log once and kept in report_days.

A day is *settled* an hour after it ends (the day keeper has closed its tickets, its last ratings are in); only
settled days are kept. Today and yesterday-before-01:00 are derived from the events at each request. The rollup
is a cache: `motcua report --rebuild` (or `rebuild()`) throws it away and derives it again from the log.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, func, select

from ..db import tables
from .derive import day_bounds, day_events, derive
from .facts import Facts

SETTLE = timedelta(hours=1)


def settled(hall, day: date) -> bool:
    return hall.clock.now() >= day_bounds(day, hall.clock.tz)[1] + SETTLE


def days(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def load(hall, start: date, end: date) -> Facts:
    """The facts of every day from start to end (inclusive, local days)."""
    wanted = days(start, end)
    r = tables.report_days.c
    with hall.uow(write=False) as uow:
        kept = {row.day: row.facts for row in uow.session.execute(
            select(r.day, r.facts).where(r.day >= start, r.day <= end))}
    parts, missing = [], []
    for day in wanted:
        if day in kept:
            parts.append(Facts.from_bytes(kept[day]))
        else:
            missing.append(day)
    if missing:
        first, last = _log_span(hall)
        for day in missing:
            if first is None or not (first <= day <= last):
                continue  # nothing happened: no need to look
            facts = build_day(hall, day) if settled(hall, day) else live_day(hall, day)
            parts.append(facts)
    return Facts.concat(parts)


def live_day(hall, day: date) -> Facts:
    with hall.uow(write=False) as uow:
        return derive(day_events(uow.session, day, hall.clock.tz), hall.clock.tz)


def build_day(hall, day: date) -> Facts:
    """Derive a settled day from the log and keep it."""
    with hall.uow(write=False) as uow:
        events = day_events(uow.session, day, hall.clock.tz)
    facts = derive(events, hall.clock.tz)
    last = max((e.id for e in events), default=0)
    r = tables.report_days
    with hall.uow() as uow:
        uow.session.execute(delete(r).where(r.c.day == day))
        uow.session.execute(r.insert().values(day=day, built_at=hall.clock.now(), last_event_id=last,
                                              tickets=len(facts.tickets), facts=facts.to_bytes()))
        uow.commit()
    return facts


def rebuild(hall, start: date | None = None, end: date | None = None) -> int:
    """Throw the rollup away (for a range, or all of it) and derive every settled day again. Returns days kept."""
    r = tables.report_days
    with hall.uow() as uow:
        q = delete(r)
        if start:
            q = q.where(r.c.day >= start)
        if end:
            q = q.where(r.c.day <= end)
        uow.session.execute(q)
        uow.commit()
    first, last = _log_span(hall)
    if first is None:
        return 0
    start, end = max(start or first, first), min(end or last, last)
    built = 0
    for day in days(start, end) if start <= end else []:
        if settled(hall, day):
            build_day(hall, day)
            built += 1
    return built


def _log_span(hall) -> tuple[date | None, date | None]:
    """The local days of the first and last ticket in the log (two index look-ups on events.at)."""
    e = tables.events.c
    first = select(e.at).where(e.kind == "issued").order_by(e.at).limit(1)
    last = select(e.at).where(e.kind == "issued").order_by(e.at.desc()).limit(1)
    with hall.uow(write=False) as uow:
        lo, hi = uow.session.execute(first).scalar(), uow.session.execute(last).scalar()
    if lo is None:
        return None, None
    return hall.clock.local(lo).date(), hall.clock.local(hi).date()
