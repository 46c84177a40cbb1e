"""The kiosk's ticket desk (kiosk/desk.py) with a fake hall client and a fake printer: what the screen is told, what
the printer gets and what the hall hears about the printer — no server, no device, no window."""
from __future__ import annotations

import pytest

from drivers.printer import PrinterFault
from fakes import FakeHallClient, FakePrinter
from kiosk.client import Refused
from kiosk.desk import TicketDesk

TIMEOUT_S = 30  # the desk's one worker thread: each future is awaited, never slept for


@pytest.fixture
def client(cfg):
    return FakeHallClient(cfg)


@pytest.fixture
def printer():
    return FakePrinter()


@pytest.fixture
def desk(client, printer, cfg):
    desk = TicketDesk(client, printer, cfg.centre, retry_pauses_s=(0, 0))
    yield desk
    desk.close()


def told(desk) -> list[tuple]:
    """Everything the desk put in its outbox for the screen so far."""
    out = []
    while not desk.outbox.empty():
        out.append(desk.outbox.get_nowait())
    return out


def test_a_ticket_is_issued_then_printed_and_the_hall_hears_the_printer_is_fine(desk, client, printer):
    desk.take("TP.LLTP", "elderly").result(TIMEOUT_S)
    (issued, printed) = told(desk)
    ticket = client.issued[0]
    assert issued == ("issued", ticket, None) and ticket["priority"] == "elderly"
    assert printed[0] == "printed" and printed[1] is ticket and printed[2].ok and printed[2].bytes > 0
    assert printer.jobs == [(ticket["number"], printed[2].bytes)]
    assert client.reports == [(None, None)] and desk.fault is None  # the state at start was unknown: told once
    desk.take("TP.LLTP").result(TIMEOUT_S)
    assert len(printer.jobs) == 2 and client.reports == [(None, None)]  # no change, nothing more to say


def test_paper_out_before_issuing_still_gives_a_number_and_reports_the_fault_with_it(desk, client, printer):
    printer.fault = PrinterFault("paper_out")
    desk.take("TP.LLTP").result(TIMEOUT_S)
    (issued, printed) = told(desk)
    ticket = client.issued[0]
    assert issued[:2] == ("issued", ticket) and issued[2].code == "paper_out"
    assert not printed[2].ok and printed[2].fault.code == "paper_out" and printer.jobs == []
    assert client.reports == [("paper_out", ticket["id"])] and desk.fault.code == "paper_out"


def test_paper_low_prints_and_warns(desk, client, printer):
    printer.fault = PrinterFault("paper_low")
    desk.take("TP.LLTP").result(TIMEOUT_S)
    (_, printed) = told(desk)
    assert printed[2].ok and printed[2].fault.code == "paper_low" and len(printer.jobs) == 1
    assert client.reports == [("paper_low", client.issued[0]["id"])]


def test_a_printer_failing_mid_job_keeps_the_number(desk, client, printer):
    printer.fail_send = PrinterFault("cover_open")
    desk.take("TP.LLTP").result(TIMEOUT_S)
    (issued, printed) = told(desk)
    assert issued[2] is None and not printed[2].ok and printed[2].fault.code == "cover_open"
    assert client.reports == [("cover_open", client.issued[0]["id"])]


def test_a_driver_bug_is_a_disconnected_printer_not_a_lost_citizen(desk, client, printer):
    printer.fault = RuntimeError("usb: segfault-ish")
    desk.take("TP.LLTP").result(TIMEOUT_S)
    (issued, printed) = told(desk)
    assert issued[2].code == "disconnected" and "segfault" in issued[2].detail and not printed[2].ok
    assert client.reports == [("disconnected", client.issued[0]["id"])]


def test_refused_and_unreachable_print_nothing_and_say_why(desk, client, printer):
    client.refuse = Refused("closed", "Ngoài giờ làm việc", 409)
    desk.take("TP.LLTP").result(TIMEOUT_S)
    client.down = True
    desk.take("TP.LLTP").result(TIMEOUT_S)
    (refused, unreachable) = told(desk)
    assert refused[0] == "refused" and refused[1].code == "closed"
    assert unreachable[0] == "unreachable" and "ConnectionError" in unreachable[1]
    assert client.issued == [] and printer.jobs == [] and desk.last_ticket is None


