"""Cross-site requests (issue 10, point 3): the session cookie is SameSite=Lax, and a state-changing request from
another site's page is refused (403 JSON, nothing written) on every POST route; bearer-token clients are unchanged."""
from __future__ import annotations

import re

import pytest

from api_checks import api_routes, quick_passwords
from hall import accounts

EVIL = "http://evil.example"


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    quick_passwords(monkeypatch)


@pytest.fixture
def boss(client, hall):
    """A supervisor signed in through the browser's session cookie (the client keeps it)."""
    accounts.add_user(hall, "sep", "matkhau123", "supervisor", "Trưởng bộ phận")
    r = client.post("/api/login", json={"username": "sep", "password": "matkhau123"})
    assert r.status_code == 200
    return r


def url_of(rule: str, ticket: str, action: str = "next") -> str:
    values = {"number": "7", "action": action, "token": ticket, "code": "TP.LLTP", "kiosk": "kiosk-1",
              "username": "sep"}
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule)


def test_the_session_cookie_is_samesite_lax_and_httponly(boss):
    cookie = boss.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_a_cross_site_form_post_calls_nobody(api, hall, kiosk):
    """The reported attack: another site's page posts a form (empty body) to a clerk's browser to call the next
    citizen."""
    accounts.add_user(hall, "lan", "matkhau123", "clerk")
    assert api.post("/api/login", json={"username": "lan", "password": "matkhau123", "counter": 7}).status_code == 200
    api.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk)
    out = api.refused("POST", "/api/counters/7/next", 403, "evil.example", headers={"Origin": EVIL},
                      content_type="application/x-www-form-urlencoded", data="")
    assert out["error"] == "forbidden"


def test_every_state_changing_route_refuses_another_site(api, app, boss, kiosk):
    ticket = api.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk).get_json()["id"]
    posts = sorted(rule for rule, method in api_routes(app) if method not in ("GET", "HEAD", "OPTIONS"))
    assert "/api/logout" in posts and "/api/counters/<int:number>/<action>" in posts
    for rule in posts:
        actions = ("next", "no-show", "pause", "finish") if "<action>" in rule else ("next",)
        for action in actions:
            api.refused("POST", url_of(rule, ticket, action), 403, headers={"Origin": EVIL}, json={})
    assert api.get("/api/me").status_code == 200, "the cross-site logout signed the supervisor out"


@pytest.mark.parametrize("headers", [
    {"Referer": EVIL + "/trang.html"},          # an old browser that sends no Origin
    {"Origin": "null"},                          # a sandboxed frame, a file:// page
    {"Origin": "http://[::1"},                   # not even a URL
    {"Origin": "http://localhost.evil.example"},
])
def test_other_ways_another_site_shows(api, boss, headers):
    api.refused("POST", "/api/logout", 403, headers=headers)


def test_the_halls_own_pages_still_act(api, boss, kiosk):
    api.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk)
    for headers in ({"Origin": "http://localhost"}, {"Origin": "https://localhost:8443"},  # behind a proxy
                    {"Referer": "http://localhost/supervisor"}, {}):                   # a non-browser client
        r = api.post("/api/counters/7/next", headers=headers)
        assert r.status_code in (200, 409), r.get_json()  # 409: nobody left to call
    assert api.post("/api/logout", headers={"Origin": "http://localhost"}).status_code == 200


def test_bearer_clients_are_unchanged(api, kiosk, sign_in):
    """A kiosk or an API user on another origin sends its token, which no other site's page can have."""
    assert api.post("/api/tickets", json={"service": "TP.LLTP"}, headers={**kiosk, "Origin": EVIL}).status_code == 201
    clerk = sign_in(7)
    assert api.post("/api/counters/7/next", headers={**clerk, "Origin": EVIL}).status_code == 200


def test_a_sign_in_cannot_be_forged_from_another_site(api, hall):
    accounts.add_user(hall, "lan", "matkhau123", "supervisor")
    api.refused("POST", "/api/login", 403, headers={"Origin": EVIL}, json={"username": "lan", "password": "matkhau123"})


def test_the_refusal_speaks_vietnamese_when_asked(api, boss):
    out = api.refused("POST", "/api/logout", 403, "trang khác", headers={"Origin": EVIL, "Accept-Language": "vi"})
    assert out["error"] == "forbidden"
