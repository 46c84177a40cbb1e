"""LED boards over a real pseudo-terminal: exact bytes, lazy open, the device vanishing and coming back."""
import os
import select
import threading
import time
import tty

import pytest

from drivers.led import FORMATS, FrameFormat, LedBoard, LedHall, board_commands
from drivers.serialport import DeviceNotFound
from hall.config import SerialPort


class Pty:
    """A serial device stand-in: pyserial opens `path` (a symlink to a pty slave); the test holds the master."""

    def __init__(self, path):
        self.path = path
        self.master = None
        self.plug()

    def plug(self):
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        self.slave_name = os.ttyname(slave)
        os.close(slave)
        tmp = f"{self.path}.tmp"
        os.symlink(self.slave_name, tmp)
        os.replace(tmp, self.path)

    def unplug(self):
        os.remove(self.path)
        os.close(self.master)
        self.master = None

    def read(self, n, timeout=5.0):
        data, deadline = b"", time.monotonic() + timeout
        while len(data) < n and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    data += os.read(self.master, n - len(data))
                except OSError:
                    time.sleep(0.02)
        return data

    def quiet(self, wait=0.3):
        return self.read(1, timeout=wait) == b""

    def write(self, data):
        os.write(self.master, data)

    def close(self):
        if self.master is not None:
            os.close(self.master)
            self.master = None


@pytest.fixture
def device(tmp_path):
    made = []

    def make(name="ttyLED"):
        made.append(Pty(str(tmp_path / name)))
        return made[-1]
    yield make
    for d in made:
        d.close()


@pytest.fixture
def boards():
    made = []

    def make(*args, **kw):
        kw.setdefault("backoff", (0.05, 0.2))
        kw.setdefault("watch_s", 0.05)
        made.append(LedBoard(*args, **kw))
        return made[-1]
    yield make
    for b in made:
        b.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("serial-")]


SHOW_A015_AT_3 = bytes.fromhex("02 30 33 53 41 30 31 35 32 35 03")     # docs/hardware.md


def xor(data):
    value = 0
    for b in data:
        value ^= b
    return value


def test_exact_frames(device, boards):
    dev = device()
    board = boards(dev.path, 9600, address=3)
    assert board.show("A015")
    assert dev.read(len(SHOW_A015_AT_3)) == SHOW_A015_AT_3
    for send, body in [(lambda: board.blink("B104"), b"03BB104"), (board.clear, b"03C"),
                       (lambda: board.brightness(7), b"03L7")]:
        send()
        expected = b"\x02" + body + f"{xor(body):02X}".encode() + b"\x03"
        assert dev.read(len(expected)) == expected
    assert dev.quiet()


def test_another_vendor_is_a_format_not_code(device, boards):
    dev = device()
    board = boards(dev.path, address=0x12, protocol="binary-sum8")
    board.show("A015")
    body = bytes([0x12, 0x01, 4]) + b"A015"
    assert dev.read(10) == b"\xAA\x55" + body + bytes([sum(body) & 0xFF])
    fmt = FrameFormat.from_dict({"name": "vendor-x", "layout": ["soh", "address", "payload", "checksum", "eot"],
                                 "constants": {"soh": "01", "eot": "04"}, "checksum": "none", "width": 6})
    assert fmt.frame(7, "show", text="A15") == b"\x0107   A15\x04"
    with pytest.raises(ValueError, match="unknown keys"):
        FrameFormat.from_dict({"name": "x", "colour": "red"})
    with pytest.raises(ValueError, match="layout part 'crc'"):
        FrameFormat.from_dict({"name": "x", "layout": ["address", "crc"]})


def test_bad_input_is_named(device, boards):
    board = boards(device().path, address=3)
    with pytest.raises(ValueError, match="ASCII only"):
        board.show("Quầy 3")
    with pytest.raises(ValueError, match="brightness 12"):
        board.brightness(12)
    with pytest.raises(ValueError, match="unknown LED protocol"):
        LedBoard("/dev/null", protocol="acme")
    with pytest.raises(ValueError, match="address 100"):
        FORMATS["motcua"].frame(100, "show", text="1")


