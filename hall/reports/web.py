"""The reports pages (supervisors and admins): /reports, exports, charts and the director's printable daily report.

Sign in with POST /api/login (the session cookie it sets) or send `Authorization: Bearer <token>`.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request

from ..api import require, status_of
from ..domain.errors import QueueError
from . import GROUPINGS, export, extra_missing, numbers, rollup
from .derive import counter_events
from .make import make_report, parse_day

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
CHARTS = ("arrivals", "waits", "satisfaction", "counter")


def hall():
    return current_app.extensions["motcua.hall"]


def _range():
    today = hall().clock.today()
    start = parse_day(request.args.get("from") or today, "from")
    end = parse_day(request.args.get("to") or start, "to")
    return start, end


@bp.context_processor
def vietnamese_numbers():
    """number(), percent() and minutes(): every figure on these pages the Vietnamese way (1,4 · 50,0 %)."""
    return {"number": numbers.number, "percent": numbers.percent, "minutes": numbers.minutes, "cell": cell}


def cell(raw, kind: str) -> str:
    """A figure of the reports table as shown: counts whole, minutes and per cent with one decimal, seconds whole."""
    if kind == "text" or raw is None:
        return "" if raw is None else str(raw)
    if kind == "min":
        return numbers.minutes(raw)
    return numbers.number(raw * 100, 1) if kind == "pct" else numbers.number(raw, 0)


@bp.errorhandler(QueueError)
def queue_error(exc: QueueError):
    return render_template("reports_error.html", error=exc), status_of(exc)


@bp.get("/")
def page():
    require(roles=("supervisor", "admin"))
    start, end = _range()
    by = request.args.get("by", "unit")
    report = make_report(hall(), start, end, by)
    cols = [c for c in export.columns(report, hall().cfg) if c[0] in export.SHORT or c[0] == "label"]
    return render_template("reports.html", report=report, cols=cols, groupings=GROUPINGS, groups=export.GROUPS,
                           value=export.value, cfg=hall().cfg, query=_query(start, end, by),
                           counters=[c.number for c in hall().cfg.counters],
                           counter=request.args.get("counter", type=int))


@bp.get("/export.<fmt>")
def download(fmt: str):
    require(roles=("supervisor", "admin"))
    if fmt not in export.FORMATS:
        raise QueueError(f"export as one of {', '.join(export.FORMATS)}, not '{fmt}'", field="format")
    start, end = _range()
    by = request.args.get("by", "unit")
    report = make_report(hall(), start, end, by)
    make, mimetype, ext = export.FORMATS[fmt]
    name = f"bao-cao-{by}-{start}" + (f"-{end}" if end != start else "") + f".{ext}"
    try:
        data = make(report, hall().cfg)
    except ModuleNotFoundError as exc:
        abort(501, extra_missing(exc))
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/charts/<name>.<fmt>")
def chart(name: str, fmt: str):
    require(roles=("supervisor", "admin"))
    try:
        from . import charts  # matplotlib loads only when a chart is asked for: the CLI and the server start fast
    except ModuleNotFoundError as exc:
        abort(501, extra_missing(exc))
    if name not in CHARTS or fmt not in charts.FORMATS:
        raise QueueError(f"charts: {', '.join(CHARTS)} as png or svg", field="chart")
    h = hall()
    start, end = _range()
    if name == "arrivals":
        image = charts.arrivals_vs_served(make_report(h, start, end, "hour"), fmt)
    elif name == "satisfaction":
        image = charts.satisfaction_per_unit(make_report(h, start, end, "unit"), h.cfg, fmt)
    elif name == "waits":
        image = charts.wait_distribution(rollup.load(h, start, end), h.cfg, fmt=fmt)
    else:
        number = request.args.get("counter", type=int)
        if number not in h.counter_conf:
            raise QueueError("give the counter: ?counter=<number of a counter>", field="counter")
        with h.uow(write=False) as uow:
            events = counter_events(uow.session, start, h.clock.tz, number)
        image = charts.counter_day(events, number, start, h.clock.tz, fmt, hours=h.cfg.hours,
                                   now=h.clock.local())
    return Response(image, mimetype=charts.FORMATS[fmt], headers={"Cache-Control": "private, max-age=60"})


@bp.get("/daily")
def daily():
    """The director's printable report of one day (Vietnamese): totals, units, counters, charts."""
    require(roles=("supervisor", "admin"))
    h = hall()
    day = parse_day(request.args.get("day") or h.clock.today() - timedelta(days=1), "day")
    units, counters = make_report(h, day, day, "unit"), make_report(h, day, day, "counter")
    return render_template("reports_daily.html", day=day, units=units, counters=counters, cfg=h.cfg,
                           printed_at=h.clock.local(), query=_query(day, day, "unit"),
                           levels={lvl.value: lvl for lvl in h.cfg.ratings.levels})


def _query(start, end, by) -> str:
    return f"from={start}&to={end}&by={by}"
