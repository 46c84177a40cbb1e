"""A year of the Lai Châu centre's visit log, written straight into SQLite for the report benchmarks.

    .venv/bin/python bench/generate.py --out data/bench-year.db            # ~1 M tickets, a few minutes
    .venv/bin/python bench/generate.py --out /tmp/week.db --days 5 --per-day 500

Working days follow config.yaml (Monday–Friday, minus holidays). Arrivals follow the hours of a day (peaks at
8–10 and 14–15), services are as busy as the counters that serve them, and each service's queue is played at its
counters: call, walk, service (lognormal around the service's avg_service_min), no-shows (some come back),
cancellations, transfers, and ratings on the pad. The rows are the ones the hall server writes — events, tickets,
visits, ratings — so every report reads them exactly as it reads a real hall's.
"""
from __future__ import annotations

import argparse
import heapq
import json
import random
import secrets
import sqlite3
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hall.config import load_config  # noqa: E402
from hall.db.database import Database  # noqa: E402
from hall.db.migrate import upgrade  # noqa: E402

# share of a day's arrivals in each local hour
HOURLY = {7: 0.05, 8: 0.17, 9: 0.19, 10: 0.15, 11: 0.03, 13: 0.07, 14: 0.16, 15: 0.12, 16: 0.06}
RATING = [(4, 0.55), (3, 0.28), (2, 0.10), (1, 0.07)]
CHANNELS = [("kiosk", 0.80), ("web", 0.12), ("appointment", 0.08)]


def pick(rng, pairs):
    x, acc = rng.random(), 0.0
    for value, weight in pairs:
        acc += weight
        if x < acc:
            return value
    return pairs[-1][0]


def working_days(cfg, first: date, n: int) -> list[date]:
    days, day = [], first
    weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    while len(days) < n:
        if weekdays[day.weekday()] in cfg.hours.days and day not in cfg.hours.holidays:
            days.append(day)
        day += timedelta(days=1)
    return days


class Writer:
    """Rows collected per day, then written with executemany."""

    def __init__(self, conn):
        self.conn, self.events, self.tickets, self.visits, self.ratings = conn, [], [], [], []
        self.ticket_id = self.visit_id = self.rating_id = 0

    def event(self, at, kind, ticket=None, visit=None, service=None, counter=None, clerk=None, **data):
        self.events.append((at, kind, ticket, visit, service, counter, clerk, data))

    def flush(self):
        self.events.sort(key=lambda e: e[0])
        self.conn.executemany(
            "INSERT INTO events (at, kind, ticket_id, visit_id, service, counter, clerk, data) "
            "VALUES (?,?,?,?,?,?,?,?)",
            [(_ts(at), k, t, v, s, c, cl, json.dumps(d, ensure_ascii=False)) for at, k, t, v, s, c, cl, d
             in self.events])
        self.conn.executemany("INSERT INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", self.tickets)
        self.conn.executemany("INSERT INTO visits VALUES (?,?,?,?,?,?,?,?,?,?,?)", self.visits)
        self.conn.executemany("INSERT INTO ratings VALUES (?,?,?,?,?,?,?,?,?,?,?)", self.ratings)
        self.conn.commit()
        n = len(self.events)
        self.events, self.tickets, self.visits, self.ratings = [], [], [], []
        return n


