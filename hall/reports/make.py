"""One entry point for the page, the command line and the webhook: a report for a range of local days."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..db import tables
from ..domain.errors import QueueError
from . import rollup
from .figures import GROUPINGS, Report, report

MAX_DAYS = 3 * 366


def parse_day(text, what: str = "date") -> date:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise QueueError(f"{what} must be a date like 2026-11-26, not '{text}'", field=what) from None


def make_report(hall, start, end, by: str = "unit") -> Report:
    start, end = parse_day(start, "from"), parse_day(end, "to")
    if end < start:
        raise QueueError(f"the range ends ({end}) before it starts ({start})", field="to")
    if (end - start).days >= MAX_DAYS:
        raise QueueError(f"a report covers at most {MAX_DAYS} days", field="to")
    if by not in GROUPINGS:
        raise QueueError(f"group by one of {', '.join(GROUPINGS)}, not '{by}'", field="by")
    facts = rollup.load(hall, start, end)
    return report(facts, hall.cfg, by, start, end, labels=full_names(hall) if by == "clerk" else None)


def full_names(hall) -> dict[str, str]:
    u = tables.users.c
    with hall.uow(write=False) as uow:
        return {r.username: r.full_name for r in uow.session.execute(select(u.username, u.full_name))
                if r.full_name}
