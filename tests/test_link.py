"""The screens' link to a real hall server: snapshot, events in order, resync on a gap, reconnect after restart."""
import time

import requests

from display.link import HallLink


def wait_for(pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


def collect(link, into):
    into.extend(link.drain())
    return into


def test_link_gets_snapshot_then_events_in_sequence(live_server, cfg):
    display = cfg.devices.displays[0]
    kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
    link = HallLink(live_server.url, display.token, "/display").start()
    try:
        got = []
        assert wait_for(lambda: any(k == "snapshot" for k, _ in collect(link, got)))
        first = link.seq
        for _ in range(3):
            assert requests.post(f"{live_server.url}/api/tickets", json={"service": "TP.LLTP"},
                                 headers=kiosk, timeout=5).status_code == 201
        assert wait_for(lambda: sum(k == "issued" for k, _ in collect(link, got)) == 3)
        seqs = [p["seq"] for k, p in got if k == "issued"]
        assert seqs == [first + 1, first + 2, first + 3]
        assert link.resyncs == 0
    finally:
        link.stop()


def test_link_resyncs_on_a_gap(live_server, cfg):
    link = HallLink(live_server.url, cfg.devices.displays[0].token, "/display").start()
    try:
        got = []
        assert wait_for(lambda: any(k == "snapshot" for k, _ in collect(link, got)))
        link.seq -= 1  # as if one event had been missed
        kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
        requests.post(f"{live_server.url}/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk, timeout=5)
        assert wait_for(lambda: sum(k == "snapshot" for k, _ in collect(link, got)) == 2)
        assert link.resyncs == 1
        assert not any(k == "issued" for k, _ in got)  # the event after the gap came as part of the new snapshot
        assert got[-1][1]["seq"] == link.seq
    finally:
        link.stop()


def test_link_refused_with_a_wrong_token(live_server):
    link = HallLink(live_server.url, "not-a-token", "/display").start()
    try:
        time.sleep(1.5)
        assert not link.connected
        assert link.stale(1.0)
    finally:
        link.stop()


def test_link_reconnects_after_server_restart(make_server, cfg):
    server = make_server()
    link = HallLink(server.url, cfg.devices.displays[0].token, "/display", retry_s=0.3).start()
    try:
        got = []
        assert wait_for(lambda: any(k == "snapshot" for k, _ in collect(link, got)))
        server.kill()
        assert wait_for(lambda: not link.connected)
        assert wait_for(lambda: link.stale(0.5))
        server.start()
        assert wait_for(lambda: link.connected, timeout=20)
        assert wait_for(lambda: sum(k == "snapshot" for k, _ in collect(link, got)) == 2)
    finally:
        link.stop()
