"""Hostile input (issue 10, point 4), table-driven on SQLite and on PostgreSQL: every bad request gets a 4xx JSON
answer naming the problem — in the client's language — and writes nothing; no input yields a 5xx. Text is kept in
NFC, passwords too."""
from __future__ import annotations

import json
import unicodedata

import pytest
from babel.messages.extract import extract_python
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from api_checks import auth
from conftest import ROOT
from each_database import app, db_url  # noqa: F401 — every test here runs on SQLite and PostgreSQL
from hall.text import TextError, clean, flaw, nfc

NFD_NAME = unicodedata.normalize("NFD", "Nguyễn Thị Lân")
DEEP = "[" * 1000 + "]" * 1000


def nested(n: int, key: str = "text") -> str:
    return json.dumps({key: "x"})[:-5] + "[" * n + '"x"' + "]" * n + "}"


@pytest.fixture
def who(hall, cfg, kiosk, sign_in, api):
    """Headers by name; one ticket waiting and one called at counter 7."""
    heads = {"none": {}, "kiosk": kiosk, "clerk": sign_in(7), "boss": sign_in(role="supervisor"),
             "admin": sign_in(role="admin"), "pad": auth(next(p.token for p in cfg.devices.pads if p.counter == 7)),
             "display": auth(cfg.devices.displays[0].token)}
    for _ in range(2):
        assert api.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk).status_code == 201
    assert api.post("/api/counters/7/next", headers=heads["clerk"]).status_code == 200
    return heads


