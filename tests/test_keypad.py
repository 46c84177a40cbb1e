"""The serial rating keypad over a real pseudo-terminal."""
import queue
import threading

import pytest

from conftest import wait_for
from drivers.keypad import RatingKeypad, key_map_for
from drivers.serialport import DeviceNotFound
from hall.config import RatingLevel

LEVELS = [RatingLevel(value=4, label="Rất hài lòng"), RatingLevel(value=3, label="Hài lòng"),
          RatingLevel(value=2, label="Bình thường"), RatingLevel(value=1, label="Không hài lòng")]


@pytest.fixture
def keypad(pty_device):
    """keypad(**settings) → (a started RatingKeypad on a pty, the pty, the queue of its ratings)."""
    made = []

    def make(**kw):
        dev = pty_device(f"ttyPAD{len(made)}")
        got = queue.Queue()
        kw.setdefault("levels", LEVELS)
        pad = RatingKeypad(dev.path, 9600, on_rating=got.put, backoff=(0.05, 0.2), watch_s=0.05, **kw).start()
        assert pad.link.wait_connected(15)
        made.append((pad, dev))
        return pad, dev, got
    yield make
    for pad, dev in made:
        pad.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith(("serial-", "keypad-"))]


def ratings(got, n, timeout=15.0):
    """The next n ratings (fewer only if they don't come within the timeout)."""
    out = []
    try:
        while len(out) < n:
            out.append(got.get(timeout=timeout))
    except queue.Empty:
        pass
    return out


def test_each_button_gives_its_level(keypad):
    pad, dev, got = keypad(debounce_s=0.5)
    dev.type(b"1234")
    assert ratings(got, 4) == [4, 3, 2, 1]


def test_repeated_presses_are_one_and_noise_is_ignored(keypad):
    now = [0.0]
    pad, dev, got = keypad(debounce_s=0.5, clock=lambda: now[0])
    dev.type(b"1\r\n1 1x2")            # "2" last: once its rating is here, everything before it was read
    assert ratings(got, 2) == [4, 3]
    now[0] = 0.6                          # the debounce time has passed
    dev.type(b"1")
    assert ratings(got, 1) == [4]
    assert got.empty()


def test_debounce_is_per_button_by_the_clock():
    now = [0.0]
    got = []
    pad = RatingKeypad("/dev/null-keypad", levels=LEVELS, on_rating=got.append, clock=lambda: now[0],
                       debounce_s=1.0)
    assert [pad.press(b) for b in b"112"] == [4, None, 3]
    now[0] = 0.9
    assert pad.press(ord("2")) is None
    now[0] = 2.0
    assert pad.press(ord("2")) == 3 and got == [4, 3, 3]


def test_a_vendor_key_map():
    assert key_map_for(LEVELS) == {0x31: 4, 0x32: 3, 0x33: 2, 0x34: 1}
    assert key_map_for(LEVELS, {"A": 4, b"B": 3, 0x43: 1}) == {0x41: 4, 0x42: 3, 0x43: 1}
    with pytest.raises(ValueError, match="not a rating level"):
        key_map_for(LEVELS, {"A": 5})
    with pytest.raises(ValueError, match="one ASCII character"):
        key_map_for(LEVELS, {"AB": 4})


def test_keypad_comes_back_after_unplugging(keypad):
    pad, dev, got = keypad(debounce_s=0)
    dev.type(b"2")
    assert ratings(got, 1) == [3]
    dev.unplug()
    wait_for(lambda: not pad.link.connected, message="the keypad to notice it was unplugged")
    dev.plug()
    assert pad.link.wait_connected(15)
    dev.type(b"4")
    assert ratings(got, 1) == [1]


def test_a_missing_keypad_is_named(tmp_path):
    pad = RatingKeypad(str(tmp_path / "ttyGONE"), levels=LEVELS)
    with pytest.raises(DeviceNotFound, match="ttyGONE"):
        pad.open()
    pad.stop()
    with pytest.raises(ValueError, match="rating levels"):
        RatingKeypad(str(tmp_path / "ttyGONE"))


def test_a_failing_callback_does_not_stop_the_keypad(keypad):
    seen = []

    def flaky(value):
        seen.append(value)
        if len(seen) == 1:
            raise RuntimeError("server away")
    pad, dev, got = keypad(debounce_s=0)
    pad.on_rating = flaky
    dev.type(b"3")
    wait_for(lambda: seen == [2], message="the first press to reach the failing callback")
    dev.type(b"4")
    wait_for(lambda: len(seen) == 2, message="the second press after the callback failed")
    assert seen == [2, 1]
