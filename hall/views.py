"""The JSON shapes the hall shows the world: tickets, counters, the hall snapshot, and realtime messages.

One payload shape per thing, used by the HTTP API and the Socket.IO messages alike (docs/protocol.md).
"""
from __future__ import annotations

import logging
from typing import Optional

from . import events, phrases
from .domain import actions
from .domain.hours import issuing_state
from .domain.model import OPEN, WAITING, CounterState
from .domain.waiting import is_late, late_at, service_open

log = logging.getLogger("motcua.views")
RESYNC = "resync"  # not an event: tells the publisher the messages of a commit are missing (screens resync)


def ticket(hall, t, ahead: int, wait: int, visits=None) -> dict:
    svc, unit = hall.services[t.service], hall.unit_of[t.service]
    cats = {c.code: c.name for c in hall.cfg.priorities.categories}
    out = {
        "id": t.token, "number": t.number, "service": t.service, "service_name": svc.name,
        "unit": unit.code, "unit_name": unit.name, "priority": t.priority, "received": not t.receipt_pending,
        "priority_name": cats.get(t.priority) if t.priority else None, "channel": t.channel, "state": t.state,
        "people_ahead": ahead if t.state == WAITING else 0,
        "estimated_wait_s": wait if t.state == WAITING else 0,
        **lateness(hall, t.issued_at if t.state == WAITING else None, svc),
        "issued_at": hall.clock.iso(t.issued_at), "called_at": hall.clock.iso(t.called_at),
        "finished_at": hall.clock.iso(t.finished_at), "grace_until": hall.clock.iso(t.grace_until),
        "counter": t.counter, "counter_label": counter_label(hall, t.counter),
        "transferred_to_counter": t.target_counter,
        "counters": [{"number": n, "label": counter_label(hall, n)}
                     for n in ([t.target_counter] if t.target_counter else hall.counters_of[t.service])],
        "status_url": f"{hall.cfg.centre.public_url.rstrip('/')}/t/{t.token}",
    }
    if visits is not None:
        out["visits"] = [{"nth": v.nth, "service": v.service, "counter": v.counter,
                          "called_at": hall.clock.iso(v.called_at), "started_at": hall.clock.iso(v.started_at),
                          "ended_at": hall.clock.iso(v.ended_at), "outcome": v.outcome} for v in visits]
    return out


def lateness(hall, waiting_since, svc) -> dict:
    """`late`: waiting past the service's target now; `late_at`: when that happens (screens flip then)."""
    return {"late": is_late(waiting_since, svc.target_wait_min, hall.clock.now()),
            "late_at": hall.clock.iso(late_at(waiting_since, svc.target_wait_min))}


def counter_label(hall, number: Optional[int]) -> Optional[str]:
    conf = hall.counter_conf.get(number)
    return phrases.counter_label(number, conf.label if conf else None)


def counter(hall, c, t) -> dict:
    conf = hall.counter_conf[c.number]
    unit = hall.cfg.unit_by_code[conf.unit]
    return {
        "number": c.number, "label": counter_label(hall, c.number), "unit": unit.code, "unit_name": unit.name,
        "services": list(conf.services), "zone": conf.zone, "state": c.state, "clerk": c.clerk,
        "pause_reason": c.pause_reason, "since": hall.clock.iso(c.changed_at),
        "ticket": None if t is None else {"id": t.token, "number": t.number, "service": t.service,
                                          "state": t.state, "priority": t.priority,
                                          "received": not t.receipt_pending,
                                          "called_at": hall.clock.iso(t.called_at)},
        "last_visit_id": c.last_visit_id,
        "actions": actions.allowed(c, t),
    }


def queues(hall, uow, codes=None, opened=None) -> list[dict]:
    """Waiting count, the wait a new ticket would have, the longest wait now, and open/closed per service."""
    codes = list(hall.services) if codes is None else [c for c in codes if c in hall.services]
    counts = uow.repo.waiting_counts(hall.clock.today(), codes)
    opened = opened if opened is not None else uow.repo.open_counters()
    overrides = uow.repo.service_open_overrides()
    now = hall.clock.now()
    out = []
    for code in codes:
        waiting, earliest = counts.get(code, (0, None))
        svc = hall.services[code]
        out.append({"service": code, "unit": hall.unit_of[code].code, "waiting": waiting,
                    "estimated_wait_s": hall.estimate_wait(uow, code, waiting, opened),
                    "longest_wait_s": int((now - earliest).total_seconds()) if earliest else 0,
                    **lateness(hall, earliest, svc), "open": service_open(svc, overrides)})
    return out


def messages(hall, log_events, uow) -> list[dict]:
    """Realtime messages for the events of one commit. Called inside the commit, so it never raises: a failure
    here is logged and the screens are told to resync, and the change stands."""
    try:
        return _messages(hall, log_events, uow)
    except Exception:
        log.exception("building the screens' messages failed (seq %s): the screens resync",
                      [e.seq for e in log_events])
        return [{"type": RESYNC, "seq": max((e.seq or 0 for e in log_events), default=0)}]


