"""The registry of event kinds (hall/events.py) is what the engine records: one day at a counter that makes every
kind of event, each checked against its registered fields — and the registry lists nothing the hall never records."""
from __future__ import annotations

from fakes import fake_hall
from hall import events, supervision


def a_day_of_every_event(cfg, clock):
    hall = fake_hall(cfg, clock)
    kiosk = cfg.devices.kiosks[0].id
    hall.sign_in(7, "lan")
    a = hall.issue_ticket("TP.LLTP")
    b = hall.issue_ticket("TP.LLTP")
    c = hall.issue_ticket("TP.LLTP")
    hall.call_next(7, "lan")
    hall.recall(7)
    hall.start(7)
    hall.finish(7)
    supervision.rate(hall, 7, "pad-07", 4)
    hall.call_next(7, "lan")
    hall.no_show(7)
    hall.come_back(b["id"])
    hall.call_next(7, "lan")
    hall.transfer(7, service="TP.HTQT", note="sai lĩnh vực")
    hall.cancel(c["id"], "bỏ về")
    hall.pause(7, "họp")
    hall.resume(7)
    hall.sign_out(7)
    supervision.set_service_open(hall, "TP.HTQT", False, "giamsat")
    supervision.set_service_open(hall, "TP.HTQT", True, "giamsat")
    supervision.set_announcement(hall, "Chào mừng", "giamsat")
    supervision.report_device(hall, kiosk, "kiosk", "paper_out", "hết giấy", {"ticket": a["id"]})
    supervision.report_device(hall, kiosk, "kiosk", None)
    supervision.reprint(hall, kiosk, "giamsat", a["id"])
    return hall


def test_every_event_recorded_is_a_registered_kind_with_its_fields(cfg, clock):
    hall = a_day_of_every_event(cfg, clock)
    problems = [p for e in hall.store.log for p in events.problems(e.kind, e.data)]
    assert problems == []
    assert {e.kind for e in hall.store.log} == set(events.KINDS)  # and the registry has no kind nobody records


def test_every_message_to_the_screens_is_of_a_registered_kind(cfg, clock):
    hall = a_day_of_every_event(cfg, clock)
    kinds = [m["type"] for m in hall.store.published]
    assert kinds and set(kinds) <= set(events.KINDS)
    announcing = [m for m in hall.store.published if events.KINDS[m["type"]].announces]
    assert announcing and all({"announce", "screen", "recall"} <= set(m) for m in announcing)


def test_problems_name_what_is_wrong():
    assert events.problems("called", {"number": "P001", "nth": 1}) == []
    assert events.problems("called", {"number": "P001"}) == ["called: data lacks 'nth'"]
    assert events.problems("called", {"number": "P001", "nth": 1, "x": 2}) == [
        "called: data has 'x', which hall/events.py does not list"]
    assert events.problems("danced", {}) == ["unknown event kind 'danced' (hall/events.py lists them)"]
    assert events.problems("reprint", {"kiosk": "k1"}) == []  # `ticket` is optional
