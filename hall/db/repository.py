"""Reading and storing tickets, visits and counters: the queries the queue needs, and nothing else."""
from __future__ import annotations

import functools
from datetime import date, datetime
from types import SimpleNamespace
from typing import Optional, Sequence

from sqlalchemy import and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, make_transient_to_detached

from ..domain.calling import Head
from ..domain.model import OPEN, WAITING, CounterState, Ticket, Visit
from ..domain.numbering import HOLDING
from . import tables


class Repository:
    """One per unit of work. The services' open/closed overrides are read once per unit of work and kept."""

    def __init__(self, session: Session, db):
        self.session, self.db = session, db
        self._overrides: Optional[dict[str, bool]] = None

    # --- tickets --------------------------------------------------------------------------
    def add(self, obj):
        self.session.add(obj)

    def add_new_tickets(self, new: Sequence[Ticket]) -> None:
        """Store new tickets in one statement, and keep them in this unit of work as stored objects with their ids
        (what a flush would do, at a fraction of the ORM's cost for a batch of kiosks)."""
        if not new:
            return
        rows = [{name: getattr(t, name) for name in _TICKET_FIELDS} for t in new]
        for t, ticket_id in zip(new, self.db.insert_rows(self.session.connection(), tables.tickets, rows)):
            t.id = ticket_id
            make_transient_to_detached(t)
            self.session.add(t)

    def ticket(self, ticket_id: int) -> Optional[Ticket]:
        return self.session.get(Ticket, ticket_id)

    def ticket_by_token(self, token: str) -> Optional[Ticket]:
        return self.session.scalars(select(Ticket).where(tables.tickets.c.token == token)).first()

    def ticket_by_number(self, day: date, number: str) -> Optional[Ticket]:
        """The ticket holding that number today; once numbers have gone round, the latest that carried it if none
        holds it any more."""
        t = tables.tickets.c
        found = list(self.session.scalars(select(Ticket).where(t.day == day, t.number == number).order_by(t.id)))
        holding = [ticket for ticket in found if ticket.state in HOLDING]
        return (holding or found or [None])[-1]

    def tickets_by_order(self, orders: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Ticket]:
        """(who ordered, order key) → the ticket issued for that order, for the orders that have one. One indexed
        look-up of the keys (a prebuilt statement: every kiosk order asks it); tickets are loaded only for retries."""
        wanted = set(orders)
        if not wanted:
            return {}
        rows = self.session.execute(HOT.orders, {"keys": sorted({k for _, k in wanted})})
        return {(by, key): self.ticket(ticket_id) for ticket_id, by, key in rows if (by, key) in wanted}

    def numbering_state(self, day: date, services: Sequence[str]) -> tuple[dict[str, str], set[str]]:
        """For services whose numbers go round: service → the number it gave last today, and the numbers their
        tickets still hold."""
        rows = self.session.execute(HOT.last_numbers, {"day": day, "services": list(services)})
        held = self.session.execute(HOT.held_numbers, {"day": day, "services": list(services)}).scalars()
        return {service: number for service, number in rows}, set(held)

    def last_seqs(self, day: date, services) -> dict[str, int]:
        """service → the last sequence number it gave out that day (services that gave none are left out)."""
        rows = self.session.execute(HOT.last_seqs, {"day": day, "services": list(services)})
        return {service: seq for service, seq in rows}

    def waiting_by_class(self, day: date, services) -> dict[str, tuple[int, int]]:
        """service → (priority tickets waiting, other tickets waiting)."""
        out: dict[str, list[int]] = {}
        for service, is_priority, n in self.session.execute(HOT.waiting_by_class,
                                                            {"day": day, "services": list(services)}):
            out.setdefault(service, [0, 0])[0 if is_priority else 1] += n
        return {service: (p, o) for service, (p, o) in out.items()}

    def heads(self, day: date, services: Sequence[str], counter: int) -> list[Head]:
        """The first waiting ticket of each (service, priority class) line this counter may call — one statement:
        each line's head by the line index, all of them together."""
        if not services:
            return []
        rows = self.session.execute(_heads_statement(tuple(services)), {"day": day, "counter": counter})
        return [Head(row.id, row.service, bool(row.priority), row.issued_at) for row in rows]

    def waiting_around(self, ticket: Ticket) -> tuple[int, int, int]:
        """The rest of the ticket's line: (priority tickets that came earlier, priority tickets that came later,
        other tickets that came earlier) — domain/waiting.people_ahead makes the count of them."""
        t = tables.tickets.c
        earlier = or_(t.issued_at < ticket.issued_at, and_(t.issued_at == ticket.issued_at, t.id < ticket.id))
        priority = t.priority.is_not(None)
        q = select(func.count().filter(and_(priority, earlier)), func.count().filter(and_(priority, ~earlier)),
                   func.count().filter(and_(~priority, earlier))).where(
            t.day == ticket.day, t.state == WAITING, t.service == ticket.service, t.id != ticket.id)
        return tuple(self.session.execute(q).one())

    def waiting_counts(self, day: date, services: Optional[Sequence[str]] = None) -> dict[str, tuple[int, Optional[datetime]]]:
        """service → (waiting, earliest arrival among them)."""
        if services is None:
            rows = self.session.execute(HOT.waiting_counts_all, {"day": day})
        else:
            rows = self.session.execute(HOT.waiting_counts, {"day": day, "services": list(services)})
        return {row[0]: (row[1], row[2]) for row in rows}

    def recent_service_times(self, service: str, limit: int) -> list[float]:
        v = tables.visits.c
        q = (select(v.started_at, v.ended_at).where(v.service == service, v.outcome == "done",
                                                    v.started_at.is_not(None))
             .order_by(v.ended_at.desc()).limit(limit))
        return [(end - start).total_seconds() for start, end in self.session.execute(q)]

    def open_tickets_before(self, day: date) -> list[Ticket]:
        t = tables.tickets.c
        return list(self.session.scalars(select(Ticket).where(t.day < day, t.state.in_(
            ["waiting", "called", "serving", "no_show"]))))

    # --- visits ---------------------------------------------------------------------------
    def visit(self, visit_id: Optional[int]) -> Optional[Visit]:
        return self.session.get(Visit, visit_id) if visit_id is not None else None

    def visits_of(self, ticket_id: int) -> list[Visit]:
        return list(self.session.scalars(select(Visit).where(tables.visits.c.ticket_id == ticket_id)
                                         .order_by(tables.visits.c.nth)))

    # --- counters -------------------------------------------------------------------------
    def counter(self, number: int) -> CounterState:
        state = self.session.get(CounterState, number)
        if state is None:
            state = CounterState(number)
            self.session.add(state)
        return state

    def counters(self) -> dict[int, CounterState]:
        return {c.number: c for c in self.session.scalars(select(CounterState))}

    def open_counters(self) -> set[int]:
        """The counters open for calling now (as flushed)."""
        return set(self.session.execute(HOT.open_counters).scalars())

    def ticket_ids(self, ids) -> dict[int, Ticket]:
        ids = [i for i in ids if i is not None]
        if not ids:
            return {}
        return {t.id: t for t in self.session.scalars(select(Ticket).where(tables.tickets.c.id.in_(ids)))}

    # --- the visit log --------------------------------------------------------------------
    def last_seq_of_log(self) -> int:
        return self.session.execute(select(func.max(tables.events.c.id))).scalar() or 0

    def recent_calls(self, limit: int) -> list:
        e = tables.events.c
        q = (select(e.id, e.at, e.kind, e.ticket_id, e.counter, e.service, e.data)
             .where(e.kind.in_(["called", "recalled"])).order_by(e.id.desc()).limit(limit))
        return list(self.session.execute(q))

    # --- small tables ---------------------------------------------------------------------
    def service_open_overrides(self) -> dict[str, bool]:
        if self._overrides is None:
            self._overrides = {r.code: r.open for r in self.session.execute(HOT.service_states)}
        return dict(self._overrides)

    def set_service_open(self, code: str, is_open: bool, at: datetime, by: Optional[str]):
        self._overrides = None
        row = {"open": is_open, "changed_at": at, "changed_by": by}
        s = tables.service_states
        if self.session.execute(select(s.c.code).where(s.c.code == code)).first():
            self.session.execute(s.update().where(s.c.code == code).values(**row))
        else:
            self.session.execute(s.insert().values(code=code, **row))

    def setting(self, key: str, default=None):
        row = self.session.execute(select(tables.settings.c.value).where(tables.settings.c.key == key)).first()
        return row[0] if row else default

    def set_setting(self, key: str, value):
        s = tables.settings
        if self.session.execute(select(s.c.key).where(s.c.key == key)).first():
            self.session.execute(s.update().where(s.c.key == key).values(value=value))
        else:
            self.session.execute(s.insert().values(key=key, value=value))

    def device_faults(self) -> list:
        d = tables.device_status.c
        return list(self.session.execute(select(tables.device_status).where(d.fault.is_not(None))
                                         .order_by(d.at)))

    def set_device_status(self, device: str, kind: str, fault: Optional[str], message: str, at: datetime,
                          data: dict):
        d = tables.device_status
        row = {"kind": kind, "fault": fault, "message": message, "at": at, "data": data}
        if self.session.execute(select(d.c.device).where(d.c.device == device)).first():
            self.session.execute(d.update().where(d.c.device == device).values(**row))
        else:
            self.session.execute(d.insert().values(device=device, **row))

    def rating_of(self, visit_id: int):
        r = tables.ratings.c
        return self.session.execute(select(tables.ratings).where(r.visit_id == visit_id)).first()

    def add_rating(self, **row):
        self.session.execute(tables.ratings.insert().values(**row))


