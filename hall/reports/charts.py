"""Charts drawn on the server with matplotlib (Agg), in a font that has every Vietnamese letter (hall.fonts).

    arrivals_vs_served(report by hour)   wait_distribution(facts, cfg)
    satisfaction_per_unit(report by unit, cfg)   counter_day(events, counter, day, tz)
Each returns the image bytes (PNG or SVG).
"""
from __future__ import annotations

import io
import math
from datetime import date, datetime

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..domain.hours import WEEKDAYS  # noqa: E402
from ..fonts import find_font  # noqa: E402
from ..phrases import counter_label  # noqa: E402
from .facts import Facts  # noqa: E402
from .figures import Report  # noqa: E402

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
_font_name = None


def font_name() -> str:
    global _font_name
    if _font_name is None:
        for bold in (False, True):
            font_manager.fontManager.addfont(find_font(bold))
        _font_name = font_manager.FontProperties(fname=find_font()).get_name()
    return _font_name


def _figure(width=9.0, height=4.5) -> Figure:
    plt.rcParams["font.family"] = font_name()
    plt.rcParams["svg.fonttype"] = "none"  # SVG keeps the text as text
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _bytes(fig: Figure, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"charts are png or svg, not '{fmt}'")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()


def arrivals_vs_served(report: Report, fmt: str = "png") -> bytes:
    if report.by != "hour":
        raise ValueError("arrivals vs served needs a report by hour")
    fig = _figure()
    ax = fig.subplots()
    hours = [row["key"] for row in report.rows]
    x = np.arange(len(hours))
    ax.bar(x - 0.2, [r["issued"] for r in report.rows], 0.4, label="Phiếu cấp / Arrivals", color="#1565c0")
    ax.bar(x + 0.2, [r["served"] for r in report.rows], 0.4, label="Đã phục vụ / Served", color="#2e7d32")
    ax.set_xticks(x, [f"{h:02d}h" for h in hours])
    ax.set_ylabel("Số lượt / Count")
    ax.set_title(f"Lượt đến và lượt phục vụ theo giờ — {_span(report)}")
    ax.legend()
    return _bytes(fig, fmt)


def wait_distribution(facts: Facts, cfg, title: str = "", fmt: str = "png") -> bytes:
    waits = facts.tickets.columns["wait"]
    minutes = waits[~np.isnan(waits)] / 60
    fig = _figure()
    ax = fig.subplots()
    top = max(30.0, float(np.percentile(minutes, 99)) if len(minutes) else 30.0)
    ax.hist(np.clip(minutes, 0, top), bins=np.linspace(0, top, 31), color="#1565c0", edgecolor="white")
    targets = sorted({s.target_wait_min for s in cfg.services.values()})
    for i, t in enumerate(sorted({targets[0], targets[-1]}) if targets else []):
        ax.axvline(t, color="#c62828", linestyle="--")
        ax.text(t, ax.get_ylim()[1] * (0.95 - 0.08 * i), f" hạn chờ {t} phút / target", color="#c62828", va="top")
    ax.set_xlabel("Thời gian chờ (phút) / Waiting time (min)")
    ax.set_ylabel("Số phiếu / Tickets")
    ax.set_title(title or "Phân bố thời gian chờ / Waiting-time distribution")
    return _bytes(fig, fmt)


def satisfaction_per_unit(report: Report, cfg, fmt: str = "png") -> bytes:
    if report.by != "unit":
        raise ValueError("satisfaction per unit needs a report by unit")
    rows = [r for r in report.rows if r["rated"]]
    fig = _figure(9.5, max(3.0, 0.42 * len(rows) + 1.4))
    ax = fig.subplots()
    levels = {lvl.value: lvl for lvl in cfg.ratings.levels}
    units = cfg.unit_by_code
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    for value in report.levels:
        share = np.array([r["ratings"][value] / r["rated"] * 100 for r in rows])
        lvl = levels.get(value)
        ax.barh(y, share, left=left, color=lvl.color if lvl else "#888888", label=lvl.label if lvl else str(value))
        left += share
    ax.set_yticks(y, [(units[r["key"]].short_name or units[r["key"]].name) if r["key"] in units else str(r["key"])
                      for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% lượt đánh giá / % of ratings")
    ax.set_title(f"Mức độ hài lòng theo đơn vị — {_span(report)}")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.08), ncols=len(report.levels), frameon=False)
    return _bytes(fig, fmt)


COLOURS = {"done": "#2e7d32", "no_show": "#c62828", "transferred": "#ef6c00", "cancelled": "#757575",
           "open": "#90a4ae"}


