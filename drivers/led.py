"""LED number boards on RS-485/RS-232: one above each counter, and hall boards that list calls.

    board = LedBoard("/dev/ttyUSB0", 9600, address=3)         # protocol="motcua" (default) or a FrameFormat
    board.open()              # optional: raises DeviceNotFound naming the port (commands open lazily)
    board.blink("A015"); board.show("A015"); board.clear(); board.brightness(7)
    board.close()

    leds = LedHall(cfg.devices.led_boards)                     # the boards in hall.config (SerialPort)
    leds.apply(event)         # a hall event (called, recalled, finished, paused, …) → board commands
    leds.close()

A frame is built from a FrameFormat — data, not code — so another vendor's protocol is a new FrameFormat
(or `FrameFormat.from_dict` of a YAML mapping). The default "motcua" frame, every field ASCII:

    STX | address (2 digits) | command (1 letter) | payload | checksum (2 hex digits) | ETX
    02    30 33                53                  41 30 31 35   xx                      03
    checksum = XOR of the bytes from address to the end of payload.  Commands: S show, B blink, C clear,
    L brightness (payload one digit 0–9).

A board survives its device vanishing: the SerialLink reconnects with backoff and the board re-sends its
last state (brightness, then what it showed; a blink comes back as a steady show). docs/hardware.md.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable, Optional

from drivers.serialport import DeviceNotFound, SerialLink

__all__ = ["FrameFormat", "FORMATS", "LedBoard", "LedHall", "board_commands", "DeviceNotFound"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrameFormat:
    name: str
    layout: tuple[str, ...] = ("stx", "address", "command", "payload", "checksum", "etx")
    constants: dict = field(default_factory=lambda: {"stx": b"\x02", "etx": b"\x03"})
    address: str = "ascii2"              # ascii2 (two decimal digits) | byte
    commands: dict = field(default_factory=lambda: {"show": "S", "blink": "B", "clear": "C", "brightness": "L"})
    payloads: dict = field(default_factory=lambda: {"show": "{text}", "blink": "{text}", "clear": "",
                                                    "brightness": "{level}"})
    checksum: str = "xor"                # xor | sum8 | none
    checksum_over: tuple[str, ...] = ("address", "command", "payload")
    checksum_as: str = "hex2"            # hex2 (two ASCII hex digits) | byte
    width: int = 0                       # right-align text to this many characters (0: as given)
    levels: int = 10                     # brightness 0 … levels-1

    @classmethod
    def from_dict(cls, data: dict) -> "FrameFormat":
        """A format from YAML: constants as hex strings ("02"), other keys as in the class."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"LED frame format: unknown keys {sorted(unknown)}")
        data = dict(data)
        if "constants" in data:
            data["constants"] = {k: bytes.fromhex(v) for k, v in data["constants"].items()}
        for key in ("layout", "checksum_over"):
            if key in data:
                data[key] = tuple(data[key])
        fmt = cls(**data)
        fmt.check()
        return fmt

    def check(self) -> None:
        known = {"address", "command", "payload", "checksum", "length"} | set(self.constants)
        for part in self.layout + self.checksum_over:
            if part not in known:
                raise ValueError(f"LED frame format {self.name}: layout part {part!r} is neither a field "
                                 f"nor a constant")
        if self.checksum not in ("xor", "sum8", "none") or self.checksum_as not in ("hex2", "byte"):
            raise ValueError(f"LED frame format {self.name}: checksum must be xor|sum8|none as hex2|byte")
        if self.address not in ("ascii2", "byte"):
            raise ValueError(f"LED frame format {self.name}: address must be ascii2 or byte")

    def frame(self, address: int, command: str, **values) -> bytes:
        if command not in self.commands:
            raise ValueError(f"LED frame format {self.name} has no command {command!r}")
        if not 0 <= address <= (99 if self.address == "ascii2" else 255):
            raise ValueError(f"LED board address {address} does not fit format {self.name}")
        text = values.get("text", "")
        if self.width:
            if len(text) > self.width:
                raise ValueError(f"{text!r} is longer than the board's {self.width} characters")
            text = text.rjust(self.width)
        payload = self.payloads[command].format(**{**values, "text": text})
        try:
            body = payload.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError(f"LED boards show ASCII only, not {payload!r}") from None
        parts = {"address": f"{address:02d}".encode() if self.address == "ascii2" else bytes([address]),
                 "command": self.commands[command].encode("ascii"), "payload": body,
                 "length": bytes([len(body)]), **self.constants}
        if self.checksum != "none":
            covered = b"".join(parts[p] for p in self.checksum_over)
            value = 0
            for byte in covered:
                value = value ^ byte if self.checksum == "xor" else (value + byte) & 0xFF
            parts["checksum"] = f"{value:02X}".encode() if self.checksum_as == "hex2" else bytes([value])
        else:
            parts["checksum"] = b""
        return b"".join(parts[p] for p in self.layout)


