"""What every ticket printer shares: the faults, the DLE EOT status, and check-then-send over a python-escpos device.

    printer = open_printer(settings)      # nothing is opened until the first use (lazy, like python-escpos)
    warning = printer.check()             # raises PrinterFault if it can't print; returns the paper_low warning or None
    printer.send(job, preview, name)      # writes the ESC/POS bytes; raises PrinterFault; returns a saved path or None
    printer.status()                      # PrinterStatus, or None when the transport can't be asked
    printer.close()

A transport module subclasses TicketPrinter and gives `connect()` (a python-escpos printer, not yet opened) and, if
it has its own, the exception types that mean "timed out" and "gone".
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Optional

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from hall.config import Printer as PrinterSettings

FAULTS = {
    "paper_out": ("Máy in hết giấy", "The printer is out of paper"),
    "paper_low": ("Máy in sắp hết giấy", "The printer's paper is running low"),
    "offline": ("Máy in không sẵn sàng", "The printer is offline"),
    "cover_open": ("Nắp máy in đang mở", "The printer cover is open"),
    "disconnected": ("Mất kết nối với máy in", "The printer is disconnected"),
    "timeout": ("Máy in không phản hồi kịp thời", "The printer did not answer in time"),
}

DLE_EOT = b"\x10\x04"
CHUNK = 1024       # bytes per write, so a pulled cable or a stalled printer shows up within one chunk


class PrinterFault(Exception):
    """Why a ticket did not (or may not) print. `code` is one of FAULTS; only "paper_low" still prints."""

    def __init__(self, code: str, detail: str = ""):
        if code not in FAULTS:
            raise ValueError(f"unknown printer fault code {code!r} (known: {', '.join(FAULTS)})")
        self.code = code
        self.message_vi, self.message_en = FAULTS[code]
        self.detail = detail
        super().__init__(f"{code}: {self.message_en}" + (f" ({detail})" if detail else ""))

    @property
    def blocking(self) -> bool:
        return self.code != "paper_low"

    def as_dict(self) -> dict:
        """The shape the kiosk reports to the hall server."""
        return {"code": self.code, "message_vi": self.message_vi, "message_en": self.message_en,
                "detail": self.detail}


@dataclass(frozen=True)
class PrinterStatus:
    """The answers to DLE EOT 1 (printer), 2 (offline cause) and 4 (roll paper sensor)."""
    online: bool = True
    cover_open: bool = False
    paper_out: bool = False
    paper_low: bool = False

    def fault(self) -> Optional[PrinterFault]:
        for code, present in (("cover_open", self.cover_open), ("paper_out", self.paper_out),
                              ("offline", not self.online), ("paper_low", self.paper_low)):
            if present:
                return PrinterFault(code)
        return None


def valid_reply(byte: Optional[int]) -> bool:
    """A DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear."""
    return byte is not None and byte & 0x93 == 0x12


def parse_status(printer: int, cause: Optional[int], paper: Optional[int]) -> PrinterStatus:
    """Decode the status bytes (Epson ESC/POS: DLE EOT n, n = 1, 2, 4)."""
    return PrinterStatus(
        online=not printer & 0x08,
        cover_open=bool(cause is not None and cause & 0x04),
        paper_out=bool((paper is not None and paper & 0x60) or (cause is not None and cause & 0x20)),
        paper_low=bool(paper is not None and paper & 0x0C),
    )


class TicketPrinter:
    """One ticket printer over one transport. Subclasses give `connect()`; the rest is shared."""
    kind = ""
    answers_status = True              # False: the transport can't read back (CUPS, preview)
    per_job = False                    # True: open a fresh connection for every ticket (network printers)
    timeout_errors: tuple = (socket.timeout, TimeoutError)
    gone_errors: tuple = (OSError,)

    def __init__(self, settings: PrinterSettings):
        self.settings = settings
        self._escpos: Optional[Escpos] = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.where()}>"

    # --- what a transport gives -------------------------------------------------------------------------------
    def connect(self) -> Escpos:
        raise NotImplementedError

    def where(self) -> str:
        return self.kind

    def read_reply(self, device: Escpos, wait: float = 0.0) -> bytes:
        """One status byte, or b"" if none came within the timeout (plus `wait` seconds)."""
        return bytes(device._read())[:1]

    def wire_time(self, size: int) -> float:
        """Seconds the line needs to carry `size` bytes (a slow serial line is still busy after write returns)."""
        return 0.0

    def drain(self, device: Escpos) -> None:
        """Throw away answers that came back earlier (a DLE EOT sequence can occur inside raster data)."""

    # --- shared -------------------------------------------------------------------------------------------------
    @property
    def device(self) -> Escpos:
        if self._escpos is None:
            printer = self.connect()
            try:
                printer.open()
            except DeviceNotFoundError as exc:
                raise PrinterFault("disconnected", f"{self.where()}: {first_line(exc)}") from None
            except Exception as exc:
                raise self.fault_from(exc) from None
            self._escpos = printer
        return self._escpos

    def fault_from(self, exc: BaseException) -> PrinterFault:
        if isinstance(exc, PrinterFault):
            return exc
        code = "timeout" if isinstance(exc, self.timeout_errors) else "disconnected"
        return PrinterFault(code, f"{self.where()}: {first_line(exc) or type(exc).__name__}")

    def query(self, n: int, wait: float = 0.0) -> Optional[int]:
        """Send DLE EOT n; the answer byte, or None if the printer said nothing."""
        device = self.device
        self.drain(device)
        device._raw(DLE_EOT + bytes((n,)))
        reply = self.read_reply(device, wait)
        return reply[0] if reply else None

    def status(self, wait: float = 0.0) -> Optional[PrinterStatus]:
        """Ask the printer; None if this transport can't. Raises PrinterFault if the printer doesn't answer
        within timeout_s (+ `wait`, the time the bytes before the question still need on the line)."""
        if not self.answers_status:
            return None
        try:
            printer = self.query(1, wait)
            if not valid_reply(printer):
                raise PrinterFault("timeout", f"{self.where()}: no answer to DLE EOT 1 (switched off?)")
            cause = self.query(2) if printer & 0x08 else None
            paper = self.query(4)
        except PrinterFault:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise self.fault_from(exc) from None
        return parse_status(printer, cause if valid_reply(cause) else None, paper if valid_reply(paper) else None)

    def check(self) -> Optional[PrinterFault]:
        """Before a ticket: raise a fault that stops printing, return the paper_low warning (or None)."""
        status = self.status()
        fault = status.fault() if status else None
        if fault and fault.blocking:
            self.close()
            raise fault
        return fault

    def send(self, job: bytes, preview=None, name: str = "ticket") -> Optional[str]:
        """Write the job, then ask again so that a printer that stopped taking bytes is noticed."""
        try:
            device = self.device
            for start in range(0, len(job), CHUNK):
                device._raw(job[start:start + CHUNK])
            after = self.status(wait=self.wire_time(len(job)))
            if after and after.fault() and after.fault().blocking:
                raise after.fault()
        except Exception as exc:
            self.close()
            raise self.fault_from(exc) from None
        if self.per_job:
            self.close()
        return None

    def close(self) -> None:
        printer, self._escpos = self._escpos, None
        if printer is not None:
            try:
                printer.close()
            except Exception:          # closing a device that is already gone
                printer._device = False   # so python-escpos' __del__ does not try again


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""
