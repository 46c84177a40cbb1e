"""The wall display's latency and frame cost against a real hall server on 127.0.0.1.

    .venv/bin/python bench/display.py [--calls 100] [--max-seconds 120] [--size 1920x1080]

(a) call → frame: from just before a clerk's POST /api/counters/<n>/call to the end of the first frame flip that
    shows that number as the latest call (the display runs the app's own loop, WallDisplay.run);
(b) call → audio: from the same moment to pygame.mixer starting that call's announcement (espeak-ng renders each
    new number; each sound is cut after 50 ms so calls can be measured back to back);
(c) frame time at the chosen size with all 40 counters busy: a full redraw + flip, and a scrolling-line-only frame;
    and the display's CPU use while idle (clock ticking, line scrolling).
Headless (SDL dummy video and audio drivers) unless --show.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


class QuickPlayer:
    """pygame.mixer, noting when each sound starts; stopped after 50 ms."""

    def __init__(self):
        self.starts: list[float] = []

    def play(self, path):
        import pygame
        if not pygame.mixer.get_init():
            pygame.mixer.init(frequency=22050, size=-16, channels=1)
        sound = pygame.mixer.Sound(str(path))
        sound.play()
        self.starts.append(time.monotonic())
        time.sleep(0.05)
        sound.stop()

    def stop(self):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--show", action="store_true", help="use the real video/audio drivers")
    args = ap.parse_args()
    if not args.show:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame
    from conftest import LiveServer, open_config
    from display.cli import parse_size
    from display.wall import WallDisplay
    from hall.config import load_config
    from hall_driver import HallDriver

    size = parse_size(args.size)
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-display-"))
    server = LiveServer(open_config(tmp)).start()
    cfg = load_config(str(server.config))
    seen: dict[str, float] = {}
    player = QuickPlayer()
    wall = WallDisplay(server.url, cfg.devices.displays[0].token, display=cfg.devices.displays[0], cfg=cfg,
                       size=size, player=player, cache_dir=tmp / "voice",
                       on_frame=lambda state, t: state.latest and seen.setdefault(state.latest.number, t))
    wall.start()
    arrived: dict[str, float] = {}
    put = wall.link.inbox.put

    def noting(item, *a, **kw):                  # when each call reaches the display (socket thread)
        kind, payload = item
        if kind == "called":
            arrived.setdefault(payload["ticket"]["number"], time.monotonic())
        put(item, *a, **kw)
    wall.link.inbox.put = noting
    hall = HallDriver(server, cfg)
    print(f"signing in 40 clerks on {server.url} …", flush=True)
    for n in range(1, 41):
        hall.clerk(n)
    results: list[tuple[float, float]] = []
    done = threading.Event()

    def caller():
        deadline = time.monotonic() + args.max_seconds
        busy: set[int] = set()
        try:
            for i in range(args.calls):
                if time.monotonic() > deadline:
                    break
                counter = 1 + i % 40
                if counter in busy:
                    hall.act(counter, "start")
                    hall.act(counter, "finish")
                ticket = hall.issue(hall.service_of(counter))
                heard = len(player.starts)
                t0 = time.monotonic()
                hall.act(counter, "call", ticket=ticket["number"])
                replied = time.monotonic()
                busy.add(counter)
                wait = time.monotonic() + 5
                while time.monotonic() < wait and (ticket["number"] not in seen or len(player.starts) <= heard):
                    time.sleep(0.002)
                if ticket["number"] in seen and len(player.starts) > heard:
                    results.append((seen[ticket["number"]] - t0, player.starts[heard] - t0, replied - t0,
                                    arrived.get(ticket["number"], float("nan")) - t0))
                wall.announcer.wait_idle(5)
        finally:
            done.set()

    worker = threading.Thread(target=caller, daemon=True)
    clock = pygame.time.Clock()
    while not (wall.snapshots and wall.link.connected):
        wall.step()
        clock.tick(wall.fps)
    worker.start()
    wall.run(until=done.is_set)                  # the app's own loop
    # (c) with every counter busy now
    while any(c.ticket is None for c in wall.state.counters.values()):
        counter = next(n for n, c in wall.state.counters.items() if c.ticket is None)
        hall.call_new(counter)
        t = time.monotonic() + 2
        while time.monotonic() < t and wall.state.counters[counter].ticket is None:
            wall.step()
            clock.tick(wall.fps)
    full, strip = [], []
    for i in range(300):
        wall._key = None
        t = time.perf_counter()
        wall.step()
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        wall.step()
        strip.append(time.perf_counter() - t)
    wall.state.flash_until = float("-inf")
    for c in wall.state.counters.values():
        c.called_at = float("-inf")
    cpu0, wall0, frames0 = time.process_time(), time.monotonic(), wall.frames
    wall.run(until=lambda: time.monotonic() - wall0 >= 10)
    cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
    fps = (wall.frames - frames0) / (time.monotonic() - wall0)
    wall.stop()
    server.stop()

    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    a, b = [r[0] for r in results], [r[1] for r in results]
    reply, arrive = [r[2] for r in results], [r[3] for r in results]
    print(f"\nmachine: {platform.node()} {os.cpu_count()} CPU, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, pygame {pygame.version.ver}; {datetime.now():%Y-%m-%d %H:%M}")
    print(f"calls measured: {len(results)} of {args.calls}; screen {size[0]}×{size[1]}, 40 counters")
    print(f"(a) call → first frame showing it:  p50 {ms(statistics.median(a))}  p99 {ms(percentile(a, 99))}  "
          f"max {ms(max(a))}   target ≤ 50 ms")
    print(f"    of which: HTTP reply            p50 {ms(statistics.median(reply))}  p99 {ms(percentile(reply, 99))}")
    print(f"    event reaches the display       p50 {ms(statistics.median(arrive))}  p99 {ms(percentile(arrive, 99))}")
    own = [x - y for x, y in zip(a, arrive)]
    print(f"    event arrival → frame (display)  p50 {ms(statistics.median(own))}  p99 {ms(percentile(own, 99))}")
    print(f"    load average during the run: {os.getloadavg()[0]:.1f}")
    print(f"(b) call → start of its audio:      p50 {ms(statistics.median(b))}  p99 {ms(percentile(b, 99))}  "
          f"max {ms(max(b))}   target ≤ 500 ms")
    print(f"(c) full frame (draw + flip):        p50 {ms(statistics.median(full))}  p99 {ms(percentile(full, 99))}")
    print(f"    scrolling-line-only frame:       p50 {ms(statistics.median(strip))}  p99 {ms(percentile(strip, 99))}")
    print(f"    idle: {fps:.1f} frames/s, CPU {cpu * 100:.1f}% of one core")


if __name__ == "__main__":
    main()
