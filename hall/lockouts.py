"""Sign-in limits: failed sign-ins counted per user and per address, the locks they set, and a supervisor's lift.

- A wrong password (or an unknown or disabled user) counts one failure against the username and one against the
  client's address. `server.sign_in.user_failures` failures for a user, or `address_failures` from an address,
  within `window_min` lock it for `lockout_min`: its sign-ins are refused (429, with `Retry-After`) before any
  password is checked, so a guesser costs the hall a database read, not a password hash.
- A right password clears the user's count (not the address's).
- Sign-ins being checked right now count too (`attempts`): a burst of fifty guesses sent at once can't all pass
  the check before the first failure is written. Those in this process are known exactly; another server process
  on the same database adds at most its own burst.
- A supervisor lifts a lock (and forgets the failures) with `POST /api/lockouts/lift` or `motcua user unlock`.

The counts live in the `lockouts` table, so every server process sees them and they outlive a restart.
"""
from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator, Optional

from sqlalchemy import and_, delete, or_, select, tuple_, update

from .db import tables
from .domain.errors import NotFound, QueueError

log = logging.getLogger("motcua.lockouts")
KINDS = ("user", "address")


class Throttled(QueueError):
    """Too many failed sign-ins for this user or from this address: try again after `retry_after_s`."""
    code = "too_many_sign_ins"

    def __init__(self, kind: str, subject: str, retry_after_s: int):
        super().__init__(f"too many failed sign-ins for this {kind}: try again in {retry_after_s} s",
                         retry_after_s=retry_after_s)
        self.kind, self.subject, self.retry_after_s = kind, subject, retry_after_s


def key(kind: str, subject: str) -> tuple[str, str]:
    return kind, (subject or "")[:64]


class SignInLimits:
    """The hall's sign-in limits (one per hall server process)."""

    def __init__(self, hall):
        self.hall = hall
        self._checking: Counter = Counter()  # (kind, subject) → sign-ins of it being checked now
        self._lock = threading.Lock()

    @property
    def rules(self):
        return self.hall.cfg.server.sign_in

    def _limits(self, username: str, address: Optional[str]) -> dict:
        limits = {key("user", username): self.rules.user_failures}
        if address:
            limits[key("address", address)] = self.rules.address_failures
        return limits

    @contextmanager
    def attempt(self, username: str, address: Optional[str]) -> Iterator[None]:
        """A sign-in may go ahead: raises Throttled (and writes nothing) if its user or address is locked, or if
        the failures already counted plus the sign-ins of it being checked now reach the limit."""
        limits = self._limits(username, address)
        now = self.hall.clock.now()
        rows = self._rows(limits)
        for k in limits:
            row = rows.get(k)
            if row is not None and row.locked_until is not None and row.locked_until > now:
                raise Throttled(k[0], k[1], _seconds(row.locked_until - now))
        with self._lock:
            for k, limit in limits.items():
                if self._counted(rows.get(k), now) + self._checking[k] >= limit:
                    raise Throttled(k[0], k[1], 1)  # a guess of it is being checked now: its answer decides
            self._checking.update(limits.keys())
        try:
            yield
        finally:
            with self._lock:
                self._checking.subtract(limits.keys())
                for k in limits:
                    if self._checking[k] <= 0:
                        del self._checking[k]

    def failed(self, username: str, address: Optional[str]) -> None:
        """Count a failed sign-in against the user and the address; lock either at its limit."""
        limits = self._limits(username, address)
        now = self.hall.clock.now()
        window = timedelta(minutes=self.rules.window_min)
        lt = tables.lockouts
        with self.hall.uow() as uow:
            rows = self._rows(limits, uow.session)
            for (kind, subject), limit in limits.items():
                row = rows.get((kind, subject))
                failures = self._counted(row, now) + 1
                values = {"failures": failures, "since": row.since if failures > 1 else now,
                          "locked_until": now + timedelta(minutes=self.rules.lockout_min) if failures >= limit
                          else None}
                if row is None:
                    uow.session.execute(lt.insert().values(kind=kind, subject=subject, **values))
                else:
                    uow.session.execute(update(lt).where(lt.c.kind == kind, lt.c.subject == subject)
                                        .values(**values))
                if values["locked_until"] is not None:
                    log.warning("sign-ins locked for %s %r until %s after %d failures", kind, subject,
                                values["locked_until"].isoformat(timespec="seconds"), failures)
            # forget what is over: failures out of their window with no lock still running
            uow.session.execute(delete(lt).where(lt.c.since < now - window, or_(
                lt.c.locked_until.is_(None), lt.c.locked_until <= now)))
            uow.commit()

    def succeeded(self, username: str) -> None:
        """A right password: the user's failures are forgotten (only written if there were any)."""
        k = key("user", username)
        if k not in self._rows({k: 0}):
            return
        lt = tables.lockouts
        with self.hall.uow() as uow:
            uow.session.execute(delete(lt).where(lt.c.kind == k[0], lt.c.subject == k[1]))
            uow.commit()

    def locked(self) -> list[dict]:
        """The locks running now, latest first."""
        now, lt = self.hall.clock.now(), tables.lockouts
        with self.hall.uow(write=False) as uow:
            rows = uow.session.execute(select(lt).where(lt.c.locked_until > now)
                                       .order_by(lt.c.locked_until.desc())).all()
        return [{"kind": r.kind, "subject": r.subject, "failures": r.failures,
                 "locked_until": self.hall.clock.iso(r.locked_until),
                 "retry_after_s": _seconds(r.locked_until - now)} for r in rows]

    def lift(self, user: Optional[str] = None, address: Optional[str] = None) -> list[dict]:
        """Lift the locks on a user and/or an address and forget their failures; NotFound if neither is locked."""
        wanted = [key(kind, s) for kind, s in (("user", user), ("address", address)) if s]
        if not wanted:
            raise QueueError("name the user or the address to unlock", field="user")
        now, lt = self.hall.clock.now(), tables.lockouts
        with self.hall.uow() as uow:
            found = uow.session.execute(select(lt.c.kind, lt.c.subject).where(
                tuple_(lt.c.kind, lt.c.subject).in_(wanted), lt.c.locked_until > now)).all()
            if not found:
                raise NotFound("no such lock: " + ", ".join(f"{k} '{s}'" for k, s in wanted) + " is not locked")
            uow.session.execute(delete(lt).where(tuple_(lt.c.kind, lt.c.subject).in_(wanted)))
            uow.commit()
        for kind, subject in found:
            log.warning("sign-in lock lifted for %s %r", kind, subject)
        return [{"kind": kind, "subject": subject} for kind, subject in found]

    # --- reading --------------------------------------------------------------------------------------------
    def _rows(self, limits: dict, session=None) -> dict:
        lt = tables.lockouts
        query = select(lt).where(or_(*(and_(lt.c.kind == k, lt.c.subject == s) for k, s in limits)))
        if session is not None:
            return {(r.kind, r.subject): r for r in session.execute(query)}
        with self.hall.uow(write=False) as uow:
            return {(r.kind, r.subject): r for r in uow.session.execute(query)}

    def _counted(self, row, now) -> int:
        """The failures of a row that still count: none once its window or its lock is over."""
        if row is None:
            return 0
        if row.locked_until is not None and row.locked_until <= now:
            return 0
        if row.locked_until is None and row.since < now - timedelta(minutes=self.rules.window_min):
            return 0
        return row.failures


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))
