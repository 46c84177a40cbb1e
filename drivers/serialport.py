"""A serial line that comes back by itself: the transport under the LED boards and the rating keypads.

    link = SerialLink("/dev/ttyUSB0", 9600, on_connect=resend_state)
    link.open()            # optional: raises DeviceNotFound naming the port and why
    link.write(frame)      # lazy open; True when written, False while the device is away
    link.read(64)          # bytes, or b"" on timeout or while the device is away
    link.close()           # stops the keeper thread and closes the port

Once used, a keeper thread watches the port: when the device vanishes (a write or read fails, the device
node disappears, or the path now names another device — a re-plugged USB adapter or a re-pointed symlink)
the port is closed and reopened with backoff (0.2 s doubling to 5 s). After each (re)connection
`on_connect(link)` runs under the write lock, so a driver re-sends its last state before anything new.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Callable, Optional

import serial

log = logging.getLogger(__name__)


class DeviceNotFound(OSError):
    """The serial device is not there (or cannot be opened): the message names the port and the reason."""


class SerialLink:
    def __init__(self, port: str, baudrate: int = 9600, *, timeout: float = 0.2,
                 backoff: tuple[float, float] = (0.2, 5.0), watch_s: float = 0.5,
                 on_connect: Optional[Callable[["SerialLink"], None]] = None, name: str = ""):
        if not port:
            raise ValueError("a serial port path is needed (e.g. /dev/ttyUSB0)")
        self.port, self.baudrate, self.timeout = port, baudrate, timeout
        self.backoff, self.watch_s = backoff, watch_s
        self.on_connect = on_connect
        self.name = name or port
        self.connections = 0                      # how many times it (re)connected
        self._serial: Optional[serial.Serial] = None
        self._rdev: Optional[int] = None
        self._lock = threading.RLock()
        self._closed = threading.Event()
        self._up = threading.Event()
        self._keeper: Optional[threading.Thread] = None

    @property
    def lock(self) -> threading.RLock:
        """Held while writing and while on_connect re-sends state; a driver may hold it around both."""
        return self._lock

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    def open(self) -> None:
        """Open now (raises DeviceNotFound); the keeper thread then keeps it open."""
        with self._lock:
            if not self.connected:
                self._connect()
        self._start_keeper()

    def wait_connected(self, timeout: float) -> bool:
        return self._up.wait(timeout)

    def write(self, data: bytes) -> bool:
        with self._lock:
            if self._closed.is_set():
                return False
            if not self.connected and self._keeper is None:
                try:
                    self._connect()
                except DeviceNotFound as exc:
                    log.warning("%s; will keep trying", exc)
            self._start_keeper()
            if not self.connected:
                return False
            try:
                self._serial.write(data)
                self._serial.flush()
                return True
            except (serial.SerialException, OSError) as exc:
                self._lost(exc)
                return False

    def read(self, size: int = 64) -> bytes:
        self._start_keeper()
        if not self._up.wait(self.timeout):
            return b""
        port = self._serial
        try:
            return port.read(size) if port is not None else b""
        except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
            with self._lock:
                if self._serial is port:
                    self._lost(exc)
            return b""

    def close(self) -> None:
        self._closed.set()
        keeper, self._keeper = self._keeper, None
        if keeper is not None and keeper is not threading.current_thread():
            keeper.join(5)
        with self._lock:
            self._drop()

    # --- inside ---------------------------------------------------------------------------------------
    def _connect(self) -> None:
        try:
            port = serial.Serial(self.port, self.baudrate, timeout=self.timeout, write_timeout=2)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceNotFound(f"{self.name}: cannot open serial port {self.port}: {exc}") from None
        self._serial, self._rdev = port, os.fstat(port.fileno()).st_rdev
        self._up.set()
        self.connections += 1
        log.info("%s: connected on %s", self.name, self.port)
        if self.on_connect:
            try:
                self.on_connect(self)
            except Exception:
                log.exception("%s: re-sending state failed", self.name)

    def _lost(self, exc: Exception) -> None:
        if self.connected:
            log.warning("%s: lost %s (%s); reconnecting", self.name, self.port, exc)
        self._drop()

    def _drop(self) -> None:
        self._up.clear()
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass

    def _still_there(self) -> bool:
        try:
            return os.stat(self.port).st_rdev == self._rdev
        except OSError:
            return False

    def _start_keeper(self) -> None:
        with self._lock:
            if self._keeper is None and not self._closed.is_set():
                self._keeper = threading.Thread(target=self._keep, name=f"serial-{self.name}", daemon=True)
                self._keeper.start()

    def _keep(self) -> None:
        delay = self.backoff[0]
        while not self._closed.is_set():
            if self.connected:
                delay = self.backoff[0]
                if not self._still_there():
                    with self._lock:
                        self._lost(OSError("the device node is gone or changed"))
                self._closed.wait(self.watch_s)
                continue
            with self._lock:
                if self._closed.is_set():
                    return
                try:
                    self._connect()
                    continue
                except DeviceNotFound:
                    pass
            self._closed.wait(delay)
            delay = min(delay * 2, self.backoff[1])
