"""From the server's ticket JSON to the last byte at the printer: render + encode + status + write + confirm.

    .venv/bin/python bench/ticket.py [-n 50]

Runs print_ticket against the TCP stand-in and a pty stand-in that takes bytes at 115,200 baud (8N1), and reports
p50/p99 and the job's size. "Last byte" is when the stand-in received it (same clock, same process).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from drivers.printer import open_printer  # noqa: E402
from hall.config import Printer, load_config  # noqa: E402
from kiosk.ticket import print_ticket, render_ticket  # noqa: E402
from printer_standins import NetworkStandin, SerialStandin  # noqa: E402

TICKET = {
    "id": "Xq3pL8vR2mN5tYc7", "number": "A015", "service": "TP-LLTP", "service_name": "Lý lịch tư pháp",
    "unit": "TP", "unit_name": "Sở Tư pháp", "priority": None, "priority_name": None, "channel": "kiosk",
    "state": "waiting", "people_ahead": 4, "estimated_wait_s": 600, "issued_at": "2026-11-26T08:01:02+07:00",
    "counters": [{"number": 5, "label": "Quầy 5"}, {"number": 6, "label": "Quầy 6"}],
    "status_url": "http://127.0.0.1:5000/t/Xq3pL8vR2mN5tYc7",
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(kind: str, settings_for, standin, n: int, centre) -> list[float]:
    times = []
    with standin as printer_side:
        printer = open_printer(settings_for(printer_side))
        for i in range(n):
            ticket = dict(TICKET, number=f"A{i % 1000:03d}")
            start = time.perf_counter()
            result = print_ticket(printer, ticket, centre)
            if not result.ok:
                raise SystemExit(f"{kind}: ticket {i} failed: {result.fault}")
            times.append((printer_side.last_byte_at - start) * 1000)
        printer.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="tickets per transport (default 50)")
    args = parser.parse_args()
    centre = load_config().centre
    sizes = {w: len(render_ticket(TICKET, centre, w).escpos()) for w in (576, 384)}
    start = time.perf_counter()
    for _ in range(args.n):
        render_ticket(TICKET, centre, 576).escpos()
    render_ms = (time.perf_counter() - start) * 1000 / args.n
    cases = [
        ("network (TCP stand-in)", lambda s: Printer(kind="network", host=s.host, port=s.port), NetworkStandin()),
        ("serial pty, 115200 baud", lambda s: Printer(kind="serial", device=s.device, baudrate=115200),
         SerialStandin(baudrate=115200)),
        ("serial pty, unthrottled", lambda s: Printer(kind="serial", device=s.device), SerialStandin()),
    ]
    print(f"job size: {sizes[576]} bytes at 576 dots, {sizes[384]} bytes at 384 dots (typical ticket)")
    print(f"render + encode alone: {render_ms:.1f} ms mean")
    for name, settings_for, standin in cases:
        times = run(name, settings_for, standin, args.n, centre)
        print(f"{name:26s} n={args.n}  p50 {percentile(times, 50):6.1f} ms  p99 {percentile(times, 99):6.1f} ms")


if __name__ == "__main__":
    main()
