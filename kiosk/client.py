"""The kiosk's HTTP calls to the hall server, each a short request with the kiosk's token.

    server = HallClient("http://127.0.0.1:5000", token)
    server.services()          # GET /api/services
    server.issue("TP.LLTP", key=order_key())   # POST /api/tickets (Idempotency-Key: key) → the ticket JSON
    server.received(ticket_id) # POST /api/tickets/<id>/received: the number reached this kiosk
    server.report("paper_out", "Máy in hết giấy", ticket_id)      # POST /api/devices/status; fault None clears

Connection errors, time-outs and 5xx answers raise Unreachable (the kiosk shows "tạm thời gián đoạn"); a 4xx
answer raises Refused with the server's error code and message (closed, …). An order's key makes its retries
safe: the hall issues one ticket per key, whatever reached it (docs/protocol.md).
"""
from __future__ import annotations

import uuid
from typing import Optional

import requests


def order_key() -> str:
    """A new Idempotency-Key: one per order, the same for each retry of it."""
    return str(uuid.uuid4())


class Unreachable(Exception):
    """The hall server did not answer (or answered 5xx)."""


class Refused(Exception):
    def __init__(self, code: str, message: str, status: int):
        super().__init__(f"{status} {code}: {message}")
        self.code, self.message, self.status = code, message, status


class HallClient:
    def __init__(self, server: str, token: str, timeout_s: float = 4.0):
        self.server, self.timeout_s = server.rstrip("/"), timeout_s
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, **kw):
        try:
            r = self.http.request(method, f"{self.server}/api{path}", timeout=self.timeout_s, **kw)
        except requests.RequestException as exc:
            raise Unreachable(f"{method} {path}: {type(exc).__name__}") from None
        if r.status_code >= 500:
            raise Unreachable(f"{method} {path}: HTTP {r.status_code}")
        if r.status_code >= 400:
            try:
                err = r.json()
            except ValueError:
                err = {}
            raise Refused(err.get("error", "error"), err.get("message", r.reason), r.status_code)
        return r.json()

    def services(self) -> dict:
        return self._call("GET", "/services")

    def issue(self, service: str, priority: Optional[str] = None, key: Optional[str] = None) -> dict:
        headers = {"Idempotency-Key": key} if key else {}
        return self._call("POST", "/tickets", json={"service": service, "priority": priority, "channel": "kiosk"},
                          headers=headers)

    def received(self, ticket_id: str) -> dict:
        return self._call("POST", f"/tickets/{ticket_id}/received")

    def ticket(self, ticket_id: str) -> dict:
        return self._call("GET", f"/tickets/{ticket_id}")

    def search(self, query: str, limit: int = 6) -> list:
        return self._call("GET", "/procedures", params={"q": query, "limit": limit})

    def report(self, fault: Optional[str], message: str = "", ticket: Optional[str] = None) -> dict:
        return self._call("POST", "/devices/status", json={"fault": fault, "message": message, "ticket": ticket})

    def close(self):
        self.http.close()