@functools.lru_cache(maxsize=256)
def _heads_statement(services: tuple[str, ...]):
    """Built once per list of services (each counter has one), then only executed: a counter calls all day."""
    t = tables.tickets.c
    lines = []
    for service in services:
        for priority in (True, False):
            q = (select(t.id, t.service, t.issued_at, literal(priority).label("priority"))
                 .where(t.day == bindparam("day"), t.state == WAITING, t.service == service,
                        t.priority.is_not(None) if priority else t.priority.is_(None),
                        or_(t.target_counter.is_(None), t.target_counter == bindparam("counter")))
                 .order_by(t.issued_at, t.id).limit(1))
            lines.append(select(q.subquery()))
    return union_all(*lines)


def _hot_statements() -> SimpleNamespace:
    """The statements every ticket and call runs, built once and only executed afterwards (building and keying a
    statement costs more than SQLite takes to run it)."""
    t, c = tables.tickets.c, tables.counters.c
    day, services = bindparam("day"), bindparam("services", expanding=True)
    waiting = select(t.service, func.count(), func.min(t.issued_at)).where(t.day == day, t.state == WAITING)
    last_seqs = (select(t.issued_service, func.max(t.seq).label("seq"))
                 .where(t.day == day, t.issued_service.in_(services)).group_by(t.issued_service))
    latest = last_seqs.subquery()
    return SimpleNamespace(
        last_seqs=last_seqs,
        last_numbers=(select(t.issued_service, t.number)
                      .join(latest, and_(t.issued_service == latest.c.issued_service, t.seq == latest.c.seq))
                      .where(t.day == day)),
        orders=select(t.id, t.ordered_by, t.order_key).where(t.order_key.in_(bindparam("keys", expanding=True))),
        held_numbers=select(t.number).where(t.day == day, t.issued_service.in_(services), t.state.in_(HOLDING)),
        waiting_by_class=(select(t.service, t.priority.is_not(None), func.count())
                          .where(t.day == day, t.state == WAITING, t.service.in_(services))
                          .group_by(t.service, t.priority.is_not(None))),
        waiting_counts=waiting.where(t.service.in_(services)).group_by(t.service),
        waiting_counts_all=waiting.group_by(t.service),
        open_counters=select(c.number).where(c.state == OPEN),
        service_states=select(tables.service_states),
    )


_TICKET_FIELDS = [c.name for c in tables.tickets.columns if c.name != "id"]


HOT = _hot_statements()
