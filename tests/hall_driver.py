"""Drive a live hall server over HTTP the way kiosks and clerks do: add clerks, issue tickets, act at counters.

Used by the wall display, pad and benchmark tests (tests/conftest.py's live_server gives the server).
"""
from __future__ import annotations

import time

import requests

from conftest import wait_for

PASSWORD = "matkhau123"


class HallDriver:
    def __init__(self, server, cfg):
        self.url, self.cfg = server.url, cfg
        self.kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
        self.admin = {"Authorization": f"Bearer {server.sign_in(role='admin', username='admin1')['token']}"}
        self.clerks: dict[int, dict] = {}
        self.http = requests.Session()

    def post(self, path: str, headers: dict, **body) -> dict:
        r = self.http.post(f"{self.url}{path}", json=body, headers=headers, timeout=10)
        if r.status_code >= 400:
            raise AssertionError(f"POST {path} → {r.status_code}: {r.text}")
        return r.json()

    def service_of(self, counter: int) -> str:
        return next(c for c in self.cfg.counters if c.number == counter).services[0]

    def clerk(self, counter: int, full_name: str = "") -> dict:
        """A clerk added (by the admin) and signed in at that counter: their Authorization headers."""
        if counter not in self.clerks:
            name = f"clerk{counter}"
            self.post("/api/users", self.admin, username=name, password=PASSWORD, role="clerk",
                      full_name=full_name or f"Cán bộ quầy {counter}")
            token = self.post("/api/login", {}, username=name, password=PASSWORD, counter=counter)["token"]
            self.clerks[counter] = {"Authorization": f"Bearer {token}"}
        return self.clerks[counter]

    def issue(self, service: str) -> dict:
        return self.post("/api/tickets", self.kiosk, service=service)

    def act(self, counter: int, action: str, **body) -> dict:
        return self.post(f"/api/counters/{counter}/{action}", self.clerk(counter), **body)

    def call_new(self, counter: int) -> tuple[dict, float]:
        """Issue a ticket for the counter's first service and call it there: (ticket, time of the call request)."""
        ticket = self.issue(self.service_of(counter))
        t0 = time.monotonic()
        self.act(counter, "call", ticket=ticket["number"])
        return ticket, t0

    def serve(self, counter: int) -> dict:
        """A whole visit at the counter: issue, call, start, finish. Returns the ticket."""
        ticket, _ = self.call_new(counter)
        self.act(counter, "start")
        self.act(counter, "finish")
        return ticket


def pump(app, until, timeout: float = 10.0, what: str = "") -> bool:
    """Run the app's frames until `until()` is true; fail (naming `what`) if it isn't after `timeout` seconds —
    at least 30: a timeout a caller chose on an idle machine is too short when other work shares the 2 cores,
    and a passing test never waits it out."""
    def stepped():
        app.step()
        return until()
    return bool(wait_for(stepped, max(timeout, 30.0), what or "the app's frames to show what the test waits for",
                         interval=0.01))