RAW = "application/json"
LONG = "x" * 10_000
# (what, method, url, as whom, request keywords, status, words the message holds)
CASES = [
    # nesting: Python's json recursion (a 500 before), also before any sign-in
    ("1,000 deep, signing in", "POST", "/api/login", "none", dict(data=DEEP, content_type=RAW), 400, ["nested"]),
    ("1,000 deep, a ticket", "POST", "/api/tickets", "kiosk", dict(data=DEEP, content_type=RAW), 400, ["nested"]),
    ("50 deep in a field", "POST", "/api/announcement", "boss", dict(data=nested(50), content_type=RAW), 400,
     ["nested"]),
    ("100,000 deep", "POST", "/api/devices/status", "kiosk",
     dict(data="[" * 60_000, content_type=RAW), 400, ["nested"]),
    # size: of the body, and of every text field (a varchar overflow on PostgreSQL before)
    ("a 10 MB pause reason", "POST", "/api/counters/7/pause", "clerk",
     dict(json={"reason": "x" * 10_000_000}), 413, ["64 KB"]),
    ("a 100 KB fault message", "POST", "/api/devices/status", "kiosk",
     dict(json={"fault": "paper_out", "message": "x" * 100_000}), 413, ["64 KB"]),
    ("a long announcement", "POST", "/api/announcement", "boss", dict(json={"text": "x" * 501}), 400,
     ["text", "at most 500"]),
    ("a long pause reason", "POST", "/api/counters/7/pause", "clerk", dict(json={"reason": LONG}), 400,
     ["reason", "at most 200"]),
    ("a long fault message", "POST", "/api/devices/status", "kiosk",
     dict(json={"fault": "paper_out", "message": LONG}), 400, ["message"]),
    ("a long fault code", "POST", "/api/devices/status", "kiosk", dict(json={"fault": "f" * 33}), 400, ["fault"]),
    ("a long user name", "POST", "/api/users", "admin",
     dict(json={"username": "u" * 65, "password": "matkhau123", "role": "clerk"}), 400, ["username", "at most 64"]),
    ("a long full name", "POST", "/api/users", "admin",
     dict(json={"username": "lan", "password": "matkhau123", "role": "clerk", "full_name": LONG}), 400,
     ["full_name"]),
    ("a long password", "POST", "/api/users", "admin",
     dict(json={"username": "lan", "password": LONG, "role": "clerk"}), 400, ["password"]),
    ("a long sign-in name", "POST", "/api/login", "none", dict(json={"username": LONG, "password": "x"}), 400,
     ["username"]),
    ("a long cancel reason", "POST", "/api/tickets/{waiting}/cancel", "clerk", dict(json={"reason": LONG}), 400,
     ["reason"]),
    ("a long finish note", "POST", "/api/counters/7/finish", "clerk", dict(json={"note": LONG}), 400, ["note"]),
    ("a long transfer note", "POST", "/api/counters/7/transfer", "clerk",
     dict(json={"service": "TP.HTQT", "note": LONG}), 400, ["note"]),
    ("a long service code", "POST", "/api/tickets", "kiosk", dict(json={"service": LONG}), 400, ["service"]),
    ("many criteria", "POST", "/api/ratings", "pad", dict(json={"value": 1, "criteria": ["slow"] * 21}), 400,
     ["criteria", "at most 20"]),
    ("a 20-digit visit id", "POST", "/api/ratings", "pad", dict(json={"value": 4, "visit_id": 10**20}), 400,
     ["visit_id", "out of range"]),
    ("a 20-digit counter", "POST", "/api/login", "none",
     dict(json={"username": "clerk7", "password": "matkhau123", "counter": 10**20}), 400, ["counter"]),
    # NUL (a 500 on PostgreSQL before) and lone surrogates (a 500 everywhere), in every kind of field
    ("NUL in a sign-in name", "POST", "/api/login", "none", dict(json={"username": "lan\x00", "password": "x"}), 400,
     ["username", "NUL"]),
    ("NUL in a password", "POST", "/api/login", "none", dict(json={"username": "lan", "password": "\x00"}), 400,
     ["password", "NUL"]),
    ("NUL in a new user", "POST", "/api/users", "admin",
     dict(json={"username": "lan", "password": "matkhau123", "role": "clerk", "full_name": "L\x00n"}), 400,
     ["full_name", "NUL"]),
    ("NUL in an announcement", "POST", "/api/announcement", "boss", dict(json={"text": "a\x00"}), 400, ["NUL"]),
    ("NUL in a pause reason", "POST", "/api/counters/7/pause", "clerk", dict(json={"reason": "\x00"}), 400, ["NUL"]),
    ("NUL in a finish note", "POST", "/api/counters/7/finish", "clerk", dict(json={"note": "\x00"}), 400, ["NUL"]),
    ("NUL in a cancel reason", "POST", "/api/tickets/{waiting}/cancel", "clerk", dict(json={"reason": "\x00"}), 400,
     ["NUL"]),
    ("NUL in a service", "POST", "/api/tickets", "kiosk", dict(json={"service": "TP.LLTP\x00"}), 400, ["NUL"]),
    ("NUL in a priority", "POST", "/api/tickets", "kiosk", dict(json={"service": "TP.LLTP", "priority": "\x00"}), 400,
     ["NUL"]),
    ("NUL in a fault", "POST", "/api/devices/status", "kiosk", dict(json={"fault": "x\x00", "message": "\x00"}), 400,
     ["NUL"]),
    ("NUL in a ticket to call", "POST", "/api/counters/8/call", "admin", dict(json={"ticket": "\x00"}), 400,
     ["NUL"]),
    ("NUL in a transfer", "POST", "/api/counters/7/transfer", "clerk", dict(json={"service": "TP\x00"}), 400,
     ["NUL"]),
    ("NUL in a reprint", "POST", "/api/kiosks/kiosk-1/reprint", "boss", dict(json={"ticket": "\x00"}), 400, ["NUL"]),
    ("NUL in a criterion", "POST", "/api/ratings", "pad", dict(json={"value": 1, "criteria": ["\x00"]}), 400,
     ["NUL"]),
    ("a surrogate in an announcement", "POST", "/api/announcement", "boss",
     dict(data='{"text": "\\ud800"}', content_type=RAW), 400, ["surrogate"]),
    ("a surrogate in a sign-in", "POST", "/api/login", "none",
     dict(data='{"username": "\\udfff", "password": "x"}', content_type=RAW), 400, ["surrogate"]),
    ("a surrogate in a new user", "POST", "/api/users", "admin",
     dict(data='{"username": "lan", "password": "matkhau123", "role": "clerk", "full_name": "\\ud83d"}',
          content_type=RAW), 400, ["surrogate"]),
    ("a surrogate in a fault", "POST", "/api/devices/status", "display",
     dict(data='{"fault": "hdmi", "message": "\\udc00"}', content_type=RAW), 400, ["surrogate"]),
    ("a surrogate as a key", "POST", "/api/tickets", "kiosk",
     dict(data='{"service": "TP.LLTP", "\\ud800": 1}', content_type=RAW), 400, ["field name", "surrogate"]),
    ("a surrogate in a pause", "POST", "/api/counters/7/pause", "clerk",
     dict(data='{"reason": "\\ud800"}', content_type=RAW), 400, ["surrogate"]),
    ("a surrogate in UTF-8", "POST", "/api/announcement", "boss",
     dict(data=b'{"text": "\xed\xa0\x80"}', content_type=RAW), 400, ["surrogate"]),
    ("not UTF-8", "POST", "/api/announcement", "boss", dict(data=b'{"text": "\xff"}', content_type=RAW), 400,
     ["not valid JSON"]),
    # NUL in the address (a 500 on PostgreSQL before)
    ("NUL in a ticket's address", "GET", "/api/tickets/abc%00def", "none", {}, 400, ["NUL"]),
    ("NUL in a cancel's address", "POST", "/api/tickets/abc%00/cancel", "clerk", dict(json={}), 400, ["NUL"]),
    ("NUL in a return's address", "POST", "/api/tickets/abc%00/return", "clerk", {}, 400, ["NUL"]),
    ("NUL in a service's address", "POST", "/api/services/TP%00/open", "boss", dict(json={"open": False}), 400,
     ["NUL"]),
    ("NUL in a user's address", "POST", "/api/users/lan%00/active", "admin", dict(json={"active": False}), 400,
     ["NUL"]),
    ("NUL in a kiosk's address", "POST", "/api/kiosks/k%00/reprint", "boss", dict(json={}), 400, ["NUL"]),
    ("NUL in a query", "GET", "/api/procedures?q=a%00b", "none", {}, 400, ["NUL"]),
    ("NUL in a query's name", "GET", "/api/services?%00=1", "none", {}, 400, ["NUL"]),
    ("NUL in an unknown address", "GET", "/api/khong%00co", "none", {}, 400, ["NUL"]),
    ("NUL in a token", "GET", "/api/me", "none", dict(headers={"Authorization": "Bearer ab\x00cd"}), 400,
     ["Authorization"]),
    ("a 10 KB token", "GET", "/api/me", "none", dict(headers={"Authorization": "Bearer " + LONG}), 400,
     ["Authorization"]),
    ("a non-ASCII token", "GET", "/api/state", "none", dict(headers={"Authorization": "Bearer lân"}), 400,
     ["Authorization"]),
    # the rest of the usual suspects
    ("a long ticket address", "GET", "/api/tickets/" + "a" * 5000, "none", {}, 404, ["no such ticket"]),
    ("a 20-digit counter address", "POST", "/api/counters/99999999999999999999/next", "admin", {}, 404, []),
    ("a wrong method", "GET", "/api/counters/7/next", "clerk", {}, 405, ["method"]),
    ("an unknown route", "DELETE", "/api/tickets", "kiosk", {}, 405, []),
    ("a form", "POST", "/api/tickets", "kiosk", dict(data={"service": "TP.LLTP"}), 400, ["application/json"]),
    ("a list", "POST", "/api/announcement", "boss", dict(json=["x"]), 400, ["JSON object"]),
    ("a float for an int", "POST", "/api/ratings", "pad", dict(json={"value": 4.5}), 400, ["value"]),
    ("NaN", "POST", "/api/ratings", "pad", dict(data='{"value": NaN}', content_type=RAW), 400, ["value"]),
]