def _ts(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def play_day(cfg, w: Writer, day: date, per_day: int, rng: random.Random, tz):
    services = cfg.services
    unit_of = cfg.unit_of
    serving = {code: [c.number for c in cfg.counters if code in c.services] for code in services}
    weights = {code: len(serving[code]) * rng.uniform(0.6, 1.4) for code in services}
    codes, cum = list(weights), []
    total = sum(weights.values())
    acc = 0.0
    for code in codes:
        acc += weights[code] / total
        cum.append(acc)
    local = lambda h, m=0, s=0.0: datetime(day.year, day.month, day.day, h, m, tzinfo=tz) + timedelta(seconds=s)  # noqa
    clerks = {c.number: f"cb{c.number:02d}{'ab'[rng.random() < 0.2]}" for c in cfg.counters}
    free = {c.number: local(7, 30) for c in cfg.counters}
    for c in cfg.counters:  # the counters' day
        for at, kind in ((local(7, 25), "signed_in"), (local(11, 31), "signed_out"), (local(13, 25), "signed_in"),
                         (local(17, 5), "signed_out")):
            w.event(at + timedelta(seconds=rng.randint(0, 240)), kind, counter=c.number, clerk=clerks[c.number])
    arrivals = []
    n = int(per_day * rng.uniform(0.85, 1.15))
    for _ in range(n):
        hour = pick(rng, list(HOURLY.items()))
        start = 30 if hour in (7, 13) else 0
        end = 15 * 60 if hour in (11, 16) else 60 * 60
        at = local(hour, start) + timedelta(seconds=rng.uniform(0, end - start * 60))
        x = rng.random()
        service = codes[next(i for i, c in enumerate(cum) if x < c or i == len(cum) - 1)]
        arrivals.append((at, service))
    arrivals.sort()
    seqs: dict[str, int] = {}
    issued = 0
    queue = []  # (ready at, order, ticket id, service, nth)
    tickets = {}
    for i, (at, service) in enumerate(arrivals):
        svc = services[service]
        if svc.start + seqs.get(service, 0) > svc.end:
            continue  # the kiosk says the service's numbers are used up for today
        w.ticket_id += 1
        tid = w.ticket_id
        seq = seqs[service] = seqs.get(service, 0) + 1
        number = f"{svc.prefix}{svc.start + seq - 1:0{max(3, len(str(svc.end)))}d}"
        channel = pick(rng, CHANNELS)
        priority = "elderly" if rng.random() < 0.07 else None
        w.event(at, "issued", tid, service=service, number=number, priority=priority, channel=channel,
                people_ahead=0, estimated_wait_s=0)
        tickets[tid] = {"row": [tid, secrets.token_hex(8), day.isoformat(), service, service, seq, number, _ts(at), channel,
                                priority, "waiting", None, None, None, None, None, 0, ""], "visits": 0, "num": number}
        heapq.heappush(queue, (at, i, tid, service))
        issued += 1
    cutoff = local(17, 30)
    while queue:
        ready, order, tid, service = heapq.heappop(queue)
        t = tickets[tid]
        counter = min(serving[service], key=lambda c: free[c])
        call = max(ready, free[counter]) + timedelta(seconds=rng.uniform(2, 20))
        if rng.random() < 0.02 or call > cutoff:  # gave up waiting, or the day ended
            cancel_at = min(call, cutoff) if call <= cutoff else local(23, 59, 59)
            w.event(cancel_at, "cancelled", tid, service=service, number=t["num"],
                    reason="day_closed" if call > cutoff else "left")
            t["row"][10], t["row"][14] = "cancelled", _ts(cancel_at)
            continue
        w.visit_id += 1
        vid, clerk = w.visit_id, clerks[counter]
        t["visits"] += 1
        nth = t["visits"]
        w.event(call, "called", tid, vid, service, counter, clerk, number=t["num"], nth=nth)
        t["row"][11], t["row"][13], t["row"][16] = counter, _ts(call), nth
        if rng.random() < 0.06:  # nobody came
            gone = call + timedelta(seconds=rng.uniform(40, 120))
            if rng.random() < 0.3:
                w.event(call + timedelta(seconds=30), "recalled", tid, vid, service, counter, clerk, number=t["num"])
            w.event(gone, "no_show", tid, vid, service, counter, clerk, number=t["num"], grace_until=None)
            w.visits.append((vid, tid, nth, service, counter, clerk, _ts(call), None, _ts(gone), "no_show", ""))
            free[counter] = gone
            t["row"][10], t["row"][14] = "no_show", _ts(gone)
            if rng.random() < 0.25:  # back within the grace
                back = gone + timedelta(seconds=rng.uniform(60, 500))
                w.event(back, "returned", tid, service=service, number=t["num"])
                heapq.heappush(queue, (back, order, tid, service))
            continue
        started = call + timedelta(seconds=max(5.0, rng.gauss(45, 20)))
        w.event(started, "started", tid, vid, service, counter, clerk, number=t["num"])
        minutes = services[service].avg_service_min * 0.2  # a busy day: ~100 citizens per counter
        ended = started + timedelta(seconds=max(30.0, rng.lognormvariate(0, 0.6) * minutes * 60))
        free[counter] = ended
        if rng.random() < 0.03 and nth < 3:  # sent on to another service of the same unit
            others = [s.code for s in unit_of[service].services if s.code != service] or [service]
            to = rng.choice(others)
            w.event(ended, "transferred", tid, vid, service, counter, clerk, number=t["num"], to_service=to,
                    to_counter=None, from_service=service, from_counter=counter, note="", served=True)
            w.visits.append((vid, tid, nth, service, counter, clerk, _ts(call), _ts(started), _ts(ended),
                             "transferred", ""))
            heapq.heappush(queue, (ended, order, tid, to))
            continue
        w.event(ended, "finished", tid, vid, service, counter, clerk, number=t["num"])
        w.visits.append((vid, tid, nth, service, counter, clerk, _ts(call), _ts(started), _ts(ended), "done", ""))
        t["row"][10], t["row"][14] = "done", _ts(ended)
        if rng.random() < 0.65:
            value = pick(rng, RATING)
            at = ended + timedelta(seconds=rng.uniform(3, 25))
            criteria = [rng.choice(["attitude", "time", "guidance", "facilities"])] if value <= 2 else []
            w.rating_id += 1
            levels = {lvl.value: lvl.label for lvl in cfg.ratings.levels}
            w.event(at, "rated", tid, vid, service, counter, clerk, value=value, label=levels[value],
                    criteria=criteria, number=t["num"])
            w.ratings.append((w.rating_id, vid, tid, counter, clerk, unit_of[service].code, service, value,
                              json.dumps(criteria), f"pad-{counter:02d}", _ts(at)))
    w.tickets.extend(tuple(t["row"]) for t in tickets.values())
    return issued


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/bench-year.db", help="the SQLite file to create (replaced)")
    ap.add_argument("--days", type=int, default=245, help="working days (default: a year's, 245)")
    ap.add_argument("--per-day", type=int, default=4100, help="tickets on an average day")
    ap.add_argument("--first", default="2025-12-01", help="first day")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)
    cfg = load_config()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    upgrade(Database(f"sqlite:///{out}"))
    conn = sqlite3.connect(out)
    conn.execute("PRAGMA synchronous=OFF")
    w, rng, tz = Writer(conn), random.Random(args.seed), ZoneInfo(cfg.centre.timezone)
    began, tickets, events = time.perf_counter(), 0, 0
    days = working_days(cfg, date.fromisoformat(args.first), args.days)
    for i, day in enumerate(days):
        tickets += play_day(cfg, w, day, args.per_day, rng, tz)
        events += w.flush()
        if (i + 1) % 25 == 0:
            print(f"  {day}: {tickets:,} tickets, {events:,} events, {time.perf_counter() - began:.0f} s", flush=True)
    conn.close()
    print(f"{out}: {len(days)} days {days[0]} – {days[-1]}, {tickets:,} tickets, {events:,} events, "
          f"{w.visit_id:,} visits, {w.rating_id:,} ratings in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
