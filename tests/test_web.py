"""The web pages without a browser: who may open what, the counter's figures for today, users on and off,
the languages (every string translated, the committed .mo matching its .po, every glyph drawable) and the docs."""
from __future__ import annotations

import re
import unicodedata

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from conftest import ROOT, service_at
from hall import accounts
from hall.fonts import find_font, missing_glyphs

WEB = ROOT / "hall" / "web"
PO = WEB / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def issue(client, kiosk, service, n=1):
    return [client.post("/api/tickets", json={"service": service}, headers=kiosk).get_json() for _ in range(n)]


# --- pages --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, vi, en", [
    ("/", "Bảng điều khiển quầy", "Counter panel"),
    ("/counter", "Cán bộ đăng nhập quầy", "Clerk sign-in"),
    ("/supervisor", "Đăng nhập giám sát", "Supervisor sign-in"),
    ("/pad", "Kết nối máy đánh giá", "Connect a rating pad"),
])
def test_pages_in_vietnamese_and_english(client, path, vi, en):
    page = client.get(path)
    assert page.status_code == 200 and vi in page.text and 'lang="vi"' in page.text
    english = client.get(path + "?lang=en")
    assert en in english.text and vi not in english.text and 'lang="en"' in english.text


def test_language_switch_sticks_and_refuses_other_sites(client):
    r = client.get("/lang/en?next=/counter")
    assert r.status_code == 302 and r.headers["Location"].endswith("/counter")
    assert "Clerk sign-in" in client.get("/counter").text
    assert client.get("/lang/en?next=http://example.com/x").headers["Location"] in ("/", "http://localhost/")
    assert client.get("/lang/fr").status_code == 404


def test_counter_panel_of_a_signed_in_clerk_carries_their_counter(client, hall):
    accounts.add_user(hall, "lan", "matkhau123", "clerk", "Lò Thị Lan")
    assert client.post("/api/login", json={"username": "lan", "password": "matkhau123", "counter": 3}).status_code == 200
    page = client.get("/counter").text
    assert 'data-action="next"' in page and "<kbd>N</kbd>" in page and "Lò Thị Lan" in page
    assert '"counter": 3' in page


def test_ticket_page_by_its_token_only(client, kiosk):
    (t,) = issue(client, kiosk, "TP.LLTP")
    page = client.get(f"/t/{t['id']}")
    assert page.status_code == 200 and t["number"] in page.text and "Lý lịch tư pháp" in page.text
    missing = client.get("/t/1")  # a sequential id is not a token
    assert missing.status_code == 404 and "Không tìm thấy số thứ tự" in missing.text
    assert "Criminal record" in client.get(f"/t/{t['id']}?lang=en").text


def test_pad_page_needs_a_pad_token(client, cfg):
    pad = cfg.devices.pads[2]
    page = client.get(f"/pad?token={pad.token}")
    assert page.status_code == 200 and "Quầy 3" in page.text and "Rất hài lòng" in page.text
    assert client.get("/pad?token=wrong").status_code == 403
    assert client.get(f"/pad?token={cfg.devices.kiosks[0].token}").status_code == 403
    assert client.get(f"/pad?token={cfg.devices.displays[0].token}").status_code == 403


def test_supervisor_page_refuses_clerks(client, hall):
    accounts.add_user(hall, "lan", "matkhau123", "clerk")
    client.post("/api/login", json={"username": "lan", "password": "matkhau123", "counter": 3})
    page = client.get("/supervisor")
    assert page.status_code == 403 and "Không có quyền truy cập" in page.text
    accounts.add_user(hall, "sep", "matkhau123", "supervisor")
    client.post("/api/login", json={"username": "sep", "password": "matkhau123"})
    page = client.get("/supervisor")
    assert page.status_code == 200 and 'id="counters"' in page.text
    assert 'id="users-card"' not in page.text  # managing users is for admins


def test_vendor_client_missing_says_how_to_install(client, monkeypatch, tmp_path):
    import hall.web as web
    monkeypatch.setattr(web, "VENDOR", tmp_path)
    r = client.get("/web/vendor/socket.io.min.js")
    assert r.status_code == 404 and b"make js" in r.data


# --- GET /api/counters/<n>/today ----------------------------------------------------------------------------
def test_counter_figures_for_today(client, kiosk, sign_in, clock, cfg):
    service = service_at(cfg, 3)
    issue(client, kiosk, service, 4)
    lan = sign_in(3, username="lan")
    for minutes in (4, 6):
        client.post("/api/counters/3/next", headers=lan)
        client.post("/api/counters/3/start", headers=lan)
        clock.advance(minutes=minutes)
        client.post("/api/counters/3/finish", json={}, headers=lan)
    client.post("/api/counters/3/next", headers=lan)
    client.post("/api/counters/3/no-show", headers=lan)
    client.post("/api/counters/3/next", headers=lan)
    client.post("/api/counters/3/transfer", json={"counter": 2}, headers=lan)
    f = client.get("/api/counters/3/today", headers=lan).get_json()
    assert (f["called"], f["served"], f["no_show"], f["transferred"]) == (4, 2, 1, 1)
    assert f["avg_service_s"] == 300 and f["clerk"] == "lan" and f["day"] == "2026-11-26"

    # another clerk at the same counter has their own figures; a supervisor sees the counter's
    client.post("/api/logout", headers=lan)
    binh = sign_in(3, username="binh")
    assert client.get("/api/counters/3/today", headers=binh).get_json()["called"] == 0
    assert client.get("/api/counters/3/today", headers=sign_in(role="supervisor")).get_json()["called"] == 4

    # yesterday's work is not today's
    clock.advance(days=1)
    assert client.get("/api/counters/3/today", headers=sign_in(role="supervisor")).get_json()["called"] == 0


