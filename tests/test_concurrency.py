"""Numbers never repeat, no ticket is at two counters, every ticket is accounted for — under concurrency.

Kiosks issue and counters call next (and finish) at the same time: from threads, from spawned processes each
building the service layer as hall/bootstrap.py does, and over HTTP against two live servers sharing one database;
on a SQLite file and on PostgreSQL. A pause between reading and writing inside each transaction widens every race.

The same workload through a hall whose lock is taken out (no process lock, no BEGIN IMMEDIATE, no advisory lock)
is caught — duplicate numbers, a ticket called twice, or the database refusing the writes — so the lock is what
makes the difference.
"""
from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from conftest import OPEN_TIME, open_config
from hall.config import load_config

SERVICES = ("KHDT.DN", "KHDT.DT", "KHDT.HTX")  # counters 1–4 serve them, each in its own order of preference
COUNTERS = (1, 2, 3, 4)
WIDEN_S = 0.002
DEADLINE_S = 120  # a guard against a hang, not a target: a busy 2-core machine needs far more than an idle one

pytestmark = pytest.mark.slow


class NoLock:
    def acquire(self):
        return True

    def release(self):
        pass


# --- the hall, as a worker process builds it ---------------------------------------------------
def build_hall(config: tuple, db_url: str, unlocked: bool = False, widen: bool = True):
    """The service layer as hall/bootstrap.py builds it (for the server, the CLI and here); `unlocked` takes the
    hall lock out (the control).

    `config` is (path, parsed config): the parsed one travels to the worker processes, which saves each of them
    reading the YAML again."""
    from hall.bootstrap import bootstrap
    from hall.clock import FixedClock
    path, cfg = config
    hall = bootstrap(cfg, config_path=path, db_url=db_url, clock=FixedClock(OPEN_TIME))
    if unlocked:
        db = hall.db
        db.write_lock = NoLock()                             # no process lock …
        db.lock_hall = lambda connection: None               # … no PostgreSQL advisory lock …
        if db.is_sqlite:
            db.writer = db.reader                            # … and a plain deferred BEGIN on SQLite
    if widen:
        widen_races()
    return hall


def widen_races():
    """Sleep after each read that a write depends on (the next number, the line's head, a ticket by number)."""
    from hall.db.repository import Repository
    for name in ("last_seqs", "heads", "ticket_by_number"):
        original = getattr(Repository, name)
        if getattr(original, "widened", False):
            continue

        def slow(self, *args, _original=original, **kw):
            out = _original(self, *args, **kw)
            time.sleep(WIDEN_S)
            return out
        slow.widened = True
        setattr(Repository, name, slow)


# --- the workload ---------------------------------------------------------------------------
def issuer(hall, k: int, n: int, issued: list, errors: list):
    for i in range(n):
        try:
            t = hall.issue_ticket(SERVICES[(k + i) % len(SERVICES)], "elderly" if i % 5 == 0 else None, "kiosk")
            issued.append((t["id"], t["number"]))
        except Exception as exc:  # noqa: BLE001 — every failure is a finding
            errors.append(f"issue: {type(exc).__name__}: {str(exc)[:120]}")


def counter_clerk(hall, number: int, issuing_done, called: list, errors: list):
    """Sign in, then call next and finish until everybody is issued and nobody waits for this counter."""
    from hall.domain.errors import QueueEmpty
    deadline = time.monotonic() + DEADLINE_S
    try:
        hall.sign_in(number, f"clerk{number}")
    except Exception as exc:  # noqa: BLE001
        errors.append(f"sign in: {type(exc).__name__}: {str(exc)[:120]}")
        return
    while time.monotonic() < deadline and len(errors) < 20:
        done_before = issuing_done.is_set()
        try:
            t = hall.call_next(number, f"clerk{number}")
        except QueueEmpty:
            if done_before:
                return
            time.sleep(0.01)
            continue
        except Exception as exc:  # noqa: BLE001
            errors.append(f"call: {type(exc).__name__}: {str(exc)[:120]}")
            _try(hall.finish, number)  # a counter left holding something lets go of it
            continue
        called.append((number, t["number"]))
        try:
            hall.finish(number)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"finish: {type(exc).__name__}: {str(exc)[:120]}")
    errors.append(f"counter {number} gave up (deadline or too many errors)")


