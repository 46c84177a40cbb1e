"""Credentials: passwords and sign-in tokens kept only as hashes, sign-in to a counter (taken, forced), the session
cookie, expiry and disabling, and which kind of credential may do what (401 without one, 403 with the wrong kind).
Passwords are hashed cheaply except in the test that checks the real hashing (scrypt).
"""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from api_checks import auth, event_kinds, quick_passwords, rows
from hall import accounts
from hall.db import tables

PASSWORD = "matkhau123"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    quick_passwords(monkeypatch)


@pytest.fixture
def real_hashing(monkeypatch):
    monkeypatch.undo()  # back to Werkzeug's own scrypt (hall/passwords.py), for the people made after this


def login(api, username, counter=None, **extra) -> dict:
    r = api.post("/api/login", json={"username": username, "password": PASSWORD, "counter": counter, **extra})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def table(hall, name):
    with hall.db.reader.connect() as conn:
        return conn.execute(select(getattr(tables, name))).all()


@pytest.fixture
def people(hall):
    for name, role in [("lan", "clerk"), ("binh", "clerk"), ("giamsat", "supervisor"), ("quantri", "admin")]:
        accounts.add_user(hall, name, PASSWORD, role, f"Người {name}")


def test_only_hashes_are_stored(api, hall, real_hashing, people):
    token = login(api, "lan", 3)["token"]
    user = next(u for u in table(hall, "users") if u.username == "lan")
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    stored = [row.token for row in table(hall, "logins")]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()] and token not in stored


@pytest.mark.parametrize("body, status, words", [
    ({"username": "lan", "password": PASSWORD}, 400, ["clerk signs in to a counter"]),
    ({"username": "lan", "password": PASSWORD, "counter": 99}, 404, ["no counter 99"]),
    ({"username": "lan", "password": PASSWORD, "counter": "3"}, 400, ["counter", "integer"]),
    ({"username": "lan", "password": PASSWORD, "counter": 3, "force": "yes"}, 400, ["force", "boolean"]),
    ({"username": "lan", "counter": 3}, 400, ["password", "required"]),
    ({"username": "lan", "password": PASSWORD, "counter": 3, "remember": True}, 400, ["remember", "unknown field"]),
])
def test_login_refusals_write_nothing(api, people, body, status, words):
    api.refused("POST", "/api/login", status, *words, json=body)


@pytest.mark.parametrize("body", [{"username": "lan", "password": "sai-mat-khau", "counter": 3},
                                  {"username": "khong-co", "password": PASSWORD, "counter": 3}])
def test_a_wrong_sign_in_writes_only_its_failure_count(api, hall, people, body):
    """(hall/lockouts.py counts it against the username and the address; test_sign_in.py has the limits.)"""
    before = rows(hall)
    r = api.post("/api/login", json=body)
    assert r.status_code == 401 and r.get_json()["message"] == "wrong username or password"
    after = rows(hall)
    assert [t for t in before if before[t] != after[t]] == ["lockouts"]


def test_a_taken_counter_and_taking_it_over(api, hall, people, kiosk):
    lan = auth(login(api, "lan", 3)["token"])
    out = api.refused("POST", "/api/login", 409, "counter 3 is taken by lan",
                      json={"username": "binh", "password": PASSWORD, "counter": 3})
    assert out["error"] == "conflict"
    binh = auth(login(api, "binh", 3, force=True)["token"])
    assert api.get("/api/counters/3").get_json()["clerk"] == "binh"
    # lan's sign-in no longer reaches counter 3: not to call, and not to sign binh out by signing off
    api.post("/api/tickets", json={"service": "KHDT.DT"}, headers=kiosk)
    api.refused("POST", "/api/counters/3/next", 403, "taken over", "sign in again", headers=lan)
    assert api.post("/api/logout", headers=lan).status_code == 200
    assert api.get("/api/counters/3").get_json()["clerk"] == "binh"
    assert api.post("/api/counters/3/next", headers=binh).status_code == 200
    assert event_kinds(hall) == ["signed_in", "signed_in", "issued", "called"]


def test_a_counter_signed_out_by_a_supervisor_stops_its_clerk(api, people):
    lan = auth(login(api, "lan", 3)["token"])
    boss = auth(login(api, "giamsat")["token"])
    api.post("/api/counters/3/sign-out", headers=boss)
    api.refused("POST", "/api/counters/3/pause", 403, "signed out", headers=lan, json={"reason": "x"})
    assert api.get("/api/me", headers=lan).status_code == 200  # still a signed-in person, just not at counter 3


