"""Idempotent issuing: a kiosk's order carries an Idempotency-Key, and however often it is retried — after a
time-out, after the server was killed and restarted, or by several retries at once — it makes one ticket, stored
once (the database's unique index on the key holds across processes). Tickets whose kiosk has not confirmed
receipt are marked as such wherever a clerk sees them, until the kiosk confirms.
"""
import threading
import uuid

import requests
from sqlalchemy import create_engine, func, select, text

from api_checks import auth
from hall.db import tables


def stored(hall) -> int:
    with hall.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(tables.tickets)).scalar()


def order(client, headers, key, service="TP.LLTP", **extra):
    return client.post("/api/tickets", json={"service": service, **extra},
                       headers={**headers, "Idempotency-Key": key})


def test_a_retried_order_gets_the_same_ticket_and_no_second_row(client, hall, kiosk):
    key = str(uuid.uuid4())
    first = order(client, kiosk, key)
    again = order(client, kiosk, key)
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"] and again.json["number"] == first.json["number"]
    assert again.json["replayed"] is True and "replayed" not in first.json
    assert stored(hall) == 1
    assert order(client, kiosk, str(uuid.uuid4())).json["number"] != first.json["number"]   # a new key: a new one


def test_keys_belong_to_their_kiosk(client, hall, cfg, kiosk):
    key = str(uuid.uuid4())
    other = auth(cfg.devices.kiosks[1].token)
    assert order(client, kiosk, key).json["id"] != order(client, other, key).json["id"]
    assert stored(hall) == 2


def test_a_key_reused_for_another_order_is_refused(api, kiosk):
    key = str(uuid.uuid4())
    order(api.client, kiosk, key)
    out = api.refused("POST", "/api/tickets", 422, "Idempotency-Key", json={"service": "TP.HTQT"},
                      headers={**kiosk, "Idempotency-Key": key})
    assert out["error"] == "idempotency_key_reused"


def test_a_malformed_key_is_refused(api, kiosk):
    for key in ("", "short", "x" * 65, "có dấu-123456", "a b c d e f g h"):
        api.refused("POST", "/api/tickets", 400, "Idempotency-Key", json={"service": "TP.LLTP"},
                    headers={**kiosk, "Idempotency-Key": key})


def test_a_kiosk_ticket_is_marked_unreceived_until_the_kiosk_confirms(client, hall, cfg, kiosk, sign_in):
    ticket = order(client, kiosk, str(uuid.uuid4())).json
    assert ticket["received"] is False
    clerk = sign_in(7)
    called = client.post("/api/counters/7/next", headers=clerk).json
    assert called["id"] == ticket["id"] and called["received"] is False          # the clerk is told
    assert client.get("/api/counters/7").json["ticket"]["received"] is False
    other = auth(cfg.devices.kiosks[1].token)
    assert client.post(f"/api/tickets/{ticket['id']}/received", headers=other).status_code == 403
    r = client.post(f"/api/tickets/{ticket['id']}/received", headers=kiosk)
    assert r.status_code == 200 and r.json["received"] is True
    assert client.get(f"/api/tickets/{ticket['id']}").json["received"] is True
    assert client.post(f"/api/tickets/{ticket['id']}/received", headers=kiosk).status_code == 200  # twice: fine


def test_tickets_ordered_without_a_key_need_no_confirmation(client, kiosk):
    assert client.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk).json["received"] is True


def test_concurrent_retries_with_one_key_make_one_ticket(live_server, cfg):
    key, kiosk = str(uuid.uuid4()), {**auth(cfg.devices.kiosks[0].token)}
    start, answers = threading.Barrier(8), []

    def retry():
        with requests.Session() as s:
            start.wait(10)
            r = s.post(f"{live_server.url}/api/tickets", json={"service": "TP.LLTP"},
                       headers={**kiosk, "Idempotency-Key": key}, timeout=10)
            answers.append((r.status_code, r.json()["id"]))
    threads = [threading.Thread(target=retry) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(answers) == 8 and {status for status, _ in answers} == {201}
    assert len({ticket for _, ticket in answers}) == 1
    assert tickets_in(live_server) == 1


def test_a_retry_after_a_kill_and_restart_gets_the_same_ticket(live_server, cfg):
    key, kiosk = str(uuid.uuid4()), auth(cfg.devices.kiosks[0].token)
    url = f"{live_server.url}/api/tickets"
    first = requests.post(url, json={"service": "TP.LLTP"}, headers={**kiosk, "Idempotency-Key": key}, timeout=10)
    assert first.status_code == 201
    live_server.kill()           # kill -9: as if the answer had been lost with the server
    live_server.start()
    again = requests.post(url, json={"service": "TP.LLTP"}, headers={**kiosk, "Idempotency-Key": key}, timeout=10)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again.json()["number"] == first.json()["number"]
    assert tickets_in(live_server) == 1


def tickets_in(server) -> int:
    engine = create_engine(f"sqlite:///{server.config.parent / 'data' / 'motcua.db'}")
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM tickets")).scalar()
    engine.dispose()
    return n