# --- orders: one ticket per order, however often it is sent (docs/protocol.md, Idempotency-Key) ---------------------
def test_each_order_has_its_own_key_and_the_number_is_confirmed(desk, client):
    desk.take("TP.LLTP").result(TIMEOUT_S)
    desk.take("TP.LLTP").result(TIMEOUT_S)
    assert len(client.keys) == 2 and len(set(client.keys)) == 2 and None not in client.keys
    assert client.confirmed == [t["id"] for t in client.issued]
    assert client.calls.index("received") > client.calls.index("issue")


def test_an_unanswered_order_keeps_its_key_through_retries_and_the_next_touch(desk, client, printer):
    client.down = True
    desk.take("TP.LLTP").result(TIMEOUT_S)            # three tries, no answer
    assert [o[0] for o in told(desk)] == ["unreachable"] and len(client.keys) == 3
    desk.take("TP.LLTP").result(TIMEOUT_S)            # the citizen touches the same service again
    assert len(client.keys) == 6 and len(set(client.keys)) == 1
    client.down = False
    desk.take("TP.LLTP").result(TIMEOUT_S)            # the hall is back: the same order, at last answered
    assert client.keys[-1] == client.keys[0] and len(client.issued) == 1
    desk.take("TP.LLTP").result(TIMEOUT_S)            # answered: the next touch is a new order
    assert client.keys[-1] != client.keys[0] and len(client.issued) == 2


def test_another_service_is_another_order(desk, client):
    client.down = True
    desk.take("TP.LLTP").result(TIMEOUT_S)
    desk.take("TP.HTQT").result(TIMEOUT_S)
    assert len(set(client.keys[:3])) == 1 and len(set(client.keys[3:])) == 1 and client.keys[0] != client.keys[3]


def test_a_confirmation_that_did_not_get_through_is_sent_with_the_next_job(desk, client):
    real = client.received
    lost = [True]

    def received_once_lost(ticket_id):
        from kiosk.client import Unreachable
        if lost:
            lost.pop()
            raise Unreachable("POST /received: ConnectionError")
        return real(ticket_id)
    client.received = received_once_lost
    desk.take("TP.LLTP").result(TIMEOUT_S)
    assert client.confirmed == []
    desk.probe().result(TIMEOUT_S)
    assert client.confirmed == [client.issued[0]["id"]]


def test_reprint_the_last_ticket_or_one_asked_for(desk, client, printer):
    desk.reprint().result(TIMEOUT_S)
    assert told(desk) == [] and printer.jobs == []           # nothing issued here yet: nothing to reprint
    desk.take("TP.LLTP").result(TIMEOUT_S)
    desk.take("KHDT.DN").result(TIMEOUT_S)
    first, second = client.issued
    told(desk)
    desk.reprint().result(TIMEOUT_S)
    desk.reprint(first["id"]).result(TIMEOUT_S)
    desk.reprint("no-such-ticket").result(TIMEOUT_S)            # the hall refuses: logged, nothing printed
    assert [(kind, ticket["number"], result.ok) for kind, ticket, result in told(desk)] == [
        ("reprinted", second["number"], True), ("reprinted", first["number"], True)]
    assert [name for name, _ in printer.jobs] == [first["number"], second["number"], second["number"],
                                                  first["number"]]


def test_a_probe_tells_the_hall_once_when_the_printer_is_well_again(desk, client, printer):
    printer.fault = PrinterFault("offline")
    desk.take("TP.LLTP").result(TIMEOUT_S)
    ticket = client.issued[0]
    desk.probe().result(TIMEOUT_S)                              # still the same fault: nothing new to say
    assert client.reports == [("offline", ticket["id"])]
    printer.fault = None
    desk.probe().result(TIMEOUT_S)
    desk.probe().result(TIMEOUT_S)
    assert client.reports == [("offline", ticket["id"]), (None, None)] and desk.fault is None


def test_a_report_that_did_not_get_through_is_tried_again(cfg, client):
    printer = FakePrinter(answers_status=False)                 # CUPS or preview: can't ask the printer
    desk = TicketDesk(client, printer, cfg.centre)
    try:
        printer.fail_send = PrinterFault("disconnected")
        client.down = False
        desk.take("TP.LLTP").result(TIMEOUT_S)
        ticket = client.issued[0]
        client.reports.clear()
        desk._reported = ("unknown",)                           # as if the report above was lost on the way
        client.down = True
        desk.probe().result(TIMEOUT_S)
        assert client.reports == []
        client.down = False
        desk.probe().result(TIMEOUT_S)
        assert client.reports == [("disconnected", ticket["id"])]
    finally:
        desk.close()
    assert printer.closed
