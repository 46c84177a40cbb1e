"""Stand-in ticket printers for tests, and a reader that turns the bytes they received back into a ticket picture.

    with SerialStandin(state="ok", baudrate=115200) as printer:   # a pty pair; printer.device is the port's path
        ...  open_printer(Printer(kind="serial", device=printer.device))
    with NetworkStandin(state="paper_out") as printer:            # TCP on 127.0.0.1, printer.port is ephemeral
        ...
    printer.received        # every byte, in order        printer.state = "cover_open"   # change it any time
    printer.pull_cable_after = 2000                             # drop the line once 2,000 bytes have arrived
    job = read_job(printer.received)                            # blocks, qr, texts, cut; job.image(width)

Both answer DLE EOT n (n = 1 printer, 2 offline cause, 4 paper sensor) wherever it appears in the stream, as a
real printer does, according to `state`: ok, paper_low, paper_out, cover_open, offline, silent (no answer),
stalled (stops reading: writes back up until they time out).
"""
from __future__ import annotations

import os
import select
import socket
import struct
import threading
import time
import tty
from dataclasses import dataclass, field

from PIL import Image

from kiosk.ticket import QR, Gap, Native, Raster, compose

STATUS = {
    "ok": {1: 0x12, 2: 0x12, 4: 0x12},
    "paper_low": {1: 0x12, 2: 0x12, 4: 0x1E},      # near-end sensor: bits 2-3
    "paper_out": {1: 0x1A, 2: 0x32, 4: 0x72},      # offline; stopped by paper end; paper end: bits 5-6
    "cover_open": {1: 0x1A, 2: 0x16, 4: 0x12},     # offline; cover open: bit 2
    "offline": {1: 0x1A, 2: 0x52, 4: 0x12},        # offline; error: bit 6
    "silent": {},
    "stalled": {},
}


class Standin:
    """What both stand-ins share: the state, the record of bytes, the DLE EOT answers, the thread."""

    def __init__(self, state: str = "ok", baudrate: int = 0):
        if state not in STATUS:
            raise ValueError(f"unknown stand-in state {state!r} (known: {', '.join(STATUS)})")
        self.state = state
        self.baudrate = baudrate              # 0: as fast as the loopback goes; else bytes are taken at baud/10
        self.received = bytearray()
        self.pull_cable_after: int | None = None
        self.last_byte_at = 0.0               # time.perf_counter() when the last byte arrived
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._lock = threading.Lock()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self._close()

    def take(self, data: bytes) -> bytes:
        """Record incoming bytes; the answers to any DLE EOT n among them (looking back over chunk edges)."""
        with self._lock:
            start = max(0, len(self.received) - 2)
            self.received += data
            self.last_byte_at = time.perf_counter()
            window = bytes(self.received[start:])
        answers = STATUS[self.state]
        reply = bytearray()
        at = window.find(b"\x10\x04")
        while at != -1 and at + 2 < len(window):
            n = window[at + 2]
            if n in answers:
                reply.append(answers[n])
            at = window.find(b"\x10\x04", at + 1)
        return bytes(reply)

    def pace(self, count: int) -> None:
        if self.baudrate:
            time.sleep(count * 10 / self.baudrate)    # 8N1: ten bits on the wire per byte

    def cable_pulled(self) -> bool:
        return self.pull_cable_after is not None and len(self.received) >= self.pull_cable_after


class SerialStandin(Standin):
    """A pty pair: the driver opens `device` (the slave) as its serial port; this thread is the printer."""

    def __init__(self, state: str = "ok", baudrate: int = 0):
        super().__init__(state, baudrate)
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)

    def _run(self) -> None:
        chunk = max(1, self.baudrate // 100) if self.baudrate else 4096     # ~10 ms of line time per read
        while not self._stop.is_set() and self.master is not None:
            if self.state == "stalled":
                time.sleep(0.01)
                continue
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if not ready:
                continue
            try:
                data = os.read(self.master, chunk)
            except OSError:
                continue
            self.pace(len(data))
            reply = self.take(data)
            if self.cable_pulled():
                os.close(self.master)
                self.master = None
                return
            if reply:
                os.write(self.master, reply)

    def _close(self) -> None:
        for fd in (self.master, self._slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.master = self._slave = None


class NetworkStandin(Standin):
    """A TCP printer on 127.0.0.1 (ephemeral `port`), one connection at a time like a port-9100 printer."""

    def __init__(self, state: str = "ok", baudrate: int = 0):
        super().__init__(state, baudrate)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = self.server.getsockname()
        self.connections = 0

    def _run(self) -> None:
        self.server.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            self.connections += 1
            with conn:
                self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        while not self._stop.is_set():
            if self.state == "stalled":
                time.sleep(0.01)
                continue
            try:
                data = conn.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            self.pace(len(data))
            reply = self.take(data)
            if self.cable_pulled():
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))   # RST, not FIN
                return
            if reply:
                conn.sendall(reply)

    def _close(self) -> None:
        self.server.close()


