"""Ticket printers, one small module per transport, all speaking ESC/POS through python-escpos.

    from drivers.printer import open_printer, PrinterFault
    printer = open_printer(settings)           # hall.config.Printer: kind preview | usb | serial | network | cups
    warning = printer.check()                  # DLE EOT status where the transport can answer; raises PrinterFault
    printer.send(job, preview_image, "A015")   # raises PrinterFault; the preview printer returns the PNG's path
    printer.close()

Most callers want kiosk.ticket.print_ticket, which renders the ticket, does both steps and returns faults instead
of raising them. PrinterFault(code) has .code (paper_out, paper_low, offline, cover_open, disconnected, timeout),
.message_vi, .message_en, .detail and .blocking (False only for paper_low).
"""
from __future__ import annotations

from hall.config import Printer as PrinterSettings

from .base import FAULTS, PrinterFault, PrinterStatus, TicketPrinter, parse_status

KINDS = {
    "preview": ("drivers.printer.preview", "PreviewPrinter"),
    "usb": ("drivers.printer.usb", "UsbPrinter"),
    "serial": ("drivers.printer.serial", "SerialPrinter"),
    "network": ("drivers.printer.network", "NetworkPrinter"),
    "cups": ("drivers.printer.cups", "CupsPrinter"),
}


def open_printer(settings: PrinterSettings) -> TicketPrinter:
    """The printer for these settings. Nothing is opened yet; a missing setting is a ValueError naming it."""
    from importlib import import_module

    if settings.kind not in KINDS:
        raise ValueError(f"printer.kind {settings.kind!r} is not one of {', '.join(KINDS)}")
    module, name = KINDS[settings.kind]
    printer = getattr(import_module(module), name)(settings)
    required = {"usb": ("vendor_id", "product_id"), "serial": ("device",), "network": ("host",),
                "cups": ("queue",)}.get(settings.kind, ())
    missing = [key for key in required if not getattr(settings, key)]
    if missing:
        raise ValueError(f"printer.{' and printer.'.join(missing)} required for a {settings.kind} printer")
    return printer


__all__ = ["FAULTS", "PrinterFault", "PrinterStatus", "TicketPrinter", "open_printer", "parse_status"]
