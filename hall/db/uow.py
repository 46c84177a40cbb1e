"""The unit of work: one transaction, one commit point, then the events go out.

    with hall.uow() as uow:           # write: takes the hall lock
        ticket = uow.tickets.by_token(token)
        ...
        uow.commit()                  # stores the events in the visit log, commits
    # after the block: the events are published (engine → bus → sockets → screens)

Nothing is written unless commit() is called; routes and socket handlers never commit.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable, Optional

from sqlalchemy.orm import Session

from ..domain.model import Event
from . import tables
from .database import Database
from .repository import Repository
from .users import Users

log = logging.getLogger("motcua.uow")


class UnitOfWork:
    def __init__(self, db: Database, on_commit: Optional[Callable[[list[Event], "UnitOfWork"], list]] = None,
                 publish: Optional[Callable[[list], None]] = None, write: bool = True):
        self.db, self.write = db, write
        self.on_commit, self.publish = on_commit, publish
        self.extra_events: list[Event] = []
        self.touched_services: set[str] = set()
        self.messages: list = []
        self.committed = False

    def __enter__(self) -> "UnitOfWork":
        if self.write:
            self.db.write_lock.acquire()
        try:
            self.session = Session(bind=self.db.writer if self.write else self.db.reader, expire_on_commit=False,
                                   autoflush=True)
            self.session.begin()
            if self.write:
                self.db.lock_hall(self.session.connection())
            self.repo = Repository(self.session, self.db)
        except BaseException:
            if self.write:
                self.db.write_lock.release()
            raise
        return self

    def __exit__(self, *exc):
        try:
            if not self.committed:
                self.session.rollback()
            self.session.close()
            if self.committed and self.publish and self.messages:
                try:
                    self.publish(self.messages)  # still under the process lock: messages leave in sequence order
                except Exception:  # committed is committed: the screens must not undo it (they resync)
                    log.exception("publishing seq %s failed", [m.get("seq") for m in self.messages])
        finally:
            if self.write:
                self.db.write_lock.release()

    @property
    def users(self) -> Users:
        """The hall's people and their sign-ins (hall/accounts.py), in this transaction."""
        return Users(self.session)

    def add_event(self, event: Event):
        self.extra_events.append(event)

    def _collect(self) -> Iterable[Event]:
        for obj in list(self.session.identity_map.values()) + list(self.session.new):
            for event in getattr(obj, "events", ()):
                yield event
            if hasattr(obj, "events"):
                obj.events = []
        yield from self.extra_events
        self.extra_events = []

    def flush(self):
        self.session.flush()

    def commit(self):
        self.session.flush()
        events = sorted(self._collect(), key=lambda e: e.order)
        if events:
            rows = [{"at": e.at, "kind": e.kind, "ticket_id": e.ticket_id, "visit_id": e.visit_id,
                     "service": e.service, "counter": e.counter, "clerk": e.clerk, "data": e.data} for e in events]
            # the log's ids are the sequence numbers, in the order the events happened
            for event, seq in zip(events, self.db.insert_rows(self.session.connection(), tables.events, rows)):
                event.seq = seq
        if self.on_commit:
            self.messages = self.on_commit(events, self)
        self.session.commit()
        self.committed = True
