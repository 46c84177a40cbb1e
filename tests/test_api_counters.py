"""POST /api/counters/<n>/<action> and POST /api/ratings in depth: what each action refuses in each state, with
which credential, and that a refusal writes nothing (api_checks.Api.refused compares every table before and after).
"""
from __future__ import annotations

import pytest

from api_checks import auth, event_kinds, quick_passwords

ACTIONS_WITH_A_TICKET = ["recall", "start", "finish", "no-show"]


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    quick_passwords(monkeypatch)


@pytest.fixture
def clerk(sign_in):
    return sign_in(7)


def issue(api, kiosk, service="TP.LLTP", **extra) -> dict:
    r = api.post("/api/tickets", json={"service": service, **extra}, headers=kiosk)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def act(api, headers, action, counter=7, **body) -> dict:
    r = api.post(f"/api/counters/{counter}/{action}", json=body, headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def pad_of(cfg, counter: int) -> dict:
    return auth(next(p.token for p in cfg.devices.pads if p.counter == counter))


# --- what each action needs first ---------------------------------------------------------------------------
@pytest.mark.parametrize("action, body", [("recall", {}), ("start", {}), ("finish", {}), ("no-show", {}),
                                          ("transfer", {"service": "TP.HTQT"})])
def test_nothing_to_act_on_before_a_call(api, clerk, kiosk, action, body):
    issue(api, kiosk)  # someone waits, but the counter has called nobody
    out = api.refused("POST", f"/api/counters/7/{action}", 409, "counter 7 has no ticket", "call one first",
                      headers=clerk, json=body)
    assert out["error"] == "invalid_state"


def test_actions_out_of_order_on_a_called_ticket(api, clerk, kiosk):
    ticket = issue(api, kiosk)
    act(api, clerk, "next")
    api.refused("POST", "/api/counters/7/next", 409, "still busy", headers=clerk)
    api.refused("POST", "/api/counters/7/call", 409, "still busy", headers=clerk, json={"ticket": ticket["number"]})
    act(api, clerk, "start")
    api.refused("POST", "/api/counters/7/start", 409, f"cannot start serving ticket {ticket['number']}",
                "it is serving", headers=clerk)
    api.refused("POST", "/api/counters/7/recall", 409, "cannot recall", "serving", headers=clerk)
    api.refused("POST", "/api/counters/7/no-show", 409, "cannot mark as no-show", "serving", headers=clerk)
    act(api, clerk, "finish")
    out = api.refused("POST", "/api/counters/7/finish", 409, "no ticket", headers=clerk)  # finish twice
    assert out["counter"] == 7
    assert event_kinds(api.hall) == ["signed_in", "issued", "called", "started", "finished"]


def test_a_ticket_is_never_at_two_counters(api, sign_in, kiosk):
    seven, eight = sign_in(7), sign_in(8)
    ticket = issue(api, kiosk)
    act(api, seven, "call", ticket=ticket["number"])
    api.refused("POST", "/api/counters/8/call", 409, f"cannot call ticket {ticket['number']}", "called",
                headers=eight, json={"ticket": ticket["number"]})
    api.refused("POST", "/api/counters/8/next", 409, "nobody is waiting for counter 8", headers=eight)


def test_call_refuses_what_the_counter_cannot_take(api, clerk, kiosk, sign_in):
    other = issue(api, kiosk, "TP.HTQT")  # counter 7 serves only TP.LLTP
    out = api.refused("POST", "/api/counters/7/call", 403, "counter 7 does not serve", other["number"],
                      headers=clerk, json={"ticket": other["number"]})
    assert out["error"] == "forbidden"
    api.refused("POST", "/api/counters/7/call", 404, "no ticket P299 today", headers=clerk, json={"ticket": "P299"})
    api.refused("POST", "/api/counters/7/call", 400, "ticket number", headers=clerk, json={"ticket": "  "})
    api.refused("POST", "/api/counters/7/call", 400, "ticket", "string", headers=clerk, json={"ticket": 5})
    api.refused("POST", "/api/counters/7/call", 400, "ticket", "required", headers=clerk, json={})
    done = issue(api, kiosk)
    act(api, clerk, "call", ticket=done["number"])
    act(api, clerk, "finish")
    api.refused("POST", "/api/counters/7/call", 409, f"cannot call ticket {done['number']}", "done",
                headers=clerk, json={"ticket": done["number"]})


def test_no_show_returns_only_within_its_grace(api, clerk, kiosk, clock, cfg, sign_in):
    ticket = issue(api, kiosk)
    act(api, clerk, "next")
    act(api, clerk, "no-show")
    clock.advance(minutes=cfg.server.no_show_grace_min, seconds=1)
    staff = sign_in(role="supervisor")
    api.refused("POST", f"/api/tickets/{ticket['id']}/return", 409, "grace period is over", headers=staff)
    api.refused("POST", "/api/counters/7/call", 409, "grace period is over", headers=clerk,
                json={"ticket": ticket["number"]})
    waiting = issue(api, kiosk)
    api.refused("POST", f"/api/tickets/{waiting['id']}/return", 409, "cannot return", "waiting", headers=staff)


def test_the_counter_must_be_open_and_not_paused(api, sign_in, kiosk):
    supervisor = sign_in(role="supervisor")  # may act on any counter, but counter 9 has nobody signed in
    issue(api, kiosk)
    out = api.refused("POST", "/api/counters/9/next", 409, "counter 9 is closed", "sign in", headers=supervisor)
    assert out["error"] == "closed"
    api.refused("POST", "/api/counters/9/pause", 409, "counter 9 is closed", headers=supervisor,
                json={"reason": "x"})
    api.refused("POST", "/api/counters/9/resume", 409, "not paused", headers=supervisor)
    clerk = sign_in(7)
    api.refused("POST", "/api/counters/7/resume", 409, "counter 7 is not paused", headers=clerk)
    api.refused("POST", "/api/counters/7/pause", 409, "needs a reason", headers=clerk, json={"reason": "  "})
    api.refused("POST", "/api/counters/7/pause", 400, "reason", "required", headers=clerk, json={})
    act(api, clerk, "pause", reason="Nghỉ giải lao")
    api.refused("POST", "/api/counters/7/pause", 409, "already paused", headers=clerk, json={"reason": "y"})
    api.refused("POST", "/api/counters/7/next", 409, "paused", "Nghỉ giải lao", headers=clerk)


@pytest.mark.parametrize("body, status, words", [
    ({"counter": "17"}, 400, ["counter", "integer"]),
    ({"counter": 99}, 400, ["no counter 99"]),
    ({"service": "KHONG.CO"}, 400, ["unknown service", "KHONG.CO"]),
    ({"service": 5}, 400, ["service", "string"]),
    ({"unit": "KHONG"}, 400, ["unknown unit", "KHONG"]),
    ({"counter": 17, "service": "TP.HTQT"}, 400, ["counter 17 does not serve", "TP.HTQT"]),
    ({}, 400, ["say where to transfer"]),
    ({"counter": 7}, 409, ["already here"]),
    ({"to": "TP.HTQT"}, 400, ["to", "unknown field"]),
])
def test_transfer_refuses_a_bad_target(api, clerk, kiosk, body, status, words):
    issue(api, kiosk)
    act(api, clerk, "next")
    api.refused("POST", "/api/counters/7/transfer", status, *words, headers=clerk, json=body)
    assert api.get("/api/counters/7").get_json()["ticket"]["state"] == "called"  # still here, still called


@pytest.mark.parametrize("action", ["next", "recall", "start", "finish", "no-show", "pause", "resume"])
def test_every_action_refuses_unknown_fields_and_non_objects(api, clerk, action):
    api.refused("POST", f"/api/counters/7/{action}", 400, "colour", "unknown field", headers=clerk,
                json={"colour": "red"})
    api.refused("POST", f"/api/counters/7/{action}", 400, "JSON object", headers=clerk, json=[action])
    api.refused("POST", f"/api/counters/7/{action}", 400, "not valid JSON", headers=clerk, data="{",
                content_type="application/json")


def test_where_a_counter_or_action_does_not_exist(api, clerk):
    api.refused("POST", "/api/counters/42/next", 404, "no counter 42", headers=clerk)
    out = api.refused("POST", "/api/counters/7/skip", 404, "unknown counter action 'skip'", "no-show", headers=clerk)
    assert out["error"] == "not_found"
    api.refused("GET", "/api/counters/7/next", 405, "method", headers=clerk)


# --- who may act ------------------------------------------------------------------------------------------
def test_only_the_counters_clerk_or_a_supervisor_acts(api, cfg, sign_in, kiosk):
    issue(api, kiosk)
    seven = sign_in(7)
    api.refused("POST", "/api/counters/8/next", 403, "signed in to counter 7, not counter 8", headers=seven)
    for who, name in [(kiosk, "kiosk 'kiosk-1'"), (auth(cfg.devices.displays[0].token), "display 'wall'"),
                      (pad_of(cfg, 7), "pad 'pad-07'")]:
        api.refused("POST", "/api/counters/7/next", 403, name, "may not", headers=who)
    api.refused("POST", "/api/counters/7/next", 401, "sign in", headers=auth("not-a-token"))
    api.refused("POST", "/api/counters/7/next", 401, "sign in")
    assert act(api, sign_in(role="supervisor"), "next")["counter"] == 7  # a supervisor steps in


def test_calls_follow_priority_within_the_ratio(api, clerk, kiosk, cfg):
    ratio = cfg.priorities.ratio
    plain = [issue(api, kiosk) for _ in range(2)]
    urgent = [issue(api, kiosk, priority="pregnant") for _ in range(ratio + 1)]
    called = []
    for _ in range(len(plain) + len(urgent)):
        called.append(act(api, clerk, "next")["id"])
        act(api, clerk, "finish")
    ids = [t["id"] for t in urgent[:ratio] + plain[:1] + urgent[ratio:] + plain[1:]]
    assert called == ids  # `ratio` priority tickets, then one who waited, first come first served inside each


# --- POST /api/ratings -------------------------------------------------------------------------------------
def finished_visit(api, clerk, kiosk, start=True) -> dict:
    ticket = issue(api, kiosk)
    act(api, clerk, "next")
    if start:
        act(api, clerk, "start")
    act(api, clerk, "finish")
    return ticket


def test_rating_refusals(api, cfg, clerk, kiosk, clock, sign_in):
    pad = pad_of(cfg, 7)
    api.refused("POST", "/api/ratings", 409, "counter 7 has no visit waiting for a rating", headers=pad,
                json={"value": 4})
    finished_visit(api, clerk, kiosk)
    api.refused("POST", "/api/ratings", 409, "counter 8 has no visit", headers=pad_of(cfg, 8),
                json={"value": 4, "visit_id": 1})  # counter 7's visit, from counter 8's pad
    api.refused("POST", "/api/ratings", 409, "not the one this counter just finished", headers=pad,
                json={"value": 4, "visit_id": 99})
    api.refused("POST", "/api/ratings", 400, "rating must be one of [1, 2, 3, 4]", headers=pad, json={"value": 9})
    api.refused("POST", "/api/ratings", 400, "value", "integer", headers=pad, json={"value": "4"})
    api.refused("POST", "/api/ratings", 400, "value", "integer", headers=pad, json={"value": True})
    api.refused("POST", "/api/ratings", 400, "criteria", "attitude", headers=pad,
                json={"value": 1, "criteria": ["rude"]})
    api.refused("POST", "/api/ratings", 400, "stars", "unknown field", headers=pad, json={"value": 4, "stars": 4})
    api.refused("POST", "/api/ratings", 403, "kiosk", "may not", headers=kiosk, json={"value": 4})
    api.refused("POST", "/api/ratings", 403, "clerk", "may not", headers=clerk, json={"value": 4})
    assert api.post("/api/ratings", json={"value": 4}, headers=pad).status_code == 201
    api.refused("POST", "/api/ratings", 409, "rated already", headers=pad, json={"value": 1})
    # the next visit's window closes: twice the pad's timeout after the finish
    finished_visit(api, clerk, kiosk)
    clock.advance(seconds=cfg.ratings.timeout_s * 2 + 1)
    api.refused("POST", "/api/ratings", 409, "no visit waiting", headers=pad, json={"value": 4})


def test_an_unserved_transfer_is_not_rated(api, cfg, clerk, kiosk):
    issue(api, kiosk)
    act(api, clerk, "next")
    act(api, clerk, "transfer", service="TP.HTQT")  # sent on before being served: nothing to rate
    api.refused("POST", "/api/ratings", 409, "no visit waiting", headers=pad_of(cfg, 7), json={"value": 4})
