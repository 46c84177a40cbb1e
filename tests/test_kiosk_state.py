"""The kiosk's state machine (kiosk/state.py) without a window or a server: a fake hall client, a desk that only
records what it was asked, and a clock the test moves. Screens, touches, the hall's answers, the idle timeout."""
from __future__ import annotations

import queue

import pytest

from drivers.printer import PrinterFault
from fakes import FakeHallClient, FakePrinter
from kiosk.client import Refused
from kiosk.desk import TicketDesk
from kiosk.state import REFRESH_S, SEARCH_DELAY_S, STALE_S, KioskState
from kiosk.text import say
from kiosk.ticket import PrintResult


class RecordingDesk:
    """What KioskState needs of a TicketDesk: the asks are recorded; the test puts the answers in the outbox."""

    def __init__(self):
        self.outbox: "queue.Queue[tuple]" = queue.Queue()
        self.fault = None
        self.asked: list[tuple] = []

    def take(self, service, priority=None):
        self.asked.append(("take", service, priority))

    def reprint(self, ticket_id=None):
        self.asked.append(("reprint", ticket_id))

    def probe(self):
        self.asked.append(("probe",))


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float):
        self.t += seconds


@pytest.fixture
def settings(cfg):
    return cfg.devices.kiosks[0]


@pytest.fixture
def world(cfg, settings):
    """(state, client, desk, clock): a kiosk that has not looked at the hall yet."""
    client, desk, clock = FakeHallClient(cfg), RecordingDesk(), Clock()
    return KioskState(settings, client, desk, clock=clock), client, desk, clock


@pytest.fixture
def kiosk(world):
    """A kiosk on its home screen: the first frame read the hall's services."""
    state = world[0]
    state.tick()
    assert state.screen == "home"
    return world


def ticket_of(client, service="TP.LLTP", priority=None):
    return client.issue(service, priority)


def test_connecting_then_home_once_the_hall_answers(world):
    state, client, desk, clock = world
    client.down = True
    assert state.screen == "connecting"
    state.tick()
    assert state.screen == "connecting" and not state.online
    clock.advance(STALE_S + 0.1)
    assert state.screen == "offline"                            # too long without the hall
    client.down = False
    clock.advance(2.0)                                          # a failed read is tried again after 2 s
    state.tick()
    assert state.screen == "home" and state.online
    assert [u["code"] for u in state.units] == [u.code for u in client.cfg.units]
    assert state.figures["TP.LLTP"] == {"waiting": 0, "estimated_wait_s": 0, "open": True}


def test_a_unit_then_a_service_asks_the_desk_for_a_ticket(kiosk):
    state, client, desk, clock = kiosk
    state.tap(("unit", "TP"))
    assert state.screen == "unit" and state.unit_info()["code"] == "TP"
    state.tap(("back",))
    assert state.screen == "home"
    state.tap(("unit", "TP"))
    state.tap(("service", "TP.LLTP"))
    assert state.screen == "busy" and desk.asked[-1] == ("take", "TP.LLTP", None)
    state.tap(("service", "NO.SUCH"))                           # an unknown code is ignored
    assert desk.asked.count(("take", "TP.LLTP", None)) == 1 and len([a for a in desk.asked if a[0] == "take"]) == 1


def test_the_priority_path_carries_the_category_to_the_ticket(kiosk, cfg):
    state, client, desk, clock = kiosk
    state.tap(("priority",))
    assert state.screen == "priority"
    state.tap(("category", "elderly"))
    assert state.screen == "home" and state.priority_name() == "Người cao tuổi"
    state.tap(("lang",))
    assert state.priority_name() == "Elderly person"
    state.tap(("unit", "TP"))
    state.tap(("service", "TP.LLTP"))
    assert desk.asked[-1] == ("take", "TP.LLTP", "elderly")
    state.tap(("no_priority",))
    assert state.priority is None


