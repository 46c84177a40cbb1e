"""Kiosks issuing tickets as fast as they can: tickets/s, latency, and duplicate numbers.

    .venv/bin/python bench/issue.py [--clients 16] [--duration 10] [--database-url postgresql+psycopg://…]
                                    [--serve-arg=--async-mode=threading …] [--url http://… (a running server)]

Starts `motcua serve` on 127.0.0.1 with a fresh data folder (hours not enforced), then N client threads, each with
its own keep-alive HTTP connection and kiosk token, POST /api/tickets round the 45 services until the time is up.
Afterwards it counts duplicate numbers twice: among the numbers the clients were given (201 answers), and in the
database itself (same day and number among the tickets still holding one, or same day, service and sequence).
"""
from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text

from common import Server, bench_config, machine, percentile, temp_folder
from hall.db.tables import HELD  # noqa: E402  (common puts the project on the path)


def client(url: str, token: str, services: list[str], start: int, until: float, out: dict, keys: bool = False):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies, numbers, errors = [], [], Counter()
    i = start
    while time.monotonic() < until:
        body = json.dumps({"service": services[i % len(services)]})
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/tickets", body, {**headers, "Idempotency-Key": str(uuid.uuid4())}
                         if keys else headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            errors[type(exc).__name__] += 1
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            continue
        latencies.append(time.perf_counter() - t0)
        if resp.status == 201:
            numbers.append(json.loads(data)["number"])
        else:
            errors[f"HTTP {resp.status}"] += 1
    conn.close()
    out.update(latencies=latencies, numbers=numbers, errors=errors)


def run(url: str, tokens: list[str], services: list[str], clients: int, duration: float, keys: bool = False) -> dict:
    results = [dict() for _ in range(clients)]
    until = time.monotonic() + duration
    threads = [threading.Thread(target=client, args=(url, tokens[i % len(tokens)], services, i * 7, until,
                                                     results[i], keys)) for i in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    latencies = [x for r in results for x in r["latencies"]]
    numbers = [x for r in results for x in r["numbers"]]
    errors = sum((r["errors"] for r in results), Counter())
    return {"elapsed": elapsed, "latencies": latencies, "numbers": numbers, "errors": errors}


def database_duplicates(db_url: str) -> tuple[int, list, list]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM tickets")).scalar()
        by_number = conn.execute(text(f"SELECT day, number, count(*) FROM tickets WHERE {HELD} GROUP BY day, number "
                                      "HAVING count(*) > 1")).all()  # numbers go round: unique among held tickets
        by_seq = conn.execute(text("SELECT day, service, seq, count(*) FROM tickets GROUP BY day, service, seq "
                                   "HAVING count(*) > 1")).all()
    engine.dispose()
    return total, by_number, by_seq


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    ap.add_argument("--database-url", default="", help="a database for the server (default: SQLite in a temp folder)")
    ap.add_argument("--synchronous", choices=["normal", "full"], default="full", help="SQLite synchronous")
    ap.add_argument("--serve-arg", action="append", default=[], help="extra argument for `motcua serve`")
    ap.add_argument("--url", default="", help="use this running server instead (no database check)")
    ap.add_argument("--idempotency-keys", action="store_true", help="send a new Idempotency-Key with each order, "
                    "as the kiosks do")
    args = ap.parse_args()

    folder = temp_folder("motcua-bench-issue-")
    config, cfg = bench_config(folder, sqlite_synchronous=args.synchronous)
    tokens = [k.token for k in cfg.devices.kiosks]
    services = list(cfg.services)
    env = {"MOTCUA_DATABASE_URL": args.database_url} if args.database_url else {}
    db_url = args.database_url or f"sqlite:///{folder / 'data' / 'motcua.db'}"
    print(f"machine: {machine()}")

    def measure(url):
        run(url, tokens, services, args.clients, 1.0, args.idempotency_keys)  # warm up: connections, caches, db
        return run(url, tokens, services, args.clients, args.duration, args.idempotency_keys)

    if args.url:
        r = measure(args.url)
    else:
        with Server(config, env=env, args=tuple(args.serve_arg)) as server:
            print(f"server: {server.url} {' '.join(args.serve_arg)} database: {db_url.split('@')[-1]}")
            r = measure(server.url)

    lat = r["latencies"]
    given = Counter(r["numbers"])
    print(f"clients: {args.clients}, duration: {r['elapsed']:.1f} s, tickets: {len(r['numbers'])}, "
          f"errors: {dict(r['errors']) or 0}")
    print(f"tickets/s: {len(r['numbers']) / r['elapsed']:.0f}")
    if lat:
        print(f"latency ms: p50 {percentile(lat, 50) * 1000:.1f}  p99 {percentile(lat, 99) * 1000:.1f}  "
              f"max {max(lat) * 1000:.1f}")
    print(f"duplicate numbers given to kiosks: {sorted(n for n, k in given.items() if k > 1) or 0}")
    if not args.url:
        total, by_number, by_seq = database_duplicates(db_url)
        print(f"database: {total} tickets, duplicate numbers: {by_number or 0}, duplicate sequences: {by_seq or 0}")


if __name__ == "__main__":
    main()
