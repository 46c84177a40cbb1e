"""Which citizen a counter calls next.

Priority tickets (elderly, disabled, pregnant …) go first, but never more than `ratio` of them in a row at a
counter while others wait, so nobody starves. Inside a class the counter takes its services in its order of
preference, and inside a service the earliest arrival first (ties: the earlier issued) (a transfer keeps its original arrival time).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Sequence


@dataclass(frozen=True)
class Head:
    """The first waiting ticket of one (service, class) line."""
    ticket_id: int
    service: str
    priority: bool
    issued_at: datetime


def choose_next(services: Sequence[str], heads: Sequence[Head], streak: int, ratio: int) -> tuple[Optional[Head], int]:
    """The head to call among the lines' heads, and the counter's new priority streak."""
    order = {code: i for i, code in enumerate(services)}
    mine = [h for h in heads if h.service in order]
    if not mine:
        return None, streak
    priority = [h for h in mine if h.priority]
    regular = [h for h in mine if not h.priority]
    take_priority = bool(priority) and (not regular or streak < ratio)
    pool = priority if take_priority else regular
    best = min(pool, key=lambda h: (order[h.service], h.issued_at, h.ticket_id))
    return best, (streak + 1 if take_priority else 0)
