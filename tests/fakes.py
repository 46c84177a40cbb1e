"""An in-memory unit of work with the same repository interface as hall/db, for fast engine tests
(Cosmic Python's FakeUnitOfWork): the service layer (hall.operations.Hall) runs unchanged on top of it."""
from __future__ import annotations

import copy
import functools
import itertools

from hall.domain.calling import Head
from hall.domain.model import WAITING, CounterState
from hall.domain.numbering import HOLDING
from hall.operations import Hall
from hall.publishing import Publisher


class FakeRepository:
    def __init__(self, store):
        self.s = store

    def add(self, obj):
        self.s.pending.append(obj)

    def add_new_tickets(self, new):
        for t in new:
            self.add(t)
        self._assign_ids()

    def _assign_ids(self):
        for obj in self.s.pending:
            kind = type(obj).__name__
            if obj.id is None:
                obj.id = next(self.s.ids[kind])
            {"Ticket": self.s.tickets, "Visit": self.s.visits}[kind][obj.id] = obj
        self.s.pending.clear()

    def ticket(self, ticket_id):
        return self.s.tickets.get(ticket_id)

    def ticket_by_token(self, token):
        return next((t for t in self.s.tickets.values() if t.token == token), None)

    def ticket_by_number(self, day, number):
        found = sorted((t for t in self.s.tickets.values() if t.day == day and t.number == number),
                       key=lambda t: t.id)
        holding = [t for t in found if t.state in HOLDING]
        return (holding or found or [None])[-1]

    def tickets_by_order(self, orders):
        wanted = set(orders)
        return {(t.ordered_by, t.order_key): t for t in self.s.tickets.values()
                if (t.ordered_by, t.order_key) in wanted}

    def numbering_state(self, day, services):
        today = [t for t in self.s.tickets.values() if t.day == day and t.issued_service in services]
        last = {}
        for t in sorted(today, key=lambda t: t.seq):
            last[t.issued_service] = t.number
        return last, {t.number for t in today if t.state in HOLDING}

    def last_seqs(self, day, services):
        out = {}
        for t in self.s.tickets.values():
            if t.day == day and t.issued_service in services:
                out[t.issued_service] = max(out.get(t.issued_service, 0), t.seq)
        return out

    def waiting_by_class(self, day, services):
        out = {}
        for t in self.s.tickets.values():
            if t.day == day and t.state == WAITING and t.service in services:
                p, o = out.get(t.service, (0, 0))
                out[t.service] = (p + 1, o) if t.is_priority else (p, o + 1)
        return out

    def heads(self, day, services, counter):
        heads = []
        for service in services:
            for priority in (True, False):
                line = [t for t in self.s.tickets.values() if t.day == day and t.state == WAITING
                        and t.service == service and t.is_priority == priority
                        and t.target_counter in (None, counter)]
                if line:
                    t = min(line, key=lambda t: (t.issued_at, t.id))
                    heads.append(Head(t.id, t.service, priority, t.issued_at))
        return heads

    def waiting_around(self, ticket):
        line = [((t.issued_at, t.id) < (ticket.issued_at, ticket.id), t.is_priority) for t in self.s.tickets.values()
                if t.day == ticket.day and t.state == WAITING and t.service == ticket.service and t.id != ticket.id]
        return (sum(1 for earlier, p in line if p and earlier), sum(1 for earlier, p in line if p and not earlier),
                sum(1 for earlier, p in line if not p and earlier))

    def waiting_counts(self, day, services=None):
        out = {}
        for t in self.s.tickets.values():
            if t.day == day and t.state == WAITING and (services is None or t.service in services):
                n, first = out.get(t.service, (0, None))
                out[t.service] = (n + 1, min(first, t.issued_at) if first else t.issued_at)
        return out

    def recent_service_times(self, service, limit):
        done = sorted((v for v in self.s.visits.values() if v.service == service and v.outcome == "done"
                       and v.started_at), key=lambda v: v.ended_at, reverse=True)[:limit]
        return [(v.ended_at - v.started_at).total_seconds() for v in done]

    def open_tickets_before(self, day):
        return [t for t in self.s.tickets.values() if t.day < day and t.state in
                ("waiting", "called", "serving", "no_show")]

    def visit(self, visit_id):
        return self.s.visits.get(visit_id) if visit_id is not None else None

    def visits_of(self, ticket_id):
        return sorted((v for v in self.s.visits.values() if v.ticket_id == ticket_id), key=lambda v: v.nth)

    def counter(self, number):
        if number not in self.s.counters:
            self.s.counters[number] = CounterState(number)
        return self.s.counters[number]

    def counters(self):
        return dict(self.s.counters)

    def open_counters(self):
        return {n for n, c in self.s.counters.items() if c.state == "open"}

    def ticket_ids(self, ids):
        return {i: self.s.tickets[i] for i in ids if i in self.s.tickets}

    def last_seq_of_log(self):
        return len(self.s.log)

    def recent_calls(self, limit):
        return []

    def service_open_overrides(self):
        return dict(self.s.service_open)

    def set_service_open(self, code, is_open, at, by):
        self.s.service_open[code] = is_open

    def setting(self, key, default=None):
        return self.s.settings.get(key, default)

    def set_setting(self, key, value):
        self.s.settings[key] = value

    def device_faults(self):
        return []

    def set_device_status(self, *args):
        pass

    def rating_of(self, visit_id):
        return self.s.ratings.get(visit_id)

    def add_rating(self, **row):
        self.s.ratings[row["visit_id"]] = row


