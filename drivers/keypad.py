"""A 4-button serial rating keypad: the hardware alternative to a touchscreen rating pad.

    pad = RatingKeypad("/dev/ttyUSB1", 9600, cfg.ratings.levels, on_rating=send_rating)
    pad.start()          # a reader thread; the port opens lazily and reconnects like the LED boards
    pad.stop()

Protocol: the keypad sends one ASCII byte per press, "1" for the first button … "4" for the fourth; button N
means the N-th rating level in config order (ratings.levels), so on_rating receives that level's `value`.
Another keypad is a `key_map` ({"A": 4, "B": 3, …} or {0x31: 4, …}). CR, LF and spaces are ignored; any
other byte is logged and ignored. The same button again within `debounce_s` (1 s) is one press.
on_rating runs in the reader thread; an exception in it is logged and the keypad carries on.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable, Optional

from drivers.serialport import DeviceNotFound, SerialLink

__all__ = ["RatingKeypad", "key_map_for", "DeviceNotFound"]
log = logging.getLogger(__name__)
IGNORED = set(b"\r\n ")


def key_map_for(levels: Iterable, key_map: Optional[dict] = None) -> dict[int, int]:
    """Byte → rating value. Default: b"1" → the first level's value, b"2" → the second, …"""
    values = [level.value if hasattr(level, "value") else int(level) for level in levels]
    if not key_map:
        return {ord(str(i + 1)): value for i, value in enumerate(values)}
    out = {}
    for key, value in key_map.items():
        if isinstance(key, str) and len(key) == 1 and key.isascii():
            byte = ord(key)
        elif isinstance(key, bytes) and len(key) == 1:
            byte = key[0]
        elif isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 255:
            byte = key
        else:
            raise ValueError(f"keypad key {key!r} must be one ASCII character or a byte 0–255")
        if value not in values:
            raise ValueError(f"keypad key {key!r} gives rating {value!r}, which is not a rating level "
                             f"(levels: {values})")
        out[byte] = value
    return out


class RatingKeypad:
    def __init__(self, port: str, baudrate: int = 9600, levels: Iterable = (),
                 on_rating: Callable[[int], None] | None = None, *, key_map: Optional[dict] = None,
                 debounce_s: float = 1.0, clock: Callable[[], float] = time.monotonic, name: str = "",
                 link: Optional[SerialLink] = None, **link_options):
        self.keys = key_map_for(levels, key_map)
        if not self.keys:
            raise ValueError("a rating keypad needs the rating levels (ratings.levels) or a key_map")
        self.on_rating = on_rating
        self.debounce_s, self.clock = debounce_s, clock
        self.link = link or SerialLink(port, baudrate, name=name or f"keypad@{port}", **link_options)
        self._last: tuple[Optional[int], float] = (None, float("-inf"))
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def open(self) -> None:
        """Open the port now: raises DeviceNotFound naming it (start() alone keeps trying instead)."""
        self.link.open()

    def start(self) -> "RatingKeypad":
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"keypad-{self.link.name}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.link.close()

    def press(self, byte: int) -> Optional[int]:
        """One byte from the keypad: the rating it gives, or None (unknown byte or a bounce)."""
        if byte in IGNORED:
            return None
        value = self.keys.get(byte)
        if value is None:
            log.warning("%s: unknown key byte 0x%02X ignored", self.link.name, byte)
            return None
        now = self.clock()
        last_byte, last_at = self._last
        if byte == last_byte and now - last_at < self.debounce_s:
            return None
        self._last = (byte, now)
        if self.on_rating:
            try:
                self.on_rating(value)
            except Exception:
                log.exception("%s: on_rating failed for %s", self.link.name, value)
        return value

    def _run(self) -> None:
        while not self._stop.is_set():
            data = self.link.read(64)
            if not data and not self.link.connected:
                self._stop.wait(0.05)
            for byte in data:
                self.press(byte)
