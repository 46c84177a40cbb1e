"""Serial (RS-232 / USB-serial) ticket printer: escpos.printer.Serial over pyserial.

Settings: kind: serial, device (e.g. /dev/ttyUSB0), baudrate (115200 unless the printer's DIP switches say
otherwise), timeout_s (how long a status answer or a stalled write may take).
"""
from __future__ import annotations

import serial
from escpos.printer import Serial

from .base import TicketPrinter


class SerialPrinter(TicketPrinter):
    kind = "serial"
    timeout_errors = (serial.SerialTimeoutException, TimeoutError)
    gone_errors = (serial.SerialException, OSError)

    def where(self) -> str:
        return f"serial {self.settings.device} @ {self.settings.baudrate}"

    def connect(self) -> Serial:
        if not self.settings.device:
            raise ValueError("printer.device is required for a serial printer (e.g. /dev/ttyUSB0)")
        printer = Serial(devfile=self.settings.device, baudrate=self.settings.baudrate,
                         timeout=self.settings.timeout_s, dsrdtr=False)
        return printer

    @property
    def device(self) -> Serial:
        fresh = self._escpos is None
        printer = super().device
        if fresh:
            printer.device.write_timeout = self.settings.timeout_s   # a stalled printer fails instead of hanging
        return printer

    def read_reply(self, device: Serial, wait: float = 0.0) -> bytes:
        port = device.device
        port.timeout = self.settings.timeout_s + wait
        try:
            return port.read(1)               # escpos' _read() waits for 16 bytes; a status answer is one
        finally:
            port.timeout = self.settings.timeout_s

    def wire_time(self, size: int) -> float:
        return size * 10 / self.settings.baudrate      # 8N1: ten bits per byte

    def drain(self, device: Serial) -> None:
        device.device.reset_input_buffer()
