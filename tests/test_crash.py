"""A ticket whose number reached the kiosk (201) survives a kill -9 of the server, and numbering goes on after it.

Kiosk threads issue as fast as they can; the server is killed (SIGKILL: no flush, no clean-up) in the middle of the
stream and restarted on the same data folder. Every acknowledged ticket must be there with its number, and the
next tickets must continue the numbering without repeating one. Both SQLite synchronous settings survive a process
kill (the WAL is in the operating system's cache); only `full` also survives a power cut (docs/deployment.md).
"""
from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import create_engine, text

from conftest import wait_for

SERVICES = ("TP.LLTP", "TP.HTQT", "KHDT.DN")
ACKNOWLEDGED_BEFORE_KILL = 150


@pytest.mark.slow
@pytest.mark.parametrize("synchronous", ["full", "normal"])
def test_acknowledged_tickets_survive_kill_9(make_server, cfg, tmp_path, synchronous):
    server = make_server(**{"storage.sqlite_synchronous": synchronous})
    kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()

    def issue(k: int):
        with requests.Session() as s:
            i = k
            while not stop.is_set():
                i += 1
                try:
                    r = s.post(f"{server.url}/api/tickets", json={"service": SERVICES[i % len(SERVICES)]},
                               headers=kiosk, timeout=30)
                except requests.RequestException:
                    return  # the server is gone: this answer never came, so this ticket was never promised
                if r.status_code == 201:
                    with lock:
                        acknowledged.append((r.json()["id"], r.json()["number"], r.json()["service"]))

    kiosks = [threading.Thread(target=issue, args=(k,)) for k in range(8)]
    for t in kiosks:
        t.start()
    wait_for(lambda: len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL, 120, f"{ACKNOWLEDGED_BEFORE_KILL} acknowledged tickets",
             interval=0.005)
    server.kill()  # mid-stream: eight requests are in flight
    stop.set()
    for t in kiosks:
        t.join(10)
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL

    server.start()  # same port, same data folder
    with requests.Session() as s:
        for token, number, _service in acknowledged:
            r = s.get(f"{server.url}/api/tickets/{token}", timeout=5)
            assert r.status_code == 200, f"ticket {number} was acknowledged but is gone after kill -9"
            assert r.json()["number"] == number

        last = {}
        for _token, number, service in acknowledged:
            last[service] = max(last.get(service, number), number)
        given = {number for _t, number, _s in acknowledged}
        for service in SERVICES:
            r = s.post(f"{server.url}/api/tickets", json={"service": service}, headers=kiosk, timeout=5)
            assert r.status_code == 201
            number = r.json()["number"]
            assert number not in given
            assert number > last[service], f"{service}: {number} after {last[service]}"

    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'motcua.db'}")
    with engine.connect() as conn:
        repeats = conn.execute(text("SELECT day, number FROM tickets GROUP BY day, number HAVING count(*) > 1")).all()
        stored = conn.execute(text("SELECT count(*) FROM tickets")).scalar()
        check = conn.execute(text("PRAGMA integrity_check")).scalar()
    engine.dispose()
    assert repeats == []
    assert stored >= len(acknowledged) + len(SERVICES)
    assert check == "ok"