def _try(action, *args):
    try:
        action(*args)
    except Exception:  # noqa: BLE001
        pass


def run_workload(hall, counters, issuers: int, per_issuer: int, issuing_done, on_issued) -> dict:
    """Issuer and counter threads on one hall; on_issued() once this hall's issuers are done."""
    issued, called, errors = [], [], []
    issuing = [threading.Thread(target=issuer, args=(hall, k, per_issuer, issued, errors)) for k in range(issuers)]
    calling = [threading.Thread(target=counter_clerk, args=(hall, c, issuing_done, called, errors))
               for c in counters]
    for t in issuing + calling:
        t.start()
    for t in issuing:
        t.join()
    on_issued()
    for t in calling:
        t.join()
    return {"issued": issued, "called": called, "errors": errors}


def process_main(config, db_url, unlocked, counter, issuers, per_issuer, issuing_done, out):
    """One spawned worker process: its own service layer, one counter clerk and some kiosks, all threads."""
    hall = build_hall(config, db_url, unlocked)
    result = run_workload(hall, [counter], issuers, per_issuer, issuing_done, lambda: out.put(("issued", None)))
    out.put(("result", result))
    hall.db.dispose()


def run_processes(config, db_url, unlocked=False, issuers=2, per_issuer=20) -> dict:
    ctx = mp.get_context("spawn")
    done, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=process_main, args=(config, db_url, unlocked, c, issuers, per_issuer, done, out))
             for c in COUNTERS]
    for p in procs:
        p.start()
    merged = {"issued": [], "called": [], "errors": []}
    try:
        issued_reports = results = 0
        while results < len(procs):
            kind, payload = out.get(timeout=DEADLINE_S + 30)
            if kind == "issued":
                issued_reports += 1
                if issued_reports == len(procs):
                    done.set()
            else:
                results += 1
                for key in merged:
                    merged[key] += payload[key]
    finally:
        for p in procs:
            p.join(20)
            if p.is_alive():
                p.kill()
                p.join()
    return merged


# --- what must hold afterwards ----------------------------------------------------------------
def problems(db_url: str, issued: list, called: list) -> list[str]:
    """Every way the run could have gone wrong, read from what callers were told and from the database."""
    found = []
    given = Counter(number for _id, number in issued)
    found += [f"number {n} given to {k} kiosks" for n, k in given.items() if k > 1]
    calls = Counter(number for _counter, number in called)
    found += [f"ticket {n} called {k} times" for n, k in calls.items() if k > 1]
    found += [f"ticket {n} never called" for n in sorted(set(given) - set(calls))]

    engine = create_engine(db_url)
    with engine.connect() as conn:
        tickets = conn.execute(text("SELECT id, token, number, service, seq, state FROM tickets")).all()
        events = conn.execute(text("SELECT id, kind, ticket_id, counter FROM events WHERE kind IN "
                                   "('called', 'finished', 'no_show', 'transferred', 'cancelled') ORDER BY id")).all()
        held = conn.execute(text("SELECT number, ticket_id FROM counters WHERE ticket_id IS NOT NULL")).all()
    engine.dispose()

    by_token = {t.token: t for t in tickets}
    for token, number in issued:
        row = by_token.get(token)
        if row is None:
            found.append(f"ticket {number} was given to a kiosk but is not in the database")
        elif row.number != number:
            found.append(f"ticket {token} is {row.number} in the database but {number} on the kiosk")
    tokens = {token for token, _n in issued}
    found += [f"ticket {t.number} is in the database but no kiosk got it" for t in tickets if t.token not in tokens]
    found += [f"number {n} stored {k} times" for n, k in Counter(t.number for t in tickets).items() if k > 1]
    seqs = defaultdict(list)
    for t in tickets:
        seqs[t.service].append(t.seq)
    found += [f"{s}: sequence {sorted(v)} has gaps or repeats" for s, v in seqs.items()
              if sorted(v) != list(range(1, len(v) + 1))]
    found += [f"ticket {t.number} ended {t.state}, not done" for t in tickets if t.state != "done"]
    found += [f"counter {c.number} still holds ticket {c.ticket_id}" for c in held]

    # The visit log: a ticket is at one counter at a time, a counter holds one ticket at a time.
    number_of = {t.id: t.number for t in tickets}
    at_counter, holding = {}, {}
    for e in events:
        if e.kind == "called":
            if e.ticket_id in at_counter:
                found.append(f"ticket {number_of.get(e.ticket_id)} called at counter {e.counter} while still "
                             f"at counter {at_counter[e.ticket_id]} (event {e.id})")
            if e.counter in holding:
                found.append(f"counter {e.counter} called {number_of.get(e.ticket_id)} while holding "
                             f"{number_of.get(holding[e.counter])} (event {e.id})")
            at_counter[e.ticket_id], holding[e.counter] = e.counter, e.ticket_id
        else:
            counter = at_counter.pop(e.ticket_id, None)
            if counter is not None and holding.get(counter) == e.ticket_id:
                del holding[counter]
    return found


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'motcua.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    return sqlite_url(tmp_path) if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def config(tmp_path) -> tuple:
    """The bundled config without the procedure catalogue (not needed here, and slow to read in every worker)."""
    path = open_config(tmp_path, catalogue=str(tmp_path / "no-catalogue.yaml"))
    return str(path), load_config(str(path))


