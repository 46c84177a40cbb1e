"""Facts → figures, per unit, service, counter, clerk, local hour or local day (and a total).

What belongs where (docs/reports.md has the full definitions):
- ticket figures — issued, channels, cancelled, waiting time (issued → first call), share within the target wait —
  go with the ticket: its issue hour and day, its issued service and unit, the counter and clerk of its first call;
- visit figures — served, no-show, transferred, walk to the counter, service time, ratings and the response rate —
  go with the visit: its call hour, its service and unit, its counter and clerk.
Durations are in seconds; the median and p90 are numpy's (linear interpolation between closest ranks).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import numpy as np

from ..phrases import counter_label
from . import GROUPINGS
from .facts import Facts, Table

NONE = "—"


@dataclass
class Report:
    by: str
    start: date
    end: date
    rows: list[dict]
    total: dict
    channels: list[str]
    levels: list[int]            # rating values, best first
    satisfied_levels: list[int]  # the top two
    labels: dict = field(default_factory=dict)


def stats(values: np.ndarray) -> dict:
    v = values[~np.isnan(values)]
    if not len(v):
        return {"n": 0, "mean": None, "median": None, "p90": None, "max": None}
    return {"n": int(len(v)), "mean": float(v.mean()), "median": float(np.median(v)),
            "p90": float(np.percentile(v, 90)), "max": float(v.max())}


def _share(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


def _keys(table: Table, by: str, cfg) -> tuple[np.ndarray, list]:
    """Per row: a code, and the key each code stands for."""
    if by in ("counter", "hour", "day"):
        values = table.columns[by].astype(np.int64)
        keys, codes = np.unique(values, return_inverse=True)
        return codes.reshape(-1), [int(k) for k in keys]
    names = table.names["service" if by == "unit" else by]
    if by == "unit":
        unit_of = cfg.unit_of
        names = [unit_of[s].code if s in unit_of else (s and f"?{s}") for s in names]
    keys = sorted(set(names))
    index = {k: i for i, k in enumerate(keys)}
    lut = np.array([index[n] for n in names], dtype=np.int64)
    column = table.columns["service" if by == "unit" else by]
    return (lut[column] if len(lut) else column.astype(np.int64)), keys


def _groups(codes: np.ndarray, keys: list, all_keys: list) -> dict:
    """key → row indices."""
    where = {k: i for i, k in enumerate(all_keys)}
    lut = np.array([where[k] for k in keys], dtype=np.int64)
    codes = lut[codes] if len(lut) else codes
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(all_keys) + 1))
    return {k: order[bounds[i]:bounds[i + 1]] for i, k in enumerate(all_keys)}


def _order(by: str, cfg):
    if by == "unit":
        rank = {u.code: i for i, u in enumerate(cfg.units)}
    elif by == "service":
        rank = {s: i for i, s in enumerate(cfg.services)}
    else:
        rank = {}
    return lambda k: (k in ("", 0), rank.get(k, len(rank)), k if not isinstance(k, str) else 0, str(k))


def figures(facts: Facts, cfg, t_idx: np.ndarray, v_idx: np.ndarray, targets: np.ndarray,
            levels: list[int], satisfied: list[int]) -> dict:
    t, v = facts.tickets.columns, facts.visits.columns
    outcome = np.array(facts.visits.names["outcome"], dtype=object)
    oc = v["outcome"][v_idx]
    count = {name: int((oc == i).sum()) for i, name in enumerate(outcome)}
    waits = t["wait"][t_idx]
    called = ~np.isnan(waits)
    on_time = int((waits[called] <= targets[t["service"][t_idx][called]]).sum()) if len(targets) else 0
    channel = np.bincount(t["channel"][t_idx], minlength=len(facts.tickets.names["channel"]))
    ratings = v["rating"][v_idx]
    per_level = {lvl: int((ratings == lvl).sum()) for lvl in levels}
    rated = sum(per_level.values())
    served = count.get("done", 0)
    issued = int(len(t_idx))
    return {
        "issued": issued, "served": served, "no_show": count.get("no_show", 0),
        "cancelled": int(t["cancelled"][t_idx].sum()), "transferred": count.get("transferred", 0),
        "channels": {name: int(n) for name, n in zip(facts.tickets.names["channel"], channel) if n},
        "wait": stats(waits), "within_target": _share(on_time, int(called.sum())),
        "walk": stats(v["walk"][v_idx]), "service": stats(v["service_s"][v_idx]),
        "ratings": per_level, "rated": rated,
        "satisfied": _share(sum(per_level[lvl] for lvl in satisfied), rated),
        "response_rate": _share(rated, served),
    }


def report(facts: Facts, cfg, by: str, start: date, end: date, labels: Optional[dict] = None) -> Report:
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {', '.join(GROUPINGS)}, not '{by}'")
    levels = sorted((lvl.value for lvl in cfg.ratings.levels), reverse=True)
    satisfied = levels[:2]
    services = cfg.services
    targets = np.array([services[s].target_wait_min * 60 if s in services else 15 * 60
                        for s in facts.tickets.names["service"]], dtype=np.float64)
    t_codes, t_keys = _keys(facts.tickets, by, cfg)
    v_codes, v_keys = _keys(facts.visits, by, cfg)
    all_keys = sorted(set(t_keys) | set(v_keys), key=_order(by, cfg))
    t_groups, v_groups = _groups(t_codes, t_keys, all_keys), _groups(v_codes, v_keys, all_keys)
    rows = []
    for key in all_keys:
        row = figures(facts, cfg, t_groups[key], v_groups[key], targets, levels, satisfied)
        rows.append({"key": key, "label": label(by, key, cfg, labels), **row})
    everything_t = np.arange(len(facts.tickets))
    everything_v = np.arange(len(facts.visits))
    total = {"key": None, "label": "Tổng cộng / Total",
             **figures(facts, cfg, everything_t, everything_v, targets, levels, satisfied)}
    return Report(by, start, end, rows, total, list(facts.tickets.names["channel"]), levels, satisfied, labels or {})


def label(by: str, key, cfg, names: Optional[dict] = None) -> str:
    if key in ("", 0) and by in ("counter", "clerk"):
        return f"{NONE} (chưa gọi / not called)"
    if by == "unit":
        unit = cfg.unit_by_code.get(key)
        return unit.name if unit else str(key)
    if by == "service":
        service = cfg.services.get(key)
        return f"{key} — {service.name}" if service else str(key)
    if by == "counter":
        return counter_label(key)
    if by == "clerk":
        full = (names or {}).get(key)
        return f"{full} ({key})" if full else str(key)
    if by == "hour":
        return f"{key:02d}:00–{key + 1:02d}:00"
    return date.fromordinal(key).isoformat()