def test_counter_figures_are_a_clerks_own_counter_only(client, sign_in):
    lan = sign_in(3, username="lan")
    r = client.get("/api/counters/4/today", headers=lan)
    assert r.status_code == 403 and "counter 3" in r.get_json()["message"]
    assert client.get("/api/counters/99/today", headers=lan).status_code == 404
    assert client.get("/api/counters/3/today").status_code == 401


# --- POST /api/users/<username>/active ----------------------------------------------------------------------
def test_admin_disables_and_enables_a_user(client, sign_in, hall):
    admin = sign_in(role="admin", username="quantri")
    lan = sign_in(3, username="lan")
    assert client.get("/api/me", headers=lan).status_code == 200
    r = client.post("/api/users/lan/active", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.get_json() == {"username": "lan", "active": False}
    assert client.get("/api/me", headers=lan).status_code == 401
    assert client.post("/api/login", json={"username": "lan", "password": "matkhau123", "counter": 4}).status_code == 401
    client.post("/api/users/lan/active", json={"active": True}, headers=admin)
    assert client.post("/api/login", json={"username": "lan", "password": "matkhau123", "counter": 4}).status_code == 200


def test_user_switch_refuses_bad_requests(client, sign_in):
    admin = sign_in(role="admin", username="quantri")
    assert client.post("/api/users/quantri/active", json={"active": False}, headers=admin).status_code == 400
    r = client.post("/api/users/nobody/active", json={"active": False}, headers=admin)
    assert r.status_code == 400 and "nobody" in r.get_json()["message"]
    r = client.post("/api/users/quantri/active", json={"active": "no"}, headers=admin)
    assert r.status_code == 400 and r.get_json()["error"] == "invalid"
    sup = sign_in(role="supervisor")
    assert client.post("/api/users/quantri/active", json={"active": False}, headers=sup).status_code == 403


# --- languages ------------------------------------------------------------------------------------------------
def catalog():
    with open(PO, "rb") as f:
        return read_po(f, locale="en")


def source_strings() -> set[str]:
    method_map = [("hall/web/**.py", "python"), ("hall/web/templates/**.html", "jinja2")]
    return {m[2] if isinstance(m[2], str) else m[2][0]
            for m in extract_from_dir(str(ROOT), method_map, options_map={"hall/web/templates/**.html": {}})}


def test_every_string_of_the_pages_is_translated():
    translated = {m.id: m.string for m in catalog() if m.id}
    strings = source_strings()
    assert strings, "no strings found: is babel.cfg's layout still right?"
    assert not (strings - translated.keys()), "run pybabel extract + update (docs/web.md)"
    assert not [k for k in strings if not translated[k]], "untranslated strings in messages.po"
    for vi, en in translated.items():  # placeholders survive translation
        assert set(re.findall(r"\{\w+\}|%\(\w+\)s", vi)) == set(re.findall(r"\{\w+\}|%\(\w+\)s", en)), vi


def test_committed_mo_matches_its_po():
    """The compiled catalogue the server reads says what the .po says (compared message by message: the .mo's
    header names the Babel version that wrote it, which is no business of this test)."""
    with (PO.with_suffix(".mo")).open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    written = {m.id: m.string for m in catalog() if m.id and m.string and not m.fuzzy}
    assert compiled == written, "run pybabel compile -d hall/web/translations"


def test_vietnamese_text_is_nfc_and_every_glyph_draws():
    font = find_font()
    texts = list(source_strings())
    for path in (WEB / "templates").glob("*.html"):
        texts.append(path.read_text(encoding="utf-8"))
    for text in texts:
        assert unicodedata.normalize("NFC", text) == text
    letters = "".join(ch for ch in "".join(source_strings()) if ord(ch) > 127)
    assert not missing_glyphs(letters, font)


# --- docs ----------------------------------------------------------------------------------------------------
def test_docs_name_every_page_shortcut_and_route():
    doc = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    template = (WEB / "templates" / "counter.html").read_text(encoding="utf-8")
    for action, key in re.findall(r'data-action="([\w-]+)" data-key="(\w)"', template):
        assert re.search(rf"\|\s*{key.upper()}\s*\|.*{action}", doc, re.I), f"shortcut {key} ({action}) undocumented"
    for rule in ("/counter", "/pad", "/t/<token>", "/supervisor", "/lang/<code>", "/api/counters/<n>/today",
                 "/api/users/<username>/active", "npm ci", "pybabel compile"):
        assert rule in doc, f"{rule} is not in docs/web.md"
