"""Reading and storing the hall's people (clerks, supervisors, admins) and their sign-ins — for hall/accounts.py,
through the unit of work (`uow.users`), like the queue's repository."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from . import tables

u, l, c = tables.users, tables.logins, tables.counters


class Users:
    def __init__(self, session: Session):
        self.session = session

    def any(self) -> bool:
        return self.session.execute(select(u.c.id).limit(1)).first() is not None

    def by_name(self, username: str) -> Optional[Row]:
        return self.session.execute(select(u).where(u.c.username == username)).first()

    def all(self) -> list[Row]:
        return list(self.session.execute(select(u).order_by(u.c.username)))

    def add(self, username: str, full_name: str, role: str, password_hash: str, at: datetime) -> None:
        self.session.execute(u.insert().values(username=username, full_name=full_name, role=role, active=True,
                                               password_hash=password_hash, created_at=at))

    def change(self, username: str, **values) -> bool:
        """Set these columns of the user (password_hash, active …); False if there is no such user."""
        return bool(self.session.execute(update(u).where(u.c.username == username).values(**values)).rowcount)

    # --- sign-ins ---------------------------------------------------------------------------------
    def add_sign_in(self, digest: str, user_id: int, counter: Optional[int], at: datetime,
                    expires_at: datetime) -> None:
        self.session.execute(l.insert().values(token=digest, user_id=user_id, counter=counter, created_at=at,
                                               expires_at=expires_at))

    def end_sign_in(self, digest: str, at: datetime) -> None:
        self.session.execute(update(l).where(l.c.token == digest).values(ended_at=at))

    def sign_in(self, digest: str) -> Optional[Row]:
        """A sign-in with its person, and who holds the counter it was made at now (one statement: every request
        with a person's token asks)."""
        return self.session.execute(_SIGN_IN, {"token": digest}).first()


_SIGN_IN = (select(l.c.counter, l.c.expires_at, l.c.ended_at, u.c.username, u.c.role, u.c.full_name, u.c.active,
                   c.c.clerk.label("counter_clerk"))
            .join(u, u.c.id == l.c.user_id).outerjoin(c, c.c.number == l.c.counter)
            .where(l.c.token == bindparam("token")))
