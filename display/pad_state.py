"""What the rating pad at a counter is doing, apart from how it is drawn: a small state machine.

    idle ──rate──▶ rate ──choose(v)──▶ (v ≤ ask_criteria_at_most and criteria) criteria ──send()──▶ sending
                     │                                                                                │
                     └──────────── choose(v) otherwise ─────────▶ sending ◀────────────────────────────┘
    sending ──201──▶ thanks ──(THANKS_S)──▶ idle        sending ──409──▶ refused ──(THANKS_S)──▶ idle
    sending ──other──▶ rate (with a line saying it did not go through)
    rate/criteria ──timeout_s without a touch──▶ idle (criteria: the rating is sent without them)

`choose`, `send` and a timed-out criteria screen return a Submission: the app posts it (POST /api/ratings)
and reports back with `result(status)`. Messages from the hall (/pad namespace) go through `apply`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from hall.phrases import counter_label
from hall.text import nfc

THANKS_S = 6.0
IDLE, RATE, CRITERIA, SENDING, THANKS, REFUSED = "idle", "rate", "criteria", "sending", "thanks", "refused"
DEFAULT_LEVELS = [{"value": 4, "label": "Rất hài lòng", "color": "#2e7d32"},
                  {"value": 3, "label": "Hài lòng", "color": "#558b2f"},
                  {"value": 2, "label": "Bình thường", "color": "#ef6c00"},
                  {"value": 1, "label": "Không hài lòng", "color": "#c62828"}]


@dataclass(frozen=True)
class Submission:
    value: int
    visit_id: Optional[int]
    criteria: tuple[str, ...] = ()

    def body(self) -> dict:
        return {"value": self.value, "visit_id": self.visit_id, "criteria": list(self.criteria)}


@dataclass
class PadState:
    counter: int
    clock: Callable[[], float] = time.monotonic
    levels: list = field(default_factory=lambda: list(DEFAULT_LEVELS))
    criteria: list = field(default_factory=list)
    ask_criteria_at_most: int = 2
    timeout_s: float = 30.0

    def __post_init__(self):
        self.screen = IDLE
        self.label = counter_label(self.counter)
        self.visit_id: Optional[int] = None
        self.number = self.unit_name = ""
        self.value: Optional[int] = None
        self.chosen: set[str] = set()
        self.note = ""                       # a line under the faces (e.g. the last try failed)
        self.since = self.clock()
        self.version = 0

    # --- from the hall -------------------------------------------------------------------------------
    def apply(self, kind: str, payload: dict) -> None:
        if not isinstance(payload, dict) or payload.get("counter") not in (None, self.counter):
            return
        if kind == "snapshot":
            self.label = nfc(payload.get("label") or self.label)
            self.levels = payload.get("levels") or self.levels
            self.criteria = payload.get("criteria") or []
            self.ask_criteria_at_most = payload.get("ask_criteria_at_most", self.ask_criteria_at_most)
            self.timeout_s = payload.get("timeout_s", self.timeout_s)
            pending = payload.get("pending")
            if pending and self.screen in (IDLE, RATE):
                self._ask(pending.get("visit_id"), "", "")
            elif not pending and self.screen in (RATE, CRITERIA):
                self._go(IDLE)
            else:
                self._go(self.screen)
        elif kind == "rate":
            self._ask(payload.get("visit_id"), payload.get("number", ""), payload.get("unit_name", ""))
        elif kind == "rated" and self.screen in (RATE, CRITERIA):
            self._go(THANKS)                 # rated another way (the keypad, the web pad)
        elif kind == "idle" and self.screen in (RATE, CRITERIA):
            self._go(IDLE)                   # the counter called the next citizen

    def _ask(self, visit_id, number: str, unit_name: str) -> None:
        self.visit_id, self.number, self.unit_name = visit_id, nfc(number or ""), nfc(unit_name or "")
        self.value, self.chosen, self.note = None, set(), ""
        self._go(RATE)

    # --- from the citizen ----------------------------------------------------------------------------
    def choose(self, value: int, follow_up: bool = True) -> Optional[Submission]:
        """A face touched (or a keypad button: follow_up=False, as a keypad cannot answer the question)."""
        if self.screen != RATE or value not in [lvl["value"] for lvl in self.levels]:
            return None
        self.value = value
        if follow_up and self.criteria and value <= self.ask_criteria_at_most:
            self.chosen = set()
            self._go(CRITERIA)
            return None
        return self._submit()

    def toggle(self, code: str) -> None:
        if self.screen == CRITERIA and code in {c["code"] for c in self.criteria}:
            self.chosen ^= {code}
            self.since = self.clock()        # a touch gives the citizen the full time again
            self._go(CRITERIA)

    def send(self, skip: bool = False) -> Optional[Submission]:
        if self.screen != CRITERIA:
            return None
        if skip:
            self.chosen = set()
        return self._submit()

    def _submit(self) -> Submission:
        order = [c["code"] for c in self.criteria]
        sub = Submission(self.value, self.visit_id, tuple(c for c in order if c in self.chosen))
        self._go(SENDING)
        return sub

    def result(self, status: int, message: str = "") -> None:
        """What the hall answered to the Submission (0: it could not be reached)."""
        if self.screen != SENDING:
            return
        if status in (200, 201):
            self._go(THANKS)
        elif status == 409:
            self._go(REFUSED)
        else:
            self.note = "Chưa gửi được đánh giá — xin Ông/Bà chạm lại một lần nữa"
            self._go(RATE)

    # --- time ----------------------------------------------------------------------------------------
    def tick(self, now: Optional[float] = None) -> Optional[Submission]:
        """Time out: thanks/refused → idle; rate → idle; criteria → the rating sent without criteria."""
        now = self.clock() if now is None else now
        waited = now - self.since
        if self.screen in (THANKS, REFUSED) and waited >= THANKS_S:
            self._go(IDLE)
        elif self.screen == RATE and waited >= self.timeout_s:
            self._go(IDLE)
        elif self.screen == CRITERIA and waited >= self.timeout_s:
            return self._submit()
        return None

    def seconds_left(self, now: Optional[float] = None) -> float:
        now = self.clock() if now is None else now
        return max(0.0, self.timeout_s - (now - self.since))

    def _go(self, screen: str) -> None:
        if screen != self.screen:
            self.since = self.clock()
        self.screen = screen
        self.version += 1

    def rank(self, value: int) -> float:
        """1.0 for the best level, 0.0 for the worst: how much the face smiles."""
        values = sorted(lvl["value"] for lvl in self.levels)
        return values.index(value) / max(1, len(values) - 1)
