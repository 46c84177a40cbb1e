"""The web pages in a real browser (Debian's Chromium driven by Playwright) against a real hall server.

Screenshots land in out/screenshots/web/ (1366×768 and a phone) for a person to look at.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, need, not_in_the_fast_ring

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "out" / "screenshots" / "web"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PASSWORD = "matkhau123"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        need("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    if not (ROOT / "hall" / "static" / "vendor" / "socket.io.min.js").exists():
        need("socket.io client", "hall/static/vendor/socket.io.min.js is missing: run `make js`")
    not_in_the_fast_ring("a browser", "browser")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def open_page(browser, live_server):
    """open_page(path, size=DESKTOP) → a page of a fresh browser context (its own cookies) at that path."""
    contexts = []

    def open_page(path: str, size=DESKTOP):
        ctx = browser.new_context(viewport=size, base_url=live_server.url, locale="vi-VN")
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)  # generous: a busy machine is slow, not wrong
        page.goto(path)
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()


def shot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(250)  # for the picture only: let the last toast/animation settle (nothing is asserted)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def panel_ready(page):
    """The counter panel has its counter's state from the server: its buttons are on (they start off, and a
    click before the snapshot would do nothing). Wait for this, not for #actions, which the page has at once."""
    page.wait_for_selector("#actions")
    page.wait_for_function("document.querySelectorAll('.act:not([disabled])').length > 0")


class Requests:
    """The page's requests to one API path: how many were sent and how many have had their answer."""

    def __init__(self, page, path: str):
        self.sent, self.done = [], []
        page.on("request", lambda r: path in r.url and self.sent.append(r))
        page.on("requestfinished", lambda r: path in r.url and self.done.append(r))
        page.on("requestfailed", lambda r: path in r.url and self.done.append(r))

    def settled(self, page, n: int, timeout: float = 30.0):
        """Wait until at least n requests were sent and every one sent has its answer."""
        deadline = time.monotonic() + timeout
        while not (len(self.sent) >= n and len(self.done) == len(self.sent)):
            assert time.monotonic() < deadline, f"{len(self.sent)} requests sent, {len(self.done)} answered"
            page.wait_for_timeout(20)  # the polling interval: Playwright delivers the page's events meanwhile


def issue(server, cfg, service: str, n: int = 1) -> list[dict]:
    kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
    out = []
    for _ in range(n):
        r = requests.post(f"{server.url}/api/tickets", json={"service": service}, headers=kiosk, timeout=30)
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


def bearer(login: dict) -> dict:
    return {"Authorization": f"Bearer {login['token']}"}


def ticket(server, token: str) -> dict:
    return requests.get(f"{server.url}/api/tickets/{token}", timeout=30).json()


def sign_in_page(page, username: str, counter=None):
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    if counter is not None:
        page.fill("input[name=counter]", str(counter))
    page.click("button[type=submit]")


# --- the clerk's counter panel -----------------------------------------------------------------------------
def test_clerk_signs_in_calls_next_and_finishes(live_server, open_page, cfg):
    first, second, third = issue(live_server, cfg, "KHDT.DT", 3)
    live_server.add_user("lan", "clerk")
    page = open_page("/counter")
    shot(page, "counter-signin-1366")
    sign_in_page(page, "lan", 3)
    panel_ready(page)
    page.wait_for_function("document.querySelector('#queues li[data-service=\"KHDT.DT\"] .count')?.textContent === '3'")
    assert page.is_disabled("[data-action=finish]") and page.is_enabled("[data-action=next]")

    page.click("[data-action=next]")
    page.wait_for_function(f"document.getElementById('ticket-number').textContent === '{first['number']}'")
    assert ticket(live_server, first["id"])["state"] == "called"
    page.wait_for_function("document.querySelector('#queues li[data-service=\"KHDT.DT\"] .count').textContent === '2'")
    page.wait_for_function("document.getElementById('timer').textContent !== '00:00'")  # the timer runs
    shot(page, "counter-called-1366")

    page.click("[data-action=start]")
    page.wait_for_function("document.getElementById('ticket-state').classList.contains('state-serving')")
    page.click("[data-action=finish]")
    page.wait_for_function("document.getElementById('ticket-number').textContent === '—'")
    assert ticket(live_server, first["id"])["state"] == "done"
    page.wait_for_function("document.getElementById('fig-served').textContent === '1'")

    # A double click calls once: the button is disabled while the request is in flight.
    calls = Requests(page, "/api/counters/3/next")
    page.dblclick("[data-action=next]")
    page.wait_for_function(f"document.getElementById('ticket-number').textContent === '{second['number']}'")
    calls.settled(page, 1)
    assert len(calls.sent) == 1
    assert ticket(live_server, second["id"])["state"] == "called"
    assert ticket(live_server, third["id"])["state"] == "waiting"
    assert page.is_hidden("#banner")
    shot(page, "counter-serving-1366")


