"""A day in the hall, played through the real service layer (hall.operations.Hall) with the fixed clock moving:
the material of the report tests. `play_day` is imported by the other report and webhook tests.
"""
from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import select

from hall import supervision
from hall.db import tables
from hall.domain.errors import InvalidTransition, QueueEmpty, QueueError

COUNTERS = [1, 2, 5, 7, 8, 14, 17, 38]        # KHDT ×2 and TP ×2 share services (transfers), TC, GTVT, TNMT, ĐL
CLERKS = {1: "lan", 2: "minh", 5: "hoa", 7: "tuan", 8: "mai", 14: "dung", 17: "nga", 38: "long"}
CHANNELS = ["kiosk"] * 7 + ["web"] * 2 + ["appointment"]


def _served(cfg, counters):
    return sorted({s for c in cfg.counters if c.number in counters for s in c.services})


def play_day(hall, clock, seed: int = 6, afternoon: bool = True, rate_every: float = 0.7) -> dict:
    """Issue, call, start, finish, no-show, transfer, cancel, pause, rate … from 09:00 to 11:14 (and 13:30–14:30).
    Returns how many times each operation ran."""
    rng = random.Random(seed)
    services = _served(hall.cfg, COUNTERS)
    done = {}

    def did(name):
        done[name] = done.get(name, 0) + 1

    for n in COUNTERS:
        hall.sign_in(n, CLERKS[n])
        did("sign_in")
    tokens: list[str] = []
    held: dict[int, str] = {}      # counter → "called" / "serving"
    paused: set[int] = set()
    serving: dict[int, str] = {}   # counter → the service of its ticket
    at_counter: dict[int, str] = {}  # counter → its ticket's token

    def session(until: datetime):
        while clock.at < until:
            clock.advance(seconds=rng.randint(5, 40))
            if rng.random() < 0.6:
                t = hall.issue_ticket(rng.choice(services), channel=rng.choice(CHANNELS),
                                      priority="elderly" if rng.random() < 0.08 else None)
                tokens.append(t["id"])
                did("issue")
            if tokens and rng.random() < 0.05:
                try:
                    hall.cancel(rng.choice(tokens), "citizen left")
                    did("cancel")
                except QueueError:
                    pass
            for n in COUNTERS:
                step(n)

    def step(n):
        roll = rng.random()
        if n in paused:
            if roll < 0.2:
                hall.resume(n)
                paused.discard(n)
                did("resume")
            return
        state = held.get(n)
        try:
            if state is None:
                if roll < 0.02:
                    hall.pause(n, "nghỉ giải lao")
                    paused.add(n)
                    did("pause")
                elif roll < 0.6:
                    called = hall.call_next(n, CLERKS[n])
                    serving[n], at_counter[n] = called["service"], called["id"]
                    held[n] = "called"
                    did("call")
            elif state == "called":
                if roll < 0.08:
                    hall.recall(n)
                    did("recall")
                elif roll < 0.16:
                    hall.no_show(n)
                    held.pop(n)
                    did("no_show")
                    if rng.random() < 0.4:     # the citizen was in the toilet: back in line within the grace
                        hall.come_back(at_counter[n])
                        did("come_back")
                elif roll < 0.2:
                    hall.finish(n)          # served without pressing "start"
                    held.pop(n)
                    did("finish")
                    rate(n)
                elif roll < 0.7:
                    hall.start(n)
                    held[n] = "serving"
                    did("start")
            elif state == "serving":
                others = [c for c in COUNTERS if c != n and serving[n] in hall.counter_conf[c].services]
                if roll < 0.08 and others:
                    # to another counter of the same service: a transfer that changes the service trips the
                    # hall's per-service numbering (reported to the hall server's owner)
                    hall.transfer(n, service=serving[n], counter=rng.choice(others), note="chuyển quầy")
                    held.pop(n)
                    did("transfer")
                elif roll < 0.2:
                    hall.finish(n)
                    held.pop(n)
                    did("finish")
                    rate(n)
        except QueueEmpty:
            pass
        except InvalidTransition:      # its ticket was cancelled from outside: the counter is free again
            held.pop(n, None)

    def rate(n):
        if rng.random() < rate_every:
            clock.advance(seconds=rng.randint(2, 20))
            supervision.rate(hall, n, f"pad-{n:02d}", rng.choice([4, 4, 4, 3, 3, 2, 1]))
            did("rate")

    session(clock.at.replace(hour=11, minute=14))
    if afternoon:
        clock.at = clock.at.replace(hour=13, minute=30)
        session(clock.at.replace(hour=14, minute=30))
    for n, state in list(held.items()):
        hall.finish(n)
        did("finish")
    with hall.uow(write=False) as uow:         # those still waiting give up
        t = tables.tickets.c
        waiting = uow.session.execute(select(t.token).where(t.state == "waiting")).scalars().all()
    for token in waiting[:5]:
        try:
            hall.cancel(token, "day over")
            did("cancel")
        except QueueError:
            pass
    return done


def test_the_played_day_exercises_every_kind_of_change(hall, clock):
    done = play_day(hall, clock)
    with hall.uow(write=False) as uow:
        kinds = set(uow.session.execute(select(tables.events.c.kind).distinct()).scalars())
    assert {"issued", "called", "recalled", "started", "finished", "no_show", "returned", "transferred",
            "cancelled", "paused", "resumed", "rated", "signed_in"} <= kinds
    assert done["issue"] > 150 and done["rate"] > 40
