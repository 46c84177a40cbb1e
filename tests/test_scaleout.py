"""Scale-out: two hall server processes on one PostgreSQL database, passing events through Redis.

A call made through one server reaches a wall display connected to the other, with the visit log's seq; tickets
issued through both at once never share a number. Each test has its own Redis channel
(MOTCUA_MESSAGE_QUEUE_CHANNEL), so parallel runs on one Redis don't hear each other.
"""
from __future__ import annotations

import threading
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text

from conftest import wait_for
from display.link import HallLink

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def two_servers(make_server, pg_url, redis_url):
    env = {"MOTCUA_DATABASE_URL": pg_url, "MOTCUA_MESSAGE_QUEUE": redis_url,
           "MOTCUA_MESSAGE_QUEUE_CHANNEL": f"motcua-test-{uuid.uuid4().hex[:12]}"}
    first = make_server(env=env)
    second = make_server(env=env, config=first.config)
    return first, second


class Screen:
    """A wall display on one server: everything it was sent, in order."""

    def __init__(self, server, token):
        self.link = HallLink(server.url, token, "/display", retry_s=0.3).start()
        self.got: list[tuple[str, dict]] = []
        wait_for(lambda: self.seen("snapshot"), message="the display's snapshot")

    def seen(self, kind: str, **match) -> list[dict]:
        self.got.extend(self.link.drain())
        return [p for k, p in self.got if k == kind and all(_get(p, key) == v for key, v in match.items())]


def _get(payload: dict, dotted: str):
    for key in dotted.split("."):
        payload = payload.get(key) if isinstance(payload, dict) else None
    return payload


def call_seq(pg_url: str, number: str) -> int:
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        seq = conn.execute(text("SELECT e.id FROM events e JOIN tickets t ON t.id = e.ticket_id "
                                "WHERE e.kind = 'called' AND t.number = :n"), {"n": number}).scalar_one()
    engine.dispose()
    return seq


def test_a_call_through_one_server_reaches_a_display_on_the_other(two_servers, pg_url, cfg):
    first, second = two_servers
    display = cfg.devices.displays[0].token
    kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
    on_first, on_second = Screen(first, display), Screen(second, display)
    try:
        clerk = {"Authorization": f"Bearer {first.sign_in(7)['token']}"}  # counter 7 serves TP.LLTP
        number = requests.post(f"{second.url}/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk,
                               timeout=10).json()["number"]
        wait_for(lambda: on_first.seen("issued", **{"ticket.number": number}), message="second → first")

        r = requests.post(f"{first.url}/api/counters/7/next", headers=clerk, timeout=10)
        assert r.status_code == 200 and r.json()["number"] == number
        wait_for(lambda: on_second.seen("called", **{"ticket.number": number}),
                 message="the call made on the first server to reach the display on the second")
        called = on_second.seen("called", **{"ticket.number": number})[0]
        assert called["counter"] == 7
        assert called["seq"] == call_seq(pg_url, number)
        wait_for(lambda: on_first.link.seq == on_second.link.seq == called["seq"], message="both displays at the seq")
        assert on_first.link.resyncs == on_second.link.resyncs == 0

        # and the other way round: a clerk signed in through the second server, seen on the first
        clerk8 = {"Authorization": f"Bearer {second.sign_in(8)['token']}"}
        number = requests.post(f"{first.url}/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk,
                               timeout=10).json()["number"]
        assert requests.post(f"{second.url}/api/counters/8/next", headers=clerk8, timeout=10).status_code == 200
        wait_for(lambda: on_first.seen("called", **{"ticket.number": number, "counter": 8}),
                 message="the call on the second server to reach the display on the first")
        assert on_first.seen("called", **{"ticket.number": number})[0]["seq"] == call_seq(pg_url, number)
    finally:
        on_first.link.stop()
        on_second.link.stop()


def test_numbers_issued_through_both_servers_never_repeat(two_servers, cfg):
    servers = two_servers
    kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
    numbers, errors = [], []

    def kiosk_loop(k: int):
        with requests.Session() as s:
            for i in range(15):
                r = s.post(f"{servers[(k + i) % 2].url}/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk,
                           timeout=10)
                (numbers.append(r.json()["number"]) if r.status_code == 201 else errors.append(r.text))

    threads = [threading.Thread(target=kiosk_loop, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"P{n:03d}" for n in range(1, 61)]  # 60 tickets, 60 numbers, none skipped
