"""Network (Ethernet / Wi-Fi) ticket printer: escpos.printer.Network, raw TCP to port 9100.

Settings: kind: network, host, port (9100), timeout_s (connect, each write, each status answer).
A fresh connection is made for every ticket, so a printer that was switched off and on again just works.
"""
from __future__ import annotations

import socket

from escpos.printer import Network

from .base import PrinterFault, TicketPrinter


class NetworkPrinter(TicketPrinter):
    kind = "network"
    per_job = True

    def where(self) -> str:
        return f"network {self.settings.host}:{self.settings.port}"

    def connect(self) -> Network:
        if not self.settings.host:
            raise ValueError("printer.host is required for a network printer (e.g. 192.168.1.50)")
        return Network(host=self.settings.host, port=self.settings.port, timeout=self.settings.timeout_s)

    @property
    def device(self) -> Network:
        fresh = self._escpos is None
        printer = super().device
        if fresh:   # small status questions go out at once instead of waiting for the job's ACK (Nagle)
            printer.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return printer

    def read_reply(self, device: Network, wait: float = 0.0) -> bytes:
        try:
            reply = device.device.recv(1)
        except socket.timeout:
            return b""
        if not reply:
            raise PrinterFault("disconnected", f"{self.where()}: the printer closed the connection")
        return reply

    def drain(self, device: Network) -> None:
        sock = device.device
        sock.setblocking(False)
        try:
            while sock.recv(64):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            sock.settimeout(self.settings.timeout_s)
