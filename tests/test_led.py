"""LED boards over a real pseudo-terminal: exact bytes, lazy open, the device vanishing and coming back."""
import os
import threading

import pytest

from conftest import Pty, wait_for
from drivers.led import FORMATS, FrameFormat, LedBoard, LedHall, board_commands
from drivers.serialport import DeviceNotFound
from hall.config import SerialPort


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


def test_exact_frames(pty_device, boards):
    dev = pty_device()
    board = boards(dev.path, 9600, address=3)
    assert board.show("A015")
    assert dev.read(len(SHOW_A015_AT_3)) == SHOW_A015_AT_3
    for send, body in [(lambda: board.blink("B104"), b"03BB104"), (board.clear, b"03C"),
                       (lambda: board.brightness(7), b"03L7")]:
        send()
        expected = b"\x02" + body + f"{xor(body):02X}".encode() + b"\x03"
        assert dev.read(len(expected)) == expected
    board.show("9")                                       # nothing else was sent before it
    assert dev.read(len(board.format.frame(3, "show", text="9"))) == board.format.frame(3, "show", text="9")


def test_another_vendor_is_a_format_not_code(pty_device, boards):
    dev = pty_device()
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


def test_bad_input_is_named(pty_device, boards):
    board = boards(pty_device().path, address=3)
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


def test_survives_the_device_vanishing_and_coming_back(pty_device, boards):
    dev = pty_device()
    board = boards(dev.path, address=3)
    board.brightness(5)
    board.blink("A015")
    assert len(dev.read(8 + 11)) == 19
    attempts, connect = [0], board.link._connect

    def counted_connect():
        attempts[0] += 1
        connect()
    board.link._connect = counted_connect
    dev.unplug()
    wait_for(lambda: not board.link.connected, message="the board to notice it was unplugged")
    assert board.show("A016") is False                   # away: kept, not lost
    wait_for(lambda: attempts[0] >= 3, message="a few failed reconnection attempts")
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
        board.clear()                                     # the next bytes: nothing was sent twice before it
        assert dev.read(7) == board.format.frame(1, "clear")
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


def test_led_hall_drives_the_configured_boards(pty_device, tmp_path):
    q3, hall_dev = pty_device("ttyq3"), pty_device("ttyhall")
    cfg = [SerialPort(id="q3", port=q3.path, address=3, counters=[3]),
           SerialPort(id="hall", port=hall_dev.path, address=9)]
    leds = LedHall(cfg, backoff=(0.05, 0.2), watch_s=0.05)
    try:
        leds.apply({"type": "called", "counter": 3, "ticket": {"number": "A015"}})
        fmt = FORMATS["motcua"]
        assert q3.read(11) == fmt.frame(3, "blink", text="A015")
        assert hall_dev.read(14) == fmt.frame(9, "blink", text="A015 03")
        leds.apply({"type": "finished", "counter": 3, "ticket": {"number": "A015"}})
        assert q3.read(7) == fmt.frame(3, "clear")
        leds.apply({"type": "called", "counter": 3, "ticket": {"number": "A016"}})
        assert hall_dev.read(14) == fmt.frame(9, "blink", text="A016 03")  # the hall board skipped "finished"
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