def test_the_result_shows_the_number_then_goes_home(kiosk, settings):
    state, client, desk, clock = kiosk
    state.tap(("unit", "TP"))
    state.tap(("service", "TP.LLTP"))
    ticket = ticket_of(client)
    desk.outbox.put(("issued", ticket, None))
    state.tick()
    assert state.screen == "result" and state.ticket is ticket and state.printing == "printing"
    desk.outbox.put(("printed", ticket, PrintResult(True, 1234)))
    state.tick()
    assert state.printing == "printed" and state.print_fault is None
    clock.advance(settings.result_s - 0.5)
    state.tick()
    assert state.screen == "result"
    clock.advance(1.0)
    state.tick()
    assert state.screen == "home" and state.unit is None


def test_a_print_fault_keeps_the_number_on_screen_longer(kiosk, settings):
    state, client, desk, clock = kiosk
    state.tap(("service", "TP.LLTP"))
    ticket = ticket_of(client)
    desk.outbox.put(("issued", ticket, None))
    desk.outbox.put(("printed", ticket, PrintResult(False, 0, PrinterFault("paper_out"))))
    state.tick()
    assert state.printing == "fault" and state.print_fault.code == "paper_out"
    clock.advance(2 * settings.result_s)
    state.tick()
    assert state.screen == "result"                             # three times as long to note the number
    clock.advance(settings.result_s + 0.1)
    state.tick()
    assert state.screen == "home"


def test_a_blocking_fault_seen_before_issuing_shows_at_once(kiosk):
    state, client, desk, clock = kiosk
    state.tap(("service", "TP.LLTP"))
    desk.outbox.put(("issued", ticket_of(client), PrinterFault("cover_open")))
    state.tick()
    assert state.screen == "result" and state.printing == "fault" and state.print_fault.code == "cover_open"
    desk.outbox.put(("printed", ticket_of(client), PrintResult(True, 10)))   # another ticket's news: ignored
    state.tick()
    assert state.printing == "fault"


def test_refused_goes_back_with_the_reason_and_a_touch_closes_it(kiosk):
    state, client, desk, clock = kiosk
    state.tap(("unit", "TP"))
    state.tap(("service", "TP.LLTP"))
    desk.outbox.put(("refused", Refused("numbers_exhausted", "Hết số", 409)))
    state.tick()
    assert state.screen == "unit" and state.notice == say("error", "vi", message="Hết số")
    state.tap(("unit", "KHDT"))                                  # the touch only closes the message
    assert state.notice is None and state.unit == "TP"


def test_refused_because_closed_reads_the_hall_again(kiosk):
    state, client, desk, clock = kiosk
    state.tap(("service", "TP.LLTP"))
    client.issuing, client.closed_reason = False, "Nghỉ trưa"
    desk.outbox.put(("refused", Refused("closed", "Nghỉ trưa", 409)))
    state.tick()
    assert state.screen == "closed" and state.closed_text() == "Nghỉ trưa"
    state.tap(("lang",))
    state.tap(("lang",))                                         # (the first tap closed the notice)
    assert state.lang == "en" and state.closed_text() == say("closed_default", "en")


def test_a_closed_hall_or_service_says_so_instead_of_asking_the_desk(kiosk):
    state, client, desk, clock = kiosk
    client.closed_services.add("TP.LLTP")
    state.refresh()
    state.tap(("service", "TP.LLTP"))
    assert "tạm ngừng" in state.notice and desk.asked == [("probe",)]
    state.tap(("home",))
    state.on_event("snapshot", {"issuing": False, "closed_reason": "Ngoài giờ làm việc", "queues": []})
    client.issuing = False
    state.refresh()
    assert state.screen == "closed"
    state.tap(("service", "KHDT.DN"))
    assert state.notice == "Ngoài giờ làm việc" and [a for a in desk.asked if a[0] == "take"] == []


def test_the_hall_unreachable_while_issuing_means_offline_and_no_number(kiosk):
    state, client, desk, clock = kiosk
    state.tap(("service", "TP.LLTP"))
    client.down = True
    desk.outbox.put(("unreachable", "POST /tickets: ConnectionError"))
    state.tick()
    assert state.screen == "offline" and state.ticket is None
    client.down = False
    clock.advance(REFRESH_S)                                    # the next regular read of the hall finds it back
    state.tick()
    assert state.screen == "home"


