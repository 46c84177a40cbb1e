"""The queue engine's rules, one by one: the domain objects and the service layer over an in-memory store."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from hall.domain import estimate
from hall.domain.calling import Head, choose_next
from hall.domain.errors import Closed, Conflict, Forbidden, InvalidTransition, QueueEmpty, QueueError
from hall.domain.hours import issuing_state
from hall.domain.model import Ticket, format_number
from fakes import fake_hall

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)  # 09:00 in Lai Châu


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def head(i, service="A", priority=False, minute=0):
    return Head(i, service, priority, at(minute))


@pytest.fixture
def h(cfg, clock):
    hall = fake_hall(cfg, clock)
    for c in cfg.counters:
        hall.sign_in(c.number, f"clerk{c.number}")
    return hall


# --- call order ------------------------------------------------------------------------------
def test_priority_first_within_the_ratio():
    heads = [head(1, minute=0), head(2, priority=True, minute=5)]
    assert choose_next(["A"], heads, streak=0, ratio=2) == (heads[1], 1)
    assert choose_next(["A"], heads, streak=1, ratio=2) == (heads[1], 2)
    assert choose_next(["A"], heads, streak=2, ratio=2) == (heads[0], 0)  # the regular line gets its turn


def test_priority_keeps_coming_when_nobody_else_waits():
    heads = [head(2, priority=True)]
    assert choose_next(["A"], heads, streak=5, ratio=2) == (heads[0], 6)


def test_services_in_the_counters_order_of_preference():
    heads = [head(1, "B", minute=0), head(2, "A", minute=9)]
    assert choose_next(["A", "B"], heads, 0, 2)[0].ticket_id == 2
    assert choose_next(["B", "A"], heads, 0, 2)[0].ticket_id == 1
    assert choose_next(["C"], heads, 0, 2) == (None, 0)


def test_first_come_first_served_inside_a_line():
    heads = [head(3, minute=2), head(1, minute=1)]
    assert choose_next(["A"], heads, 0, 2)[0].ticket_id == 1


# --- tickets ---------------------------------------------------------------------------------
def ticket():
    return Ticket("tok", date(2026, 11, 26), "A", 1, "A001", at(0), id=1)


def test_a_ticket_walks_through_its_visit():
    t = ticket()
    visit = t.call(3, "lan", at(1))
    assert (t.state, t.counter, visit.nth) == ("called", 3, 1)
    t.start(visit, at(2))
    t.finish(visit, at(7))
    assert (t.state, visit.outcome, visit.started_at, visit.ended_at) == ("done", "done", at(2), at(7))
    assert [e.kind for e in t.events] == ["started", "finished"]


@pytest.mark.parametrize("action", ["start", "finish", "recall", "no_show"])
def test_a_waiting_ticket_cannot_be_served_before_it_is_called(action):
    t = ticket()
    visit = t.call(1, None, at(1))
    t.finish(visit, at(2))
    with pytest.raises(InvalidTransition, match="A001"):
        args = {"no_show": (visit, at(3), timedelta(0))}.get(action, (visit, at(3)))
        getattr(t, action)(*args)


def test_no_show_grace_period():
    t = ticket()
    visit = t.call(1, None, at(1))
    t.no_show(visit, at(2), timedelta(minutes=10))
    assert t.in_grace(at(11)) and not t.in_grace(at(13))
    t.come_back(at(5))
    assert t.state == "waiting" and t.issued_at == at(0)
    visit = t.call(1, None, at(6))
    t.no_show(visit, at(7), timedelta(minutes=10))
    with pytest.raises(InvalidTransition, match="grace period is over"):
        t.come_back(at(30))
    with pytest.raises(InvalidTransition, match="grace period is over"):
        t.call(1, None, at(30))


def test_a_transfer_keeps_the_arrival_time_and_the_chain():
    t = ticket()
    v1 = t.call(1, None, at(1))
    t.start(v1, at(2))
    t.transfer(v1, at(5), "B", 7, "cần hồ sơ đất")
    assert (t.state, t.service, t.target_counter, t.issued_at) == ("waiting", "B", 7, at(0))
    assert v1.outcome == "transferred"
    with pytest.raises(InvalidTransition, match="transferred to counter 7"):
        t.call(8, None, at(6))
    v2 = t.call(7, None, at(6))
    assert v2.nth == 2


def test_numbers_are_padded():
    assert format_number("P", 7) == "P007"
    assert format_number("", 1005, 4) == "1005"


# --- hours and estimates -------------------------------------------------------------------
def test_opening_hours(cfg, clock):
    hours = cfg.hours
    local = clock.local()
    assert issuing_state(hours, local.replace(hour=9))[0]
    assert not issuing_state(hours, local.replace(hour=12))[0]
    closing = datetime.combine(local.date(), hours.sessions[0].end, local.tzinfo) - timedelta(minutes=5)
    assert issuing_state(hours, closing) == (False, f"Đã hết giờ lấy số buổi {hours.sessions[0].name}")
    saturday = local.replace(hour=9) + timedelta(days=2)
    assert issuing_state(hours, saturday) == (False, "Hôm nay Trung tâm không làm việc")
    assert not issuing_state(hours, datetime.combine(hours.holidays[0], time(9), local.tzinfo))[0]


def test_estimate_leans_on_the_configured_time_until_there_is_data():
    assert estimate.mean_service_s([], 600) == 600
    assert 300 < estimate.mean_service_s([300] * 50, 600) < 330
    assert estimate.estimated_wait_s(4, 600, 2) == 1200
    assert estimate.estimated_wait_s(0, 600, 2) == 0
    assert estimate.estimated_wait_s(1, 100, 1) == 120  # rounded up to half minutes


# --- the service layer over the fake store -----------------------------------------------------
def test_numbers_run_per_service_per_day_and_restart(h, clock):
    a = [h.issue_ticket("TP.LLTP")["number"] for _ in range(3)]
    b = h.issue_ticket("TP.HTQT")["number"]
    assert a == ["P001", "P002", "P003"] and b == "P300"
    clock.advance(days=1)
    assert h.issue_ticket("TP.LLTP")["number"] == "P001"


def test_a_used_up_range_goes_round_skipping_numbers_still_held(h, cfg):
    """The 300th ticket of the day is not refused: P001 again once its ticket is done, never a number held."""
    svc = cfg.services["TP.LLTP"]
    first = [h.issue_ticket("TP.LLTP") for _ in range(svc.end - svc.start + 1)]
    assert first[-1]["number"] == "P299"
    h.call_ticket(7, None, "P001")
    h.finish(7)                                  # P001 is done: its number is free again
    h.cancel(first[2]["id"], "về")               # P003 too; P002 still waits
    again = [h.issue_ticket("TP.LLTP")["number"] for _ in range(2)]
    assert again == ["P001", "P003"]
    assert h.ticket_status(first[1]["id"])["number"] == "P002"
    assert h.call_ticket(7, None, "P001")["id"] != first[0]["id"]   # a clerk calling P001 gets the live one


def test_when_the_whole_range_is_held_numbers_go_on_past_every_range_of_the_prefix(h, cfg):
    svc = cfg.services["TP.LLTP"]
    for _ in range(svc.end - svc.start + 1):
        h.issue_ticket("TP.LLTP")
    assert [h.issue_ticket("TP.LLTP")["number"] for _ in range(2)] == ["P1000", "P1001"]
    ticket = h.call_ticket(7, None, "P005")
    h.finish(7)
    assert h.issue_ticket("TP.LLTP")["number"] == "P005"    # back in the range as soon as a number is free
    assert ticket["number"] == "P005"


def test_bad_input_is_named(h):
    with pytest.raises(QueueError, match="unknown service 'XX'"):
        h.issue_ticket("XX")
    with pytest.raises(QueueError, match="unknown priority category 'vip'"):
        h.issue_ticket("TP.LLTP", "vip")
    with pytest.raises(QueueError, match="unknown channel"):
        h.issue_ticket("TP.LLTP", channel="fax")


def test_outside_opening_hours(h, clock):
    clock.advance(hours=3)  # 12:00
    with pytest.raises(Closed, match="Ngoài giờ làm việc"):
        h.issue_ticket("TP.LLTP")


def test_people_ahead_and_estimated_wait(h, cfg):
    tickets = [h.issue_ticket("TP.LLTP") for _ in range(4)]
    assert [t["people_ahead"] for t in tickets] == [0, 1, 2, 3]
    elderly = h.issue_ticket("TP.LLTP", "elderly")
    assert elderly["people_ahead"] == 0
    assert h.ticket_status(tickets[0]["id"])["people_ahead"] == 1
    counters = len([c for c in cfg.counters if "TP.LLTP" in c.services])
    mean = cfg.services["TP.LLTP"].avg_service_min * 60
    assert tickets[3]["estimated_wait_s"] == estimate.estimated_wait_s(3, mean, counters)


def test_call_start_finish_and_the_events(h):
    t = h.issue_ticket("TP.LLTP")
    called = h.call_next(7, "clerk7")
    assert called["number"] == t["number"] and called["state"] == "called" and called["counter"] == 7
    h.start(7)
    done = h.finish(7)
    assert done["state"] == "done"
    kinds = [m["type"] for m in h.store.published]
    assert kinds[-4:] == ["issued", "called", "started", "finished"]
    call = next(m for m in h.store.published if m["type"] == "called")
    assert call["announce"] == f"Mời công dân có số thứ tự {t['number']} đến quầy số 7"
    assert call["queue"][0]["service"] == "TP.LLTP" and call["queue"][0]["waiting"] == 0


def test_counter_rules(h):
    with pytest.raises(QueueEmpty):
        h.call_next(7)
    h.issue_ticket("TP.LLTP")
    h.issue_ticket("TP.LLTP")
    h.call_next(7)
    with pytest.raises(InvalidTransition, match="still busy"):
        h.call_next(7)
    h.pause(8, "họp giao ban")
    with pytest.raises(Closed, match="paused"):
        h.call_next(8)
    h.resume(8)
    h.sign_out(9)
    with pytest.raises(Closed, match="sign in first"):
        h.call_next(9)
    with pytest.raises(Conflict, match="taken by"):
        h.sign_in(8, "someone_else")


def test_call_a_specific_number_and_other_units_tickets(h):
    h.issue_ticket("TP.LLTP")
    second = h.issue_ticket("TP.LLTP")
    assert h.call_ticket(7, None, second["number"].lower())["id"] == second["id"]
    h.finish(7)
    other = h.issue_ticket(next(iter(h.cfg.units[0].services)).code)
    with pytest.raises(Forbidden, match="does not serve"):
        h.call_ticket(7, None, other["number"])


def test_no_show_then_come_back_keeps_the_place(h, clock):
    first = h.issue_ticket("TP.LLTP")
    second = h.issue_ticket("TP.LLTP")
    h.call_next(7)
    h.no_show(7)
    h.come_back(first["id"])
    assert h.call_next(8)["id"] == first["id"]  # still ahead of the second
    assert h.ticket_status(second["id"])["people_ahead"] == 0


def test_transfer_to_another_unit_keeps_arrival(h, cfg, clock):
    early = h.issue_ticket("TP.LLTP")
    clock.advance(minutes=5)
    land = cfg.units[5].services[0].code
    waiting = h.issue_ticket(land)
    h.call_next(7)
    h.start(7)
    moved = h.transfer(7, service=land, note="đất đai")
    assert moved["service"] == land and moved["state"] == "waiting"
    counter = next(c.number for c in cfg.counters if land in c.services)
    assert h.call_next(counter)["id"] == early["id"]  # arrived first, so first in the new line
    assert [v["service"] for v in h.ticket_status(early["id"])["visits"]] == ["TP.LLTP", land]
    assert h.ticket_status(waiting["id"])["people_ahead"] == 0


def test_transfer_needs_a_real_target(h):
    h.issue_ticket("TP.LLTP")
    h.call_next(7)
    with pytest.raises(QueueError, match="say where"):
        h.transfer(7)
    with pytest.raises(QueueError, match="no counter 99"):
        h.transfer(7, counter=99)
    with pytest.raises(QueueError, match="unknown unit"):
        h.transfer(7, unit="NOPE")


def test_a_failed_action_changes_nothing(h):
    t = h.issue_ticket("TP.LLTP")
    before = len(h.store.log)
    with pytest.raises(InvalidTransition):
        h.start(7)  # nothing called yet
    assert len(h.store.log) == before
    assert h.ticket_status(t["id"])["state"] == "waiting"


def test_cancel_frees_the_counter(h):
    t = h.issue_ticket("TP.LLTP")
    h.call_next(7)
    assert h.cancel(t["id"], "công dân về")["state"] == "cancelled"
    h.issue_ticket("TP.LLTP")
    assert h.call_next(7)["state"] == "called"


def test_close_day_cancels_yesterdays_open_tickets(h, clock):
    called = h.issue_ticket("TP.LLTP")
    waiting = h.issue_ticket("TP.LLTP")
    assert h.call_next(7)["id"] == called["id"]
    clock.advance(days=1)
    assert h.close_day() == 2
    assert h.ticket_status(waiting["id"])["state"] == "cancelled"
    assert h.ticket_status(called["id"])["state"] == "cancelled"
    visit = h.ticket_status(called["id"])["visits"][-1]
    assert visit["outcome"] == "cancelled" and visit["ended_at"] is not None  # the open visit ended too
    h.issue_ticket("TP.LLTP")
    assert h.call_next(7)["number"] == "P001"  # the counter let go of yesterday's ticket


def test_numbering_continues_after_the_last_ticket_is_transferred_away(h):
    first = h.issue_ticket("TP.LLTP")
    h.call_next(7)
    h.transfer(7, service="TP.HTQT")
    assert h.issue_ticket("TP.LLTP")["number"] == "P002"  # not P001 again
    assert h.issue_ticket("TP.HTQT")["number"] == "P300"
    assert h.ticket_status(first["id"])["number"] == "P001"
