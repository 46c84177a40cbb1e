"""Ratings (and each day's summary) posted to the province: signed, retried until accepted, never lost.

The visit log is the outbox. A rating's `rated` event is written in the same transaction as the rating itself
(supervision.rate → the unit of work), so a rating that exists has its event, and the event is never changed or
removed. This worker follows the log with a cursor per stream (table webhook_cursors):

- stream `ratings`: the id of the last `rated` event the receiver accepted; it posts the next one, and moves the
  cursor only after a 2xx answer;
- stream `summaries`: the last local day whose summary was accepted; a day is posted once it is settled
  (an hour after midnight, see rollup.py).

A failed post (refused, timed out, not 2xx) is tried again after retry_min_s, doubling up to retry_max_s, for as
long as it takes — the cursor waits, so nothing is skipped and the order is kept. Every post carries an
idempotency key (`Idempotency-Key` header and `key` field): an answer lost on the way means the same post comes
again, and the receiver keeps the first and answers 2xx to the repeat. Body format and signature: docs/reports.md.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
import unicodedata
from datetime import date, timedelta
from typing import Optional

import requests
from sqlalchemy import select

from ..db import tables
from . import rollup
from .figures import report

log = logging.getLogger("motcua.webhook")
POLL_S = 2.0


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def centre_code(cfg) -> str:
    """An ASCII name for the centre in idempotency keys: 'TTPVHCC Lai Châu' → 'ttpvhcc-lai-chau'."""
    text = (cfg.centre.short_name or cfg.centre.name).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "centre"


# --- what is sent --------------------------------------------------------------------------------------------
def rating_payload(hall, event) -> dict:
    cfg = hall.cfg
    levels = {lvl.value: lvl for lvl in cfg.ratings.levels}
    value = event.data.get("value")
    unit = hall.unit_of.get(event.service)
    service = hall.services.get(event.service)
    return {"type": "rating", "key": f"{centre_code(cfg)}-rating-{event.visit_id}", "centre": cfg.centre.name,
            "rating": {"value": value, "label": levels[value].label if value in levels else None,
                       "label_en": levels[value].label_en if value in levels else None,
                       "best": max(levels), "criteria": event.data.get("criteria", []),
                       "at": hall.clock.iso(event.at), "ticket": event.data.get("number"),
                       "visit_id": event.visit_id, "counter": event.counter, "clerk": event.clerk,
                       "service": event.service, "service_name": service.name if service else None,
                       "unit": unit.code if unit else None, "unit_name": unit.name if unit else None}}


def summary_payload(hall, day: date, facts) -> dict:
    cfg = hall.cfg
    by_unit = report(facts, cfg, "unit", day, day)

    def figures(row):
        return {"issued": row["issued"], "served": row["served"], "no_show": row["no_show"],
                "cancelled": row["cancelled"], "transferred": row["transferred"],
                "wait_mean_s": row["wait"]["mean"], "wait_median_s": row["wait"]["median"],
                "wait_p90_s": row["wait"]["p90"], "within_target": row["within_target"],
                "rated": row["rated"], "ratings": {str(k): v for k, v in row["ratings"].items()},
                "satisfied": row["satisfied"], "response_rate": row["response_rate"]}

    return {"type": "daily_summary", "key": f"{centre_code(cfg)}-summary-{day.isoformat()}",
            "centre": cfg.centre.name, "day": day.isoformat(), "satisfied_levels": by_unit.satisfied_levels,
            "total": figures(by_unit.total),
            "units": [{"unit": r["key"], "name": r["label"], **figures(r)} for r in by_unit.rows]}


# --- the streams ---------------------------------------------------------------------------------------------
class Ratings:
    name = "ratings"

    def next(self, hall, position: str):
        """(new position, payload or None to just move on) for the first rating after `position`, or None."""
        e = tables.events.c
        with hall.uow(write=False) as uow:
            event = uow.session.execute(select(tables.events).where(e.kind == "rated", e.id > int(position or 0))
                                        .order_by(e.id).limit(1)).first()
        return None if event is None else (str(event.id), rating_payload(hall, event))


class Summaries:
    name = "summaries"

    def next(self, hall, position: str):
        first, last = rollup._log_span(hall)
        if first is None:
            return None
        day = date.fromisoformat(position) + timedelta(days=1) if position else first
        if day > last or not rollup.settled(hall, day):
            return None
        facts = rollup.load(hall, day, day)
        return day.isoformat(), (summary_payload(hall, day, facts) if len(facts.tickets) else None)


# --- the worker ----------------------------------------------------------------------------------------------
class WebhookWorker:
    def __init__(self, hall, settings=None, poll_s: float = POLL_S):
        self.hall = hall
        self.settings = settings or hall.cfg.webhook
        self.secret = os.environ.get("MOTCUA_WEBHOOK_SECRET") or self.settings.secret
        if not self.settings.url or not self.secret:
            raise ValueError("webhook.url and webhook.secret (or MOTCUA_WEBHOOK_SECRET) must both be set")
        self.poll_s = poll_s
        self.streams = [Ratings()] + ([Summaries()] if self.settings.daily_summary else [])
        self.retry_at = {s.name: 0.0 for s in self.streams}
        self.http = requests.Session()
        self.stop_event = threading.Event()

    def run(self):
        log.info("webhook: posting ratings to %s", self.settings.url)
        while not self.stop_event.is_set():
            try:
                busy = self.step()
            except Exception:  # the database may be busy or gone for a moment: try again later
                log.exception("webhook: step failed")
                busy = False
            self.stop_event.wait(0 if busy else self.poll_s)
        self.http.close()

    def stop(self):
        self.stop_event.set()

    def step(self) -> bool:
        """Deliver at most one item per stream that is due. True if something moved (go on at once)."""
        moved = False
        for stream in self.streams:
            if time.monotonic() < self.retry_at[stream.name]:
                continue
            position, attempts = self.cursor(stream.name)
            item = stream.next(self.hall, position)
            if item is None:
                continue
            new_position, payload = item
            if payload is not None:
                error = self.post(payload)
                if error:
                    attempts += 1
                    delay = min(self.settings.retry_max_s, self.settings.retry_min_s * 2 ** (attempts - 1))
                    self.retry_at[stream.name] = time.monotonic() + delay
                    self.save(stream.name, position, attempts, error)
                    log.warning("webhook: %s %s not accepted (%s); try %d again in %.0f s", stream.name,
                                payload["key"], error, attempts + 1, delay)
                    continue
            self.save(stream.name, new_position, 0, "")
            moved = True
        return moved

    def post(self, payload: dict) -> Optional[str]:
        """None when the receiver accepted it (2xx), else what went wrong."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "X-Motcua-Signature": sign(body, self.secret),
                   "X-Motcua-Event": payload["type"], "Idempotency-Key": payload["key"],
                   "User-Agent": "motcua-webhook/1"}
        try:
            r = self.http.post(self.settings.url, data=body, headers=headers, timeout=self.settings.timeout_s)
        except requests.RequestException as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        return None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}: {r.text[:200]}"

    # --- the cursor ---------------------------------------------------------------------------------------
    def cursor(self, stream: str) -> tuple[str, int]:
        c = tables.webhook_cursors.c
        with self.hall.uow(write=False) as uow:
            row = uow.session.execute(select(c.position, c.attempts).where(c.stream == stream)).first()
        return (row.position, row.attempts) if row else ("", 0)

    def save(self, stream: str, position: str, attempts: int, error: str):
        w = tables.webhook_cursors
        values = {"position": position, "attempts": attempts, "last_error": error,
                  "updated_at": self.hall.clock.now()}
        with self.hall.uow() as uow:
            if uow.session.execute(select(w.c.stream).where(w.c.stream == stream)).first():
                uow.session.execute(w.update().where(w.c.stream == stream).values(**values))
            else:
                uow.session.execute(w.insert().values(stream=stream, **values))
            uow.commit()


def start_webhook_worker(hall, socketio) -> Optional[WebhookWorker]:
    """Called by `motcua serve`: posts ratings when webhook.url is set."""
    if not hall.cfg.webhook.url:
        return None
    try:
        worker = WebhookWorker(hall)
    except ValueError as exc:
        log.error("webhook: not started: %s", exc)
        return None
    socketio.start_background_task(worker.run)
    return worker