# --- the tests ------------------------------------------------------------------------------
def test_threads_issue_and_call_at_once(config, db_url, monkeypatch):
    from hall.db.repository import Repository
    for name in ("last_seqs", "heads", "ticket_by_number"):
        monkeypatch.setattr(Repository, name, getattr(Repository, name))  # undo widen_races afterwards
    hall = build_hall(config, db_url)
    done = threading.Event()
    result = run_workload(hall, COUNTERS, issuers=8, per_issuer=15, issuing_done=done, on_issued=done.set)
    hall.db.dispose()
    assert result["errors"] == []
    assert len(result["issued"]) == 120
    assert problems(db_url, result["issued"], result["called"]) == []


def test_processes_issue_and_call_at_once(config, db_url):
    build_hall(config, db_url, widen=False).db.dispose()  # the schema, before the workers start
    result = run_processes(config, db_url)
    assert result["errors"] == []
    assert len(result["issued"]) == 4 * 2 * 20
    assert len(result["called"]) == len(result["issued"])
    assert problems(db_url, result["issued"], result["called"]) == []


def test_without_the_hall_lock_the_same_load_is_caught(config, db_url):
    build_hall(config, db_url, widen=False).db.dispose()
    result = run_processes(config, db_url, unlocked=True)
    found = problems(db_url, result["issued"], result["called"])
    refused = [e for e in result["errors"] if "IntegrityError" in e or "OperationalError" in e]
    # Unlocked, concurrent writers either break the invariants or are refused by the database's safety net
    # (UNIQUE constraints; SQLite's "database is locked" when a reader's snapshot went stale).
    assert found or refused, "the unlocked hall passed: the test would not notice a missing lock"


def race_caller(config, db_url, unlocked, counter, numbers, barrier, out):
    """One counter, in its own process, tries to call each of the given tickets at the same moment as the others."""
    from hall.domain.errors import QueueError
    hall = build_hall(config, db_url, unlocked)
    won, errors = [], []
    for number in numbers:
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            errors.append("the race was called off")
            break
        try:
            hall.call_ticket(counter, f"clerk{counter}", number)
            won.append(number)
            hall.finish(counter)
        except QueueError:
            pass  # someone else got it: "cannot call ticket K001: it is called"
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
            _try(hall.finish, counter)
    out.put({"counter": counter, "won": won, "errors": errors})
    hall.db.dispose()


