"""Numbers that never refuse a citizen (hall/domain/numbering.py): each service counts through its range, then goes
round skipping numbers still held today, and past every range of its prefix only while the whole range is held.

A property test drives random days through the service layer (over the in-memory store) with tiny ranges, so the
numbers go round many times; the same promise is then checked through the HTTP API on SQLite.
"""
from datetime import datetime
from pathlib import Path

import yaml

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from fakes import fake_hall
from hall.clock import FixedClock
from hall.config import load_config, parse_config
from hall.domain.errors import QueueError
from hall.domain.numbering import HOLDING, BatchNumbers, NumberRange, number_ranges

ROOT = Path(__file__).resolve().parent.parent
CFG = load_config()
SMALL = {"TP.LLTP": (1, 5), "TP.HTQT": (6, 8)}   # prefix P; TP.BTTP keeps 600–899, so overflow starts at P1000


def small_ranges():
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    raw["catalogue"] = str(ROOT / raw.get("catalogue", "procedures.yaml"))
    for unit in raw["units"]:
        for svc in unit["services"]:
            if svc["code"] in SMALL:
                svc["start"], svc["end"] = SMALL[svc["code"]]
    return parse_config(yaml.safe_dump(raw, allow_unicode=True), str(ROOT / "config.yaml"))


SMALL_CFG = small_ranges()


# --- the range itself ----------------------------------------------------------------------------
def test_first_round_then_round_from_the_last_number_given():
    numbers = NumberRange("P", 1, 5, spare_from=1000)
    assert [numbers.first_round(s) for s in (1, 5, 6)] == ["P001", "P005", None]
    assert numbers.next_after("P005", held={"P002"}) == "P001"
    assert numbers.next_after("P002", held={"P003", "P004"}) == "P005"
    assert numbers.next_after("P004", held={"P005", "P001", "P002", "P003", "P004"}) == "P1000"
    assert numbers.next_after("P1000", held={"P001", "P1000"}) == "P002"   # back into the range when one is free


def test_overflow_starts_past_every_range_of_the_prefix():
    ranges = number_ranges(CFG.services.values())
    assert ranges["TP.LLTP"].spare_from == 1000
    assert ranges["TP.LLTP"].format(1000) == "P1000"


def test_a_batch_counts_what_it_gave_itself():
    """Two services of one prefix going past their ranges in the same batch never share a number."""
    ranges = {"A": NumberRange("P", 1, 2, 1000), "B": NumberRange("P", 3, 4, 1000)}
    asked = []

    def state(services):
        asked.append(services)
        return {"A": "P002", "B": "P004"}, {"P001", "P002", "P003", "P004"}
    batch = BatchNumbers(ranges, {"A": 2, "B": 2}, state)
    assert [batch.next(s)[1] for s in ("A", "B", "A")] == ["P1000", "P1001", "P1002"]
    assert asked == [["A", "B"]]   # the store is asked once per prefix and batch


# --- random days through the service layer -------------------------------------------------------
class NumberingDay(RuleBasedStateMachine):
    @initialize()
    def open_hall(self):
        self.cfg = SMALL_CFG
        self.ranges = number_ranges(self.cfg.services.values())
        self.hall = fake_hall(self.cfg, FixedClock(datetime(2026, 11, 26, 9, 0)))
        for n in (7, 8, 9):
            self.hall.sign_in(n, f"clerk{n}")
        self.tokens = []

    def held(self, service=None) -> list[dict]:
        out = [self.hall.ticket_status(t) for t in self.tokens]
        return [t for t in out if t["state"] in HOLDING and (service is None or t["service"] == service)]

    @rule(service=st.sampled_from(sorted(SMALL)))
    def issue(self, service):
        r = self.ranges[service]
        held = {t["number"] for t in self.held()}
        range_full = all(r.format(n) in held for n in range(r.start, r.end + 1))
        ticket = self.hall.issue_ticket(service)          # never refused
        self.tokens.append(ticket["id"])
        n = r.value(ticket["number"])
        assert ticket["number"] not in held, "a number still held was handed out again"
        assert (r.start <= n <= r.end) != range_full, (ticket["number"], range_full)

    @precondition(lambda self: self.tokens)
    @rule(data=st.data())
    def cancel(self, data):
        try:
            self.hall.cancel(data.draw(st.sampled_from(self.tokens)), "về")
        except QueueError as exc:
            assert exc.code == "invalid_state"

    @rule(counter=st.sampled_from([7, 8, 9]), outcome=st.sampled_from(["finish", "no_show"]))
    def serve(self, counter, outcome):
        try:
            self.hall.call_next(counter)
        except QueueError as exc:
            assert exc.code == "queue_empty"
            return
        getattr(self.hall, outcome)(counter)

    @invariant()
    def held_numbers_are_unique(self):
        if hasattr(self, "hall"):
            numbers = [t["number"] for t in self.held()]
            assert len(numbers) == len(set(numbers))


NumberingDay.TestCase.settings = settings(max_examples=40, stateful_step_count=40, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
test_numbering_day = NumberingDay.TestCase


# --- through the API -------------------------------------------------------------------------------
def test_the_300th_ticket_of_a_service_is_issued_through_the_api(api, client, kiosk, sign_in, cfg):
    svc = cfg.services["TP.LLTP"]
    first = [client.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk)
             for _ in range(svc.end - svc.start + 1)]
    assert {r.status_code for r in first} == {201}
    clerk = sign_in(7)
    assert client.post("/api/counters/7/call", json={"ticket": "P001"}, headers=clerk).status_code == 200
    assert client.post("/api/counters/7/finish", json={}, headers=clerk).status_code == 200
    r = client.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk)
    assert r.status_code == 201 and r.json["number"] == "P001"
    r = client.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk)
    assert r.status_code == 201 and r.json["number"] == "P1000"   # all of P002–P299 still wait
    called = client.post("/api/counters/7/call", json={"ticket": "P001"}, headers=clerk)
    assert called.status_code == 200 and called.json["id"] != first[0].json["id"]
