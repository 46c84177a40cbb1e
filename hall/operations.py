"""What can be done to the hall's queue: the service layer between the adapters (HTTP, Socket.IO, CLI) and the
engine. Each operation opens one unit of work, loads what it needs, lets the domain objects change themselves,
and commits; the events they recorded go out to the screens after the commit.
"""
from __future__ import annotations

import functools
import secrets
import time
from datetime import timedelta
from typing import Callable, Optional

from .config import Config
from .domain import actions, estimate
from .domain.calling import choose_next
from .domain.errors import (Closed, Conflict, Forbidden, InvalidTransition, KeyReused, NotFound, QueueEmpty,
                            QueueError)
from .domain.hours import issuing_state
from .domain.model import CALLED, CLOSED, Ticket
from .domain.numbering import BatchNumbers, NumberRange, number_ranges
from .domain.waiting import people_ahead, service_open
from .db.uow import UnitOfWork
from .group_commit import GroupCommit, Order
from .lockouts import SignInLimits
from . import views

CHANNELS = ("kiosk", "counter", "web", "appointment", "phone")


class TicketOrder(Order):
    """A kiosk's (or a clerk's) request for a new ticket, waiting for its batch. `key` (the Idempotency-Key) makes
    it an order a retry can find: the same key from the same orderer gets the same ticket."""

    def __init__(self, service, priority: Optional[str], channel: str, ordered_by: Optional[str] = None,
                 key: Optional[str] = None):
        self.service, self.priority, self.channel = service, priority, channel
        self.ordered_by, self.key = ordered_by, key


