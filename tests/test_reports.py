"""Every report figure, recomputed here from the raw visit log of a played day — by plain Python, without
hall.reports — must equal what the reports compute (live from the events, and from the daily rollup)."""
from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import OPEN_TIME, ROOT
from hall.app import create_app
from hall.clock import FixedClock
from hall.db import tables
from hall.domain.errors import QueueError
from hall.reports import rollup
from hall.reports.make import make_report
from test_report_day import play_day

DAY = date(2026, 11, 26)
GROUPINGS = ("unit", "service", "counter", "clerk", "hour", "day")


def raw_events(hall):
    with hall.uow(write=False) as uow:
        return list(uow.session.execute(select(tables.events).order_by(tables.events.c.id)))


def summary(values):
    if not values:
        return {"n": 0, "mean": None, "median": None, "p90": None, "max": None}
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
    return {"n": len(values), "mean": statistics.fmean(values), "median": statistics.median(values), "p90": p90,
            "max": max(values)}


def recompute(events, cfg, tz, by):
    """The figures per group, from the definitions in docs/reports.md, straight from the events."""
    by_ticket = defaultdict(list)
    for e in events:
        if e.ticket_id is not None:
            by_ticket[e.ticket_id].append(e)
    levels = sorted((lvl.value for lvl in cfg.ratings.levels), reverse=True)

    def key(service, counter, clerk, at, issued_at):
        return {"unit": cfg.unit_of[service].code if service else "", "service": service, "counter": counter or 0,
                "clerk": clerk or "", "hour": at.astimezone(tz).hour,
                "day": issued_at.astimezone(tz).date().toordinal()}[by]

    groups = defaultdict(lambda: {"issued": 0, "served": 0, "no_show": 0, "cancelled": 0, "transferred": 0,
                                  "channels": defaultdict(int), "wait": [], "on_time": 0, "walk": [],
                                  "service": [], "ratings": defaultdict(int)})
    for ticket_events in by_ticket.values():
        issued = next(e for e in ticket_events if e.kind == "issued")
        calls = [e for e in ticket_events if e.kind == "called"]
        first = calls[0] if calls else None
        g = groups[key(issued.service, first and first.counter, first and first.clerk, issued.at, issued.at)]
        g["issued"] += 1
        g["channels"][issued.data["channel"]] += 1
        g["cancelled"] += sum(e.kind == "cancelled" for e in ticket_events)
        if first:
            wait = (first.at - issued.at).total_seconds()
            g["wait"].append(wait)
            g["on_time"] += wait <= cfg.services[issued.service].target_wait_min * 60
        for call in calls:
            of_visit = [e for e in ticket_events if e.visit_id == call.visit_id]
            v = groups[key(call.service, call.counter, call.clerk, call.at, issued.at)]
            kinds = {e.kind: e for e in of_visit}
            v["served"] += "finished" in kinds
            v["no_show"] += "no_show" in kinds
            v["transferred"] += "transferred" in kinds
            if "started" in kinds:
                v["walk"].append((kinds["started"].at - call.at).total_seconds())
                if "finished" in kinds:
                    v["service"].append((kinds["finished"].at - kinds["started"].at).total_seconds())
            if "rated" in kinds:
                v["ratings"][kinds["rated"].data["value"]] += 1
    out = {}
    for k, g in groups.items():
        rated = sum(g["ratings"].values())
        out[k] = {"issued": g["issued"], "served": g["served"], "no_show": g["no_show"],
                  "cancelled": g["cancelled"], "transferred": g["transferred"], "channels": dict(g["channels"]),
                  "wait": summary(g["wait"]),
                  "within_target": g["on_time"] / len(g["wait"]) if g["wait"] else None,
                  "walk": summary(g["walk"]), "service": summary(g["service"]),
                  "ratings": {lvl: g["ratings"].get(lvl, 0) for lvl in levels}, "rated": rated,
                  "satisfied": (g["ratings"][levels[0]] + g["ratings"][levels[1]]) / rated if rated else None,
                  "response_rate": rated / g["served"] if g["served"] else None}
    return out


