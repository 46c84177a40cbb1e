"""Opening hours: is the hall taking tickets at a given local time?"""
from __future__ import annotations

from datetime import datetime, timedelta

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def issuing_state(hours, local: datetime) -> tuple[bool, str]:
    """(open, reason) — the reason says why tickets can't be issued now, in Vietnamese."""
    if not hours.enforce:
        return True, ""
    if local.date() in set(hours.holidays):
        return False, "Hôm nay là ngày nghỉ lễ"
    if WEEKDAYS[local.weekday()] not in hours.days:
        return False, "Hôm nay Trung tâm không làm việc"
    t = local.time()
    for s in hours.sessions:
        last = (datetime.combine(local.date(), s.end) - timedelta(minutes=hours.stop_issuing_min)).time()
        if s.start <= t < last:
            return True, ""
        if last <= t < s.end:
            return False, f"Đã hết giờ lấy số buổi {s.name}"
    times = ", ".join(f"{s.start:%H:%M}–{s.end:%H:%M}" for s in hours.sessions)
    return False, f"Ngoài giờ làm việc ({times})"