def test_counter_panel_shows_server_errors(live_server, open_page, cfg):
    live_server.add_user("minh", "clerk")
    page = open_page("/counter")
    sign_in_page(page, "minh", 5)
    panel_ready(page)           # a click before the panel has its state did nothing: the dialog never opened
    page.click("[data-action=call]")
    page.wait_for_selector("#dlg-call[open]")
    page.fill("#dlg-call input[name=ticket]", "Z999")
    page.keyboard.press("Enter")
    page.wait_for_selector("#banner:not([hidden])")
    assert "Z999" in page.text_content("#banner")
    assert "404" in page.text_content("#banner")


def test_wrong_counter_is_refused(live_server, open_page):
    live_server.add_user("hoa", "clerk")
    page = open_page("/counter")
    sign_in_page(page, "hoa", 99)
    page.wait_for_selector("#signin-error:not([hidden])")
    assert "99" in page.text_content("#signin-error")
    assert page.query_selector("#actions") is None
    sign_in_page(page, "hoa", 4)  # the right counter still works
    page.wait_for_selector("#actions")


def test_keyboard_shortcuts(live_server, open_page, cfg):
    (t,) = issue(live_server, cfg, "TP.LLTP")
    live_server.add_user("tuan", "clerk")
    page = open_page("/counter")
    sign_in_page(page, "tuan", 7)
    panel_ready(page)
    page.wait_for_function("!document.querySelector('[data-action=next]').disabled")
    labels = {b.get_attribute("data-action"): b.text_content() for b in page.query_selector_all(".act")}
    assert all(f"{key}" in labels[a] for a, key in [("next", "N"), ("finish", "F"), ("pause", "P"), ("resume", "U")])

    def counter():
        return requests.get(f"{live_server.url}/api/counters/7", timeout=30).json()

    def press(key):
        """Press a shortcut once its button is on (keys are ignored while a request is in flight)."""
        page.wait_for_function(f"!document.querySelector('[data-key={key}]').disabled")
        page.keyboard.press(key)

    press("n")
    page.wait_for_function(f"document.getElementById('ticket-number').textContent === '{t['number']}'")
    press("r")
    press("s")
    page.wait_for_function("document.getElementById('ticket-state').classList.contains('state-serving')")
    assert counter()["ticket"]["state"] == "serving"
    press("f")
    page.wait_for_function("document.getElementById('ticket-number').textContent === '—'")
    assert ticket(live_server, t["id"])["state"] == "done"
    press("p")
    page.wait_for_selector("#dlg-pause[open]")
    page.keyboard.type("Họp giao ban")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('counter-state').classList.contains('state-paused')")
    assert counter()["pause_reason"] == "Họp giao ban"
    page.keyboard.press("n")  # next is off while paused: nothing happens
    press("u")
    page.wait_for_function("document.getElementById('counter-state').classList.contains('state-open')")
    assert counter()["state"] == "open"
    recalls = requests.get(f"{live_server.url}/api/state", headers=bearer(live_server.sign_in(role="supervisor")),
                           timeout=30).json()["recent_calls"]
    assert [c["recall"] for c in recalls if c["number"] == t["number"]] == [True, False]


