"""The kiosk's state machine: which screen, what the citizen chose, what the hall and the printer said.

No pygame here: the app turns touches into `tap(action)` and the hall stream into `on_event`, and calls `tick()`
each frame; kiosk/views.py draws whatever `screen` says. Screens:

    connecting → home ⇄ unit → busy → result → home          (a ticket)
    home → priority → home (with a priority category) → unit → …
    home → search → procedure → busy → result
    offline  (the hall does not answer: "tạm thời gián đoạn")     closed  (outside opening hours)
"""
from __future__ import annotations

import time
from typing import Callable, Optional

from hall.config import Kiosk
from kiosk.client import HallClient, Refused, Unreachable
from kiosk.desk import TicketDesk
from kiosk.keyboard import press
from kiosk.text import name_of, say

ISSUING_SCREENS = ("home", "unit", "priority")
STALE_S = 3.0          # the hall stream silent (disconnected) this long → offline
REFRESH_S = 30.0       # re-read /api/services (opening hours move on without an event)
SEARCH_DELAY_S = 0.3   # search once typing pauses


class KioskState:
    def __init__(self, settings: Kiosk, client: HallClient, desk: TicketDesk,
                 clock: Callable[[], float] = time.monotonic, hours: str = ""):
        self.settings, self.client, self.desk, self.clock, self.hours = settings, client, desk, clock, hours
        self.lang = settings.language
        self.place = "home"                  # where the citizen is; `screen` may override it
        self.online, self.ever_online = False, False
        self.units: list[dict] = []
        self.priorities: list[dict] = []
        self.figures: dict[str, dict] = {}   # service code → waiting, estimated_wait_s, open
        self.issuing, self.closed_reason = True, ""
        self.unit: Optional[str] = None
        self.priority: Optional[str] = None
        self.query, self.results, self.procedure = "", [], None
        self.ticket: Optional[dict] = None
        self.printing: Optional[str] = None  # printing | printed | fault
        self.print_fault = None
        self.notice: Optional[str] = None
        now = self.clock()
        self.started_at = self.last_touch = self.result_until = now
        self.search_due: Optional[float] = None
        self.next_refresh = now
        self.next_probe = now

    # --- what is shown -------------------------------------------------------------------------------------
    @property
    def screen(self) -> str:
        if self.place in ("result", "busy"):
            return self.place
        if not self.online:
            return "offline" if self.ever_online or self.clock() - self.started_at > STALE_S else "connecting"
        if not self.issuing and self.place in ISSUING_SCREENS:
            return "closed"
        return self.place

    def unit_info(self, code: Optional[str] = None) -> Optional[dict]:
        return next((u for u in self.units if u["code"] == (code or self.unit)), None)

    def service_info(self, code: str) -> Optional[dict]:
        return next((s for u in self.units for s in u["services"] if s["code"] == code), None)

    def figure(self, service: dict) -> dict:
        return {**service, **self.figures.get(service["code"], {})}

    def unit_figures(self, unit: dict) -> dict:
        """Waiting people in the unit, the longest estimated wait among its open services, open at all."""
        services = [self.figure(s) for s in unit["services"]]
        open_ = [s for s in services if s["open"]]
        return {"waiting": sum(s["waiting"] for s in services), "open": bool(open_),
                "estimated_wait_s": max((s["estimated_wait_s"] for s in open_), default=0)}

    def priority_name(self) -> str:
        cat = next((c for c in self.priorities if c["code"] == self.priority), None)
        return name_of(cat, self.lang) if cat else ""

    # --- the citizen ---------------------------------------------------------------------------------------
    def tap(self, action: tuple) -> None:
        self.last_touch = self.clock()
        kind, arg = action[0], (action[1] if len(action) > 1 else None)
        if self.notice is not None:
            self.notice = None           # any touch closes the message
            return
        if kind == "lang":
            self.lang = "en" if self.lang == "vi" else "vi"
        elif kind == "home" or kind == "done":
            self.go_home()
        elif kind == "back":
            self.place = {"procedure": "search", "unit": "home"}.get(self.place, "home")
        elif kind == "unit":
            self.unit, self.place = arg, "unit"
        elif kind == "service":
            self.take(arg)
        elif kind == "priority":
            self.place = "priority"
        elif kind == "category":
            self.priority, self.place = arg, "home"
        elif kind == "no_priority":
            self.priority = None
        elif kind == "lookup":
            self.place, self.query, self.results = "search", "", []
        elif kind == "key":
            self.query = press(self.query, arg)
            self.search_due = self.clock() + SEARCH_DELAY_S
        elif kind == "procedure":
            self.procedure, self.place = self.results[arg], "procedure"
        elif kind == "take":
            self.take(arg)

    def take(self, service: str) -> None:
        info = self.service_info(service)
        if info is None:
            return
        if not self.issuing:
            self.notice = self.closed_text()
            return
        if not self.figure(info)["open"]:
            self.notice = say("service_closed", self.lang, name=name_of(info, self.lang))
            return
        self.place = "busy"
        self.desk.take(service, self.priority)

    def go_home(self) -> None:
        self.place, self.unit, self.priority, self.procedure = "home", None, None, None
        self.query, self.results, self.notice = "", [], None

    def closed_text(self) -> str:
        reason = self.closed_reason if self.lang == "vi" and self.closed_reason else say("closed_default", self.lang)
        return reason

    # --- the hall and the printer --------------------------------------------------------------------------
    def on_event(self, kind: str, payload: dict) -> None:
        if kind == "snapshot":
            self.issuing = payload.get("issuing", self.issuing)
            self.closed_reason = payload.get("closed_reason", "")
            for q in payload.get("queues", []):
                self.figures[q["service"]] = q
            self.refresh()
        elif kind == "reprint":
            data = payload.get("data") or {}
            if data.get("kiosk") == self.settings.id:
                self.desk.reprint(data.get("ticket"))
        elif isinstance(payload, dict):
            for q in payload.get("queue") or []:
                self.figures[q["service"]] = q

    def on_desk(self, message: tuple) -> None:
        kind = message[0]
        now = self.clock()
        if kind == "issued":
            _, self.ticket, warning = message
            self.place, self.result_until = "result", now + self.settings.result_s
            blocked = warning is not None and warning.blocking
            self.printing, self.print_fault = ("fault", warning) if blocked else ("printing", None)
        elif kind == "printed":
            _, ticket, result = message
            if self.ticket is ticket:
                self.printing = "printed" if result.ok else "fault"
                self.print_fault = None if result.ok else result.fault
                if not result.ok:       # more time to note the number or scan the code
                    self.result_until = now + 3 * self.settings.result_s
        elif kind == "refused":
            refused: Refused = message[1]
            self.place = "unit" if self.unit else "home"
            self.notice = say("error", self.lang, message=refused.message)
            if refused.code == "closed":
                self.refresh()
        elif kind == "unreachable":
            self.place, self.online = "home", False

    def refresh(self) -> None:
        """Read units, services, figures and opening state again; failing means offline."""
        self.next_refresh = self.clock() + REFRESH_S
        try:
            data = self.client.services()
        except (Unreachable, Refused):
            self.online = False
            self.next_refresh = self.clock() + 2.0
            return
        self.units, self.priorities = data["units"], data["priorities"]
        self.issuing, self.closed_reason = data["issuing"], data.get("closed_reason") or ""
        for unit in self.units:
            for s in unit["services"]:
                self.figures[s["code"]] = {k: s[k] for k in ("waiting", "estimated_wait_s", "open")}
        self.online = self.ever_online = True

    def search(self) -> None:
        self.search_due = None
        if not self.query.strip():
            self.results = []
            return
        try:
            self.results = self.client.search(self.query, limit=6)
        except (Unreachable, Refused):
            self.results = []

    def tick(self, link_stale: bool = False) -> None:
        now = self.clock()
        while not self.desk.outbox.empty():
            self.on_desk(self.desk.outbox.get_nowait())
        if link_stale:
            self.online = False
        elif now >= self.next_refresh and (self.units or not self.online):
            self.refresh()
        if self.place == "result" and now >= self.result_until:
            self.go_home()
        elif self.place not in ("busy", "result") and now - self.last_touch > self.settings.idle_s:
            if self.place != "home" or self.priority or self.notice:
                self.go_home()
        if self.search_due is not None and now >= self.search_due:
            self.search()
        if now >= self.next_probe and self.place != "busy":
            self.next_probe = now + (10.0 if self.desk.fault else 60.0)
            self.desk.probe()