class FakeStore:
    """What the fake 'database' holds. Committed state is copied, so a failed unit of work changes nothing."""

    def __init__(self):
        self.tickets, self.visits, self.counters = {}, {}, {}
        self.service_open, self.settings, self.ratings = {}, {}, {}
        self.log, self.pending = [], []
        self.ids = {"Ticket": itertools.count(1), "Visit": itertools.count(1)}
        self.published = []


def _copies(objects: dict) -> dict:
    """A copy of each ticket, visit or counter to roll back to. Their fields are plain values and the `events`
    list of a ticket or counter the only thing inside them that changes, so a shallow copy with its own list is a full copy — and far
    cheaper than deepcopy, which made the 100-day property test pass 300 s on a busy machine."""
    out = {}
    for key, obj in objects.items():
        twin = copy.copy(obj)
        if hasattr(obj, "events"):
            twin.events = list(obj.events)
        out[key] = twin
    return out


class FakeUnitOfWork:
    def __init__(self, store: FakeStore, on_commit=None, publish=None, write=True):
        self.store, self.on_commit, self.publish, self.write = store, on_commit, publish, write
        self.extra_events = []
        self.committed = False

    def __enter__(self):
        s = self.store
        if self.write:  # a reader changes nothing, so only a writer needs a copy to roll back to
            self._saved = (_copies(s.tickets), _copies(s.visits), _copies(s.counters),
                           *copy.deepcopy((s.service_open, s.settings, s.ratings)))
        self.repo = FakeRepository(s)
        return self

    def __exit__(self, *exc):
        s = self.store
        if not self.write:
            return
        if not self.committed:
            s.tickets, s.visits, s.counters, s.service_open, s.settings, s.ratings = self._saved
            s.pending.clear()
        elif self.publish and self.messages:
            self.publish(self.messages)

    def add_event(self, event):
        self.extra_events.append(event)

    def flush(self):
        self.repo._assign_ids()

    def commit(self):
        self.flush()
        s = self.store
        events = []
        for obj in list(s.tickets.values()) + list(s.counters.values()):
            events.extend(obj.events)
            obj.events = []
        events.extend(self.extra_events)
        events.sort(key=lambda e: e.order)
        for e in events:
            s.log.append(e)
            e.seq = len(s.log)
        self.messages = self.on_commit(events, self) if self.on_commit else []
        self.committed = True


def fake_hall(cfg, clock):
    """The real service layer over the in-memory store, built as hall/bootstrap.py builds it: its units of work
    and its publisher given at construction."""
    store = FakeStore()
    hall = Hall(cfg, clock=clock, unit_of_work=functools.partial(FakeUnitOfWork, store),
                publish=Publisher(store.published.extend))
    hall.store = store
    return hall


