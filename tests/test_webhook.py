"""The ratings webhook against a real HTTP receiver on 127.0.0.1 that is down, then fails, then loses an answer,
then accepts: every rating (and the day's summary) arrives exactly once, signed."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from conftest import free_port, wait_for
from hall import supervision
from hall.config import Webhook
from hall.db import tables
from hall.reports.make import make_report
from hall.reports.outbox import WebhookWorker, sign

SECRET = "bí-mật-chung-của-tỉnh"
COUNTERS = [1, 2, 5, 7]


class Receiver(ThreadingHTTPServer):
    """Answers 503 to the first `fail` posts, records then stalls (the answer is lost) on post number `stall`,
    then accepts; keeps the first post of each key and answers 200 to repeats."""
    daemon_threads = True

    def __init__(self, port: int, fail: int = 4, stall: int = 6, stall_s: float = 1.5):
        self.fail, self.stall, self.stall_s = fail, stall, stall_s
        self.posts, self.accepted, self.repeats, self.bad_signatures = 0, {}, [], 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), Handler)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        rx: Receiver = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        with rx.lock:
            rx.posts += 1
            n = rx.posts
            if not hmac.compare_digest(self.headers.get("X-Motcua-Signature", ""), expected):
                rx.bad_signatures += 1
                return self.answer(401)
            if n <= rx.fail:
                return self.answer(503)
            payload = json.loads(body)
            key = self.headers["Idempotency-Key"]
            assert key == payload["key"]
            if key in rx.accepted:
                rx.repeats.append(key)
            else:
                rx.accepted[key] = payload
        if n == rx.stall + rx.fail:
            time.sleep(rx.stall_s)  # stored, but the sender gives up waiting: it will post it again
        self.answer(200)

    def answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def serve(receiver):
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    return thread


def rate_some(hall, clock, n: int, start: int = 0) -> None:
    for counter in COUNTERS:
        hall.sign_in(counter, f"canbo{counter}")
    for i in range(start, start + n):
        counter = COUNTERS[i % len(COUNTERS)]
        service = hall.counter_conf[counter].services[0]
        hall.issue_ticket(service)
        clock.advance(seconds=30)
        hall.call_next(counter, f"canbo{counter}")
        clock.advance(seconds=20)
        hall.start(counter)
        clock.advance(seconds=200)
        hall.finish(counter)
        clock.advance(seconds=5)
        supervision.rate(hall, counter, f"pad-{counter:02d}", [4, 3, 2, 1, 4][i % 5])


def cursor(hall, stream: str = "ratings"):
    with hall.uow(write=False) as uow:
        return uow.session.execute(select(tables.webhook_cursors).where(
            tables.webhook_cursors.c.stream == stream)).first()


def idle_after(worker) -> None:
    """Wait until the worker has made a whole pass over its streams, begun after now, that found nothing to post:
    whatever it was going to send by now, it has sent."""
    seen = worker.idle_passes
    wait_for(lambda: worker.idle_passes >= seen + 2, message="the webhook worker to find nothing more to post")


@pytest.fixture
def worker_of(hall):
    """worker_of(url) → a started WebhookWorker thread; all are stopped and joined at the end."""
    started = []

    def make(url, **settings):
        settings = {"url": url, "secret": SECRET, "retry_min_s": 0.1, "retry_max_s": 0.4, "timeout_s": 0.5,
                    **settings}
        worker = WebhookWorker(hall, Webhook(**settings), poll_s=0.05)
        worker.idle_passes, step = 0, worker.step

        def counted_step():
            moved = step()
            worker.idle_passes += not moved
            return moved
        worker.step = counted_step
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        worker.thread = thread
        started.append((worker, thread))
        return worker

    yield make
    for worker, thread in started:
        worker.stop()
        thread.join(10)
        assert not thread.is_alive()


def test_every_rating_arrives_exactly_once_through_downtime_failures_and_a_lost_answer(hall, clock, worker_of):
    port = free_port()
    rate_some(hall, clock, 8)
    worker = worker_of(f"http://127.0.0.1:{port}/danh-gia", daily_summary=False)
    # the receiver is down: connections are refused, and the worker tries again and again
    down = wait_for(lambda: (c := cursor(hall)) is not None and c.attempts >= 2 and c, message="two refused posts")
    assert down.position == "" and "ConnectionError" in down.last_error
    receiver = Receiver(port)
    thread = serve(receiver)
    try:
        rate_some(hall, clock, 7, start=8)            # ratings keep coming meanwhile
        with hall.uow(write=False) as uow:
            ratings = uow.session.execute(select(tables.ratings)).all()
        keys = {f"ttpvhcc-lai-chau-rating-{r.visit_id}" for r in ratings}
        assert len(keys) == 15
        wait_for(lambda: set(receiver.accepted) == keys, 60, "all 15 ratings at the receiver")
        idle_after(worker)                            # nothing more comes
    finally:
        receiver.shutdown()
        thread.join(5)
        receiver.server_close()
    assert receiver.bad_signatures == 0
    assert len(receiver.repeats) >= 1, "the lost answer made the sender post again"
    assert all(list(receiver.accepted).count(k) == 1 for k in keys)     # each key accepted once
    assert receiver.posts == 4 + len(keys) + len(receiver.repeats)     # 4 refusals, one post each, repeats
    by_visit = {r.visit_id: r for r in ratings}
    for payload in receiver.accepted.values():
        rating = payload["rating"]
        row = by_visit[rating["visit_id"]]
        assert payload["type"] == "rating" and rating["value"] == row.value and rating["counter"] == row.counter
        assert rating["unit"] == row.unit and rating["clerk"] == row.clerk and rating["best"] == 4
        assert rating["label"] == {4: "Rất hài lòng", 3: "Hài lòng", 2: "Bình thường", 1: "Không hài lòng"}[row.value]
    # in log order
    visit_order = [p["rating"]["visit_id"] for p in receiver.accepted.values()]
    assert visit_order == sorted(visit_order)


def test_the_daily_summary_is_posted_once_the_day_is_settled(hall, clock, worker_of):
    port = free_port()
    receiver = Receiver(port, fail=0, stall=10_000)
    thread = serve(receiver)
    try:
        rate_some(hall, clock, 5)
        worker = worker_of(f"http://127.0.0.1:{port}/")
        wait_for(lambda: len(receiver.accepted) == 5, message="5 ratings at the receiver")
        idle_after(worker)
        assert all(p["type"] == "rating" for p in receiver.accepted.values()), "the day is not over yet"
        day = clock.today()
        clock.at = clock.at.replace(hour=1, minute=30) + timedelta(days=1)
        wait_for(lambda: len(receiver.accepted) == 6, message="the day's summary at the receiver")
        idle_after(worker)
    finally:
        receiver.shutdown()
        thread.join(5)
        receiver.server_close()
    summary = receiver.accepted[f"ttpvhcc-lai-chau-summary-{day}"]
    expected = make_report(hall, day, day, "unit")
    assert summary["day"] == day.isoformat() and summary["total"]["issued"] == expected.total["issued"] == 5
    assert summary["total"]["ratings"] == {"4": 2, "3": 1, "2": 1, "1": 1}
    assert summary["total"]["satisfied"] == pytest.approx(0.6) and summary["total"]["response_rate"] == 1.0
    assert {u["unit"] for u in summary["units"]} == {r["key"] for r in expected.rows}
    assert len(receiver.accepted) == 6 and receiver.repeats == []


def test_a_restarted_worker_goes_on_from_its_cursor(hall, clock, worker_of):
    port = free_port()
    receiver = Receiver(port, fail=0, stall=10_000)
    thread = serve(receiver)
    try:
        rate_some(hall, clock, 3)
        first = worker_of(f"http://127.0.0.1:{port}/", daily_summary=False)
        wait_for(lambda: len(receiver.accepted) == 3, message="3 ratings at the receiver")
        idle_after(first)
        first.stop()
        first.thread.join(10)
        rate_some(hall, clock, 2, start=3)
        second = worker_of(f"http://127.0.0.1:{port}/", daily_summary=False)
        wait_for(lambda: len(receiver.accepted) == 5, message="the 2 new ratings at the receiver")
        idle_after(second)
    finally:
        receiver.shutdown()
        thread.join(5)
        receiver.server_close()
    assert receiver.posts == 5 and receiver.repeats == []


def test_the_signature_is_hmac_sha256_of_the_raw_body_and_settings_are_checked(hall):
    body = '{"a":"Hài lòng"}'.encode()
    assert sign(body, "k") == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    with pytest.raises(ValueError, match="webhook.secret"):
        WebhookWorker(hall, Webhook(url="http://127.0.0.1:9/"))