def test_the_session_cookie_signs_in_the_web_panel(api, people):
    login(api, "lan", 3)  # the test client keeps the cookie, as a browser would
    me = api.get("/api/me").get_json()
    assert me["username"] == "lan" and me["counter"] == 3
    assert api.post("/api/logout").get_json() == {"signed_out": True}
    api.refused("GET", "/api/me", 401, "sign in")
    assert api.get("/api/counters/3").get_json()["state"] == "closed"


def test_logout_with_a_ticket_in_hand_is_refused_whole(api, people, kiosk):
    lan = auth(login(api, "lan", 3)["token"])
    api.post("/api/tickets", json={"service": "KHDT.DT"}, headers=kiosk)
    api.post("/api/counters/3/next", headers=lan)
    api.refused("POST", "/api/logout", 409, "still busy", headers=lan)
    assert api.get("/api/me", headers=lan).status_code == 200  # the sign-in survives the refusal


def test_tokens_expire_and_disabled_people_are_out(api, people, clock, cfg):
    lan = auth(login(api, "lan", 3)["token"])
    binh = auth(login(api, "binh", 4)["token"])
    admin = auth(login(api, "quantri")["token"])
    assert api.post("/api/users/binh/active", json={"active": False}, headers=admin).status_code == 200
    api.refused("GET", "/api/me", 401, "sign in", headers=binh)  # a disabled person's sign-in stops at once
    api.refused("POST", "/api/users/quantri/active", 400, "your own account", headers=admin, json={"active": False})
    api.refused("POST", "/api/users/khong-co/active", 400, "no user 'khong-co'", headers=admin,
                json={"active": False})
    clock.advance(hours=cfg.server.login_hours, seconds=1)
    api.refused("GET", "/api/me", 401, "sign in", headers=lan)


@pytest.mark.parametrize("header", ["Bearer sai", "Basic bGFuOm1hdGtoYXUxMjM=", "Bearer ", "u-_Xj30GsuyQiKVKRWZBV"])
def test_missing_or_wrong_credential(api, header):
    out = api.refused("POST", "/api/tickets", 401, "sign in", "Bearer", headers={"Authorization": header},
                      json={"service": "TP.LLTP"})
    assert out["error"] == "unauthorized"


def test_device_tokens_name_their_device(api, cfg):
    assert api.get("/api/me", headers=auth(cfg.devices.kiosks[1].token)).get_json() == {
        "kind": "kiosk", "id": "kiosk-2", "counter": None}
    pad = cfg.devices.pads[4]
    assert api.get("/api/me", headers={"Authorization": f"bearer {pad.token}"}).get_json() == {
        "kind": "pad", "id": pad.id, "counter": pad.counter}


def test_the_wrong_kind_of_credential(api, cfg, people):
    display, pad = auth(cfg.devices.displays[0].token), auth(cfg.devices.pads[0].token)
    kiosk = auth(cfg.devices.kiosks[0].token)
    lan = auth(login(api, "lan", 3)["token"])
    boss = auth(login(api, "giamsat")["token"])
    refusals = [
        ("POST", "/api/tickets", display, {"service": "TP.LLTP"}, "display 'wall'"),
        ("POST", "/api/tickets", pad, {"service": "TP.LLTP"}, "pad 'pad-01'"),
        ("POST", "/api/counters/1/next", pad, {}, "pad 'pad-01'"),
        ("POST", "/api/counters/4/next", lan, {}, "not counter 4"),
        ("POST", "/api/ratings", display, {"value": 4}, "display"),
        ("POST", "/api/services/TP.LLTP/open", lan, {"open": False}, "clerk 'lan'"),
        ("POST", "/api/announcement", kiosk, {"text": "x"}, "kiosk"),
        ("POST", "/api/kiosks/kiosk-1/reprint", display, {}, "display"),
        ("POST", "/api/counters/4/sign-out", lan, {}, "clerk"),
        ("POST", "/api/devices/status", lan, {"fault": "paper_out"}, "clerk"),
        ("GET", "/api/users", boss, None, "supervisor 'giamsat'"),
        ("POST", "/api/users", boss, {"username": "x", "password": PASSWORD, "role": "admin"}, "supervisor"),
        ("POST", "/api/users/lan/active", lan, {"active": False}, "clerk"),
        ("POST", "/api/tickets/abc/cancel", kiosk, {}, "kiosk"),
        ("GET", "/api/counters/4/today", lan, None, "not counter 4"),
        ("POST", "/api/logout", kiosk, None, "kiosk"),
    ]
    for method, url, who, body, name in refusals:
        out = api.refused(method, url, 403, name, headers=who, **({"json": body} if body is not None else {}))
        assert out["error"] == "forbidden"
