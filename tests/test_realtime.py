"""The Socket.IO namespaces with Flask-SocketIO's test client: who may join which, the snapshot on connect, every
visit-log event in sequence, resync, the pads' room per counter, the ticket watchers' rooms.
Each app has its own Socket.IO server (app.extensions["socketio"]): see test_two_apps_in_one_process_keep_their_screens.
"""
from __future__ import annotations

import pytest

from api_checks import event_kinds, quick_passwords

HALL_STREAM = ["/display", "/counter", "/kiosk", "/supervisor"]


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    quick_passwords(monkeypatch)


@pytest.fixture
def connect(app):
    """connect(namespace, **auth) → a connected (or refused) test client; all are disconnected at the end."""
    clients = []

    def connect(namespace, query_string=None, **auth):
        c = app.extensions["socketio"].test_client(app, namespace=namespace, auth=auth or None, query_string=query_string)
        clients.append((c, namespace))
        return c

    yield connect
    for c, namespace in clients:
        if c.is_connected(namespace):
            c.disconnect(namespace)


def received(client, namespace) -> list[tuple[str, dict]]:
    return [(m["name"], m["args"][0]) for m in client.get_received(namespace)]


def token(header: dict) -> str:
    return header["Authorization"].split(" ", 1)[1]


def post(client, url, headers, status=200, **body):
    r = client.post(url, json=body, headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


# --- who may join --------------------------------------------------------------------------------------------
def test_each_namespace_takes_its_own_kind_of_credential(connect, cfg, sign_in):
    creds = {"display": cfg.devices.displays[0].token, "kiosk": cfg.devices.kiosks[0].token,
             "pad": cfg.devices.pads[0].token, "clerk": token(sign_in(7)),
             "supervisor": token(sign_in(role="supervisor")), "wrong": "khong-phai-token"}
    allowed = {"/display": {"display", "clerk", "supervisor"}, "/counter": {"clerk", "supervisor"},
               "/kiosk": {"kiosk", "clerk", "supervisor"}, "/supervisor": {"supervisor"},
               "/pad": {"pad", "clerk"}}  # a pad follows one counter: a supervisor has none
    for namespace, kinds in allowed.items():
        for kind, value in creds.items():
            c = connect(namespace, token=value)
            assert c.is_connected(namespace) == (kind in kinds), f"{kind} on {namespace}"
        assert not connect(namespace).is_connected(namespace), f"no credential on {namespace}"


def test_token_in_the_query_string(connect, cfg):
    c = connect("/display", query_string=f"token={cfg.devices.displays[0].token}")
    assert c.is_connected("/display") and received(c, "/display")[0][0] == "snapshot"


def test_ticket_watchers_need_a_real_ticket(connect, client, kiosk):
    ticket = post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")
    assert not connect("/ticket", ticket="khong-co").is_connected("/ticket")
    assert not connect("/ticket").is_connected("/ticket")
    c = connect("/ticket", ticket=ticket["id"])
    [(name, status)] = received(c, "/ticket")
    assert name == "snapshot" and status["id"] == ticket["id"] and status["state"] == "waiting"
    assert status["number"] == ticket["number"] and status["visits"] == []


# --- the hall stream -----------------------------------------------------------------------------------------
def test_snapshot_on_connect_is_the_state(connect, client, cfg, kiosk, sign_in, hall):
    clerk = sign_in(7)
    post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")
    post(client, "/api/counters/7/next", clerk)
    boss = sign_in(role="supervisor")
    for namespace in HALL_STREAM:
        c = connect(namespace, token=token(boss if namespace == "/supervisor" else clerk))
        [(name, snap)] = received(c, namespace)
        assert name == "snapshot"
        assert set(snap) == {"seq", "at", "centre", "issuing", "closed_reason", "announcement", "counters", "queues",
                             "recent_calls", "fresh_calls", "faults"}
        assert snap["seq"] == len(event_kinds(hall)) == 3
        assert len(snap["counters"]) == len(cfg.counters) and len(snap["queues"]) == len(cfg.services)
        seven = next(x for x in snap["counters"] if x["number"] == 7)
        assert seven["ticket"]["number"] == snap["recent_calls"][0]["number"]
        assert [(c["seq"], c["number"], c["counter"]) for c in snap["fresh_calls"]] == [(3, seven["ticket"]["number"], 7)]
        state = client.get("/api/state", headers=clerk).get_json()
        assert snap == state


def test_every_change_arrives_in_sequence(connect, client, cfg, kiosk, sign_in, hall, clock):
    """Each kind of visit-log event reaches the hall stream by its name, seq consecutive, as stored."""
    watch = connect("/supervisor", token=token(sign_in(role="supervisor")))
    display = connect("/display", token=cfg.devices.displays[0].token)
    first = received(watch, "/supervisor")[0][1]["seq"]
    received(display, "/display")
    boss = sign_in(role="admin")
    clerk = sign_in(7)                                                              # signed_in
    a = post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")                 # issued
    b = post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")                 # issued
    c = post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")                 # issued
    post(client, "/api/counters/7/next", clerk)                                     # called
    post(client, "/api/counters/7/recall", clerk)                                   # recalled
    post(client, "/api/counters/7/start", clerk)                                    # started
    post(client, "/api/counters/7/finish", clerk)                                   # finished
    post(client, "/api/ratings", {"Authorization": f"Bearer {cfg.devices.pads[6].token}"}, 201, value=4)  # rated
    post(client, "/api/counters/7/next", clerk)                                     # called
    post(client, "/api/counters/7/no-show", clerk)                                  # no_show
    post(client, f"/api/tickets/{b['id']}/return", clerk)                           # returned
    post(client, "/api/counters/7/next", clerk)                                     # called
    post(client, "/api/counters/7/transfer", clerk, service="TP.HTQT")             # transferred
    post(client, f"/api/tickets/{c['id']}/cancel", clerk)                           # cancelled
    post(client, "/api/counters/7/pause", clerk, reason="Họp")                      # paused
    post(client, "/api/counters/7/resume", clerk)                                   # resumed
    post(client, "/api/services/TP.LLTP/open", boss, open=False)                    # service_closed
    post(client, "/api/services/TP.LLTP/open", boss, open=True)                     # service_opened
    post(client, "/api/announcement", boss, text="Chào mừng")                       # announcement
    post(client, "/api/devices/status", kiosk, fault="paper_out")                   # device_fault
    post(client, "/api/devices/status", kiosk, fault=None)                          # device_ok
    post(client, "/api/kiosks/kiosk-1/reprint", boss, ticket=a["id"])               # reprint
    post(client, "/api/counters/7/sign-out", boss)                                  # signed_out
    wanted = ["signed_in", "issued", "issued", "issued", "called", "recalled", "started", "finished", "rated",
              "called", "no_show", "returned", "called", "transferred", "cancelled", "paused", "resumed",
              "service_closed", "service_opened", "announcement", "device_fault", "device_ok", "reprint",
              "signed_out"]
    assert event_kinds(hall)[first:] == wanted
    for c_, namespace in ((watch, "/supervisor"), (display, "/display")):
        got = received(c_, namespace)
        assert [name for name, _ in got] == wanted
        assert [m["seq"] for _, m in got] == list(range(first + 1, first + 1 + len(wanted)))
        assert all(name == m["type"] for name, m in got)
    issued = [m for name, m in got if name == "issued"]
    assert [m["ticket"]["number"] for m in issued] == [a["number"], b["number"], c["number"]]
    assert [q["waiting"] for m in issued for q in m["queue"]] == [1, 2, 3]  # the line's length as it moves
    transferred = next(m for name, m in got if name == "transferred")
    assert {q["service"] for q in transferred["queue"]} == {"TP.LLTP", "TP.HTQT"}
    assert transferred["data"]["from_service"] == "TP.LLTP" and transferred["data"]["to_service"] == "TP.HTQT"


def test_called_has_what_the_wall_says(connect, client, cfg, kiosk, sign_in):
    wall = connect("/display", token=cfg.devices.displays[0].token)
    received(wall, "/display")
    clerk = sign_in(7)
    ticket = post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")
    post(client, "/api/counters/7/next", clerk)
    post(client, "/api/counters/7/recall", clerk)
    got = dict(received(wall, "/display")[2:])
    called, recalled = got["called"], got["recalled"]
    n = ticket["number"]
    assert called["ticket"]["number"] == n and called["counter"] == 7 and called["counter_label"] == "Quầy 7"
    assert called["unit"] == "TP" and called["ticket"]["unit_name"] == "Sở Tư pháp"
    assert called["announce"] == cfg.devices.displays[0].voice.phrase.format(number=n, counter=7)
    assert n in called["announce"] and "quầy số 7" in called["announce"]
    assert called["screen"] == f"Mời số {n} đến quầy 7" and called["recall"] is False
    assert recalled["recall"] is True and recalled["screen"] == called["screen"]
    assert called["visit_id"] == 1 and called["ticket"]["state"] == "called"


def test_resync_sends_the_latest_snapshot(connect, client, kiosk, hall, cfg):
    c = connect("/kiosk", token=cfg.devices.kiosks[0].token)
    assert received(c, "/kiosk")[0][1]["seq"] == 0
    for _ in range(3):
        post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")
    received(c, "/kiosk")
    c.emit("resync", namespace="/kiosk")
    [(name, snap)] = received(c, "/kiosk")
    assert name == "snapshot" and snap["seq"] == 3 == len(event_kinds(hall))
    assert next(q for q in snap["queues"] if q["service"] == "TP.LLTP")["waiting"] == 3


# --- pads -----------------------------------------------------------------------------------------------------
def test_a_pad_hears_only_its_counter(connect, client, cfg, kiosk, sign_in):
    pad7 = next(p for p in cfg.devices.pads if p.counter == 7)
    pad8 = next(p for p in cfg.devices.pads if p.counter == 8)
    seven, eight = connect("/pad", token=pad7.token), connect("/pad", token=pad8.token)
    [(name, snap)] = received(seven, "/pad")
    assert name == "snapshot" and snap["counter"] == 7 and snap["label"] == "Quầy 7" and snap["pending"] is None
    assert [lvl["value"] for lvl in snap["levels"]] == [4, 3, 2, 1] and snap["timeout_s"] == cfg.ratings.timeout_s
    received(eight, "/pad")
    clerk7, clerk8 = sign_in(7), sign_in(8)
    ticket = post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")
    post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")
    post(client, "/api/counters/7/next", clerk7)
    post(client, "/api/counters/7/start", clerk7)
    post(client, "/api/counters/7/finish", clerk7)
    got = received(seven, "/pad")
    assert [name for name, _ in got] == ["idle", "rate"]
    rate = got[1][1]
    assert rate["visit_id"] == 1 and rate["counter"] == 7 and rate["number"] == ticket["number"]
    assert rate["unit_name"] == "Sở Tư pháp" and rate["service_name"] == "Lý lịch tư pháp"
    assert received(eight, "/pad") == []  # counter 7's visit is none of pad 8's business
    post(client, "/api/ratings", {"Authorization": f"Bearer {pad7.token}"}, 201, value=3, visit_id=rate["visit_id"])
    assert received(seven, "/pad") == [("rated", {"seq": rate["seq"] + 1, "counter": 7, "value": 3})]
    # counter 8 calls and sends its citizen on unserved: its pad is told to stay idle, not to ask for a rating
    post(client, "/api/counters/8/next", clerk8)
    post(client, "/api/counters/8/transfer", clerk8, service="TP.HTQT")
    assert [name for name, _ in received(eight, "/pad")] == ["idle", "idle"]
    assert received(seven, "/pad") == []


def test_a_pad_that_joins_late_sees_the_pending_rating(connect, client, cfg, kiosk, sign_in):
    clerk = sign_in(7)
    post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")
    post(client, "/api/counters/7/next", clerk)
    post(client, "/api/counters/7/finish", clerk)
    pad = connect("/pad", token=next(p.token for p in cfg.devices.pads if p.counter == 7))
    assert received(pad, "/pad")[0][1]["pending"] == {"visit_id": 1}
    also = connect("/pad", token=token(clerk))  # the clerk's own screen can follow the counter's pad room
    assert received(also, "/pad")[0][1]["counter"] == 7


# --- ticket watchers -----------------------------------------------------------------------------------------
def test_a_ticket_watcher_sees_its_ticket_and_its_line(connect, client, kiosk, sign_in):
    mine = post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")
    later = post(client, "/api/tickets", kiosk, 201, service="TP.LLTP")
    phone = connect("/ticket", ticket=later["id"])
    received(phone, "/ticket")
    post(client, "/api/tickets", kiosk, 201, service="TP.HTQT")  # another line: nothing
    assert received(phone, "/ticket") == []
    clerk = sign_in(7)
    post(client, "/api/counters/7/next", clerk)  # the ticket ahead is called: the line moves
    got = received(phone, "/ticket")
    assert [name for name, _ in got] == ["queue"]
    assert got[0][1]["service"] == "TP.LLTP" and got[0][1]["waiting"] == 1
    post(client, "/api/counters/7/finish", clerk)
    post(client, "/api/counters/7/next", clerk)  # now mine
    got = received(phone, "/ticket")
    tickets = [m for name, m in got if name == "ticket"]
    assert [m["type"] for m in tickets] == ["called"] and tickets[0]["ticket"]["id"] == later["id"]
    assert tickets[0]["counter"] == 7 and mine["id"] not in [m["ticket"]["id"] for m in tickets]
    phone.emit("status", {"ticket": later["id"]}, namespace="/ticket")
    [(name, status)] = received(phone, "/ticket")
    assert name == "snapshot" and status["state"] == "called" and status["counter"] == 7
    phone.emit("status", {"ticket": "khong-co"}, namespace="/ticket")
    assert received(phone, "/ticket") == [("error", {"error": "no such ticket"})]


# --- one socket server per app ----------------------------------------------------------------------------------
def test_two_apps_in_one_process_keep_their_screens(app, cfg, clock, tmp_path, kiosk):
    """A second hall made in the same process (tests, tools) has its own Socket.IO server: each hall's events go to
    its own screens only."""
    from hall.app import create_app
    token = {"token": cfg.devices.displays[0].token}
    first = app.extensions["socketio"].test_client(app, namespace="/display", auth=token)
    received(first, "/display")
    other = create_app(cfg, db_url=f"sqlite:///{tmp_path / 'other.db'}", clock=clock, testing=True)
    assert other.extensions["socketio"] is not app.extensions["socketio"]
    second = other.extensions["socketio"].test_client(other, namespace="/display", auth=token)
    received(second, "/display")
    try:
        post(app.test_client(), "/api/tickets", kiosk, 201, service="TP.LLTP")
        assert [name for name, _ in received(first, "/display")] == ["issued"]
        assert received(second, "/display") == []
        post(other.test_client(), "/api/tickets", kiosk, 201, service="TP.LLTP")
        assert [name for name, _ in received(second, "/display")] == ["issued"]
        assert received(first, "/display") == []
    finally:
        first.disconnect("/display")
        second.disconnect("/display")