def _messages(hall, log_events, uow) -> list[dict]:
    """Realtime messages for the events of one commit, with fresh queue figures for the services touched."""
    touched = set()
    for e in log_events:
        if e.service:
            touched.add(e.service)
        for key in ("to_service", "from_service"):
            if e.data.get(key):
                touched.add(e.data[key])
    figures = queues(hall, uow, sorted(touched)) if touched else []
    out = []
    for e in log_events:
        kind = events.KINDS[e.kind]
        t = uow.repo.ticket(e.ticket_id) if e.ticket_id else None
        msg = {"seq": e.seq, "type": e.kind, "at": hall.clock.iso(e.at), "counter": e.counter, "visit_id": e.visit_id,
               "counter_label": counter_label(hall, e.counter), "service": e.service,
               "unit": hall.unit_of[e.service].code if e.service in hall.unit_of else None,
               "data": e.data, "queue": [f for f in figures if f["service"] in
                                         {e.service, e.data.get("to_service"), e.data.get("from_service")}]}
        if t is not None:
            svc, unit = hall.services[e.service or t.service], hall.unit_of[e.service or t.service]
            msg["ticket"] = {"id": t.token, "number": t.number, "service": svc.code, "service_name": svc.name,
                             "unit": unit.code, "unit_name": unit.name, "state": t.state, "priority": t.priority,
                             "received": not t.receipt_pending}
        if e.counter is not None and e.counter in hall.counter_conf:
            c = uow.repo.counter(e.counter)
            held = uow.repo.ticket(c.ticket_id) if c.ticket_id is not None else None
            msg["counter_state"] = {"state": c.state, "actions": actions.allowed(c, held)}
        if kind.announces and t is not None:
            msg["recall"] = e.kind == "recalled"
            msg["announce"] = announce_text(hall, t.number, e.counter)
            msg["screen"] = phrases.screen(t.number, e.counter)
        out.append(msg)
    return out


def announce_text(hall, number: str, counter: int) -> str:
    """The spoken call: the first display's voice phrase (checked when the config was read), else the default."""
    displays = hall.cfg.devices.displays
    return phrases.spoken(displays[0].voice.phrase if displays else phrases.SPOKEN, number, counter)


def snapshot(hall, uow) -> dict:
    states = uow.repo.counters()
    tickets = uow.repo.ticket_ids(c.ticket_id for c in states.values())
    counters = []
    for conf in hall.cfg.counters:
        c = states.get(conf.number)
        if c is None:
            c = CounterState(conf.number)
        counters.append(counter(hall, c, tickets.get(c.ticket_id)))
    is_open, reason = issuing_state(hall.cfg.hours, hall.clock.local())
    recent = []
    for row in uow.repo.recent_calls(12):
        t = uow.repo.ticket(row.ticket_id)
        recent.append({"seq": row.id, "number": t.number if t else row.data.get("number"), "counter": row.counter,
                       "counter_label": counter_label(hall, row.counter), "service": row.service,
                       "unit": hall.unit_of[row.service].code if row.service in hall.unit_of else None,
                       "at": hall.clock.iso(row.at), "recall": row.kind == "recalled"})
    fresh = fresh_calls(hall, uow)
    faults = [{"device": f.device, "kind": f.kind, "fault": f.fault, "message": f.message,
               "at": hall.clock.iso(f.at)} for f in uow.repo.device_faults()]
    return {"seq": uow.repo.last_seq_of_log(), "at": hall.clock.iso(hall.clock.now()),
            "centre": hall.cfg.centre.name, "issuing": is_open, "closed_reason": reason,
            "announcement": uow.repo.setting("announcement", hall.cfg.centre.announcement),
            "counters": counters, "queues": queues(hall, uow, opened={n for n, c in states.items() if c.state == OPEN}), "recent_calls": recent,
            "fresh_calls": fresh, "faults": faults}


FRESH_CALLS_AT_MOST = 300


def fresh_calls(hall, uow) -> list[dict]:
    """The calls of the last `server.replay_calls_s` seconds, oldest first: what a screen that missed some (a
    reconnect, a resync) announces once — those newer than the last call it had (display/sequence.py)."""
    window = hall.cfg.server.replay_calls_s
    if window <= 0:
        return []
    now = hall.clock.now()
    rows = [r for r in uow.repo.recent_calls(FRESH_CALLS_AT_MOST) if (now - r.at).total_seconds() <= window]
    tickets = uow.repo.ticket_ids(r.ticket_id for r in rows)
    out = []
    for row in reversed(rows):
        t, svc, unit = tickets.get(row.ticket_id), hall.services.get(row.service), hall.unit_of.get(row.service)
        out.append({"seq": row.id, "number": t.number if t else row.data.get("number"), "counter": row.counter,
                    "counter_label": counter_label(hall, row.counter), "service": row.service,
                    "service_name": svc.name if svc else None, "unit": unit.code if unit else None,
                    "unit_name": unit.name if unit else None, "at": hall.clock.iso(row.at),
                    "recall": row.kind == "recalled"})
    return out


def services(hall, uow) -> dict:
    figures = {f["service"]: f for f in queues(hall, uow)}
    is_open, reason = issuing_state(hall.cfg.hours, hall.clock.local())
    units = []
    for u in hall.cfg.units:
        svcs = [{"code": s.code, "name": s.name, "name_en": s.name_en, "prefix": s.prefix,
                 "target_wait_min": s.target_wait_min, **{k: figures[s.code][k] for k in
                 ("waiting", "estimated_wait_s", "longest_wait_s", "open")},
                 "counters": hall.counters_of[s.code]} for s in u.services]
        units.append({"code": u.code, "name": u.name, "name_en": u.name_en, "short_name": u.short_name,
                      "color": u.color, "icon": u.icon, "waiting": sum(s["waiting"] for s in svcs),
                      "open": any(s["open"] for s in svcs), "services": svcs})
    return {"issuing": is_open, "closed_reason": reason, "units": units,
            "priorities": [{"code": c.code, "name": c.name, "name_en": c.name_en}
                           for c in hall.cfg.priorities.categories]}