# --- the web rating pad ------------------------------------------------------------------------------------
def test_pad_asks_accepts_one_rating_and_refuses_a_second(live_server, open_page, cfg):
    pad = next(p for p in cfg.devices.pads if p.counter == 3)
    clerk = bearer(live_server.sign_in(3))
    issue(live_server, cfg, "KHDT.DT", 2)
    page = open_page(f"/pad?token={pad.token}", {"width": 1280, "height": 800})
    page.wait_for_selector("#screen-idle:not([hidden])")
    page.wait_for_function("document.getElementById('conn').classList.contains('on')")
    shot(page, "pad-idle-tablet")

    def serve():
        for action in ("next", "start", "finish"):
            r = requests.post(f"{live_server.url}/api/counters/3/{action}", json={}, headers=clerk, timeout=30)
            assert r.status_code == 200, r.text

    serve()
    page.wait_for_selector("#screen-rate:not([hidden])")
    assert page.locator(".face").count() == len(cfg.ratings.levels)
    shot(page, "pad-rate-tablet")
    page.click(".face[data-value='4']")
    page.wait_for_selector("#screen-thanks:not([hidden])")
    assert "Cảm ơn Ông/Bà đã đánh giá!" in page.text_content("#screen-thanks")
    shot(page, "pad-thanks-tablet")

    second = page.evaluate("""async (token) => {
        const r = await fetch('/api/ratings', {method: 'POST', headers: {'Content-Type': 'application/json',
                              'Authorization': 'Bearer ' + token}, body: JSON.stringify({value: 1})});
        return [r.status, (await r.json()).message];
    }""", pad.token)
    assert second[0] == 409 and "rated already" in second[1]

    serve()  # a second visit: a low rating asks what went wrong
    page.wait_for_selector("#screen-rate:not([hidden])")
    page.click(".face[data-value='1']")
    page.wait_for_selector("#screen-criteria:not([hidden])")
    page.click(".criterion[data-code='time']")
    shot(page, "pad-criteria-tablet")
    page.click("#criteria-send")
    page.wait_for_selector("#screen-thanks:not([hidden])")
    today = requests.get(f"{live_server.url}/api/counters/3/today", headers=clerk, timeout=30).json()
    assert (today["ratings"], today["avg_rating"]) == (2, 2.5)


def test_pad_with_a_wrong_token_is_refused(open_page, cfg):
    page = open_page("/pad?token=not-a-pad-token")
    assert page.is_visible(".error")
    page = open_page(f"/pad?token={cfg.devices.kiosks[0].token}")  # a kiosk's token is not a pad's
    assert page.is_visible(".error")
    assert page.query_selector("#faces") is None


# --- the citizen's ticket page -----------------------------------------------------------------------------
def test_ticket_page_turns_to_your_turn(live_server, open_page, cfg):
    before, mine = issue(live_server, cfg, "TP.LLTP", 2)
    page = open_page(f"/t/{mine['id']}", PHONE)
    assert page.text_content("#number") == mine["number"]
    page.wait_for_function("document.getElementById('conn').classList.contains('on')")
    assert page.text_content("#ahead") == "1"
    assert page.text_content("#wait").startswith("khoảng ")
    assert page.is_hidden("#turn")
    shot(page, "ticket-waiting-phone")
    clerk = bearer(live_server.sign_in(7))
    requests.post(f"{live_server.url}/api/counters/7/next", json={}, headers=clerk, timeout=30).raise_for_status()
    page.wait_for_function("document.getElementById('ahead').textContent === '0'")
    requests.post(f"{live_server.url}/api/counters/7/no-show", json={}, headers=clerk, timeout=30).raise_for_status()
    requests.post(f"{live_server.url}/api/counters/7/next", json={}, headers=clerk, timeout=30).raise_for_status()
    page.wait_for_selector("#turn:not([hidden])")
    assert "Đến lượt Ông/Bà" in page.text_content("#turn")
    assert "Mời đến quầy 7" in page.text_content("#turn")
    shot(page, "ticket-your-turn-phone")
    page.set_viewport_size(DESKTOP)
    shot(page, "ticket-your-turn-1366")


