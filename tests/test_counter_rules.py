"""The server decides, the clients display (issue 17 point 4): a counter's allowed actions and a line's lateness
come from the hall, computed by the rule the service layer itself enforces."""
from __future__ import annotations

from datetime import timedelta

import pytest

from api_checks import quick_passwords
from conftest import ROOT, fresh_db
from fakes import fake_hall
from hall import views
from hall.domain import actions
from hall.domain.errors import QueueError

COUNTER, SERVICE, OTHER_SERVICE = 7, "TP.LLTP", "TP.HTQT"

# how to bring counter 7 into each situation (after two tickets were issued for its service)
SITUATIONS = {
    "closed": [],
    "open, idle": ["sign_in"],
    "open, called": ["sign_in", "next"],
    "open, serving": ["sign_in", "next", "start"],
    "paused, idle": ["sign_in", "pause"],
    "paused, called": ["sign_in", "next", "pause"],
    "paused, serving": ["sign_in", "next", "start", "pause"],
}
EXPECTED = {  # what a person reading the rule expects; the test below checks the server agrees with itself
    "closed": [],
    "open, idle": ["next", "call", "pause"],
    "open, called": ["recall", "start", "finish", "no-show", "transfer", "pause"],
    "open, serving": ["finish", "transfer", "pause"],
    "paused, idle": ["resume"],
    "paused, called": ["recall", "start", "finish", "no-show", "transfer", "resume"],
    "paused, serving": ["finish", "transfer", "resume"],
}


def do(hall, action: str, waiting_number: str):
    n = COUNTER
    return {"sign_in": lambda: hall.sign_in(n, "lan"), "next": lambda: hall.call_next(n, "lan"),
            "call": lambda: hall.call_ticket(n, "lan", waiting_number), "recall": lambda: hall.recall(n),
            "start": lambda: hall.start(n), "finish": lambda: hall.finish(n), "no-show": lambda: hall.no_show(n),
            "transfer": lambda: hall.transfer(n, service=OTHER_SERVICE), "pause": lambda: hall.pause(n, "họp"),
            "resume": lambda: hall.resume(n)}[action]()


def situation(cfg, clock, steps):
    hall = fake_hall(cfg, clock)
    waiting = [hall.issue_ticket(SERVICE)["number"] for _ in range(2)]
    for step in steps:
        do(hall, step, waiting[-1])
    return hall, waiting[-1]


def listed(hall) -> list[str]:
    with hall.uow(write=False) as uow:
        return next(c for c in views.snapshot(hall, uow)["counters"] if c["number"] == COUNTER)["actions"]


@pytest.mark.parametrize("name", SITUATIONS)
def test_the_actions_listed_are_exactly_the_actions_accepted(cfg, clock, name):
    hall, _ = situation(cfg, clock, SITUATIONS[name])
    shown = listed(hall)
    assert shown == EXPECTED[name]
    for action in actions.ACTIONS:
        hall, waiting = situation(cfg, clock, SITUATIONS[name])  # each try on its own copy of the situation
        try:
            do(hall, action, waiting)
            accepted = True
        except QueueError as refused:
            accepted = False
            why = refused
        assert accepted == (action in shown), f"{name}: '{action}' {'accepted' if accepted else why} but " \
                                              f"{'' if action in shown else 'not '}listed"


@pytest.mark.parametrize("name", [n for n in SITUATIONS if n != "closed"])
def test_each_message_about_a_counter_carries_its_actions(cfg, clock, name):
    hall, _ = situation(cfg, clock, SITUATIONS[name])
    last = [m for m in hall.store.published if m.get("counter") == COUNTER][-1]
    assert last["counter_state"] == {"state": name.split(",")[0], "actions": listed(hall)}


def test_the_answer_to_a_counter_change_carries_its_actions(cfg, clock):
    hall, _ = situation(cfg, clock, ["sign_in", "next"])
    paused = hall.pause(COUNTER, "họp giao ban")
    assert paused["state"] == "paused" and paused["ticket"]["state"] == "called"
    assert paused["actions"] == EXPECTED["paused, called"]


def test_an_unknown_action_is_refused_by_name(cfg, clock):
    hall, _ = situation(cfg, clock, ["sign_in"])
    with hall.uow(write=False) as uow:
        counter = uow.repo.counter(COUNTER)
    with pytest.raises(QueueError, match="unknown counter action 'dance'"):
        actions.require("dance", counter, None)