class Hall:
    """The service layer, built by hall/bootstrap.py with everything it uses: the config, the clock, a factory
    of units of work (`unit_of_work(on_commit=..., publish=..., write=...)` — hall/db/uow.py, or the fakes in the
    tests) and the publisher its commits go out through. The database and the procedure catalogue are kept for
    the adapters that show or search them."""

    def __init__(self, cfg: Config, *, clock, unit_of_work: Callable[..., UnitOfWork], publish=None, db=None,
                 catalogue=None, config_path: Optional[str] = None):
        self.cfg, self.clock, self.db = cfg, clock, db
        self.unit_of_work, self.publish = unit_of_work, publish
        self.catalogue, self.config_path = catalogue, config_path
        self.services = cfg.services
        self.unit_of = cfg.unit_of
        self.counter_conf = cfg.counter_by_number
        self.counters_of = {code: [c.number for c in cfg.counters if code in c.services] for code in self.services}
        self._service_s: dict[str, tuple[float, float]] = {}  # service → (mean seconds, when computed)
        self._issuing = GroupCommit(self._issue_batch)
        self.sign_in_limits = SignInLimits(self)  # failed sign-ins being checked in this process (hall/lockouts.py)

    def uow(self, write: bool = True) -> UnitOfWork:
        return self.unit_of_work(on_commit=self._messages, publish=self.publish, write=write)

    def _messages(self, events, uow) -> list:
        """What a commit's events say to the screens (views.messages), made before the commit ends."""
        return views.messages(self, events, uow)

    # --- look-ups ---------------------------------------------------------------------------------
    def service(self, code) -> "object":
        if not isinstance(code, str) or code not in self.services:
            raise QueueError(f"unknown service '{code}'", field="service")
        return self.services[code]

    def counter_config(self, number) -> "object":
        if number not in self.counter_conf:
            raise NotFound(f"there is no counter {number}", counter=number)
        return self.counter_conf[number]

    def mean_service_s(self, uow: UnitOfWork, code: str) -> float:
        cached = self._service_s.get(code)
        if cached and time.monotonic() - cached[1] < 30:
            return cached[0]
        recent = uow.repo.recent_service_times(code, self.cfg.server.estimate_window)
        mean = estimate.mean_service_s(recent, self.services[code].avg_service_min * 60)
        self._service_s[code] = (mean, time.monotonic())
        return mean

    def open_counters(self, uow: UnitOfWork, code: str, opened: Optional[set[int]] = None) -> int:
        """How many counters serving this service are open (all of them, while none is: the estimate assumes the
        hall opens as planned)."""
        opened = opened if opened is not None else uow.repo.open_counters()
        serving = self.counters_of[code]
        return sum(1 for c in serving if c in opened) or len(serving)

    def estimate_wait(self, uow: UnitOfWork, code: str, ahead: int, opened: Optional[set[int]] = None) -> int:
        return estimate.estimated_wait_s(ahead, self.mean_service_s(uow, code), self.open_counters(uow, code, opened))

    # --- tickets ----------------------------------------------------------------------------------
    def issue_ticket(self, service: str, priority: Optional[str] = None, channel: str = "kiosk",
                     ordered_by: Optional[str] = None, key: Optional[str] = None) -> dict:
        """A new ticket for a service: its number, people ahead and estimated wait. Committed before it returns;
        kiosks issuing at the same moment share one transaction (hall/group_commit.py). An order with a key
        (`ordered_by` and its Idempotency-Key) is issued once: a retry of it answers with the same ticket (its
        `replayed` true), and the ticket is marked unreceived until the orderer confirms it (confirm_receipt)."""
        svc = self.service(service)
        categories = {c.code for c in self.cfg.priorities.categories}
        if priority is not None and priority not in categories:
            raise QueueError(f"unknown priority category '{priority}' (known: {', '.join(sorted(categories))})",
                             field="priority")
        if channel not in CHANNELS:
            raise QueueError(f"unknown channel '{channel}' (known: {', '.join(CHANNELS)})", field="channel")
        is_open, reason = issuing_state(self.cfg.hours, self.clock.local())
        if not is_open:
            raise Closed(reason)
        return self._issuing.submit(TicketOrder(svc, priority, channel, ordered_by if key else None, key))

    @functools.cached_property
    def number_ranges(self) -> dict[str, NumberRange]:
        return number_ranges(self.services.values())

    def _issue_batch(self, orders: list["TicketOrder"]) -> None:
        """Issue the tickets these orders ask for, in order, in one unit of work; settle each order. An order
        whose key already has a ticket (a retry, in this batch or stored) gets that ticket instead."""
        issued, answers, replays = [], [], []
        with self.uow() as uow:
            now = self.clock.now()
            day = self.clock.local(now).date()
            codes = {o.service.code for o in orders}
            overrides = uow.repo.service_open_overrides()
            numbers = BatchNumbers(self.number_ranges, uow.repo.last_seqs(day, codes),
                                   lambda services: uow.repo.numbering_state(day, services))
            waiting = uow.repo.waiting_by_class(day, codes)
            known = uow.repo.tickets_by_order([(o.ordered_by, o.key) for o in orders if o.key])
            for order in orders:
                svc = order.service
                earlier = known.get((order.ordered_by, order.key)) if order.key else None
                if earlier is not None:
                    if (earlier.issued_service, earlier.priority) != (svc.code, order.priority):
                        order.fail(KeyReused(f"Idempotency-Key '{order.key}' was used for another order "
                                             f"(ticket {earlier.number}): use a new key for a new order",
                                             field="Idempotency-Key"))
                    else:
                        replays.append((order, earlier))
                    continue
                if not service_open(svc, overrides):
                    order.fail(Closed(f"Lĩnh vực '{svc.name}' đang tạm ngừng tiếp nhận", service=svc.code))
                    continue
                seq, number = numbers.next(svc.code)
                ticket = Ticket(secrets.token_urlsafe(12), day, svc.code, seq, number, self.clock.now(),
                                order.channel, order.priority, ordered_by=order.ordered_by, order_key=order.key,
                                receipt_pending=order.key is not None)
                issued.append((order, ticket))
                if order.key:
                    known[(order.ordered_by, order.key)] = ticket
            uow.repo.add_new_tickets([ticket for _, ticket in issued])  # one statement; ids for the events
            opened = uow.repo.open_counters() if issued else set()
            for order, ticket in issued:
                # everyone waiting arrived earlier: nobody comes after the new ticket yet
                priority, others = waiting.get(ticket.service, (0, 0))
                ahead = people_ahead(ticket.is_priority, priority, 0, others)
                waiting[ticket.service] = (priority + 1, others) if ticket.is_priority else (priority, others + 1)
                wait = self.estimate_wait(uow, ticket.service, ahead, opened)
                ticket.issued(ahead, wait)
                answers.append((order, views.ticket(self, ticket, ahead, wait)))
            fresh = {id(ticket): answer for (_, ticket), (_, answer) in zip(issued, answers)}
            for order, ticket in replays:
                answer = fresh.get(id(ticket)) or self._status(uow, ticket, opened or None)
                answers.append((order, {**answer, "replayed": True}))
            uow.commit()
            for order, answer in answers:  # committed: these kiosks have their numbers, whatever happens next
                order.done(answer)

    def confirm_receipt(self, token: str, by: Optional[str] = None) -> dict:
        """The kiosk that ordered the ticket has the number (on its screen): it is no longer marked unreceived."""
        with self.uow() as uow:
            ticket = self._ticket(uow, token)
            if by is not None and ticket.ordered_by not in (None, by):
                raise Forbidden(f"ticket {ticket.number} was ordered by another kiosk", ticket=ticket.number)
            if ticket.receipt_pending:
                ticket.received()
                uow.commit()
            return self._status(uow, ticket)

    def _status(self, uow: UnitOfWork, ticket: Ticket, opened: Optional[set[int]] = None) -> dict:
        ahead = self._ahead(uow, ticket) if ticket.state == "waiting" else 0
        wait = self.estimate_wait(uow, ticket.service, ahead, opened) if ticket.state == "waiting" else 0
        return views.ticket(self, ticket, ahead, wait)

    def ticket_status(self, token: str) -> dict:
        with self.uow(write=False) as uow:
            ticket = self._ticket(uow, token)
            ahead = self._ahead(uow, ticket) if ticket.state == "waiting" else 0
            wait = self.estimate_wait(uow, ticket.service, ahead) if ticket.state == "waiting" else 0
            return views.ticket(self, ticket, ahead, wait, visits=uow.repo.visits_of(ticket.id))

    def cancel(self, token: str, reason: str = "", at_counter: Optional[int] = None) -> dict:
        """Cancel a ticket. With at_counter (a clerk's counter), a ticket in service elsewhere is refused: only its
        own counter or a supervisor may take it from the citizen standing there."""
        with self.uow() as uow:
            ticket = self._ticket(uow, token)
            visit = None
            if at_counter is not None and ticket.state in (CALLED, "serving") and ticket.counter != at_counter:
                raise Forbidden(f"ticket {ticket.number} is being served at counter {ticket.counter}: only that "
                                "counter or a supervisor may cancel it", ticket=token)
            if ticket.counter is not None and ticket.state in (CALLED, "serving"):
                counter = uow.repo.counter(ticket.counter)
                visit = uow.repo.visit(counter.visit_id)
                counter.released(visit, self.clock.now(), finished=False)
            ticket.cancel(self.clock.now(), reason, visit)
            uow.commit()
            return views.ticket(self, ticket, 0, 0)

    def come_back(self, token: str) -> dict:
        with self.uow() as uow:
            ticket = self._ticket(uow, token)
            ticket.come_back(self.clock.now())
            uow.commit()
            ahead = self._ahead(uow, ticket)
            return views.ticket(self, ticket, ahead, 0)

    def _ahead(self, uow: UnitOfWork, ticket: Ticket) -> int:
        return people_ahead(ticket.is_priority, *uow.repo.waiting_around(ticket))

    def _ticket(self, uow: UnitOfWork, token) -> Ticket:
        ticket = uow.repo.ticket_by_token(token) if isinstance(token, str) else None
        if ticket is None:
            raise NotFound("no such ticket", ticket=token)
        return ticket

    # --- counters ---------------------------------------------------------------------------------
    def _counter(self, uow: UnitOfWork, number: int, action: Optional[str] = None):
        """The counter, once the one rule of counter actions (hall/domain/actions.py) allows `action` there."""
        self.counter_config(number)
        counter = uow.repo.counter(number)
        if action is not None:
            actions.require(action, counter, self._held(uow, counter))
        return counter

    def _held(self, uow: UnitOfWork, counter) -> Optional[Ticket]:
        return uow.repo.ticket(counter.ticket_id) if counter.ticket_id is not None else None

    def _call(self, uow: UnitOfWork, counter, ticket: Ticket, clerk: Optional[str], streak: int) -> dict:
        now = self.clock.now()
        visit = ticket.call(counter.number, clerk, now)
        uow.repo.add(visit)
        uow.flush()
        counter.took(ticket, visit, streak)
        ticket.called(visit, now)
        uow.commit()
        return views.ticket(self, ticket, 0, 0)

    def call_next(self, number: int, clerk: Optional[str] = None) -> dict:
        conf = self.counter_config(number)
        with self.uow() as uow:
            counter = self._counter(uow, number, actions.NEXT)
            heads = uow.repo.heads(self.clock.today(), conf.services, number)
            head, streak = choose_next(conf.services, heads, counter.priority_streak, self.cfg.priorities.ratio)
            if head is None:
                raise QueueEmpty(f"nobody is waiting for counter {number}", counter=number)
            return self._call(uow, counter, uow.repo.ticket(head.ticket_id), clerk, streak)

    def call_ticket(self, number: int, clerk: Optional[str], ticket_number: str) -> dict:
        conf = self.counter_config(number)
        if not isinstance(ticket_number, str) or not ticket_number.strip():
            raise QueueError("give the ticket number to call, e.g. \"A015\"", field="ticket")
        with self.uow() as uow:
            counter = self._counter(uow, number, actions.CALL)
            ticket = uow.repo.ticket_by_number(self.clock.today(), ticket_number.strip().upper())
            if ticket is None:
                raise NotFound(f"no ticket {ticket_number} today", ticket=ticket_number)
            if ticket.service not in conf.services and ticket.target_counter != number:
                raise Forbidden(f"counter {number} does not serve ticket {ticket.number}'s service", ticket=ticket.number)
            streak = counter.priority_streak + 1 if ticket.is_priority else 0
            return self._call(uow, counter, ticket, clerk, streak)

    def _act(self, number: int, name: str, action) -> dict:
        """One of the actions on the ticket a counter holds (recall, start, finish, no-show, transfer)."""
        with self.uow() as uow:
            counter = self._counter(uow, number, name)
            ticket, visit = self._held(uow, counter), uow.repo.visit(counter.visit_id)
            action(uow, counter, ticket, visit, self.clock.now())
            uow.commit()
            return views.ticket(self, ticket, 0, 0)

    def recall(self, number: int) -> dict:
        return self._act(number, actions.RECALL, lambda uow, c, t, v, now: t.recall(v, now))

    def start(self, number: int) -> dict:
        return self._act(number, actions.START, lambda uow, c, t, v, now: t.start(v, now))

    def finish(self, number: int, note: str = "") -> dict:
        def finish(uow, counter, ticket, visit, now):
            ticket.finish(visit, now, note)
            counter.released(visit, now, finished=True)
        return self._act(number, actions.FINISH, finish)

    def no_show(self, number: int) -> dict:
        grace = timedelta(minutes=self.cfg.server.no_show_grace_min)

        def no_show(uow, counter, ticket, visit, now):
            ticket.no_show(visit, now, grace)
            counter.released(visit, now, finished=False)
        return self._act(number, actions.NO_SHOW, no_show)

    def transfer(self, number: int, service: Optional[str] = None, counter: Optional[int] = None,
                 unit: Optional[str] = None, note: str = "") -> dict:
        service, counter = self._transfer_target(service, counter, unit)

        def transfer(uow, at, ticket, visit, now):
            if counter == at.number and service == ticket.service:
                raise InvalidTransition("the ticket is already here: transfer it to another service or counter")
            served = visit.started_at is not None
            ticket.transfer(visit, now, service, counter, note)
            at.released(visit, now, finished=served)
        return self._act(number, actions.TRANSFER, transfer)

    def _transfer_target(self, service, counter, unit) -> tuple[str, Optional[int]]:
        if counter is not None:
            if not isinstance(counter, int) or counter not in self.counter_conf:
                raise QueueError(f"there is no counter {counter}", field="counter")
            served = self.counter_conf[counter].services
            if service is not None and service not in served:
                raise QueueError(f"counter {counter} does not serve '{service}'", field="service")
            return service or served[0], counter
        if service is not None:
            self.service(service)
            return service, None
        if unit is not None:
            units = self.cfg.unit_by_code
            if unit not in units:
                raise QueueError(f"unknown unit '{unit}'", field="unit")
            return units[unit].services[0].code, None
        raise QueueError("say where to transfer: a service, a unit or a counter", field="service")

    def pause(self, number: int, reason: str) -> dict:
        if not isinstance(reason, str):
            raise QueueError("a pause needs a reason (text)", field="reason")
        return self._counter_change(number, lambda c, now: c.pause(reason, now), actions.PAUSE)

    def resume(self, number: int) -> dict:
        return self._counter_change(number, lambda c, now: c.resume(now), actions.RESUME)

    def sign_in(self, number: int, clerk: str, force: bool = False) -> dict:
        def sign_in(counter, now):
            if counter.state != CLOSED and counter.clerk not in (None, clerk) and not force:
                raise Conflict(f"counter {number} is taken by {counter.clerk}", counter=number)
            counter.open(clerk, now)
        return self._counter_change(number, sign_in)

    def sign_out(self, number: int) -> dict:
        def sign_out(counter, now):
            counter.require_free()
            if counter.state != CLOSED:
                counter.close(now)
        return self._counter_change(number, sign_out)

    def _counter_change(self, number: int, change, action: Optional[str] = None) -> dict:
        with self.uow() as uow:
            counter = self._counter(uow, number, action)
            change(counter, self.clock.now())
            uow.commit()
            return views.counter(self, counter, self._held(uow, counter))

    # --- end of day -------------------------------------------------------------------------------
    def close_day(self) -> int:
        """Cancel what is still open from earlier days (no-shows just lose their grace); counters let go of them,
        and a visit still open at a counter ends with the ticket. Returns how many tickets were closed."""
        with self.uow() as uow:
            stale = {t.id: t for t in uow.repo.open_tickets_before(self.clock.today())}
            now = self.clock.now()
            open_visits = {}
            for counter in uow.repo.counters().values():
                if counter.ticket_id in stale:
                    open_visits[counter.ticket_id] = visit = uow.repo.visit(counter.visit_id)
                    counter.released(visit, now, finished=False)
            for ticket in stale.values():
                if ticket.state == "no_show":
                    ticket.grace_until = None
                else:
                    ticket.cancel(now, "day_closed", open_visits.get(ticket.id))
            uow.commit()
            return len(stale)
