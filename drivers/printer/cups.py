"""A ticket printer behind CUPS: escpos.printer.LP, i.e. `lp -d QUEUE -o raw`, one job per ticket.

Settings: kind: cups, queue (the CUPS queue name, `lpstat -e`). The queue must be a raw queue for an ESC/POS printer.
CUPS can't pass DLE EOT answers back, so paper and cover faults show in CUPS, not here; a missing `lp`, an
unknown queue or a failed `lp` are reported as faults.
"""
from __future__ import annotations

import subprocess

from escpos.printer import LP

from .base import PrinterFault, TicketPrinter


class CupsPrinter(TicketPrinter):
    kind = "cups"
    answers_status = False
    per_job = True
    gone_errors = (subprocess.SubprocessError, OSError)

    def where(self) -> str:
        return f"cups queue {self.settings.queue or '(default)'}"

    def connect(self) -> LP:
        if not self.settings.queue:
            raise ValueError("printer.queue is required for a CUPS printer (see lpstat -e)")
        return LP(self.settings.queue)

    def send(self, job: bytes, preview=None, name: str = "ticket") -> None:
        try:
            printer = self.device
            process = printer.device
            printer._raw(job)
            self._escpos = None
            printer.close()               # closes lp's stdin and waits for it
        except PrinterFault:
            raise
        except Exception as exc:
            self.close()
            raise self.fault_from(exc) from None
        if process.returncode:
            raise PrinterFault("offline", f"{self.where()}: lp exited with status {process.returncode}")
        return None
