"""A full hall on the sockets: how long from a counter's call until every screen has it.

    .venv/bin/python bench/fanout.py [--calls 400] [--rate 5] [--serve-arg=--async-mode=threading …]

Starts `motcua serve` on 127.0.0.1 (fresh data folder), signs a clerk in at each of the 40 counters and connects
100 real Socket.IO clients (python-socketio's asyncio client, websocket transport), spread over 4 processes: 40
counter panels (/counter), 20 wall displays (/display) and 40 rating pads (/pad, one per counter). Each counter's
clerk calls over one keep-alive HTTP connection, as the counter panel's browser does. Counters then call next (and finish a moment later) at --rate calls/s over
the hall. For each call it measures from just before the POST /api/counters/<n>/next until the last of the 61
clients that must get it — 60 hall-stream clients get `called`, the counter's own pad gets `idle` — has it.
It also counts what each kind of client was sent: a pad must hear only its own counter.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests
import socketio

from common import Server, bench_config, machine, percentile, temp_folder

PASSWORD = "matkhau-bench-1"


def prepare(config, cfg, per_counter: int):
    """Clerks for the 40 counters, and a line of waiting tickets in front of each, straight through the service layer."""
    from hall import accounts
    from hall.app import create_app
    app = create_app(cfg, config_path=str(config))
    hall = app.extensions["motcua.hall"]
    for c in cfg.counters:
        accounts.add_user(hall, f"clerk{c.number}", PASSWORD, "clerk")
        for _ in range(per_counter):
            hall.issue_ticket(c.services[0])
    hall.db.dispose()


def client_process(url: str, clients: list, ready, stop, out):
    """Connect these clients, note when each message arrives, and report everything at the end.

    One asyncio loop per process (python-socketio's AsyncClient over aiohttp): a message wakes one loop, not one
    thread per client fighting for the GIL, so what is measured is the hall's fan-out more than the clients'."""
    asyncio.run(_clients(url, clients, ready, stop, out))


async def _clients(url: str, clients: list, ready, stop, out):
    received = []  # (client index, namespace, event, counter, seq, ticket number, monotonic time)
    sios = []
    for idx, namespace, auth in clients:
        sio = socketio.AsyncClient(reconnection=False)

        async def on_any(event, data=None, _idx=idx, _ns=namespace):
            t = time.monotonic()
            if isinstance(data, dict):
                number = (data.get("ticket") or {}).get("number")
                received.append((_idx, _ns, event, data.get("counter"), data.get("seq"), number, t))
        sio.on("*", on_any, namespace=namespace)
        await sio.connect(url, namespaces=[namespace], auth=auth, transports=["websocket"], wait_timeout=20)
        sios.append(sio)
    ready.set()
    while not stop.is_set():
        await asyncio.sleep(0.1)
    out.put(list(received))
    for sio in sios:
        await sio.disconnect()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=400)
    ap.add_argument("--rate", type=float, default=5.0, help="calls per second over the whole hall (5: every "
                    "counter calling every 8 s, several times a real peak)")
    ap.add_argument("--displays", type=int, default=20)
    ap.add_argument("--processes", type=int, default=4, help="client processes")
    ap.add_argument("--serve-arg", action="append", default=[], help="extra argument for `motcua serve`")
    args = ap.parse_args()

    folder = temp_folder("motcua-bench-fanout-")
    config, cfg = bench_config(folder)
    counters = [c.number for c in cfg.counters]
    prepare(config, cfg, per_counter=args.calls // len(counters) + 2)
    print(f"machine: {machine()}")
    with Server(config, args=tuple(args.serve_arg)) as server:
        print(f"server: {server.url} {' '.join(args.serve_arg)}")
        http = requests.Session()
        tokens = {}
        for n in counters:
            r = http.post(f"{server.url}/api/login", json={"username": f"clerk{n}", "password": PASSWORD,
                                                           "counter": n}, timeout=10)
            r.raise_for_status()
            tokens[n] = r.json()["token"]
        pads = {p.counter: p.token for p in cfg.devices.pads}
        displays = [d.token for d in cfg.devices.displays]
        clients = ([(("counter", n), "/counter", {"token": tokens[n]}) for n in counters]
                   + [(("display", i), "/display", {"token": displays[i % len(displays)]})
                      for i in range(args.displays)]
                   + [(("pad", n), "/pad", {"token": pads[n]}) for n in counters if n in pads])

        ctx = mp.get_context("spawn")
        stop, out = ctx.Event(), ctx.Queue()
        procs, readies = [], []
        for k in range(args.processes):
            ready = ctx.Event()
            p = ctx.Process(target=client_process, args=(server.url, clients[k::args.processes], ready, stop, out))
            p.start()
            procs.append(p)
            readies.append(ready)
        t = time.monotonic()
        for ready in readies:
            if not ready.wait(120):
                raise SystemExit("the clients did not connect in 120 s")
        print(f"{len(clients)} clients connected in {time.monotonic() - t:.1f} s")
        time.sleep(1.0)  # every snapshot delivered

        sent = []  # (counter, ticket number, t0)
        errors = Counter()

        def call(n: int, due: float):
            time.sleep(max(0.0, due - time.monotonic()))
            h = {"Authorization": f"Bearer {tokens[n]}"}
            s = panels[n]  # each counter panel keeps its connection, as a browser does
            t0 = time.monotonic()
            r = s.post(f"{server.url}/api/counters/{n}/next", headers=h, timeout=30)
            if r.status_code != 200:
                errors[f"next {r.status_code} {r.json().get('error')}"] += 1
                return
            sent.append((n, r.json()["number"], t0, time.monotonic()))
            time.sleep(0.3)  # the citizen walks up; the clerk finishes (the pad is asked for a rating)
            r = s.post(f"{server.url}/api/counters/{n}/finish", headers=h, timeout=30)
            if r.status_code != 200:
                errors[f"finish {r.status_code}"] += 1

        panels = {n: requests.Session() for n in counters}
        start = time.monotonic() + 0.2
        with ThreadPoolExecutor(max_workers=64) as pool:
            for i in range(args.calls):
                # round the counters; a counter's next call comes after its previous one has finished
                pool.submit(call, counters[i % len(counters)], start + i / args.rate)
        time.sleep(2.0)  # the last events arrive
        stop.set()
        received = [r for _ in procs for r in out.get(timeout=60)]
        for p in procs:
            p.join(30)
    report(args, sent, received, errors, counters)


def report(args, sent, received, errors, counters):
    called_at = defaultdict(dict)   # seq → hall-stream client → arrival
    seq_of = {}                     # (counter, ticket number) → seq of its `called`
    idle_at = {}                    # (pad's counter, seq) → arrival of `idle`
    kinds = defaultdict(Counter)    # client kind → event → how many
    foreign = 0
    for client, ns, event, counter, seq, number, t in received:
        kind = client[0]
        kinds[kind][event] += 1
        if kind == "pad" and counter != client[1]:
            foreign += 1
        if event == "called" and kind != "pad":
            called_at[seq][client] = t
            seq_of[(counter, number)] = seq
        if kind == "pad" and event == "idle":
            idle_at[(client[1], seq)] = t
    hall_clients = len(counters) + args.displays
    latencies, answered, first_in, missing = [], [], [], 0
    for counter, number, t0, t1 in sent:
        seq = seq_of.get((counter, number))
        if seq is None or len(called_at[seq]) < hall_clients or (counter, seq) not in idle_at:
            missing += 1
            continue
        arrivals = list(called_at[seq].values()) + [idle_at[(counter, seq)]]
        latencies.append((max(arrivals) - t0) * 1000)
        first_in.append((min(arrivals) - t0) * 1000)
        answered.append((t1 - t0) * 1000)
    print(f"clients: {len(counters)} counters, {args.displays} displays, {len(counters)} pads; "
          f"calls: {len(sent)} at {args.rate:g}/s; errors: {dict(errors) or 0}; calls not seen by everyone: {missing}")
    if latencies:
        print(f"call → every client ms: p50 {percentile(latencies, 50):.1f}  p99 {percentile(latencies, 99):.1f}  "
              f"max {max(latencies):.1f}")
        print(f"  (p50 ms: the call's HTTP answer {percentile(answered, 50):.1f}, the first client "
              f"{percentile(first_in, 50):.1f}, the last {percentile(latencies, 50):.1f})")
    for kind in ("counter", "display", "pad"):
        n = args.displays if kind == "display" else len(counters)
        print(f"  each {kind:7} was sent on average: "
              + ", ".join(f"{e} {c / n:.1f}" for e, c in sorted(kinds[kind].items())))
    print(f"  pad messages about another counter: {foreign}")


if __name__ == "__main__":
    main()