def race_for_tickets(config, db_url, unlocked: bool, rounds: int = 12) -> tuple[Counter, list]:
    hall = build_hall(config, db_url, widen=False)
    for c in COUNTERS:
        hall.sign_in(c, f"clerk{c}")
    numbers = [hall.issue_ticket("KHDT.DN")["number"] for _ in range(rounds)]
    hall.db.dispose()
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(len(COUNTERS)), ctx.Queue()
    procs = [ctx.Process(target=race_caller, args=(config, db_url, unlocked, c, numbers, barrier, out))
             for c in COUNTERS]
    for p in procs:
        p.start()
    try:
        reports = [out.get(timeout=90) for _ in procs]
    finally:
        for p in procs:
            p.join(20)
            if p.is_alive():
                p.kill()
                p.join()
    wins = Counter(n for r in reports for n in r["won"])
    return Counter({n: wins.get(n, 0) for n in numbers}), [e for r in reports for e in r["errors"]]


def test_four_counters_calling_one_ticket_one_gets_it(config, db_url):
    wins, errors = race_for_tickets(config, db_url, unlocked=False)
    assert errors == []
    assert set(wins.values()) == {1}, f"times each ticket was given to a counter: {wins}"


def test_four_counters_calling_one_ticket_unlocked_is_caught(config, db_url):
    wins, errors = race_for_tickets(config, db_url, unlocked=True)
    assert errors or set(wins.values()) != {1}, "the unlocked race passed: the test would not notice"


# --- over HTTP, two live servers on one database -------------------------------------------------
def test_two_live_servers_issue_and_call_at_once(make_server, db_url, cfg, tmp_path):
    env = {"MOTCUA_DATABASE_URL": db_url}
    first = make_server(env=env)
    second = make_server(env=env, config=first.config)  # same data folder: one SQLite file, or one PostgreSQL db
    servers = [first, second]
    kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
    tokens = {c: first.sign_in(c)["token"] for c in COUNTERS}
    issued, called, errors = [], [], []
    done = threading.Event()

    def issue(k):
        with requests.Session() as s:
            for i in range(15):
                url = servers[(k + i) % 2].url
                r = s.post(f"{url}/api/tickets", json={"service": SERVICES[(k + i) % 3]}, headers=kiosk, timeout=30)
                if r.status_code == 201:
                    issued.append((r.json()["id"], r.json()["number"]))
                else:
                    errors.append(f"issue: {r.status_code} {r.text[:120]}")

    def clerk(counter):
        headers = {"Authorization": f"Bearer {tokens[counter]}"}
        deadline, i = time.monotonic() + DEADLINE_S, 0
        with requests.Session() as s:
            while time.monotonic() < deadline:
                done_before = done.is_set()
                i += 1
                base = f"{servers[(counter + i) % 2].url}/api/counters/{counter}"
                r = s.post(f"{base}/next", headers=headers, timeout=30)
                if r.status_code == 409 and r.json()["error"] == "queue_empty":
                    if done_before:
                        return
                    time.sleep(0.005)
                    continue
                if r.status_code != 200:
                    errors.append(f"next at {counter}: {r.status_code} {r.text[:120]}")
                    continue
                called.append((counter, r.json()["number"]))
                base = f"{servers[(counter + i + 1) % 2].url}/api/counters/{counter}"
                r = s.post(f"{base}/finish", headers=headers, timeout=30)
                if r.status_code != 200:
                    errors.append(f"finish at {counter}: {r.status_code} {r.text[:120]}")
        errors.append(f"counter {counter} gave up at its deadline")

    issuing = [threading.Thread(target=issue, args=(k,)) for k in range(6)]
    calling = [threading.Thread(target=clerk, args=(c,)) for c in COUNTERS]
    for t in issuing + calling:
        t.start()
    for t in issuing:
        t.join()
    done.set()
    for t in calling:
        t.join()
    assert errors == []
    assert len(issued) == 6 * 15
    url = db_url if db_url.startswith("postgresql") else sqlite_url(tmp_path)
    assert problems(url, issued, called) == []