FORMATS = {
    "motcua": FrameFormat("motcua"),
    # A binary vendor shape: AA 55 | address byte | command byte | length | payload | sum8 byte
    "binary-sum8": FrameFormat("binary-sum8", layout=("sync", "address", "command", "length", "payload",
                                                       "checksum"),
                               constants={"sync": b"\xAA\x55"}, address="byte",
                               commands={"show": "\x01", "blink": "\x02", "clear": "\x03", "brightness": "\x04"},
                               checksum="sum8", checksum_over=("address", "command", "length", "payload"),
                               checksum_as="byte"),
}


class LedBoard:
    def __init__(self, port: str, baudrate: int = 9600, address: int = 0,
                 protocol: str | FrameFormat = "motcua", *, name: str = "", link: Optional[SerialLink] = None,
                 **link_options):
        if isinstance(protocol, str):
            if protocol not in FORMATS:
                raise ValueError(f"unknown LED protocol {protocol!r}; known: {', '.join(FORMATS)}")
            protocol = FORMATS[protocol]
        self.format, self.address = protocol, address
        self.format.check()
        self.link = link or SerialLink(port, baudrate, on_connect=self._resend, name=name or f"led@{port}",
                                       **link_options)
        self._brightness: Optional[bytes] = None
        self._shown: Optional[bytes] = None          # the frame that restores what the board shows

    def open(self) -> None:
        self.link.open()

    def close(self) -> None:
        self.link.close()

    def show(self, text: str) -> bool:
        return self._send(self.format.frame(self.address, "show", text=text))

    def blink(self, text: str) -> bool:
        steady = self.format.frame(self.address, "show", text=text)
        return self._send(self.format.frame(self.address, "blink", text=text), steady)

    def clear(self) -> bool:
        return self._send(self.format.frame(self.address, "clear"))

    def brightness(self, level: int) -> bool:
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level < self.format.levels:
            raise ValueError(f"brightness {level!r} is outside 0–{self.format.levels - 1}")
        frame = self.format.frame(self.address, "brightness", level=level)
        with self.link.lock:
            sent = self.link.write(frame)
            self._brightness = frame
        return sent

    def _send(self, frame: bytes, state: Optional[bytes] = None) -> bool:
        """Write a frame, then remember what the board shows (sent again after a reconnection)."""
        with self.link.lock:
            sent = self.link.write(frame)
            self._shown = state or frame
        return sent

    def _resend(self, link: SerialLink) -> None:
        for frame in (self._brightness, self._shown):
            if frame:
                link.write(frame)


# --- hall events → board commands ------------------------------------------------------------------------
HALL_TEXT = "{number} {counter:02d}"
PAUSED_TEXT = "----"
CLEARS = {"finished", "transferred", "no_show", "resumed", "signed_out"}


def board_commands(event: dict, boards: Iterable) -> list[tuple[str, str, tuple]]:
    """(board id, command, args) for one hall event. A board with exactly one counter is that counter's
    board; a board with several counters, or none (every counter), is a hall board that lists calls."""
    kind, counter = event.get("type"), event.get("counter")
    if counter is None:
        return []
    number = (event.get("ticket") or {}).get("number") or event.get("data", {}).get("number")
    out = []
    for board in boards:
        own = board.counters == [counter]
        hall = len(board.counters) != 1 and (not board.counters or counter in board.counters)
        if kind in ("called", "recalled") and number:
            if own:
                out.append((board.id, "blink", (number,)))
            elif hall:
                out.append((board.id, "blink", (HALL_TEXT.format(number=number, counter=counter),)))
        elif own and kind == "paused":
            out.append((board.id, "show", (PAUSED_TEXT,)))
        elif own and kind in CLEARS:
            out.append((board.id, "clear", ()))
    return out


class LedHall:
    """Every LED board in the config, fed with hall events."""

    def __init__(self, boards: Iterable, protocol: str | FrameFormat = "motcua", **link_options):
        self.config = list(boards)
        self.boards = {b.id: LedBoard(b.port, b.baudrate, b.address, protocol, name=f"led {b.id}",
                                      **link_options) for b in self.config}

    def apply(self, event: dict) -> list[tuple[str, str, tuple]]:
        commands = board_commands(event, self.config)
        for board_id, command, args in commands:
            try:
                getattr(self.boards[board_id], command)(*args)
            except ValueError as exc:
                log.error("LED board %s: %s", board_id, exc)
        return commands

    def close(self) -> None:
        for board in self.boards.values():
            board.close()