def test_hostile_input_is_refused_and_writes_nothing(api, hall, who):
    waiting = _waiting_ticket(hall)
    failures = []
    for what, method, url, as_whom, kw, status, words in CASES:
        kw = dict(kw)
        headers = {**who[as_whom], **kw.pop("headers", {})}
        try:
            api.refused(method, url.format(waiting=waiting), status, *words, headers=headers, **kw)
        except AssertionError as exc:
            failures.append(f"{what}: {exc}")
    assert not failures, f"{len(failures)} of {len(CASES)} hostile inputs got through:\n" + "\n".join(failures)


def _waiting_ticket(hall) -> str:
    from sqlalchemy import select
    from hall.db import tables
    with hall.db.reader.connect() as conn:
        return conn.execute(select(tables.tickets.c.token).where(tables.tickets.c.state == "waiting")).scalar()


def test_a_405_names_the_methods_it_takes(api, who):
    r = api.get("/api/counters/7/next", headers=who["clerk"])
    assert r.status_code == 405 and r.headers["Allow"].replace(" ", "").split(",").count("POST") == 1
    r = api.delete("/api/users", headers=who["admin"])
    assert r.status_code == 405 and set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_a_page_address_with_nul_is_a_400(client):
    assert client.get("/t/abc%00def").status_code == 400
    assert client.get("/pad?token=%00").status_code == 400