# --- reading a job back -------------------------------------------------------------------------------------------
@dataclass
class ReadJob:
    blocks: list = field(default_factory=list)     # kiosk.ticket blocks: Raster, Gap, Native, QR
    qr: list = field(default_factory=list)         # the data of every GS ( k QR code printed
    texts: list = field(default_factory=list)      # native text lines
    status_queries: list = field(default_factory=list)
    initialised: bool = False
    cut: bool = False
    rasters: int = 0

    def image(self, width: int) -> Image.Image:
        return compose(self.blocks, width)


ONE_ARG = {b"\x1ba", b"\x1bE", b"\x1bt", b"\x1b!", b"\x1d!", b"\x1b{", b"\x1db", b"\x1b-", b"\x1bM", b"\x1dB",
           b"\x1bd", b"\x1bG", b"\x1bV", b"\x1b2"}


def read_job(data: bytes) -> ReadJob:
    """Parse the ESC/POS our tickets use; anything else is an error naming its offset."""
    job, i, mag, bold, line = ReadJob(), 0, 1, False, bytearray()
    qr = {}
    while i < len(data):
        two = data[i:i + 2]
        if two == b"\x10\x04":
            job.status_queries.append(data[i + 2])
            i += 3
        elif two == b"\x1b@":
            job.initialised, mag, bold = True, 1, False
            i += 2
        elif two == b"\x1dv":
            m, xl, xh, yl, yh = data[i + 3:i + 8]
            wb, h = xl + 256 * xh, yl + 256 * yh
            raw = data[i + 8:i + 8 + wb * h]
            if len(raw) < wb * h:
                raise ValueError(f"offset {i}: GS v 0 cut short ({len(raw)} of {wb * h} bytes)")
            if m != 0:
                raise ValueError(f"offset {i}: GS v 0 mode {m}, expected normal density")
            job.rasters += 1
            if wb == 1 and not any(raw):
                job.blocks.append(Gap(h))
            else:
                job.blocks.append(Raster(Image.frombytes("1", (wb * 8, h), bytes(255 - b for b in raw))))
            i += 8 + wb * h
        elif two == b"\x1d(" and data[i + 2:i + 3] == b"k":
            size = data[i + 3] + 256 * data[i + 4]
            body = data[i + 5:i + 5 + size]
            fn = body[1:2]
            if fn == b"C":
                qr["module"] = body[2]
            elif fn == b"E":
                qr["ec"] = body[2]
            elif fn == b"P":
                qr["data"] = body[3:].decode("utf-8")
            elif fn == b"Q":
                job.qr.append(qr["data"])
                job.blocks.append(QR(qr["data"], qr["module"]))
            i += 5 + size
        elif two == b"\x1dV":
            job.cut = True
            i += 3 if data[i + 2] in (0, 1, 48, 49) else 4
        elif two in ONE_ARG:
            if two == b"\x1d!":
                w, h = (data[i + 2] >> 4) + 1, (data[i + 2] & 0x0F) + 1
                if w != h:
                    raise ValueError(f"offset {i}: GS ! {w}×{h}, the ticket only uses square enlargement")
                mag = w
            elif two == b"\x1b!":
                if data[i + 2] & 0x30:
                    raise ValueError(f"offset {i}: ESC ! double size, the ticket uses GS ! instead")
                mag = 1
            elif two == b"\x1bE":
                bold = bool(data[i + 2] & 1)
            i += 3
        elif data[i] == 0x0A:
            if line:
                job.texts.append(line.decode("ascii"))
                job.blocks.append(Native(line.decode("ascii"), mag, bold))
                line = bytearray()
            i += 1
        elif 0x20 <= data[i] < 0x7F:
            line.append(data[i])
            i += 1
        else:
            raise ValueError(f"offset {i}: unexpected byte 0x{data[i]:02x} ({data[i:i + 8].hex(' ')})")
    return job
