"""Password hashes: made and checked off the event loop, the same work for a user who doesn't exist, NFC text.

Werkzeug's scrypt hash (N=32768, r=8, p=1 — 32 MiB, 0.1–0.3 s of one core) is what makes a stolen database
useless, and also what let one wrong password freeze the hall: `motcua serve` runs every request on gevent's one
thread, so a 0.3 s hash stopped every kiosk for 0.3 s. Here the hash runs in a small pool of real threads when the
server runs under gevent (hashlib's scrypt and PBKDF2 release the GIL), so the loop keeps serving kiosks; outside
gevent (the threaded server, the CLI, the tests) it is a plain call in the caller's own thread.

The pool has one thread fewer than the machine has cores (at least one), and its threads run at the lowest
priority (nice 10): sign-ins queue for it instead of taking every core from the hall — forty clerks at 07:30 wait
a little longer for their panels, the kiosks don't. (Measured on a busy 2-core machine, bench/storm.py: at normal
priority the hash thread took half the process's CPU share from the loop and the kiosks' p99 rose to ~0.9 s.)

A sign-in for a user that doesn't exist checks the password against a dummy hash of the same kind, so the answer
takes as long as for a wrong password and timing doesn't tell which usernames exist.

Passwords are compared as NFC: an input method that sends "ư" as "u" + a combining horn (NFD) types the same
password as one that sends the single character.
"""
from __future__ import annotations

import os
import secrets
import sys
import threading
import time
from typing import Callable, Optional, TypeVar

from werkzeug.security import check_password_hash, generate_password_hash

from .domain.errors import QueueError
from .text import nfc

T = TypeVar("T")
_pool = None
_pool_lock = threading.Lock()
_dummy: Optional[str] = None
NICE = 10
WAITING_PER_WORKER = 30  # ~4 s of scrypt at 0.13 s each
MAX_WAIT_S = 10.0        # the longest a sign-in is kept waiting for the pool; beyond, Busy
_queued = 0              # checks handed to the pool and not yet answered
_took = 0.2              # seconds one check has been taking lately (a moving average)
_lowered: set[int] = set()  # the pool threads already at low priority


def normalised(password: str) -> str:
    return nfc(password or "")


def make(password: str) -> str:
    """A salted hash of the password (Werkzeug's default method), made off the event loop."""
    return off_loop(generate_password_hash, normalised(password))


def matches(stored: Optional[str], password: str) -> bool:
    """Whether the password matches the stored hash. With no stored hash (no such user) a dummy hash is checked
    instead, so the answer — always False — costs the same time."""
    password = normalised(password)
    if not stored:
        off_loop(check_password_hash, dummy_hash(), password)
        return False
    return off_loop(check_password_hash, stored, password)


def dummy_hash() -> str:
    """A hash of a random password, made once per process, of the kind new passwords get."""
    global _dummy
    if _dummy is None:
        _dummy = off_loop(generate_password_hash, secrets.token_urlsafe(16))
    return _dummy


class Busy(QueueError):
    """More password checks are waiting for the pool than it clears in `MAX_WAIT_S`: try again shortly."""
    code = "busy"
    retry_after_s = 5

    def __init__(self):
        super().__init__(f"the server is busy checking sign-ins: try again in {self.retry_after_s} s",
                         retry_after_s=self.retry_after_s)


def off_loop(fn: Callable[..., T], *args) -> T:
    """Run fn(*args) in the hashing pool when the process runs under gevent, else in this thread.

    Raises Busy when the checks already queued would keep this one waiting more than `MAX_WAIT_S` (at the pace the
    recent ones took), or `WAITING_PER_WORKER` per pool thread are queued: a flood of sign-ins from many addresses,
    or a machine too busy to hash, gets a prompt "try again in 5 s" rather than a sign-in page hanging for a minute
    (and greenlets piling up)."""
    global _queued, _took
    pool = _gevent_pool()
    if pool is None:
        return fn(*args)
    if _queued >= WAITING_PER_WORKER * workers() or (_queued + 1) * _took / workers() > MAX_WAIT_S:
        raise Busy()
    _queued += 1  # only the loop's thread counts and reads these: no lock needed
    try:
        result, took = pool.apply(_at_low_priority, (fn, args))
    finally:
        _queued -= 1
    _took = 0.8 * _took + 0.2 * took
    return result


def _at_low_priority(fn: Callable[..., T], args) -> T:
    """In a pool thread: first lower the thread's priority (nice 10; Linux keeps nice per thread), so that when the
    cores are busy the event loop serving the kiosks mostly runs first — a sign-in waits a little longer instead of
    a kiosk. Not 19: on a machine busy with other work that starved sign-ins for a minute (bench/storm.py)."""
    tid = threading.get_native_id()
    if tid not in _lowered:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, NICE)
        except (AttributeError, OSError):  # not on this platform: the pool still keeps hashes off the loop
            pass
        _lowered.add(tid)
    t0 = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - t0


def workers() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


def _gevent_pool():
    global _pool
    if "gevent" not in sys.modules:
        return None
    from gevent import monkey
    if not monkey.is_module_patched("socket"):  # gevent imported, but this process doesn't run on its loop
        return None
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                from gevent.threadpool import ThreadPool
                _pool = ThreadPool(workers())
    return _pool
