"""A long-running wall display under pressure: every call shown, every call announced once, memory and CPU flat.

    .venv/bin/python bench/soak.py [--calls 10000] [--max-minutes 15] [--rate 14] [--cut-every 20 60]

A real hall server (`motcua serve`, SQLite) on 127.0.0.1; the wall display (WallDisplay.run, headless, 1920×1080,
the whole hall) in a process of its own, reaching the server through a TCP relay that cuts its connection at
random moments (every 20–60 s: a network loss, python-socketio reconnects); a CPU-bound process beside it; 40
clerks calling (`next`), recalling (`--recall`: one visit in four) and finishing, from 16 threads, at most
`--rate` calls/s.

At the end the calls in the hall's visit log (the truth) are compared with what the display showed (WallState
took each as its latest call), queued for speech (the Announcer accepted it) and spoke (the player was handed
it): missing and doubled, in each; whether speech kept the hall's order and whether any sound was cut off. The
display samples its RSS and CPU every 10 s; growth is measured from the sample where 10 % of the calls had been
shown (the bounded text cache is full by then) to the end; CPU is compared between the first and last third of the
calling.
Speech is stubbed (the renderer names each call by its seq, the player holds it 5 ms): 10,000 espeak-ng renders
and 10,000 × 5 s of sound would measure espeak and the clock, not the queue. Exit code 1 when a check fails.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

SAMPLE_S = 10.0


# --- the display's side (a process of its own) -----------------------------------------------------------------
def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class SeqRenderer:
    """No audio: each announcement's "file" is named after the call's seq."""

    def __init__(self, voice):
        self.voice = voice

    def prewarm(self):
        pass

    def render(self, speech):
        return Path(str(speech.call.seq))


class SeqPlayer:
    """Holds each announcement 5 ms; notes the seqs in the order spoken, and any sound stopped before its end."""

    def __init__(self):
        self.spoken: list[int] = []
        self.cut_off = 0
        self._stop = threading.Event()

    def play(self, path):
        self._stop.clear()
        if self._stop.wait(0.005):
            self.cut_off += 1
        self.spoken.append(int(path.name))

    def stop(self):
        self._stop.set()


def display_main(args) -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from display.wall import WallDisplay
    from display.wall_state import Zone
    from hall.config import load_config

    import logging
    logging.basicConfig(filename=str(Path(args.out).with_suffix(".log")), level=logging.INFO,
                        format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")
    for noisy in ("socketio.client", "engineio.client"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    cfg = load_config(args.config)
    conf = cfg.devices.displays[0]
    player = SeqPlayer()
    wall = WallDisplay(args.display, conf.token, display=conf, cfg=cfg, zone=Zone(), size=(1920, 1080),
                       player=player, renderer=SeqRenderer(conf.voice), cache_dir=Path(args.out).parent / "voice")
    shown, queued, counts = [], [], {"disconnected": 0, "snapshot": 0}
    apply = wall.state.apply

    def noting(kind, payload):
        if kind in counts:
            counts[kind] += 1
        view = apply(kind, payload)
        if view is not None:
            shown.append(view.seq)
        return view
    wall.state.apply = noting
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    wall.start()
    announce = wall.announcer.announce

    def queueing(event):
        item = announce(event)
        if item is not None:
            queued.append(item.call.seq)
        return item
    wall.announcer.announce = queueing
    samples, t0 = [], time.monotonic()

    def sample():
        samples.append({"t": round(time.monotonic() - t0, 1), "rss_kb": rss_kb(), "cpu_s": round(time.process_time(), 2),
                        "shown": len(shown), "seq": wall.link.seq, "backlog": wall.announcer.pending})
        progress = {**samples[-1], "resyncs": wall.link.resyncs, "connected": wall.link.connected,
                    "renewals": wall.link.renewals,
                    "sio": wall.link.sio.connected, "eio": wall.link.sio.eio.state, **counts}
        tmp = Path(args.out).with_suffix(".progress.tmp")
        tmp.write_text(json.dumps(progress))
        os.replace(tmp, Path(args.out).with_suffix(".progress"))

    def sampler():
        while not stop.wait(SAMPLE_S):
            sample()
    threading.Thread(target=sampler, daemon=True).start()
    sample()
    wall.run(until=stop.is_set)
    idle = wall.announcer.wait_idle(120)
    sample()
    wall.stop()
    result = {"shown": shown, "queued": queued, "spoken": player.spoken, "cut_off": player.cut_off,
              "renewals": wall.link.renewals,
              "announcer_idle": idle, "resyncs": wall.link.resyncs, "gaps": wall.link.order.gaps,
              "stale": wall.link.order.stale, "frames": wall.frames, "full_frames": wall.full_frames,
              "samples": samples, **counts}
    Path(args.out).write_text(json.dumps(result))


# --- a TCP relay that can cut the display off -----------------------------------------------------------------
class Relay:
    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.pairs: set = set()
        self.lock = threading.Lock()
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = (client, server)
            with self.lock:
                self.pairs.add(pair)
            threading.Thread(target=self._pump, args=(client, server, pair), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, pair), daemon=True).start()

    def _pump(self, src, dst, pair):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        self._close(pair)

    def _close(self, pair):
        with self.lock:
            self.pairs.discard(pair)
        for s in pair:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut(self) -> int:
        with self.lock:
            pairs = list(self.pairs)
        for pair in pairs:
            self._close(pair)
        self.cuts += bool(pairs)
        return len(pairs)

    def close(self):
        self.listener.close()
        self.cut()


# --- the hall's side --------------------------------------------------------------------------------------------
BUSY = "import time\nwhile True:\n    sum(i * i for i in range(200000))\n"


def call_truth(data_dir: Path) -> list[int]:
    with sqlite3.connect(data_dir / "motcua.db") as db:
        return [r[0] for r in db.execute("SELECT id FROM events WHERE kind IN ('called', 'recalled') ORDER BY id")]


def drive(hall, counters: list[int], budget, stop: threading.Event, errors: list, rng: random.Random,
          recall: float):
    """One clerk thread: issue a ticket for a counter, call it, sometimes recall it, finish; round its counters."""
    while not stop.is_set():
        for n in counters:
            if stop.is_set() or not budget(1):
                return
            try:
                hall.issue(hall.service_of(n))
                hall.act(n, "next")
                if rng.random() < recall and budget(1):
                    hall.act(n, "recall")
                hall.act(n, "finish")
            except Exception as exc:  # noqa: BLE001 — noted, and the run goes on
                errors.append(f"counter {n}: {exc}")
                if len(errors) > 50:
                    stop.set()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--max-minutes", type=float, default=15)
    ap.add_argument("--rate", type=float, default=14.0, help="at most this many calls per second")
    ap.add_argument("--cut-every", type=float, nargs=2, default=(20, 60), metavar=("MIN_S", "MAX_S"))
    ap.add_argument("--threads", type=int, default=16, help="clerk threads (the 40 counters shared among them)")
    ap.add_argument("--recall", type=float, default=0.25, help="share of visits with a recall (a call again)")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--report-s", type=float, default=60, help="print progress this often")
    ap.add_argument("--display", help=argparse.SUPPRESS)            # the display process: server URL …
    ap.add_argument("--config", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--report", metavar="FOLDER", help="report an earlier run's results again (its data folder)")
    args = ap.parse_args()
    if args.display:
        return display_main(args)
    if args.report:
        from common import machine
        folder = Path(args.report)
        return report(args, folder, folder / "display.json", len(call_truth(folder / "data")), float("nan"),
                      -1, [], machine() + " (reported again)")

    from common import bench_config, machine
    from conftest import LiveServer
    from hall_driver import PASSWORD, HallDriver

    folder = Path(tempfile.mkdtemp(prefix="motcua-soak-"))
    config, cfg = bench_config(folder)
    server = LiveServer(config).start()
    relay = Relay(server.port)
    out = folder / "display.json"
    busy = subprocess.Popen([sys.executable, "-c", BUSY])
    display = subprocess.Popen([sys.executable, __file__, "--display", f"http://127.0.0.1:{relay.port}",
                                "--config", str(config), "--out", str(out)], cwd=str(ROOT))
    rng, stop, errors = random.Random(args.seed), threading.Event(), []
    lock, made = threading.Lock(), [0]
    clock = {"started": 0.0, "deadline": 0.0}

    def budget(n: int) -> bool:
        """Take n calls from what is left, at most --rate per second overall; False when it is spent."""
        with lock:
            if made[0] + n > args.calls or time.monotonic() > clock["deadline"]:
                return False
            made[0] += n
            due = clock["started"] + made[0] / args.rate
        stop.wait(max(0.0, due - time.monotonic()))
        return not stop.is_set()

    def progress() -> dict:
        try:
            return json.loads(out.with_suffix(".progress").read_text())
        except (OSError, ValueError):
            return {}

    try:
        hall = HallDriver(server, cfg)
        counters = [c.number for c in cfg.counters][:40]
        for n in counters:
            try:
                hall.clerk(n)
            except Exception as exc:  # noqa: BLE001 — a sign-in hashes a password: slow on a saturated machine
                print(f"  signing in at counter {n}: {exc}; once more", flush=True)
                login = hall.http.post(f"{hall.url}/api/login", json={"username": f"clerk{n}", "password": PASSWORD,
                                                                      "counter": n}, timeout=60)
                login.raise_for_status()
                hall.clerks[n] = {"Authorization": f"Bearer {login.json()['token']}"}
        wait_until = time.monotonic() + 60
        while not progress().get("snapshot") and time.monotonic() < wait_until:
            stop.wait(0.2)
        started = clock["started"] = time.monotonic()
        clock["deadline"] = started + args.max_minutes * 60
        print(f"soak: {args.calls} calls at ≤ {args.rate}/s, server {server.url}, display via relay :{relay.port}; "
              f"data in {folder}", flush=True)
        drivers = []
        for i in range(args.threads):
            own = counters[i::args.threads]
            d = HallDriver(server, cfg)
            d.admin, d.clerks = hall.admin, {n: hall.clerks[n] for n in own}
            t = threading.Thread(target=drive, args=(d, own, budget, stop, errors, random.Random(args.seed + i),
                                                    args.recall),
                                 daemon=True)
            drivers.append(t)
            t.start()
        next_cut = time.monotonic() + rng.uniform(*args.cut_every)
        next_report = time.monotonic() + args.report_s
        while any(t.is_alive() for t in drivers):
            for t in drivers:
                t.join(0.5)
            now = time.monotonic()
            if now >= next_cut:
                relay.cut()
                next_cut = now + rng.uniform(*args.cut_every)
            if now >= next_report:
                p = progress()
                print(f"  {now - started:5.0f} s: {made[0]} calls made; display shown {p.get('shown')}, seq "
                      f"{p.get('seq')}, rss {p.get('rss_kb', 0) / 1024:.0f} MB, backlog {p.get('backlog')}, "
                      f"{p.get('disconnected')} disconnects, {p.get('resyncs')} resyncs; connected {p.get('connected')} "
                      f"(socket.io {p.get('sio')}, engine.io {p.get('eio')})", flush=True)
                next_report = now + args.report_s
        driving_s = time.monotonic() - started
        final = requests_state(server.url, cfg)
        settle = time.monotonic() + 60
        while (progress().get("seq") or 0) < final and time.monotonic() < settle:
            stop.wait(0.5)
    finally:
        stop.set()
        busy.kill()
        busy.wait(5)
        if display.poll() is None:
            display.send_signal(signal.SIGTERM)
        try:
            display.wait(180)
        except subprocess.TimeoutExpired:
            display.kill()
            display.wait(5)
        relay.close()
        server.stop()
    return report(args, folder, out, made[0], driving_s, relay.cuts, errors, machine())


def requests_state(url: str, cfg) -> int:
    import requests
    r = requests.get(f"{url}/api/state", headers={"Authorization": f"Bearer {cfg.devices.displays[0].token}"},
                     timeout=10)
    r.raise_for_status()
    return r.json()["seq"]


def duplicates(values: list[int]) -> int:
    return len(values) - len(set(values))


def report(args, folder: Path, out: Path, made: int, driving_s: float, cuts: int, errors: list, where: str) -> int:
    truth = call_truth(folder / "data")
    d = json.loads(out.read_text())
    shown, queued, spoken = d["shown"], d["queued"], d["spoken"]
    samples = d["samples"]
    calling = [x for x in samples if x["shown"] > 0] or samples
    warm = next(x for x in calling if x["shown"] >= 0.1 * samples[-1]["shown"])   # the text cache is full by then
    peak = max(x["rss_kb"] for x in samples)
    growth = (samples[-1]["rss_kb"] - warm["rss_kb"]) / warm["rss_kb"]

    def cpu(part):                # (share of a core, ms of CPU per call shown) over the samples in part
        dt, dc = part[-1]["t"] - part[0]["t"], part[-1]["cpu_s"] - part[0]["cpu_s"]
        return dc / max(1e-9, dt), 1000 * dc / max(1, part[-1]["shown"] - part[0]["shown"])
    third = max(2, len(calling) // 3)
    early, late = cpu(calling[:third]), cpu(calling[-third:])
    checks = {
        "calls in the hall's log": len(truth),
        "missing from the screen": len(set(truth) - set(shown)),
        "shown twice": duplicates(shown),
        "never queued for speech": len(set(truth) - set(queued)),
        "queued twice": duplicates(queued),
        "never spoken": len(set(truth) - set(spoken)),
        "spoken twice": duplicates(spoken),
        "spoken out of order": sum(1 for a, b in zip(spoken, spoken[1:]) if b < a),
        "cut off": d["cut_off"],
    }
    failed = [k for k, v in checks.items() if k != "calls in the hall's log" and v]
    failed += ["RSS growth > 10 %"] if growth > 0.10 else []
    failed += ["fewer calls than asked"] if len(truth) < args.calls else []
    print(f"\nmachine: {where}; load average at the end {os.getloadavg()[0]:.1f}")
    print(f"{made} calls in {driving_s / 60:.1f} min ({made / driving_s:.1f}/s); {cuts} connection cuts; "
          f"display: {d['disconnected']} disconnects, {d['snapshot']} snapshots, {d['resyncs']} resyncs "
          f"({d['gaps']} gaps held past the wait), {d['stale']} stale messages dropped, "
          f"{d['renewals']} stuck socket clients replaced; "
          f"{d['full_frames']} full frames of {d['frames']}; {len(errors)} driver errors")
    for k, v in checks.items():
        print(f"  {k:28s} {v}")
    print(f"  RSS: {warm['rss_kb'] / 1024:.1f} MB at {warm['t']:.0f} s ({warm['shown']} calls shown) → "
          f"{samples[-1]['rss_kb'] / 1024:.1f} MB at the end ({growth * 100:+.1f} %), peak {peak / 1024:.1f} MB; "
          f"{samples[0]['rss_kb'] / 1024:.1f} MB at start (before the calls)")
    print(f"  CPU of the display while calls come: first third {early[0] * 100:.1f} % of a core "
          f"({early[1]:.1f} ms a call), last third {late[0] * 100:.1f} % ({late[1]:.1f} ms a call)")
    for e in errors[:5]:
        print("  driver error:", e)
    print("PASS" if not failed else "FAIL: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
