"""The estimated wait of a new ticket, from the recent service rate and the open counters."""
from __future__ import annotations

import math
from typing import Sequence


def mean_service_s(recent: Sequence[float], default_s: float) -> float:
    """The mean of recent service durations, leaning on the configured figure when there are few."""
    weight = 5  # the configured figure counts as this many observations
    return (sum(recent) + default_s * weight) / (len(recent) + weight)


def estimated_wait_s(people_ahead: int, service_s: float, counters: int) -> int:
    """People ahead are served `counters` at a time; round up to the next 30 s."""
    seconds = people_ahead * service_s / max(1, counters)
    return int(math.ceil(seconds / 30.0) * 30)
