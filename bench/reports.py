"""How fast the reports are on a year of data in SQLite (made by bench/generate.py).

    .venv/bin/python bench/generate.py --out data/bench-year.db
    .venv/bin/python bench/reports.py data/bench-year.db

Prints: the one-off time to derive the daily rollup from the visit log, the daily report (figures, and the
director's printable page) and the yearly summary by unit — targets ≤ 0.5 s and ≤ 2 s.
"""
from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hall import accounts  # noqa: E402
from hall.app import create_app  # noqa: E402
from hall.clock import FixedClock  # noqa: E402
from hall.config import default_config_path, load_config  # noqa: E402
from hall.db import tables  # noqa: E402
from hall.reports import rollup  # noqa: E402
from hall.reports.make import make_report  # noqa: E402
from sqlalchemy import func, select  # noqa: E402


def timed(fn, runs: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main(path: str):
    cfg = load_config()
    clock = FixedClock(datetime(2000, 1, 1, 9, 0))
    app = create_app(cfg, config_path=default_config_path(), db_url=f"sqlite:///{Path(path).resolve()}", clock=clock)
    hall = app.extensions["motcua.hall"]
    first, last = rollup._log_span(hall)
    clock.at = datetime.combine(last + timedelta(days=1), datetime.min.time()).replace(hour=9, tzinfo=clock.tz)
    with hall.uow(write=False) as uow:
        count = lambda t: uow.session.execute(select(func.count()).select_from(t)).scalar()  # noqa: E731
        sizes = {t.name: count(t) for t in (tables.events, tables.tickets, tables.visits, tables.ratings)}
        kept = count(tables.report_days)
    print(f"{path}: {first} – {last}; " + ", ".join(f"{n:,} {name}" for name, n in sizes.items()))

    if not kept:
        t = time.perf_counter()
        built = rollup.rebuild(hall)
        print(f"daily rollup derived from the visit log: {built} days in {time.perf_counter() - t:.1f} s (once; "
              f"then one day a night)")
    busiest = last
    live, _ = timed(lambda: rollup.live_day(hall, busiest), runs=3)
    print(f"one day derived from the raw events (today's report): {live:.3f} s")
    day, rep = timed(lambda: make_report(hall, busiest, busiest, "unit"))
    print(f"daily report, figures by unit ({rep.total['issued']:,} tickets): {day:.3f} s   target ≤ 0.5 s")

    try:
        accounts.add_user(hall, "bench-director", "matkhau123", "supervisor")
    except Exception:
        pass
    token = accounts.login(hall, "bench-director", "matkhau123")["token"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    page, r = timed(lambda: client.get(f"/reports/daily?day={busiest}", headers=headers))
    assert r.status_code == 200, r.status_code
    print(f"daily report, the director's printable page: {page:.3f} s   target ≤ 0.5 s")

    year, rep = timed(lambda: make_report(hall, first, last, "unit"), runs=3)
    print(f"yearly summary by unit ({rep.total['issued']:,} tickets, {rep.total['rated']:,} ratings): "
          f"{year:.3f} s   target ≤ 2 s")
    for by in ("clerk", "day", "hour"):
        t, _ = timed(lambda: make_report(hall, first, last, by), runs=1)
        print(f"  the year by {by}: {t:.3f} s")
    ok = day <= 0.5 and page <= 0.5 and year <= 2.0
    print("OK" if ok else "SLOWER THAN THE TARGETS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "data/bench-year.db"))
