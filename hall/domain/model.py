"""Tickets, their visits to counters, the counters themselves, and the events every change records.

A ticket is the citizen's place in the hall for one day. Each time a counter calls it a *visit* starts; a transfer
ends that visit and puts the ticket back in line for another service (or a given counter) with its original arrival
time, so the chain of visits tells the citizen's whole path. Every change appends an Event; the adapters store them
in the append-only visit log and push them to the screens.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional

from .errors import Closed, InvalidTransition

WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED = "waiting", "called", "serving", "done", "no_show", "cancelled"
FINAL = {DONE, NO_SHOW, CANCELLED}
STATES = [WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED]

OPEN, PAUSED, CLOSED = "open", "paused", "closed"


@dataclass
class Event:
    """One line of the visit log. `seq` is given by the log when it is stored."""
    kind: str
    at: datetime
    ticket_id: Optional[int] = None
    visit_id: Optional[int] = None
    service: Optional[str] = None
    counter: Optional[int] = None
    clerk: Optional[str] = None
    data: dict = field(default_factory=dict)
    seq: Optional[int] = None
    order: int = field(default_factory=itertools.count().__next__, repr=False)  # creation order


def format_number(prefix: str, n: int, width: int = 3) -> str:
    return f"{prefix}{n:0{width}d}"


@dataclass(eq=False)
class Visit:
    """One stay of a ticket at one counter for one service."""
    ticket_id: int
    nth: int
    service: str
    counter: int
    clerk: Optional[str]
    called_at: datetime
    started_at: Optional[datetime] = None
    ended_at: Optional[datetime] = None
    outcome: Optional[str] = None  # done, no_show, transferred, cancelled, returned
    note: str = ""
    id: Optional[int] = None


@dataclass(eq=False)
class Ticket:
    token: str
    day: date
    service: str
    seq: int
    number: str
    issued_at: datetime
    channel: str = "kiosk"
    priority: Optional[str] = None
    state: str = WAITING
    counter: Optional[int] = None          # the counter that called it (or serves it)
    target_counter: Optional[int] = None   # after a transfer to a given counter: only that one may call it
    called_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    grace_until: Optional[datetime] = None
    visits_count: int = 0
    note: str = ""
    issued_service: Optional[str] = None   # the service whose numbers it took; a transfer keeps it
    id: Optional[int] = None
    ordered_by: Optional[str] = None       # the kiosk (or user) that ordered it …
    order_key: Optional[str] = None        # … and the key of that order: a retry of it gets this ticket again
    receipt_pending: bool = False          # ordered by a kiosk that has not yet confirmed it got the number

    def __post_init__(self):
        self.events: list[Event] = []
        if self.issued_service is None:
            self.issued_service = self.service

    # -- helpers --------------------------------------------------------------------------
    def _event(self, kind: str, at: datetime, visit: Optional[Visit] = None, **data) -> Event:
        event = Event(kind, at, ticket_id=self.id, visit_id=visit.id if visit else None, service=self.service,
                      counter=self.counter, clerk=visit.clerk if visit else None, data=data)
        self.events.append(event)
        return event

    def _require(self, action: str, *states: str):
        if self.state not in states:
            raise InvalidTransition(f"cannot {action} ticket {self.number}: it is {self.state}",
                                    number=self.number, state=self.state)

    @property
    def is_priority(self) -> bool:
        return self.priority is not None

    def in_grace(self, now: datetime) -> bool:
        return self.state == NO_SHOW and self.grace_until is not None and now <= self.grace_until

    # -- transitions ----------------------------------------------------------------------
    def issued(self, people_ahead: int, estimated_wait_s: int) -> Event:
        return self._event("issued", self.issued_at, number=self.number, priority=self.priority,
                           channel=self.channel, people_ahead=people_ahead, estimated_wait_s=estimated_wait_s)

    def received(self) -> None:
        """The kiosk confirmed it has the number (shown on its screen): the ticket is no longer marked unreceived."""
        self.receipt_pending = False

    def call(self, counter: int, clerk: Optional[str], now: datetime) -> Visit:
        """Call the ticket to a counter: a new visit starts. A no-show still in grace may be called back."""
        if self.state == NO_SHOW and not self.in_grace(now):
            raise InvalidTransition(f"ticket {self.number} missed its turn and its grace period is over",
                                    number=self.number, state=self.state)
        self._require("call", WAITING, NO_SHOW)
        if self.target_counter is not None and self.target_counter != counter:
            raise InvalidTransition(f"ticket {self.number} was transferred to counter {self.target_counter}",
                                    number=self.number, state=self.state)
        self.state, self.counter, self.called_at, self.grace_until = CALLED, counter, now, None
        self.visits_count += 1
        visit = Visit(self.id, self.visits_count, self.service, counter, clerk, now)
        return visit

    def called(self, visit: Visit, now: datetime) -> Event:
        """The call itself, once the visit is stored (it carries the visit's id)."""
        return self._event("called", now, visit, number=self.number, nth=visit.nth)

    def recall(self, visit: Visit, now: datetime) -> Event:
        self._require("recall", CALLED)
        return self._event("recalled", now, visit, number=self.number)

    def start(self, visit: Visit, now: datetime) -> Event:
        self._require("start serving", CALLED)
        self.state, visit.started_at = SERVING, now
        return self._event("started", now, visit, number=self.number)

    def finish(self, visit: Visit, now: datetime, note: str = "") -> Event:
        self._require("finish", CALLED, SERVING)
        if visit.started_at is None:
            visit.started_at = now
        self.state, self.finished_at = DONE, now
        visit.ended_at, visit.outcome, visit.note = now, DONE, note
        return self._event("finished", now, visit, number=self.number)

    def no_show(self, visit: Visit, now: datetime, grace: timedelta) -> Event:
        self._require("mark as no-show", CALLED)
        self.state, self.finished_at = NO_SHOW, now
        self.grace_until = now + grace if grace else None
        visit.ended_at, visit.outcome = now, NO_SHOW
        return self._event("no_show", now, visit, number=self.number,
                           grace_until=self.grace_until.isoformat() if self.grace_until else None)

    def come_back(self, now: datetime) -> Event:
        """A no-show in grace returns to the line at their original place."""
        if not self.in_grace(now):
            raise InvalidTransition(f"ticket {self.number} cannot return to the line: it is {self.state}"
                                    + (" and its grace period is over" if self.state == NO_SHOW else ""),
                                    number=self.number, state=self.state)
        self.state, self.counter, self.finished_at, self.grace_until = WAITING, None, None, None
        return self._event("returned", now, number=self.number)

    def transfer(self, visit: Optional[Visit], now: datetime, service: str, counter: Optional[int],
                 note: str = "") -> Event:
        """Send the citizen on to another service or counter, keeping their arrival time."""
        self._require("transfer", CALLED, SERVING, WAITING)
        from_service, from_counter = self.service, self.counter
        served = visit is not None and visit.started_at is not None
        if visit is not None:
            visit.ended_at, visit.outcome, visit.note = now, "transferred", note
            if visit.started_at is None:
                visit.started_at = now
        event = self._event("transferred", now, visit, number=self.number, to_service=service, to_counter=counter,
                            from_service=from_service, from_counter=from_counter, note=note, served=served)
        self.state, self.service, self.counter, self.target_counter = WAITING, service, None, counter
        self.called_at = None
        return event

    def cancel(self, now: datetime, reason: str = "", visit: Optional[Visit] = None) -> Event:
        self._require("cancel", WAITING, CALLED, SERVING, NO_SHOW)
        if visit is not None and visit.ended_at is None:
            visit.ended_at, visit.outcome = now, CANCELLED
        self.state, self.finished_at, self.grace_until = CANCELLED, now, None
        return self._event("cancelled", now, visit, number=self.number, reason=reason)


@dataclass(eq=False)
class CounterState:
    """A counter as it is now: who sits there, whether it calls, what it serves."""
    number: int
    state: str = CLOSED
    clerk: Optional[str] = None
    pause_reason: str = ""
    ticket_id: Optional[int] = None     # the ticket it has called or is serving
    visit_id: Optional[int] = None
    priority_streak: int = 0            # priority calls in a row, for the starvation ratio
    last_visit_id: Optional[int] = None # the visit it finished last: the one its pad may rate
    last_finished_at: Optional[datetime] = None
    changed_at: Optional[datetime] = None

    def __post_init__(self):
        self.events: list[Event] = []

    def _event(self, kind: str, at: datetime, **data) -> Event:
        event = Event(kind, at, counter=self.number, clerk=self.clerk, data=data)
        self.events.append(event)
        return event

    def require_free(self):
        if self.ticket_id is not None:
            raise InvalidTransition(f"counter {self.number} is still busy with a ticket: finish, transfer or "
                                    "mark it no-show first", counter=self.number)

    def open(self, clerk: str, now: datetime) -> Event:
        self.state, self.clerk, self.pause_reason, self.changed_at = OPEN, clerk, "", now
        return self._event("signed_in", now)

    def close(self, now: datetime) -> Event:
        event = self._event("signed_out", now)
        self.state, self.clerk, self.pause_reason, self.changed_at = CLOSED, None, "", now
        return event

    def pause(self, reason: str, now: datetime) -> Event:
        if self.state == CLOSED:
            raise Closed(f"counter {self.number} is closed", counter=self.number)
        if self.state == PAUSED:
            raise InvalidTransition(f"counter {self.number} is already paused", counter=self.number)
        if not reason.strip():
            raise InvalidTransition("a pause needs a reason", counter=self.number)
        self.state, self.pause_reason, self.changed_at = PAUSED, reason.strip(), now
        return self._event("paused", now, reason=self.pause_reason)

    def resume(self, now: datetime) -> Event:
        if self.state != PAUSED:
            raise InvalidTransition(f"counter {self.number} is not paused", counter=self.number)
        self.state, self.pause_reason, self.changed_at = OPEN, "", now
        return self._event("resumed", now)

    def took(self, ticket: Ticket, visit: Visit, streak: int):
        self.ticket_id, self.visit_id, self.priority_streak = ticket.id, visit.id, streak

    def released(self, visit: Optional[Visit], now: datetime, finished: bool):
        self.ticket_id, self.visit_id = None, None
        if finished and visit is not None:
            self.last_visit_id, self.last_finished_at = visit.id, now
