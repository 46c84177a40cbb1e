"""The wall display's state without a window: zone, snapshot, calls, the last calls, counters, flashing."""
import pytest

from display.wall import seed_snapshot
from display.wall_state import WallState, Zone, unit_short_names


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def called(seq, number, counter, unit="TP", kind="called"):
    return {"seq": seq, "type": kind, "counter": counter, "counter_label": f"Quầy {counter}", "unit": unit,
            "recall": kind == "recalled", "ticket": {"number": number, "unit": unit, "unit_name": "Sở Tư pháp"}}


@pytest.fixture
def state(cfg):
    s = WallState(last_calls=3, flash_s=6, unit_names=unit_short_names(cfg.units), clock=Clock())
    snap = seed_snapshot(cfg)
    for c in snap["counters"]:
        c["state"], c["clerk"] = "open", "nguyen.van.an"
    s.apply("snapshot", snap)
    return s


def test_zone_parse_and_cover():
    z = Zone.parse("1-3, 7,TP")
    assert z.counters == {1, 2, 3, 7} and z.units == {"TP"}
    assert z.covers(2, "KHDT") and z.covers(9, "TP") and not z.covers(11, "XD")
    assert Zone().covers(11, "XD") and not Zone()
    with pytest.raises(ValueError, match="backwards"):
        Zone.parse("5-2")
    with pytest.raises(ValueError, match="1x"):
        Zone.parse("1x-3")


def test_snapshot_keeps_the_zone_only(cfg):
    s = WallState(zone=Zone(units=frozenset({"TP"})))
    s.apply("snapshot", seed_snapshot(cfg))
    assert sorted(s.counters) == [7, 8, 9, 10]
    assert s.apply("called", called(5, "X001", 11, unit="XD")) is None     # not this display's call
    assert s.latest is None
    assert s.apply("called", called(6, "P001", 7)).number == "P001"


def test_calls_fill_latest_and_the_last_calls(state):
    for i, (number, counter) in enumerate([("P001", 7), ("P002", 8), ("P300", 9), ("P301", 9), ("P600", 10)]):
        state.clock.t += 1
        assert state.apply("called", called(10 + i, number, counter)).number == number
    assert state.latest.number == "P600"
    assert [c.number for c in state.calls] == ["P301", "P300", "P002"]        # newest first, 3 kept
    assert state.counters[9].ticket == "P301" and state.counters[7].ticket == "P001"


def test_recall_flashes_again_without_repeating_in_the_list(state):
    state.apply("called", called(1, "P001", 7))
    state.apply("called", called(2, "P002", 8))
    state.clock.t += 20
    assert not state.flashing()
    view = state.apply("recalled", called(3, "P002", 8, kind="recalled"))
    assert view.recall and state.flashing()
    assert [c.number for c in state.calls] == ["P001"]


def test_counter_follows_the_visit(state):
    state.apply("called", called(1, "P001", 7))
    state.apply("started", {"type": "started", "counter": 7, "ticket": {"number": "P001"}})
    assert state.counters[7].serving
    state.apply("finished", {"type": "finished", "counter": 7, "ticket": {"number": "P001"}})
    assert state.counters[7].ticket is None
    state.apply("paused", {"type": "paused", "counter": 7, "data": {"reason": "họp"}})
    assert state.counters[7].state == "paused"
    state.apply("resumed", {"type": "resumed", "counter": 7})
    state.apply("signed_out", {"type": "signed_out", "counter": 7})
    assert state.counters[7].state == "closed"


def test_announcement_and_frame_key(state):
    before = state.frame_key(state.clock.t)
    state.apply("issued", {"type": "issued", "counter": None, "ticket": {"number": "P009"}})
    assert state.frame_key(state.clock.t) == before                       # nothing to show: no redraw
    state.apply("announcement", {"type": "announcement", "data": {"text": "Nghỉ trưa từ 11 giờ 30"}})
    assert state.announcement == "Nghỉ trưa từ 11 giờ 30"
    assert state.frame_key(state.clock.t) != before


def test_flash_blinks_then_stops(state):
    state.apply("called", called(1, "P001", 7))
    phases = {state.flash_on(state.clock.t + i * 0.5) for i in range(10)}
    assert phases == {True, False}
    assert not state.flashing(state.clock.t + 6.1)


def test_no_clerk_kept(state):
    """Numbers and counters only: nothing of the clerk or the citizen is kept to be drawn."""
    assert "nguyen" not in repr(state.counters) and "clerk" not in repr(state.counters)


def test_a_replayed_call_is_shown_and_flashed_but_leaves_the_counters_as_the_snapshot_set_them(state):
    """After a resync the snapshot knows each counter; the calls replayed after it (display/sequence.py) are
    shown and announced, but an older call must not put its number back on a counter that has moved on."""
    state.counters[7].ticket = "P021"                               # the snapshot: counter 7 serves P021 now
    old = state.apply("called", {**called(40, "P020", 7), "replay": True})
    assert old.number == "P020" and state.latest.number == "P020" and state.flashing()
    assert state.counters[7].ticket == "P021" and not state.recently_called(state.counters[7])
    state.apply("called", {**called(41, "P021", 7), "replay": True})
    assert state.latest.number == "P021" and [c.number for c in state.calls][:1] == ["P020"]
    assert state.counters[7].ticket == "P021" and state.recently_called(state.counters[7])