# --- the kiosk's outside world: the hall's HTTP API and a ticket printer ------------------------------------------
class FakeHallClient:
    """Stands in for kiosk.client.HallClient: answers from the config the way /api answers, records what it was
    asked. Set `down = True` to make every call Unreachable, or `refuse = Refused(...)` for the next issue."""

    def __init__(self, cfg, issuing: bool = True, closed_reason: str = ""):
        self.cfg, self.issuing, self.closed_reason = cfg, issuing, closed_reason
        self.down, self.refuse = False, None
        self.closed_services: set[str] = set()
        self.waiting: dict[str, int] = {}
        self.issued: list[dict] = []
        self.reports: list[tuple] = []
        self.searches: list[str] = []
        self.calls: list[str] = []
        self.keys: list = []                     # each issue's Idempotency-Key
        self.by_key: dict[str, dict] = {}
        self.confirmed: list[str] = []           # tickets the kiosk said it received
        self._numbers = itertools.count(1)

    def _call(self, name: str):
        from kiosk.client import Unreachable
        self.calls.append(name)
        if self.down:
            raise Unreachable(f"{name}: ConnectionError")

    def services(self) -> dict:
        self._call("services")
        units = []
        for u in self.cfg.units:
            services = [{"code": s.code, "name": s.name, "name_en": s.name_en, "prefix": s.prefix,
                         "target_wait_min": s.target_wait_min, "waiting": self.waiting.get(s.code, 0),
                         "estimated_wait_s": 600 * self.waiting.get(s.code, 0), "longest_wait_s": 0,
                         "open": s.code not in self.closed_services} for s in u.services]
            units.append({"code": u.code, "name": u.name, "name_en": u.name_en, "short_name": u.short_name,
                          "waiting": sum(s["waiting"] for s in services), "open": any(s["open"] for s in services),
                          "services": services})
        return {"issuing": self.issuing, "closed_reason": self.closed_reason, "units": units,
                "priorities": [{"code": c.code, "name": c.name, "name_en": c.name_en}
                               for c in self.cfg.priorities.categories]}

    def issue(self, service: str, priority=None, key=None) -> dict:
        self.keys.append(key)
        self._call("issue")
        if self.refuse is not None:
            refused, self.refuse = self.refuse, None
            raise refused
        if key is not None and key in self.by_key:
            return {**self.by_key[key], "replayed": True}
        n = next(self._numbers)
        unit = next(u for u in self.cfg.units if any(s.code == service for s in u.services))
        ticket = {"id": f"token-{n:04d}", "number": f"A{n:03d}", "service": service, "priority": priority,
                  "priority_name": priority and next(c.name for c in self.cfg.priorities.categories
                                                     if c.code == priority),
                  "service_name": self.cfg.services[service].name, "unit": unit.code, "unit_name": unit.name,
                  "channel": "kiosk", "state": "waiting",
                  "people_ahead": 0, "estimated_wait_s": 0, "issued_at": "2026-11-26T09:00:00+07:00",
                  "counters": [{"number": 7, "label": "Quầy 7"}],
                  "status_url": f"http://127.0.0.1:5000/t/token-{n:04d}", "received": key is None}
        self.issued.append(ticket)
        if key is not None:
            self.by_key[key] = ticket
        return ticket

    def received(self, ticket_id: str) -> dict:
        self._call("received")
        self.confirmed.append(ticket_id)
        return {"id": ticket_id, "received": True}

    def ticket(self, ticket_id: str) -> dict:
        from kiosk.client import Refused
        self._call("ticket")
        found = next((t for t in self.issued if t["id"] == ticket_id), None)
        if found is None:
            raise Refused("not_found", f"no ticket {ticket_id}", 404)
        return found

    def search(self, query: str, limit: int = 6) -> list:
        self._call("search")
        self.searches.append(query)
        return [{"code": "TP.LLTP.01", "name": "Cấp Phiếu lý lịch tư pháp", "unit": "TP", "service": "TP.LLTP"}]

    def report(self, fault, message: str = "", ticket=None) -> dict:
        self._call("report")
        self.reports.append((fault, ticket))
        return {"ok": True}

    def close(self):
        pass


class FakePrinter:
    """Stands in for drivers.printer.TicketPrinter: `fault` (a PrinterFault, or an exception a driver bug
    would raise) is what check() raises; jobs records what was sent."""

    def __init__(self, width: int = 576, answers_status: bool = True):
        from hall.config import Printer
        self.settings = Printer(kind="preview", width=width)
        self.answers_status = answers_status
        self.fault = None
        self.fail_send = None
        self.jobs: list[tuple[str, int]] = []
        self.closed = False

    def check(self):
        from drivers.printer import PrinterFault
        if isinstance(self.fault, PrinterFault) and not self.fault.blocking:
            return self.fault        # paper low: a warning, still prints
        if self.fault is not None:
            raise self.fault
        return None

    def send(self, job: bytes, preview=None, name: str = ""):
        if self.fail_send is not None:
            raise self.fail_send
        self.jobs.append((name, len(job)))
        return None

    def close(self):
        self.closed = True
