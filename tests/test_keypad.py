"""The serial rating keypad over a real pseudo-terminal."""
import os
import queue
import threading
import time
import tty

import pytest

from drivers.keypad import RatingKeypad, key_map_for
from drivers.serialport import DeviceNotFound
from hall.config import RatingLevel

LEVELS = [RatingLevel(value=4, label="Rất hài lòng"), RatingLevel(value=3, label="Hài lòng"),
          RatingLevel(value=2, label="Bình thường"), RatingLevel(value=1, label="Không hài lòng")]


class Pty:
    """A keypad stand-in: pyserial opens `path` (a symlink to a pty slave); the test types into the master."""

    def __init__(self, path):
        self.path, self.master = path, None
        self.plug()

    def plug(self):
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        name = os.ttyname(slave)
        os.close(slave)
        os.symlink(name, f"{self.path}.tmp")
        os.replace(f"{self.path}.tmp", self.path)

    def unplug(self):
        os.remove(self.path)
        os.close(self.master)
        self.master = None

    def type(self, data):
        os.write(self.master, data)

    def close(self):
        if self.master is not None:
            os.close(self.master)
            self.master = None


@pytest.fixture
def keypad(tmp_path):
    made = []

    def make(**kw):
        dev = Pty(str(tmp_path / f"ttyPAD{len(made)}"))
        got = queue.Queue()
        kw.setdefault("levels", LEVELS)
        pad = RatingKeypad(dev.path, 9600, on_rating=got.put, backoff=(0.05, 0.2), watch_s=0.05, **kw).start()
        assert pad.link.wait_connected(3)
        made.append((pad, dev))
        return pad, dev, got
    yield make
    for pad, dev in made:
        pad.stop()
        dev.close()
    assert not [t for t in threading.enumerate() if t.name.startswith(("serial-", "keypad-"))]


def ratings(got, n, timeout=3.0):
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        try:
            out.append(got.get(timeout=0.05))
        except queue.Empty:
            pass
    return out


def test_each_button_gives_its_level(keypad):
    pad, dev, got = keypad(debounce_s=0.5)
    for key in b"1234":
        dev.type(bytes([key]))
        time.sleep(0.02)
    assert ratings(got, 4) == [4, 3, 2, 1]


def test_repeated_presses_are_one_and_noise_is_ignored(keypad):
    pad, dev, got = keypad(debounce_s=0.5)
    dev.type(b"1\r\n1 1x")
    assert ratings(got, 2, timeout=0.6) == [4]
    time.sleep(0.5)
    dev.type(b"1")
    assert ratings(got, 1) == [4]


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
    deadline = time.monotonic() + 3
    while pad.link.connected and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pad.link.connected
    dev.plug()
    assert pad.link.wait_connected(3)
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
    time.sleep(0.2)
    dev.type(b"4")
    deadline = time.monotonic() + 3
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen == [2, 1]
