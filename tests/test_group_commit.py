"""Group commit: kiosks that ask while the hall is writing are served together, in one transaction — and each gets
exactly what it would have got alone (hall/group_commit.py, Hall._issue_batch)."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from hall import supervision
from hall.bootstrap import bootstrap
from hall.db import tables
from hall.db.uow import UnitOfWork
from hall.domain.errors import Closed
from hall.group_commit import GroupCommit, Order

SERVICE = "KHDT.DN"


class Job(Order):
    def __init__(self, value):
        self.value = value


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def submit_all(gc: GroupCommit, orders: list, results: dict):
    def one(order):
        try:
            results[order] = gc.submit(order)
        except Exception as exc:  # noqa: BLE001 — the test looks at it
            results[order] = exc
    threads = [threading.Thread(target=one, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    return threads


def held(gc: GroupCommit, orders: list, results: dict):
    """Submit these orders while the batch lock is held, so they all wait; then let them go (one batch)."""
    gc.lock.acquire()
    threads = submit_all(gc, orders, results)
    wait_until(lambda: len(gc.pending) == len(orders))
    gc.lock.release()
    for t in threads:
        t.join(10)
    return results


# --- the mechanism -----------------------------------------------------------------------------
def test_callers_who_arrive_during_a_batch_are_served_together_by_the_next():
    first_started, seen = threading.Event(), []

    def work(batch):
        seen.append([o.value for o in batch])
        if batch[0].value == 0:
            first_started.set()
            wait_until(lambda: len(gc.pending) == 10)  # ten more arrive while this one is being written
        for o in batch:
            o.done(o.value * 2)

    gc, results = GroupCommit(work), {}
    first = submit_all(gc, [Job(0)], results)
    first_started.wait(5)
    later = submit_all(gc, [Job(i) for i in range(1, 11)], results)
    for t in first + later:
        t.join(10)
    assert seen[0] == [0] and sorted(seen[1]) == list(range(1, 11)) and len(seen) == 2
    assert (gc.batches, gc.largest) == (2, 10)
    assert {o.value: r for o, r in results.items()} == {i: 2 * i for i in range(11)}


def test_one_order_failing_leaves_the_others_in_its_batch_served():
    def work(batch):
        for o in batch:
            o.fail(Closed("closed")) if o.value % 2 else o.done(o.value)

    gc, results = GroupCommit(work), {}
    held(gc, [Job(i) for i in range(6)], results)
    assert gc.batches == 1
    for o, r in results.items():
        assert isinstance(r, Closed) if o.value % 2 else r == o.value


def test_a_failed_batch_fails_everyone_not_yet_answered_and_the_next_batch_works():
    calls = []

    def work(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise OSError("disk I/O error")  # the transaction failed before anyone was answered
        if len(calls) == 2:
            for o in batch[:2]:
                o.done("committed")  # answered only once final …
            raise RuntimeError("sending to the screens failed")  # … so a later failure can't take it back
        for o in batch:
            o.done("ok")

    gc = GroupCommit(work)
    results = held(gc, [Job(i) for i in range(5)], {})
    assert len(results) == 5 and all(isinstance(r, OSError) for r in results.values())
    orders = [Job(i) for i in range(5)]
    results = held(gc, orders, {})
    answered = [results[o] for o in orders if results[o] == "committed"]
    assert len(answered) == 2 and sum(isinstance(r, RuntimeError) for r in results.values()) == 3
    assert gc.submit(Job(9)) == "ok"


def test_a_ticket_committed_before_the_screens_fail_keeps_its_number(cfg, clock, tmp_path):
    def broken(messages):
        raise ConnectionError("message queue down")
    hall = bootstrap(cfg, db_url=f"sqlite:///{tmp_path / 'hall.db'}", clock=clock, publish=broken)
    ticket = hall.issue_ticket(SERVICE)
    assert ticket["number"] == "K001"
    hall.publish.send_to(None)
    assert hall.ticket_status(ticket["id"])["number"] == "K001"
    hall.db.dispose()


# --- issuing tickets in a batch, on the real database --------------------------------------------
def test_a_batch_numbers_and_places_tickets_as_if_issued_one_by_one(hall):
    hall.issue_ticket(SERVICE)  # one already waiting
    priorities = [None, "elderly", None, None, "disability", None, "elderly", None]
    orders, results = [], {}
    from hall.operations import TicketOrder
    for p in priorities:
        orders.append(TicketOrder(hall.services[SERVICE], p, "kiosk"))
    held(hall._issuing, orders, results)
    assert hall._issuing.batches == 2  # the first ticket's, then all eight together
    tickets = sorted(results.values(), key=lambda t: t["number"])
    assert [t["number"] for t in tickets] == [f"K00{i}" for i in range(2, 10)]
    issued = [("normal", None)]  # (class, ...) of everyone before, in order of arrival
    for t in tickets:
        expected = sum(1 for cls, _ in issued if cls == "priority") if t["priority"] else len(issued)
        assert t["people_ahead"] == expected, t
        issued.append(("priority" if t["priority"] else "normal", t["number"]))
        if t["priority"]:  # later arrivals don't overtake a priority ticket: the live figure agrees
            assert hall.ticket_status(t["id"])["people_ahead"] == expected
    with hall.uow(write=False) as uow:
        rows = uow.session.execute(select(tables.events.c.id, tables.events.c.data)
                                   .where(tables.events.c.kind == "issued").order_by(tables.events.c.id)).all()
    assert [r.data["number"] for r in rows] == [f"K00{i}" for i in range(1, 10)]
    assert [r.data["people_ahead"] for r in rows[1:]] == [t["people_ahead"] for t in tickets]


def test_a_closed_service_in_a_batch_refuses_only_its_own_orders(hall):
    from hall.operations import TicketOrder
    supervision.set_service_open(hall, "KHDT.DT", False, "supervisor")
    orders = [TicketOrder(hall.services[s], None, "kiosk") for s in (SERVICE, "KHDT.DT", SERVICE, "KHDT.DT")]
    results = held(hall._issuing, orders, {})
    assert [type(results[o]).__name__ for o in orders] == ["dict", "Closed", "dict", "Closed"]
    assert [results[o]["number"] for o in orders[::2]] == ["K001", "K002"]
    with hall.uow(write=False) as uow:
        assert uow.session.execute(select(tables.tickets.c.number).order_by(tables.tickets.c.id)).scalars().all() \
            == ["K001", "K002"]


class FailingCommit(UnitOfWork):
    """A unit of work whose commit fails at the end, as a full disk would make it."""

    def commit(self):
        self.session.flush()
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))


def test_a_database_failure_loses_the_whole_batch_and_writes_nothing(hall):
    from hall.operations import Hall, TicketOrder
    failing = Hall(hall.cfg, clock=hall.clock, db=hall.db, publish=hall.publish,
                   unit_of_work=lambda write=True, **kw: (FailingCommit if write else UnitOfWork)(hall.db, write=write,
                                                                                                  **kw))
    orders = [TicketOrder(failing.services[SERVICE], None, "kiosk") for _ in range(4)]
    results = held(failing._issuing, orders, {})
    assert all(isinstance(r, OperationalError) for r in results.values())
    with hall.uow(write=False) as uow:
        assert uow.session.execute(select(tables.tickets.c.id)).first() is None
    assert hall.issue_ticket(SERVICE)["number"] == "K001"  # the numbers that batch would have had are still free


@pytest.mark.parametrize("kiosks", [24])
def test_kiosks_at_once_share_transactions_and_never_share_a_number(hall, kiosks):
    results, barrier = [None] * kiosks, threading.Barrier(kiosks)

    def kiosk(i):
        barrier.wait()
        results[i] = [hall.issue_ticket(SERVICE)["number"] for _ in range(5)]
    threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(kiosks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    numbers = [n for r in results for n in r]
    assert sorted(numbers) == [f"K{i:03d}" for i in range(1, kiosks * 5 + 1)]
    assert hall._issuing.batches < len(numbers)  # some were served together