def counter_day(events, counter: int, day: date, tz, fmt: str = "png", hours=None, now=None) -> bytes:
    """A counter's day: when it was open, paused, and each visit from call to end, coloured by how it ended.
    Open and paused periods fall inside the hall's sessions (config `hours`); the time outside them is shaded."""
    sessions = sessions_on(hours, day, tz)
    spans = timeline(events, tz, sessions, now)
    fig = _figure(11, 3.2)
    ax = fig.subplots()
    hour = lambda at: at.hour + at.minute / 60 + at.second / 3600  # noqa: E731
    for row, (name, colour) in enumerate((("open", "#bbdefb"), ("paused", "#ffe082"))):
        ax.broken_barh([(hour(a), hour(b) - hour(a)) for a, b in spans[name]], (2 - row - 0.4, 0.8),
                       facecolors=colour)
    for a, b, outcome in spans["visits"]:
        ax.broken_barh([(hour(a), max(hour(b) - hour(a), 0.01))], (-0.4, 0.8), facecolors=COLOURS[outcome],
                       edgecolors="white", linewidth=0.3)
    ax.set_yticks([2, 1, 0], ["Mở quầy / Open", "Tạm dừng / Paused", "Lượt phục vụ / Visits"])
    seen = [hour(t) for t, _ in sessions] + [hour(t) for _, t in sessions] + \
        [hour(t) for name in ("open", "paused") for span in spans[name] for t in span] + \
        [hour(t) for a, b, _ in spans["visits"] for t in (a, b)]
    first, last = (math.floor(min(seen)), math.ceil(max(seen))) if seen else (7, 18)
    last = min(24, max(last, first + 1))
    edges = [first] + [x for a, b in sessions for x in (hour(a), hour(b))] + [last]
    for a, b in zip(edges[::2], edges[1::2]):  # outside the sessions: the hall is closed
        if b > a:
            ax.axvspan(a, b, color="#eeeeee", zorder=0)
    ax.set_xlim(first, last)
    ax.set_xticks(range(first, last + 1), [f"{h:02d}h" for h in range(first, last + 1)])
    ax.set_title(f"{counter_label(counter)} — ngày {day.strftime('%d/%m/%Y')}", loc="left")  # the legend is on the right
    handles = [matplotlib.patches.Patch(color=c, label=l) for c, l in
               ((COLOURS["done"], "Đã phục vụ"), (COLOURS["no_show"], "Vắng mặt"),
                (COLOURS["transferred"], "Chuyển"), (COLOURS["cancelled"], "Hủy"))]
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1, 1), fontsize=8, ncols=4, frameon=False)
    return _bytes(fig, fmt)


def sessions_on(hours, day: date, tz) -> list[tuple[datetime, datetime]]:
    """The hall's sessions (config `hours`) on that local day, as local datetimes; none on a day off."""
    if hours is None or day in set(hours.holidays) or WEEKDAYS[day.weekday()] not in hours.days:
        return []
    return sorted((datetime.combine(day, s.start, tzinfo=tz), datetime.combine(day, s.end, tzinfo=tz))
                  for s in hours.sessions)


def _within(spans: list, sessions: list) -> list:
    """The parts of the spans that fall inside the sessions (all of them when there are no sessions that day)."""
    if not sessions:
        return spans
    return [(max(a, s), min(b, e)) for a, b in spans for s, e in sessions if max(a, s) < min(b, e)]


def timeline(events, tz, sessions=(), now=None) -> dict:
    """open and paused periods and visits (call → end, outcome) from one counter's events, in local time.

    A counter still open (or paused) after its last event stays so until the end of the day's last session, or
    until `now` if that comes first; open and paused periods are cut to the sessions (the hall is closed between
    them, at lunch). With no sessions that day (a day off, or no hours given) they end at the last event."""
    sessions = list(sessions)
    ends = {"finished": "done", "no_show": "no_show", "transferred": "transferred", "cancelled": "cancelled"}
    spans = {"open": [], "paused": [], "visits": []}
    opened = paused = last = None
    calls = {}
    for ev in events:
        at = ev.at.astimezone(tz)
        last = at
        if ev.kind == "signed_in" and opened is None:
            opened = at
        elif ev.kind == "signed_out" and opened is not None:
            spans["open"].append((opened, at))
            opened = None
        elif ev.kind == "paused":
            paused = at
        elif ev.kind == "resumed" and paused is not None:
            spans["paused"].append((paused, at))
            paused = None
        elif ev.kind == "called":
            calls[ev.visit_id] = at
        elif ev.kind in ends and ev.visit_id in calls:
            spans["visits"].append((calls.pop(ev.visit_id), at, ends[ev.kind]))
    if last is not None:
        end = last
        if sessions and (opened or paused):
            end = max(last, sessions[-1][1])
            if now is not None:
                end = max(last, min(end, now.astimezone(tz)))
        if opened is not None:
            spans["open"].append((opened, end))
        if paused is not None:
            spans["paused"].append((paused, end))
        spans["visits"] += [(a, last, "open") for a in calls.values()]
    spans["open"], spans["paused"] = _within(spans["open"], sessions), _within(spans["paused"], sessions)
    return spans


def _span(report: Report) -> str:
    a, b = report.start.strftime("%d/%m/%Y"), report.end.strftime("%d/%m/%Y")
    return a if a == b else f"{a} – {b}"