# --- over HTTP: the panel's own source of truth -------------------------------------------------------------
def test_a_paused_counter_may_finish_and_says_so(api, client, kiosk, sign_in, monkeypatch):
    quick_passwords(monkeypatch)
    clerk = sign_in(COUNTER)
    assert client.post("/api/tickets", json={"service": SERVICE}, headers=kiosk).status_code == 201
    assert client.post(f"/api/counters/{COUNTER}/next", json={}, headers=clerk).status_code == 200
    assert client.post(f"/api/counters/{COUNTER}/pause", json={"reason": "họp"}, headers=clerk).status_code == 200
    shown = client.get(f"/api/counters/{COUNTER}").get_json()["actions"]
    assert "finish" in shown and "no-show" in shown and "next" not in shown
    api.refused("POST", f"/api/counters/{COUNTER}/next", 409, "paused", headers=clerk)
    assert client.post(f"/api/counters/{COUNTER}/finish", json={}, headers=clerk).status_code == 200
    assert client.get(f"/api/counters/{COUNTER}").get_json()["actions"] == ["resume"]


# --- lateness -----------------------------------------------------------------------------------------------
def queue_of(hall, code):
    with hall.uow(write=False) as uow:
        return next(q for q in views.snapshot(hall, uow)["queues"] if q["service"] == code)


def test_a_line_is_late_once_its_first_ticket_waited_past_the_target(cfg, clock):
    hall = fake_hall(cfg, clock)
    target = cfg.services[SERVICE].target_wait_min
    empty = queue_of(hall, SERVICE)
    assert empty["late"] is False and empty["late_at"] is None
    first = hall.issue_ticket(SERVICE)
    issued_at = clock.now()
    q = queue_of(hall, SERVICE)
    assert q["late"] is False and q["late_at"] == clock.iso(issued_at + timedelta(minutes=target))
    clock.advance(minutes=target)
    assert queue_of(hall, SERVICE)["late"] is False      # exactly at the target: not yet
    status = hall.ticket_status(first["id"])
    assert status["late"] is False and status["late_at"] == q["late_at"]
    clock.advance(seconds=1)
    assert queue_of(hall, SERVICE)["late"] is True
    assert hall.ticket_status(first["id"])["late"] is True
    hall.sign_in(COUNTER, "lan")
    hall.call_next(COUNTER, "lan")
    called = hall.ticket_status(first["id"])
    assert called["late"] is False and called["late_at"] is None  # lateness is about waiting
    assert queue_of(hall, SERVICE)["late_at"] is None



# --- people ahead: one rule (domain/waiting.py), the same count from the fakes, SQLite and PostgreSQL ----------
@pytest.fixture(params=["fakes", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_hall(request, cfg, clock, tmp_path, migrated_db):
    if request.param == "fakes":
        yield fake_hall(cfg, clock)
        return
    from hall.bootstrap import bootstrap
    url = fresh_db(migrated_db, tmp_path) if request.param == "sqlite" else request.getfixturevalue("pg_url")
    hall = bootstrap(cfg, config_path=str(ROOT / "config.yaml"), db_url=url, clock=clock, migrate=True)
    yield hall
    hall.db.dispose()


def test_people_ahead_is_the_same_when_issued_and_while_waiting(any_hall, clock):
    kinds = [None, "elderly", None, None, "disabled", None, "elderly"]
    issued = []
    for priority in kinds:
        issued.append(any_hall.issue_ticket(SERVICE, priority=priority))
        clock.advance(seconds=30)
    # priority tickets wait behind the earlier priority ones; the others behind every priority ticket and the
    # others that came earlier
    expected = [sum(1 for q in kinds[:i] if q) if p else
                sum(1 for q in kinds if q) + sum(1 for q in kinds[:i] if not q) for i, p in enumerate(kinds)]
    assert expected == [3, 0, 4, 5, 1, 6, 2]
    assert [any_hall.ticket_status(t["id"])["people_ahead"] for t in issued] == expected
    assert [t["people_ahead"] for t in issued] == [0, 0, 2, 3, 1, 5, 2]  # when issued, nobody came after them yet