def test_unknown_ticket_page(open_page):
    page = open_page("/t/not-a-ticket", PHONE)
    assert "Không tìm thấy số thứ tự" in page.text_content("h1")


# --- the supervisor ----------------------------------------------------------------------------------------
def test_supervisor_page_updates_live_and_acts(live_server, open_page, cfg):
    live_server.add_user("giamsat", "admin")
    issue(live_server, cfg, "KHDT.DT", 2)
    page = open_page("/supervisor")
    sign_in_page(page, "giamsat")
    page.wait_for_selector("#counters .ctr")
    page.wait_for_function("document.getElementById('conn').classList.contains('on')")
    assert page.text_content("#st-waiting") == "2"

    clerk = bearer(live_server.sign_in(3, username="an"))
    r = requests.post(f"{live_server.url}/api/counters/3/next", json={}, headers=clerk, timeout=30)
    called = r.json()["number"]
    tile = "#counters .ctr[data-counter='3']"
    page.wait_for_function(f"document.querySelector(\"{tile} .ctr-ticket\")?.textContent === '{called}'")
    assert "an" in page.text_content(f"{tile} .ctr-clerk")
    assert page.text_content("#st-waiting") == "1"
    assert called in page.text_content("#feed")

    page.fill("#announce input", "Chiều nay Trung tâm làm việc đến 17 giờ.")
    page.click("#announce button")
    page.wait_for_selector(".toast.ok")
    state = requests.get(f"{live_server.url}/api/state", headers=clerk, timeout=30).json()
    assert state["announcement"] == "Chiều nay Trung tâm làm việc đến 17 giờ."

    page.click("#units tr[data-unit='KHDT']")
    page.click("#units button.switch[data-service='KHDT.HTX']")
    page.wait_for_selector("#units button.switch.off[data-service='KHDT.HTX']")
    kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
    refused = requests.post(f"{live_server.url}/api/tickets", json={"service": "KHDT.HTX"}, headers=kiosk, timeout=30)
    assert refused.status_code == 409

    # a bad rating raises an alert
    for action in ("start", "finish"):
        requests.post(f"{live_server.url}/api/counters/3/{action}", json={}, headers=clerk, timeout=30).raise_for_status()
    pad = {"Authorization": f"Bearer {next(p for p in cfg.devices.pads if p.counter == 3).token}"}
    requests.post(f"{live_server.url}/api/ratings", json={"value": 1}, headers=pad, timeout=30).raise_for_status()
    page.wait_for_selector("#alerts li.rating")
    assert "Quầy 3" in page.text_content("#alerts li.rating")

    # a device fault shows up
    requests.post(f"{live_server.url}/api/devices/status", json={"fault": "paper_out", "message": "Hết giấy"},
                  headers=kiosk, timeout=30).raise_for_status()
    page.wait_for_function("document.getElementById('faults').textContent.includes('paper_out')")
    shot(page, "supervisor-1366")

    # sign the clerk out of counter 3 (to move them, they sign in elsewhere)
    page.wait_for_selector(f"{tile} .btn-danger")
    page.once("dialog", lambda d: d.accept())
    page.click(f"{tile} .btn-danger")
    page.wait_for_selector(f"{tile}.closed")

    # the admin manages users
    page.wait_for_selector("#users tr[data-user='an']")
    page.fill("#add-user input[name=username]", "mai")
    page.fill("#add-user input[name=full_name]", "Nguyễn Thị Mai")
    page.fill("#add-user input[name=password]", "matkhau-moi-1")
    page.click("#add-user button")
    page.wait_for_selector("#users tr[data-user='mai']")
    page.click("#users tr[data-user='an'] button")
    page.wait_for_function("document.querySelector(\"#users tr[data-user='an'] .badge\").classList.contains('state-closed')")
    assert requests.get(f"{live_server.url}/api/me", headers=clerk, timeout=30).status_code == 401

    phone = open_page("/supervisor", PHONE)
    sign_in_page(phone, "giamsat")
    phone.wait_for_selector("#counters .ctr")
    shot(phone, "supervisor-phone")


