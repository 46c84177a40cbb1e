"""USB ticket printer: escpos.printer.Usb over pyusb/libusb (the printer's own USB interface, not a tty).

Settings: kind: usb, vendor_id, product_id (see `lsusb`, e.g. 0x0416 / 0x5011), timeout_s.
The kiosk's user needs access to the device (a udev rule: SUBSYSTEM=="usb", ATTRS{idVendor}=="0416", MODE="0666").
"""
from __future__ import annotations

import usb.core
from escpos.printer import Usb

from .base import TicketPrinter


class UsbPrinter(TicketPrinter):
    kind = "usb"
    timeout_errors = (usb.core.USBTimeoutError, TimeoutError)
    gone_errors = (usb.core.USBError, OSError)

    def where(self) -> str:
        vendor, product = self.settings.vendor_id, self.settings.product_id
        return f"usb {vendor or 0:04x}:{product or 0:04x}"

    def connect(self) -> Usb:
        if not (self.settings.vendor_id and self.settings.product_id):
            raise ValueError("printer.vendor_id and printer.product_id are required for a USB printer (see lsusb)")
        return Usb(idVendor=self.settings.vendor_id, idProduct=self.settings.product_id,
                   timeout=int(self.settings.timeout_s * 1000))

    def read_reply(self, device: Usb, wait: float = 0.0) -> bytes:
        try:
            return bytes(device._read())[:1]
        except usb.core.USBTimeoutError:
            return b""
