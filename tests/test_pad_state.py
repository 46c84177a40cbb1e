"""The rating pad's state machine without a window or a server."""
import pytest

from display.pad_state import CRITERIA, IDLE, RATE, REFUSED, SENDING, THANKS, THANKS_S, PadState, Submission


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


@pytest.fixture
def pad(cfg):
    p = PadState(3, clock=Clock())
    p.apply("snapshot", {"counter": 3, "label": "Quầy 3", "pending": None,
                         "levels": [lvl.model_dump() for lvl in cfg.ratings.levels],
                         "criteria": [c.model_dump() for c in cfg.ratings.criteria],
                         "ask_criteria_at_most": 2, "timeout_s": 30})
    return p


def ask(pad, visit=11):
    pad.apply("rate", {"counter": 3, "visit_id": visit, "number": "K001", "unit_name": "Sở Kế hoạch và Đầu tư"})


def test_a_good_rating_is_sent_at_once(pad):
    assert pad.screen == IDLE
    ask(pad)
    assert pad.screen == RATE and pad.number == "K001"
    assert pad.choose(4) == Submission(4, 11, ())
    assert pad.screen == SENDING
    pad.result(201)
    assert pad.screen == THANKS
    pad.clock.t += THANKS_S
    pad.tick()
    assert pad.screen == IDLE


def test_a_low_rating_asks_what_went_wrong(pad):
    ask(pad)
    assert pad.choose(2) is None and pad.screen == CRITERIA
    pad.toggle("time")
    pad.toggle("attitude")
    pad.toggle("time")
    pad.toggle("nonsense")
    sub = pad.send()
    assert sub.body() == {"value": 2, "visit_id": 11, "criteria": ["attitude"]}


def test_skip_and_criteria_timeout_still_send_the_rating(pad):
    ask(pad)
    pad.choose(1)
    assert pad.send(skip=True).criteria == ()
    pad.result(201)
    ask(pad, 12)
    pad.choose(1)
    pad.toggle("guidance")
    pad.clock.t += 31
    sub = pad.tick()
    assert sub == Submission(1, 12, ("guidance",)) and pad.screen == SENDING


def test_keypad_press_skips_the_question(pad):
    ask(pad)
    assert pad.choose(1, follow_up=False) == Submission(1, 11, ())


def test_refused_and_failed(pad):
    ask(pad)
    pad.choose(4)
    pad.result(409)
    assert pad.screen == REFUSED
    ask(pad)
    pad.choose(4)
    pad.result(0, "connection refused")
    assert pad.screen == RATE and "Chưa gửi được" in pad.note


def test_unasked_touches_and_unknown_values_do_nothing(pad):
    assert pad.choose(4) is None
    ask(pad)
    assert pad.choose(9) is None and pad.screen == RATE


def test_rate_times_out_and_next_call_goes_idle(pad):
    ask(pad)
    pad.clock.t += 30
    pad.tick()
    assert pad.screen == IDLE
    ask(pad)
    pad.apply("idle", {"counter": 3})
    assert pad.screen == IDLE
    ask(pad)
    pad.apply("rate", {"counter": 4, "visit_id": 99})        # another counter's message
    assert pad.visit_id == 11


def test_pending_rating_on_connect_and_face_rank(pad):
    pad.apply("snapshot", {"counter": 3, "pending": {"visit_id": 21}})
    assert pad.screen == RATE and pad.visit_id == 21
    assert [pad.rank(v) for v in (4, 3, 2, 1)] == [1.0, pytest.approx(2 / 3), pytest.approx(1 / 3), 0.0]
