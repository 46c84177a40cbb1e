"""The preview printer: no paper, each ticket saved as PNG (what the paper would show) plus its raw ESC/POS job.

Settings: kind: preview, folder (relative to the working directory; created if missing). The default in `make run`.
Files: <folder>/<YYYYmmdd-HHMMSS-ffffff>-<number>.png and .bin — `cat x.bin > /dev/usb/lp0` prints it for real.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .base import PrinterFault, TicketPrinter


class PreviewPrinter(TicketPrinter):
    kind = "preview"
    answers_status = False

    def where(self) -> str:
        return f"preview folder {self.settings.folder}"

    def send(self, job: bytes, preview=None, name: str = "ticket") -> str:
        folder = Path(self.settings.folder)
        safe = "".join(ch for ch in name if ch.isalnum() or ch in "-_") or "ticket"
        stem = folder / f"{datetime.now():%Y%m%d-%H%M%S-%f}-{safe}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stem.with_suffix(".bin").write_bytes(job)
            if preview is not None:
                preview.save(stem.with_suffix(".png"))
        except OSError as exc:
            raise PrinterFault("disconnected", f"{self.where()}: {exc.strerror}") from None
        return str(stem.with_suffix(".png"))

    def close(self) -> None:
        pass
