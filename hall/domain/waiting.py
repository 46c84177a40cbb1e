"""The rules about citizens waiting in a line: who is ahead of whom, when a wait is late, whether a line is open.

    people_ahead(priority=False, priority_before=2, priority_after=1, regular_before=3)  -> 6
    late_at(issued_at, target_wait_min=15)   -> issued_at + 15 min: from then on the ticket is waiting too long
    service_open(service, overrides)         -> a supervisor's open/close of today, else the configured `open`

Priority tickets wait behind the priority tickets that came earlier; everybody else waits behind every priority
ticket and the others that came earlier (calling.choose_next calls them in that order, bar the starvation ratio).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping, Optional


def people_ahead(priority: bool, priority_before: int, priority_after: int, regular_before: int) -> int:
    """How many waiting tickets of the same line come before one ticket, from the line's counts around it."""
    return priority_before if priority else priority_before + priority_after + regular_before


def late_at(waiting_since: Optional[datetime], target_wait_min: int) -> Optional[datetime]:
    """When a wait that began at `waiting_since` passes the service's target (None: nobody is waiting)."""
    return None if waiting_since is None else waiting_since + timedelta(minutes=target_wait_min)


def is_late(waiting_since: Optional[datetime], target_wait_min: int, now: datetime) -> bool:
    due = late_at(waiting_since, target_wait_min)
    return due is not None and now > due


def service_open(service, overrides: Mapping[str, bool]) -> bool:
    """Is the service taking citizens: today's override by a supervisor, else its configured `open`."""
    return overrides.get(service.code, service.open)