# --- the client's language ----------------------------------------------------------------------------------
@pytest.mark.parametrize("headers, query, words", [
    ({}, "", ["nested more than 8 deep"]),
    ({"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}, "", ["lồng nhau quá 8 cấp"]),
    ({"Accept-Language": "vi"}, "?lang=en", ["nested more than 8 deep"]),
    ({"Accept-Language": "fr"}, "?lang=vi", ["lồng nhau quá 8 cấp"]),
])
def test_refusals_in_the_clients_language(api, who, headers, query, words):
    api.refused("POST", "/api/tickets" + query, 400, *words, headers={**who["kiosk"], **headers}, data=DEEP,
                content_type=RAW)


def test_field_errors_in_vietnamese(api, who):
    out = api.refused("POST", "/api/users", 400, "tối đa 64 ký tự", "trường không xác định",
                      headers={**who["admin"], "Accept-Language": "vi"},
                      json={"username": "u" * 65, "password": "matkhau123", "role": "clerk", "colour": "red"})
    assert {e["field"] for e in out["errors"]} == {"username", "colour"}


def test_the_vietnamese_catalogue_is_complete_and_compiled():
    folder = ROOT / "hall" / "web" / "translations"
    with open(folder / "vi" / "LC_MESSAGES" / "api.po", "rb") as f:
        written = {m.id: m.string for m in read_po(f, locale="vi") if m.id}
    with open(folder / "vi" / "LC_MESSAGES" / "api.mo", "rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    with open(folder / "api.pot", "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with open(ROOT / "hall" / "api" / "guards.py", "rb") as f:
        source = {m[2][0] if isinstance(m[2], tuple) else m[2] for m in extract_python(f, ["_"], [], {})}
    assert source == wanted == set(written) and all(written.values()), "pybabel extract/update -D api (docs/web.md)"
    assert compiled == written, "run pybabel compile -D api -d hall/web/translations"
    assert all(unicodedata.is_normalized("NFC", s) for s in written.values())


# --- NFC ------------------------------------------------------------------------------------------------------
def test_text_arrives_in_nfc_passwords_too(api, hall, who):
    nfd_password = unicodedata.normalize("NFD", "mật khẩu dài")
    r = api.post("/api/users", headers=who["admin"], json={
        "username": unicodedata.normalize("NFD", "lân"), "password": nfd_password, "role": "supervisor",
        "full_name": NFD_NAME})
    assert r.status_code == 201, r.get_json()
    user = next(u for u in api.get("/api/users", headers=who["admin"]).get_json() if u["username"] == "lân")
    assert user["full_name"] == "Nguyễn Thị Lân"
    for name, password in (("lân", "mật khẩu dài"), (unicodedata.normalize("NFD", "lân"), nfd_password)):
        r = api.post("/api/login", json={"username": name, "password": password})
        assert r.status_code == 200, r.get_json()
    boss = auth(r.get_json()["token"])
    assert api.post("/api/announcement", headers=boss, json={"text": NFD_NAME}).get_json()["announcement"] \
        == "Nguyễn Thị Lân"
    assert api.post("/api/counters/7/pause", headers=who["clerk"], json={"reason": NFD_NAME}).status_code == 200
    with hall.db.reader.connect() as conn:
        from sqlalchemy import select
        from hall.db import tables
        assert conn.execute(select(tables.counters.c.pause_reason).where(tables.counters.c.number == 7)).scalar() \
            == "Nguyễn Thị Lân"


def test_one_text_module():
    assert nfc(NFD_NAME) == "Nguyễn Thị Lân" and clean(" " + NFD_NAME + " ", strip=True) == "Nguyễn Thị Lân"
    assert flaw("a\x00") == "nul" and flaw("\udfff") == "surrogate" and flaw("Lân") is None
    with pytest.raises(TextError):
        clean("\ud800")
    offenders = []
    for folder in ("hall", "kiosk", "display", "drivers"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if path.name != "text.py" and ('normalize("NFC"' in source or "def nfc" in source):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"normalise through hall.text.nfc: {offenders}"


def test_every_text_field_of_every_body_is_bounded(api):
    """The OpenAPI document shows each body's fields: every text field has a maxLength, a list a maxItems."""
    unbounded = []
    for path, ops in api.get("/api/openapi.json").get_json()["paths"].items():
        for method, op in ops.items():
            schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            for name, prop in schema.get("properties", {}).items():
                for alt in prop.get("anyOf", [prop]):
                    if alt.get("type") == "string" and "maxLength" not in alt \
                            or alt.get("type") == "array" and "maxItems" not in alt:
                        unbounded.append(f"{method} {path} {name}")
    assert not unbounded


# --- a clerk at another counter; a spreadsheet that runs names (points 8 and 4) ----------------------------------
def _called_ticket(hall) -> str:
    from sqlalchemy import select
    from hall.db import tables
    with hall.db.reader.connect() as conn:
        return conn.execute(select(tables.tickets.c.token).where(tables.tickets.c.state == "called")).scalar()


def test_a_ticket_in_service_is_cancelled_by_its_counter_or_a_supervisor(api, hall, who, sign_in, kiosk):
    called, waiting = _called_ticket(hall), _waiting_ticket(hall)
    other = sign_in(8)
    api.refused("POST", f"/api/tickets/{called}/cancel", 403, "counter 7", headers=other, json={})
    assert api.post(f"/api/tickets/{waiting}/cancel", headers=other, json={}).status_code == 200  # still waiting
    assert api.post(f"/api/tickets/{called}/cancel", headers=who["clerk"], json={}).status_code == 200
    assert api.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk).status_code == 201
    assert api.post("/api/counters/7/next", headers=who["clerk"]).status_code == 200
    again = _called_ticket(hall)
    api.post("/api/counters/7/start", headers=who["clerk"])
    api.refused("POST", f"/api/tickets/{again}/cancel", 403, "counter 7", headers=other, json={})
    assert api.post(f"/api/tickets/{again}/cancel", headers=who["boss"], json={}).get_json()["state"] == "cancelled"


def _report(cfg, label: str):
    from datetime import date
    from hall.reports.figures import Report
    row = {"key": "x", "label": label, "issued": 3, "served": 2}
    return Report("clerk", date(2026, 11, 26), date(2026, 11, 26), [row], {**row, "label": "Tổng cộng / Total"},
                  [], [], [])


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","Lân")', "+1+cmd|' /C calc'!A0", "-2+3",
                                  "@SUM(A1:A9)", "\t=1+1", "\r=1+1"])
def test_exports_never_run_a_name_as_a_formula(cfg, name):
    import csv
    import io
    from openpyxl import load_workbook
    from hall.reports.export import to_csv, to_xlsx
    report = _report(cfg, name)
    table = list(csv.reader(io.StringIO(to_csv(report, cfg).decode("utf-8-sig"))))
    assert table[1][0] == "'" + name and table[1][1] == "3"
    cell = load_workbook(io.BytesIO(to_xlsx(report, cfg))).active.cell(row=5, column=1)
    assert cell.data_type == "s" and cell.value.strip() == name.strip() and cell.quotePrefix  # XML reads CR as LF
    plain = load_workbook(io.BytesIO(to_xlsx(_report(cfg, "Nguyễn Thị Lân"), cfg))).active.cell(row=5, column=1)
    assert plain.value == "Nguyễn Thị Lân" and not plain.quotePrefix
