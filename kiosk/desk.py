"""The kiosk's ticket desk: the slow work (printer status, issuing, printing, fault reports) off the drawing loop.

One worker thread does everything that touches the printer, in order; the screen learns what happened from
`desk.outbox`:

    ("issued", ticket, warning)      the hall gave a number (warning: a PrinterFault seen before issuing, or None)
    ("printed", ticket, result)      kiosk.ticket.PrintResult — ok, or the fault that stopped it
    ("refused", Refused)             the hall said no (closed …)
    ("unreachable", message)         the hall did not answer: no ticket, and none is ever numbered here

Each order carries an Idempotency-Key (docs/protocol.md). The desk retries an order that got no answer with the
same key, and keeps the key while the order stays unanswered: the citizen who touches the same service again gets
the ticket the lost answer carried, never a second one. As soon as a number arrives the desk tells the hall it was
received (POST /api/tickets/<id>/received); a confirmation that does not get through is sent again with the next
job, so the hall's "unreceived" mark only stays on tickets whose number never reached a kiosk.

Fault policy (docs/printing.md): a ticket that did not print stays valid — its number and QR code are on the screen.
The fault goes to the hall (POST /api/devices/status with the ticket's id) and is cleared (fault null) as soon as
a ticket prints, or a status check finds the printer well again.
"""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from drivers.printer import PrinterFault, TicketPrinter
from hall.config import Centre
from kiosk.client import HallClient, Refused, Unreachable, order_key
from kiosk.ticket import PrintResult, print_ticket

log = logging.getLogger("motcua.kiosk")


class TicketDesk:
    def __init__(self, client: HallClient, printer: TicketPrinter, centre: Centre,
                 retry_pauses_s: tuple = (0.3, 1.0)):
        self.client, self.printer, self.centre = client, printer, centre
        self.retry_pauses_s = retry_pauses_s   # an unanswered order is sent again after these, with the same key
        self.outbox: "queue.Queue[tuple]" = queue.Queue()
        self.last_ticket: Optional[dict] = None
        self.fault: Optional[PrinterFault] = None      # the printer's fault as the screen should show it
        self._fault_ticket: Optional[str] = None
        self._reported: Optional[tuple] = ("unknown",)  # (code, ticket) last told to the hall; unknown at start
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="kiosk-desk")
        self._open_order: Optional[tuple] = None        # (service, priority, key) sent but never answered
        self._unconfirmed: list[str] = []               # tickets whose receipt the hall has not heard of yet
        self._closing = threading.Event()

    # --- asked by the screen -------------------------------------------------------------------------------
    def take(self, service: str, priority: Optional[str] = None):
        return self._pool.submit(self._take, service, priority)

    def reprint(self, ticket_id: Optional[str] = None):
        return self._pool.submit(self._reprint, ticket_id)

    def probe(self):
        """Ask a faulty printer again (where it can answer) and tell the hall when it is well."""
        return self._pool.submit(self._probe)

    def close(self):
        self._closing.set()
        self._pool.shutdown(wait=True)
        self.printer.close()

    # --- worker ----------------------------------------------------------------------------------------------
    def _take(self, service: str, priority: Optional[str]):
        try:
            warning = self.printer.check()
        except PrinterFault as fault:
            warning = fault
        except Exception as exc:           # a driver bug must not keep the citizen from a number
            warning = PrinterFault("disconnected", str(exc))
        self._confirm_pending()
        try:
            ticket = self._order(service, priority)
        except Refused as refused:
            self.outbox.put(("refused", refused))
            return
        except Unreachable as exc:
            self.outbox.put(("unreachable", str(exc)))
            return
        self.last_ticket = ticket
        self.outbox.put(("issued", ticket, warning))
        self._unconfirmed.append(ticket["id"])
        self._confirm_pending()
        if warning is not None and warning.blocking:
            result = PrintResult(False, 0, warning)
        else:
            result = self._print(ticket)
        self.outbox.put(("printed", ticket, result))
        self._report(result.fault, ticket["id"])

    def _order(self, service: str, priority: Optional[str]) -> dict:
        """The ticket for this order: sent with its key, and again with the same key while no answer comes."""
        same = self._open_order is not None and self._open_order[:2] == (service, priority)
        key = self._open_order[2] if same else order_key()
        self._open_order = (service, priority, key)
        for pause in tuple(self.retry_pauses_s) + (None,):
            try:
                ticket = self.client.issue(service, priority, key)
            except Unreachable:
                if pause is None or self._closing.wait(pause):
                    raise                     # the key stays open: the next touch for this service retries it
                continue
            except Refused:
                self._open_order = None       # answered: a refusal is an answer
                raise
            self._open_order = None
            return ticket
        raise AssertionError("unreachable")

    def _confirm_pending(self):
        """Tell the hall which numbers reached this kiosk (those it could not tell before, too)."""
        while self._unconfirmed:
            try:
                self.client.received(self._unconfirmed[0])
            except Unreachable as exc:
                log.warning("could not confirm ticket %s's receipt yet: %s", self._unconfirmed[0], exc)
                return
            except Refused as exc:
                log.warning("the hall refused ticket %s's receipt: %s", self._unconfirmed[0], exc)
            self._unconfirmed.pop(0)

    def _reprint(self, ticket_id: Optional[str]):
        ticket = self.last_ticket
        if ticket_id and (ticket is None or ticket.get("id") != ticket_id):
            try:
                ticket = self.client.ticket(ticket_id)
            except (Refused, Unreachable) as exc:
                log.warning("reprint of %s: %s", ticket_id, exc)
                return
        if ticket is None:
            log.info("reprint asked, but this kiosk has issued no ticket yet")
            return
        result = self._print(ticket)
        self.outbox.put(("reprinted", ticket, result))
        self._report(result.fault, ticket["id"])

    def _print(self, ticket: dict) -> PrintResult:
        try:
            return print_ticket(self.printer, ticket, self.centre)
        except PrinterFault as fault:
            return PrintResult(False, 0, fault)
        except Exception as exc:
            log.exception("printing %s", ticket.get("number"))
            return PrintResult(False, 0, PrinterFault("disconnected", str(exc)))

    def _probe(self):
        self._confirm_pending()
        if self.printer.answers_status:
            try:
                warning = self.printer.check()
            except PrinterFault as fault:
                warning = fault
            same = warning is not None and self.fault is not None and warning.code == self.fault.code
            self._report(warning, self._fault_ticket if same else None)
        elif self.fault is not None:
            self._report(self.fault, self._fault_ticket)      # retry a report that did not get through

    def _report(self, fault: Optional[PrinterFault], ticket_id: Optional[str]):
        """Tell the hall about a fault, or that the printer is fine again — once per change."""
        self.fault, self._fault_ticket = fault, ticket_id if fault else None
        key = (fault.code, ticket_id) if fault else (None, None)
        if key == self._reported:
            return
        try:
            if fault:
                self.client.report(fault.code, f"{fault.message_vi} ({fault.message_en})", ticket_id)
            else:
                self.client.report(None)
            self._reported = key
        except (Refused, Unreachable) as exc:
            log.warning("could not report the printer's state: %s", exc)
