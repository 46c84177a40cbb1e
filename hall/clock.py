"""Time in the hall: UTC inside, the centre's local time (Asia/Ho_Chi_Minh) for days, hours and screens."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, tz: str = "Asia/Ho_Chi_Minh"):
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def local(self, at: datetime | None = None) -> datetime:
        return (at or self.now()).astimezone(self.tz)

    def today(self) -> date:
        return self.local().date()

    def iso(self, at: datetime | None) -> str | None:
        return self.local(at).isoformat(timespec="seconds") if at else None


class FixedClock(Clock):
    """A clock for tests and benchmarks that moves only when told."""

    def __init__(self, at: datetime, tz: str = "Asia/Ho_Chi_Minh"):
        super().__init__(tz)
        self.at = at if at.tzinfo else at.replace(tzinfo=self.tz)

    def now(self) -> datetime:
        return self.at.astimezone(timezone.utc)

    def advance(self, seconds: float = 0, **kw) -> datetime:
        self.at += timedelta(seconds=seconds, **kw)
        return self.at
