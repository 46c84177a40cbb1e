"""What the wall display shows, apart from how it is drawn: counters, the latest call, the last calls, the
announcement line, the spoken caption, and whether the picture is stale.

    state = WallState(zone=Zone.parse("TP,TNMT"), last_calls=6, flash_s=6)
    call = state.apply("snapshot", snapshot)         # then every hall event: ("called", {...}), …
    call = state.apply("called", event)              # a CallView when this is a call in the zone (to announce)
    state.frame_key(now)                             # changes whenever the picture must be drawn again

Only numbers, counters and units are kept: no clerk, no citizen. Counters outside the zone are left out,
and so are their calls.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Optional

from hall.phrases import counter_label
from hall.text import nfc

BLINK_S = 0.5
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
RELEASED = {"finished", "no_show", "transferred", "cancelled"}


@dataclass(frozen=True)
class Zone:
    """Some counters and/or units; empty = the whole hall."""
    counters: frozenset = frozenset()
    units: frozenset = frozenset()

    @classmethod
    def of(cls, zone) -> "Zone":
        """From hall.config.Zone (or None)."""
        if zone is None:
            return cls()
        return cls(frozenset(zone.counters), frozenset(zone.units))

    @classmethod
    def parse(cls, text: str) -> "Zone":
        """`--zone 1-10,15,TP,TNMT`: counter numbers or ranges, and unit codes."""
        counters, units = set(), set()
        for part in (p.strip() for p in (text or "").split(",")):
            if not part:
                continue
            if part[0].isdigit():
                low, _, high = part.partition("-")
                try:
                    a, b = int(low), int(high or low)
                except ValueError:
                    raise ValueError(f"zone: {part!r} is neither a counter number, a range like 1-10, "
                                     "nor a unit code") from None
                if b < a:
                    raise ValueError(f"zone: range {part!r} runs backwards")
                counters.update(range(a, b + 1))
            else:
                units.add(part)
        return cls(frozenset(counters), frozenset(units))

    def __bool__(self) -> bool:
        return bool(self.counters or self.units)

    def covers(self, counter: Optional[int], unit: Optional[str]) -> bool:
        if not self:
            return True
        return counter in self.counters or (unit is not None and unit in self.units)


@dataclass
class CounterView:
    number: int
    label: str
    unit: str
    unit_name: str
    state: str = "closed"            # open | paused | closed
    ticket: Optional[str] = None     # the number it called or serves
    serving: bool = False
    called_at: float = float("-inf")


@dataclass(frozen=True)
class CallView:
    number: str
    counter: int
    counter_label: str
    unit: Optional[str]
    unit_name: str
    recall: bool = False
    seq: Optional[int] = None


@dataclass
class WallState:
    zone: Zone = field(default_factory=Zone)
    last_calls: int = 6
    flash_s: float = 6.0
    unit_names: dict = field(default_factory=dict)     # unit code → the short name to show
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self):
        self.counters: dict[int, CounterView] = {}
        self.latest: Optional[CallView] = None
        self.calls: deque[CallView] = deque(maxlen=max(0, self.last_calls))
        self.flash_until = float("-inf")
        self.announcement = ""
        self.caption = ""
        self.stale = False
        self.centre = ""
        self.version = 0

    # --- what the hall says -------------------------------------------------------------------------
    def apply(self, kind: str, payload: dict) -> Optional[CallView]:
        """Take one message from the hall; returns the call when it is one this display must announce."""
        if not isinstance(payload, dict):
            return None
        if kind == "snapshot":
            self._snapshot(payload)
            return None
        counter = self.counters.get(payload.get("counter"))
        if kind in ("called", "recalled"):
            return self._called(payload, counter)
        if kind == "announcement":
            self.announcement = nfc((payload.get("data") or {}).get("text", ""))
            self._changed()
            return None
        if counter is None:
            return None
        number = (payload.get("ticket") or {}).get("number")
        if kind == "started" and number and counter.ticket == number:
            counter.serving = True
        elif kind in RELEASED and (number is None or counter.ticket == number):
            counter.ticket, counter.serving = None, False
        elif kind in ("signed_in", "resumed"):
            counter.state = "open"
        elif kind == "paused":
            counter.state = "paused"
        elif kind == "signed_out":
            counter.state, counter.ticket, counter.serving = "closed", None, False
        else:
            return None
        self._changed()
        return None

    def _snapshot(self, snap: dict) -> None:
        self.centre = nfc(snap.get("centre") or self.centre)
        self.announcement = nfc(snap.get("announcement") or "")
        self.counters = {}
        for c in sorted(snap.get("counters", []), key=lambda c: c["number"]):
            if not self.zone.covers(c["number"], c.get("unit")):
                continue
            ticket = c.get("ticket") or {}
            self.counters[c["number"]] = CounterView(
                c["number"], nfc(counter_label(c["number"], c.get("label"))), c.get("unit") or "",
                nfc(self.unit_names.get(c.get("unit")) or c.get("unit_name") or ""), c.get("state", "closed"),
                ticket.get("number"), ticket.get("state") == "serving")
        recent = [r for r in sorted(snap.get("recent_calls", []), key=lambda r: -(r.get("seq") or 0))
                  if self.zone.covers(r.get("counter"), r.get("unit"))]
        calls = []
        for r in recent:
            view = self._view(r.get("number"), r)
            if view and not any(v.number == view.number and v.counter == view.counter for v in calls):
                calls.append(view)
        self.latest = calls[0] if calls else None
        self.calls = deque(calls[1:self.last_calls + 1], maxlen=max(0, self.last_calls))
        self.flash_until = float("-inf")
        self._changed()

    def _view(self, number, msg: dict) -> Optional[CallView]:
        if not number or not isinstance(msg.get("counter"), int):
            return None
        known = self.counters.get(msg["counter"])
        unit = msg.get("unit") or (msg.get("ticket") or {}).get("unit") or (known.unit if known else None)
        name = self.unit_names.get(unit) or (msg.get("ticket") or {}).get("unit_name") or \
            (known.unit_name if known else "")
        return CallView(nfc(number), msg["counter"], nfc(counter_label(msg["counter"], msg.get("counter_label"))),
                        unit, nfc(name or ""), bool(msg.get("recall")), msg.get("seq"))

    def _called(self, msg: dict, counter: Optional[CounterView]) -> Optional[CallView]:
        ticket = msg.get("ticket") or {}
        if not self.zone.covers(msg.get("counter"), msg.get("unit") or ticket.get("unit")):
            return None
        view = self._view(ticket.get("number"), {**msg, "recall": msg.get("type") == "recalled" or msg.get("recall")})
        if view is None:
            return None
        now = self.clock()
        if self.latest and not (self.latest.number == view.number and self.latest.counter == view.counter):
            self.calls = deque([c for c in self.calls if (c.number, c.counter) != (view.number, view.counter)],
                               maxlen=self.calls.maxlen)
            self.calls.appendleft(self.latest)
        self.latest = view
        self.flash_until = now + self.flash_s
        if counter is not None and msg.get("replay"):          # a replayed call: the snapshot knows the counter
            if counter.ticket == view.number:
                counter.called_at = now
        elif counter is not None:
            counter.ticket, counter.serving, counter.called_at = view.number, False, now
            if counter.state == "closed":
                counter.state = "open"
        self._changed()
        return view

    def _changed(self) -> None:
        self.version += 1

    # --- what the screen asks -----------------------------------------------------------------------
    def set_caption(self, text: str) -> None:
        text = nfc(text or "")
        if text != self.caption:
            self.caption = text
            self._changed()

    def set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            self._changed()

    def flashing(self, now: Optional[float] = None) -> bool:
        return (self.clock() if now is None else now) < self.flash_until

    def flash_on(self, now: Optional[float] = None) -> bool:
        """The bright half of the blink (the latest call is shown bright, then plain, every BLINK_S)."""
        now = self.clock() if now is None else now
        return now < self.flash_until and int((now - self.flash_until + self.flash_s) / BLINK_S) % 2 == 0

    def recently_called(self, counter: CounterView, now: Optional[float] = None) -> bool:
        return (self.clock() if now is None else now) - counter.called_at < self.flash_s

    def frame_key(self, now: Optional[float] = None, wall: Optional[datetime] = None) -> tuple:
        """Equal keys draw the same picture (apart from the scrolling line): redraw only when it changes."""
        now = self.clock() if now is None else now
        wall = wall or datetime.now()
        phase = int((now - self.flash_until + self.flash_s) / BLINK_S) if now < self.flash_until else -1
        glow = tuple(n for n, c in self.counters.items() if now - c.called_at < self.flash_s)
        return self.version, phase, glow, wall.replace(microsecond=0)

    def visible_counters(self) -> list[CounterView]:
        return list(self.counters.values())


def date_text(wall: datetime) -> str:
    return f"{WEEKDAYS[wall.weekday()]}, {wall:%d/%m/%Y}"


def clock_text(wall: datetime) -> str:
    return f"{wall:%H:%M:%S}"


def unit_short_names(units: Iterable) -> dict:
    """unit code → short name (or name), from hall.config units."""
    return {u.code: u.short_name or u.name for u in units}