def test_supervisor_page_refuses_a_clerk(live_server, open_page):
    live_server.add_user("clerk9", "clerk")
    page = open_page("/counter")
    sign_in_page(page, "clerk9", 9)
    page.wait_for_selector("#actions")
    response = page.goto("/supervisor")
    assert response.status == 403
    assert page.query_selector("#counters") is None


# --- languages and the landing page ------------------------------------------------------------------------
def test_english_switch(live_server, open_page):
    page = open_page("/")
    assert "Bảng điều khiển quầy" in page.text_content(".tiles")
    shot(page, "home-1366")
    page.click(".lang a[data-lang='en']")
    page.wait_for_selector(".lang a[data-lang='en'].on")  # the English page has come (the URL was "/" before too)
    assert "Counter panel" in page.text_content(".tiles")
    assert "Lai Chau Provincial" in page.text_content("h1")
    shot(page, "home-en-1366")
    page.goto("/counter")  # the choice sticks for the session
    assert "Clerk sign-in" in page.text_content("h1")
    live_server.add_user("lan", "clerk")
    sign_in_page(page, "lan", 1)
    page.wait_for_selector("#actions")
    assert "Call next" in page.text_content("[data-action=next]")
    shot(page, "counter-en-1366")
    phone = open_page("/?lang=en", PHONE)
    assert "Supervision" in phone.text_content(".tiles")
    shot(phone, "home-en-phone")


def test_counter_panel_on_a_phone(live_server, open_page, cfg):
    issue(live_server, cfg, "TC.CS", 4)
    live_server.add_user("binh", "clerk")
    page = open_page("/counter", PHONE)
    sign_in_page(page, "binh", 5)
    panel_ready(page)
    # the panel has its snapshot (the four waiting show) before the clerk presses "next"
    page.wait_for_function("document.querySelector('#queues li[data-service=\"TC.CS\"] .count')?.textContent === '4'")
    page.click("[data-action=next]")
    page.wait_for_function("document.getElementById('ticket-number').textContent !== '—'")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    shot(page, "counter-phone")


def test_counter_panel_offers_what_the_server_allows(live_server, open_page, cfg):
    """The buttons are the counter's `actions` from the server: a paused counter may still finish the citizen in
    front of it (the panel used to keep its own copy of the rule, and refused)."""
    [first] = issue(live_server, cfg, "KHDT.DT")
    live_server.add_user("thu", "clerk")
    page = open_page("/counter")
    sign_in_page(page, "thu", 3)
    page.wait_for_selector("#actions")
    page.wait_for_function("document.getElementById('counter-state').classList.contains('state-open')")
    page.click("[data-action=next]")
    page.wait_for_function(f"document.getElementById('ticket-number').textContent === '{first['number']}'")
    page.click("[data-action=pause]")
    page.fill("#dlg-pause input[name=reason]", "Họp giao ban")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('counter-state').classList.contains('state-paused')")
    page.wait_for_function("!document.querySelector('[data-action=finish]').disabled")
    enabled = page.eval_on_selector_all(".act", "bs => bs.filter(b => !b.disabled).map(b => b.dataset.action)")
    assert enabled == ["recall", "start", "finish", "no-show", "transfer", "resume"]
    page.click("[data-action=finish]")
    page.wait_for_function("document.getElementById('ticket-number').textContent === '—'")
    assert ticket(live_server, first["id"])["state"] == "done"
    page.wait_for_function("document.querySelector('[data-action=next]').disabled")
    enabled = page.eval_on_selector_all(".act", "bs => bs.filter(b => !b.disabled).map(b => b.dataset.action)")
    assert enabled == ["resume"]
