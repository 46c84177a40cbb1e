"""Clerks, supervisors and admins; their sign-ins; and the devices' tokens from the config.

A credential is a bearer token: a device's from config.yaml, or a person's from `POST /api/login` (stored only as
its SHA-256, so a copy of the database lets nobody in). A clerk's sign-in holds one counter and acts on it alone.
Passwords are hashed and checked by hall/passwords.py (off the event loop, NFC); failed sign-ins are counted and
locked by hall/lockouts.py.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Optional

from . import passwords
from .domain.errors import Conflict, QueueError, Unauthorized

ROLES = ("clerk", "supervisor", "admin")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(hall, username: str, password: str, role: str, full_name: str = "") -> dict:
    if role not in ROLES:
        raise QueueError(f"role must be one of {', '.join(ROLES)}", field="role")
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise QueueError("a username is letters, digits, '.', '_' or '-'", field="username")
    if len(passwords.normalised(password)) < 8:
        raise QueueError("a password needs at least 8 characters", field="password")
    password_hash = passwords.make(password)  # before the hall lock: hashing takes a tenth of a second or more
    with hall.uow() as uow:
        if uow.users.by_name(username):
            raise Conflict(f"user '{username}' exists already", field="username")
        uow.users.add(username, full_name, role, password_hash, hall.clock.now())
        uow.commit()
    return {"username": username, "role": role, "full_name": full_name}


def set_password(hall, username: str, password: str) -> None:
    if len(passwords.normalised(password)) < 8:
        raise QueueError("a password needs at least 8 characters", field="password")
    password_hash = passwords.make(password)
    with hall.uow() as uow:
        if not uow.users.change(username, password_hash=password_hash):
            raise QueueError(f"no user '{username}'", field="username")
        uow.commit()


def list_users(hall) -> list[dict]:
    with hall.uow(write=False) as uow:
        return [{"username": r.username, "full_name": r.full_name, "role": r.role, "active": r.active}
                for r in uow.users.all()]


def set_active(hall, username: str, active: bool) -> None:
    with hall.uow() as uow:
        if not uow.users.change(username, active=active):
            raise QueueError(f"no user '{username}'", field="username")
        uow.commit()


def login(hall, username: str, password: str, counter: Optional[int] = None, force: bool = False,
          address: Optional[str] = None) -> dict:
    """Check the password, take the counter (clerks must), and hand out a bearer token.

    Refused with lockouts.Throttled, before any password is checked, while the user or the client's address is
    locked. An unknown user, a disabled one and a wrong password take the same path: one password check (against a
    dummy hash when there is no user), one failure counted, the same answer."""
    limits = hall.sign_in_limits
    with limits.attempt(username, address):
        with hall.uow(write=False) as uow:
            user = uow.users.by_name(username)
        right = passwords.matches(user.password_hash if user is not None else None, password)
        if not (right and user.active):
            limits.failed(username, address)
            raise Unauthorized("wrong username or password")
        limits.succeeded(username)
    if user.role == "clerk" and counter is None:
        raise QueueError("a clerk signs in to a counter: give its number", field="counter")
    if counter is not None:
        hall.sign_in(counter, username, force=force)
    token = secrets.token_urlsafe(32)
    now = hall.clock.now()
    with hall.uow() as uow:
        uow.users.add_sign_in(_digest(token), user.id, counter, now, now + timedelta(hours=hall.cfg.server.login_hours))
        uow.commit()
    return {"token": token, "username": username, "full_name": user.full_name, "role": user.role,
            "counter": counter, "expires_in_s": hall.cfg.server.login_hours * 3600}


def logout(hall, principal: dict) -> None:
    if principal.get("kind") != "user":
        return
    counter = principal.get("counter")
    if counter is not None and principal.get("holds_counter"):  # not if signed out or taken over since
        hall.sign_out(counter)
    with hall.uow() as uow:
        uow.users.end_sign_in(_digest(principal["token"]), hall.clock.now())
        uow.commit()


def resolve(hall, token: Optional[str]) -> Optional[dict]:
    """Who holds this token: a device from the config, a signed-in person, or nobody."""
    if not token:
        return None
    for kind in ("kiosks", "displays", "pads"):
        for device in getattr(hall.cfg.devices, kind):
            if hmac.compare_digest(device.token, token):
                return {"kind": kind[:-1], "id": device.id, "counter": getattr(device, "counter", None)}
    with hall.uow(write=False) as uow:
        row = uow.users.sign_in(_digest(token))
    if row is None or row.ended_at is not None or row.expires_at < hall.clock.now() or not row.active:
        return None
    return {"kind": "user", "username": row.username, "role": row.role, "full_name": row.full_name,
            "counter": row.counter, "token": token,
            "holds_counter": row.counter is not None and row.counter_clerk == row.username}


def ensure_admin(hall) -> Optional[str]:
    """On a hall's first start (no users at all) create `admin` with a random password, and return it to be shown
    once; afterwards, None. Nobody ships with a default password."""
    with hall.uow(write=False) as uow:
        if uow.users.any():
            return None
    password = secrets.token_urlsafe(9)
    try:
        add_user(hall, "admin", password, "admin", "Quản trị hệ thống")
    except Conflict:  # another server process got there first
        return None
    return password