def test_lazy_open_and_device_not_found(tmp_path, boards):
    board = boards(str(tmp_path / "ttyNONE"))
    assert not board.link.connected                      # nothing opened yet
    with pytest.raises(DeviceNotFound, match="ttyNONE"):
        board.open()


def test_survives_the_device_vanishing_and_coming_back(device, boards):
    dev = device()
    board = boards(dev.path, address=3)
    board.brightness(5)
    board.blink("A015")
    assert len(dev.read(8 + 11)) == 19
    dev.unplug()
    deadline = time.monotonic() + 3
    while board.link.connected and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not board.link.connected
    assert board.show("A016") is False                   # away: kept, not lost
    time.sleep(0.3)                                       # a few failed reconnection attempts
    dev.plug()
    restored = dev.read(8 + 11)
    assert restored == board.format.frame(3, "brightness", level=5) + board.format.frame(3, "show", text="A016")
    assert board.link.connections == 2
    board.clear()
    assert dev.read(7) == board.format.frame(3, "clear")


def test_a_board_plugged_in_late_gets_its_state(tmp_path, boards):
    path = str(tmp_path / "ttyLATE")
    board = boards(path, address=1)
    assert board.show("C007") is False
    dev = Pty(path)
    try:
        assert dev.read(11) == board.format.frame(1, "show", text="C007")
        assert dev.quiet()
    finally:
        dev.close()


def config(tmp_path, **kw):
    return SerialPort(port=str(tmp_path / f"tty{kw['id']}"), **kw)


def test_hall_events_to_board_commands(tmp_path):
    cfg = [config(tmp_path, id="q3", address=3, counters=[3]), config(tmp_path, id="q4", address=4, counters=[4]),
           config(tmp_path, id="hall", address=9), config(tmp_path, id="zone", address=8, counters=[4, 5])]
    called = {"type": "called", "counter": 3, "ticket": {"number": "A015"}}
    assert board_commands(called, cfg) == [("q3", "blink", ("A015",)), ("hall", "blink", ("A015 03",))]
    assert board_commands({**called, "counter": 4, "type": "recalled"}, cfg) == [
        ("q4", "blink", ("A015",)), ("hall", "blink", ("A015 04",)), ("zone", "blink", ("A015 04",))]
    assert board_commands({"type": "finished", "counter": 3, "ticket": {"number": "A015"}}, cfg) == \
        [("q3", "clear", ())]
    assert board_commands({"type": "paused", "counter": 4, "data": {"reason": "họp"}}, cfg) == \
        [("q4", "show", ("----",))]
    assert board_commands({"type": "issued", "ticket": {"number": "A020"}}, cfg) == []


def test_led_hall_drives_the_configured_boards(device, tmp_path):
    q3, hall_dev = device("ttyq3"), device("ttyhall")
    cfg = [SerialPort(id="q3", port=q3.path, address=3, counters=[3]),
           SerialPort(id="hall", port=hall_dev.path, address=9)]
    leds = LedHall(cfg, backoff=(0.05, 0.2), watch_s=0.05)
    try:
        leds.apply({"type": "called", "counter": 3, "ticket": {"number": "A015"}})
        fmt = FORMATS["motcua"]
        assert q3.read(11) == fmt.frame(3, "blink", text="A015")
        assert hall_dev.read(14) == fmt.frame(9, "blink", text="A015 03")
        leds.apply({"type": "finished", "counter": 3, "ticket": {"number": "A015"}})
        assert q3.read(7) == fmt.frame(3, "clear") and hall_dev.quiet()
    finally:
        leds.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("serial-")]


def test_the_hex_dumps_in_the_docs_are_what_the_boards_get():
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "hardware.md"), encoding="utf-8").read()
    fmt = FORMATS["motcua"]
    for frame in [SHOW_A015_AT_3, fmt.frame(3, "show", text="A015"), fmt.frame(3, "clear"),
                  fmt.frame(3, "brightness", level=7), FORMATS["binary-sum8"].frame(0x12, "show", text="A015")]:
        assert frame.hex(" ").upper() in doc
    for key in FrameFormat.__dataclass_fields__:
        assert f"\n{key}:" in doc, f"frame format key {key} is not in docs/hardware.md"