def test_a_stale_link_is_offline(kiosk):
    state, client, desk, clock = kiosk
    state.tick(link_stale=True)
    assert state.screen == "offline"
    state.tap(("unit", "TP"))
    clock.advance(REFRESH_S)
    state.tick()
    assert state.screen == "unit"


def test_idle_goes_home_and_forgets_the_choice(kiosk, settings):
    state, client, desk, clock = kiosk
    state.tap(("priority",))
    state.tap(("category", "pregnant"))
    state.tap(("unit", "TP"))
    clock.advance(settings.idle_s - 1)
    state.tick()
    assert state.screen == "unit"
    clock.advance(2)
    state.tick()
    assert state.screen == "home" and state.priority is None and state.unit is None


def test_typing_searches_once_the_typing_pauses(kiosk):
    state, client, desk, clock = kiosk
    state.tap(("lookup",))
    assert state.screen == "search"
    for key in "ly":
        state.tap(("key", key))
    state.tap(("key", "sac"))                                   # the tone key: ly → lý
    assert state.query == "lý"
    state.tick()
    assert client.searches == []                                 # still typing
    clock.advance(SEARCH_DELAY_S)
    state.tick()
    assert client.searches == ["lý"] and state.results[0]["service"] == "TP.LLTP"
    state.tap(("procedure", 0))
    assert state.screen == "procedure"
    state.tap(("take", state.procedure["service"]))
    assert desk.asked[-1] == ("take", "TP.LLTP", None)
    state.tap(("home",))
    state.tap(("lookup",))
    state.tap(("key", "clear"))
    clock.advance(SEARCH_DELAY_S)
    state.tick()
    assert state.results == [] and client.searches == ["lý"]     # an empty query asks nothing


def test_hall_events_move_the_figures_and_a_reprint_for_this_kiosk(kiosk, settings):
    state, client, desk, clock = kiosk
    state.on_event("issued", {"queue": [{"service": "TP.LLTP", "waiting": 3, "estimated_wait_s": 900,
                                         "open": True}]})
    tp = state.unit_info("TP")
    assert state.unit_figures(tp)["waiting"] == 3 and state.unit_figures(tp)["estimated_wait_s"] == 900
    state.on_event("reprint", {"data": {"kiosk": "another-kiosk", "ticket": "x"}})
    state.on_event("reprint", {"data": {"kiosk": settings.id, "ticket": "token-0009"}})
    assert [a for a in desk.asked if a[0] == "reprint"] == [("reprint", "token-0009")]


def test_the_printer_is_probed_every_minute_and_every_ten_seconds_while_faulty(kiosk):
    state, client, desk, clock = kiosk
    assert desk.asked == [("probe",)]                            # at start
    clock.advance(30)
    state.tick()
    assert desk.asked == [("probe",)]
    clock.advance(30)
    state.tick()
    assert desk.asked == [("probe",)] * 2
    desk.fault = PrinterFault("paper_out")
    clock.advance(60)
    state.tick()
    clock.advance(10)
    state.tick()
    assert desk.asked == [("probe",)] * 4


def test_with_a_real_desk_a_touch_becomes_a_printed_ticket(cfg, settings):
    """KioskState and TicketDesk together over the fakes: the desk's worker thread answers through the outbox."""
    from conftest import wait_for
    client, printer, clock = FakeHallClient(cfg), FakePrinter(), Clock()
    desk = TicketDesk(client, printer, cfg.centre)
    state = KioskState(settings, client, desk, clock=clock)
    try:
        state.tick()
        state.tap(("service", "TP.LLTP"))

        def printed():
            state.tick()
            return state.printing == "printed"
        wait_for(printed, message="the ticket to print")
        assert state.screen == "result" and state.ticket["number"] == "A001"
        assert printer.jobs[0][0] == "A001"
    finally:
        desk.close()
