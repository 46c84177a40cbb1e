"""What supervisors and devices change beside the queue itself: ratings, opening services, the announcement line,
device faults, reprints. Each is one unit of work and one event in the visit log.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Optional

from .domain.errors import Conflict, Forbidden, NotFound, QueueError
from .domain.model import Event
from .text import nfc


def rate(hall, counter: int, device: str, value, visit_id=None, criteria=None) -> dict:
    """A citizen's rating from the counter's pad: only for the visit that counter just finished, only once."""
    levels = {lvl.value: lvl for lvl in hall.cfg.ratings.levels}
    if not isinstance(value, int) or isinstance(value, bool) or value not in levels:
        raise QueueError(f"rating must be one of {sorted(levels)}", field="value")
    codes = {c.code for c in hall.cfg.ratings.criteria}
    criteria = criteria or []
    if not isinstance(criteria, list) or any(c not in codes for c in criteria):
        raise QueueError(f"criteria must be a list of {sorted(codes)}", field="criteria")
    hall.counter_config(counter)
    with hall.uow() as uow:
        state = uow.repo.counter(counter)
        now = hall.clock.now()
        window = timedelta(seconds=hall.cfg.ratings.timeout_s * 2)
        if state.last_visit_id is None or state.last_finished_at is None or now - state.last_finished_at > window:
            raise Conflict(f"counter {counter} has no visit waiting for a rating", counter=counter)
        if visit_id is not None and visit_id != state.last_visit_id:
            raise Conflict("that visit is not the one this counter just finished", visit=visit_id)
        if uow.repo.rating_of(state.last_visit_id):
            raise Conflict("this visit has been rated already", visit=state.last_visit_id)
        visit = uow.repo.visit(state.last_visit_id)
        unit = hall.unit_of[visit.service].code
        uow.repo.add_rating(visit_id=visit.id, ticket_id=visit.ticket_id, counter=counter, clerk=visit.clerk,
                            unit=unit, service=visit.service, value=value, criteria=criteria, device=device, at=now)
        ticket = uow.repo.ticket(visit.ticket_id)
        uow.add_event(Event("rated", now, ticket_id=visit.ticket_id, visit_id=visit.id, service=visit.service,
                            counter=counter, clerk=visit.clerk,
                            data={"value": value, "label": levels[value].label, "criteria": criteria,
                                  "number": ticket.number}))
        uow.commit()
        return {"visit_id": visit.id, "counter": counter, "value": value, "label": levels[value].label,
                "criteria": criteria}


def set_service_open(hall, code: str, is_open: bool, by: Optional[str]) -> dict:
    hall.service(code)
    with hall.uow() as uow:
        now = hall.clock.now()
        uow.repo.set_service_open(code, bool(is_open), now, by)
        uow.add_event(Event("service_opened" if is_open else "service_closed", now, service=code, clerk=by))
        uow.commit()
    return {"service": code, "open": bool(is_open)}


def set_announcement(hall, text, by: Optional[str]) -> dict:
    if not isinstance(text, str) or len(text) > 500:
        raise QueueError("the announcement must be text of at most 500 characters", field="text")
    text = nfc(text.strip())
    with hall.uow() as uow:
        uow.repo.set_setting("announcement", text)
        uow.add_event(Event("announcement", hall.clock.now(), clerk=by, data={"text": text}))
        uow.commit()
    return {"announcement": text}


def report_device(hall, device: str, kind: str, fault: Optional[str], message: str = "", data=None) -> dict:
    """A kiosk, display or pad says it has a fault (fault=None: it's fine again)."""
    if fault is not None and (not isinstance(fault, str) or not fault):
        raise QueueError("fault must be a short code such as 'paper_out', or null when fixed", field="fault")
    if not isinstance(message, str):
        raise QueueError("message must be text", field="message")
    with hall.uow() as uow:
        now = hall.clock.now()
        uow.repo.set_device_status(device, kind, fault, message, now, data or {})
        uow.add_event(Event("device_fault" if fault else "device_ok", now,
                            data={"device": device, "kind": kind, "fault": fault, "message": message, **(data or {})}))
        uow.commit()
    return {"device": device, "fault": fault, "message": message}


def reprint(hall, kiosk: str, by: Optional[str], ticket: Optional[str] = None) -> dict:
    """Ask a kiosk to print its last ticket (or a given one) again."""
    if kiosk not in {k.id for k in hall.cfg.devices.kiosks}:
        raise NotFound(f"there is no kiosk '{kiosk}'", kiosk=kiosk)
    with hall.uow() as uow:
        data = {"kiosk": kiosk}
        if ticket:
            t = uow.repo.ticket_by_token(ticket)
            if t is None:
                raise NotFound("no such ticket", ticket=ticket)
            data["ticket"] = t.token
        uow.add_event(Event("reprint", hall.clock.now(), clerk=by, data=data))
        uow.commit()
    return data


def require_role(user, *roles):
    if user is None or user.get("role") not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}")