def assert_same(got: dict, expected: dict, where: str):
    for name, value in expected.items():
        mine = got[name]
        if isinstance(value, dict):
            assert set(mine) == set(value), f"{where} {name}"
            for k in value:
                assert same(mine[k], value[k]), f"{where} {name}.{k}: {mine[k]} != {value[k]}"
        else:
            assert same(mine, value), f"{where} {name}: {mine} != {value}"


def same(a, b) -> bool:
    return a is None and b is None or (a is not None and b is not None and a == pytest.approx(b, rel=1e-9))


@pytest.fixture(scope="module")
def played(cfg, tmp_path_factory):
    """One played day for the whole module (playing it takes a while); tests that move the clock put it back."""
    clock = FixedClock(OPEN_TIME)
    app = create_app(cfg, config_path=str(ROOT / "config.yaml"), clock=clock, testing=True,
                     db_url=f"sqlite:///{tmp_path_factory.mktemp('reports') / 'hall.db'}")
    hall = app.extensions["motcua.hall"]
    play_day(hall, clock)
    hall.played_until = clock.at
    yield hall
    hall.db.dispose()


@pytest.fixture
def clock(played):
    yield played.clock
    played.clock.at = played.played_until


@pytest.mark.parametrize("by", GROUPINGS)
def test_every_figure_equals_its_recomputation_from_the_raw_events(played, cfg, by):
    hall = played
    events = raw_events(hall)
    expected = recompute(events, cfg, hall.clock.tz, by)
    report = make_report(hall, DAY, DAY, by)
    got = {row["key"]: row for row in report.rows}
    assert set(got) == set(expected)
    for k, figures in expected.items():
        assert_same(got[k], figures, f"{by}={k}")
    # the day is busy enough that every kind of figure is really measured
    total = report.total
    assert total["issued"] > 200 and total["no_show"] and total["transferred"] and total["cancelled"]
    assert 0 < total["within_target"] < 1 and total["walk"]["n"] and total["service"]["n"]
    assert set(total["channels"]) == {"kiosk", "web", "appointment"}
    assert all(total["ratings"].values())


def test_the_total_is_the_sum_of_the_groups_and_equals_the_recomputed_whole(played, cfg):
    hall = played
    report = make_report(hall, DAY, DAY, "hour")
    for name in ("issued", "served", "no_show", "cancelled", "transferred", "rated"):
        assert report.total[name] == sum(row[name] for row in report.rows)
    whole = recompute(raw_events(hall), cfg, hall.clock.tz, "day")
    assert_same(report.total, whole[DAY.toordinal()], "total")


def test_the_rollup_of_a_settled_day_gives_the_same_figures_as_the_live_log(played, clock):
    rollup.rebuild(played)  # nothing kept while the day is young
    hall = played
    live = make_report(hall, DAY, DAY, "counter")
    with hall.uow(write=False) as uow:
        assert not uow.session.execute(select(tables.report_days)).first(), "today is not kept yet"
    clock.at = clock.at.replace(hour=0, minute=30) + timedelta(days=1)
    assert not rollup.settled(hall, DAY), "half an hour after midnight the day may still change"
    clock.advance(hours=1)
    kept = make_report(hall, DAY, DAY, "counter")
    with hall.uow(write=False) as uow:
        row = uow.session.execute(select(tables.report_days)).one()
    assert row.day == DAY and row.tickets == live.total["issued"]
    assert kept.rows == live.rows and kept.total == live.total
    assert rollup.rebuild(hall) == 1
    assert make_report(hall, DAY, DAY, "counter").rows == live.rows


def test_an_empty_range_reports_nothing_and_bad_input_is_named(played):
    report = make_report(played, DAY + timedelta(days=3), DAY + timedelta(days=9), "unit")
    assert report.rows == [] and report.total["issued"] == 0 and report.total["satisfied"] is None
    with pytest.raises(QueueError, match="before it starts"):
        make_report(played, DAY, DAY - timedelta(days=1), "unit")
    with pytest.raises(QueueError, match="group by one of"):
        make_report(played, DAY, DAY, "weather")
    with pytest.raises(QueueError, match="date like 2026-11-26"):
        make_report(played, "26/11/2026", DAY, "unit")
