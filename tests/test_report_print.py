"""The director's printable daily report as a PDF, the way a browser prints it (Chromium's print to PDF through
Playwright, read back with pdftotext): Vietnamese numbers (decimal comma), the national-motto header laid out as
Decree 30/2020/NĐ-CP lays it out, and the signature block on the same page as the last table. Also the number
formatting itself, the counter's-day timeline cut to the configured hours, and the links to the reports."""
from __future__ import annotations

import re
import shutil
import subprocess
import threading
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from conftest import OPEN_TIME, ROOT, need
from hall import accounts
from hall.app import create_app
from hall.clock import FixedClock
from hall.config import Hours
from hall.reports import numbers
from hall.reports.charts import sessions_on, timeline
from hall.reports.make import make_report
from test_report_day import play_day

DAY = "2026-11-26"
CHROMIUM = "/usr/bin/chromium"
OUT = ROOT / "out" / "screenshots" / "reports"


# --- numbers the Vietnamese way --------------------------------------------------------------
def test_numbers_have_a_decimal_comma_and_dots_between_thousands():
    assert numbers.number(1.4) == "1,4" and numbers.number(0) == "0,0" and numbers.number(12345.67) == "12.345,7"
    assert numbers.number(1234, 0) == "1.234" and numbers.number(None) == "—" and numbers.number(None, none="") == ""
    assert numbers.percent(0.5) == "50,0\u00a0%" and numbers.percent(None) == "—"
    assert numbers.minutes(84) == "1,4"


# --- a counter's day follows the configured hours ------------------------------------------------
TZ = timezone(timedelta(hours=7))
HOURS = Hours(days=["thu"], sessions=[{"name": "sáng", "start": "08:00", "end": "11:00"},
                                      {"name": "chiều", "start": "14:00", "end": "16:00"}])
THURSDAY = date(2026, 11, 26)


def at(hh: int, mm: int = 0) -> datetime:
    return datetime.combine(THURSDAY, time(hh, mm), tzinfo=TZ)


def ev(kind: str, when: datetime, visit_id=None):
    return SimpleNamespace(kind=kind, at=when.astimezone(timezone.utc), visit_id=visit_id)


EVENTS = [ev("signed_in", at(7, 45)), ev("called", at(8, 10), 1), ev("finished", at(8, 20), 1),
          ev("paused", at(10, 30)), ev("resumed", at(14, 15))]


def test_the_counters_day_is_open_only_inside_the_sessions_and_ends_with_the_last_one():
    sessions = sessions_on(HOURS, THURSDAY, TZ)
    assert sessions == [(at(8), at(11)), (at(14), at(16))]
    spans = timeline(EVENTS, TZ, sessions)
    assert spans["open"] == [(at(8), at(11)), (at(14), at(16))]   # not across lunch, not until 17:00
    assert spans["paused"] == [(at(10, 30), at(11)), (at(14), at(14, 15))]
    assert spans["visits"] == [(at(8, 10), at(8, 20), "done")]
    assert timeline(EVENTS, TZ, sessions, now=at(15))["open"][-1] == (at(14), at(15))  # today: until now


def test_on_a_day_off_the_counters_day_ends_with_its_last_event():
    assert sessions_on(HOURS, THURSDAY + timedelta(days=1), TZ) == []
    assert timeline(EVENTS, TZ, [])["open"] == [(at(7, 45), at(14, 15))]


# --- the printable daily report as a PDF ---------------------------------------------------------
@pytest.fixture(scope="module")
def played(cfg, tmp_path_factory):
    """An app with a played day and the director signed up."""
    app = create_app(cfg, config_path=str(ROOT / "config.yaml"), clock=FixedClock(OPEN_TIME), testing=True,
                     db_url=f"sqlite:///{tmp_path_factory.mktemp('print') / 'hall.db'}")
    hall = app.extensions["motcua.hall"]
    play_day(hall, hall.clock)
    accounts.add_user(hall, "giamdoc", "matkhau123", "supervisor", "Nguyễn Văn Giám")
    yield SimpleNamespace(hall=hall, app=app)
    hall.db.dispose()


@pytest.fixture(scope="module")
def served(played):
    """The played day served over HTTP on 127.0.0.1 (Werkzeug in a thread) for the browser."""
    server = make_server("127.0.0.1", 0, played.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", hall=played.hall, app=played.app)
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="module")
def pdf_pages(served, tmp_path_factory) -> list[str]:
    """The daily report printed to PDF by Chromium, as the text of each page (pdftotext -layout)."""
    if not Path(CHROMIUM).exists():
        need("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    if not shutil.which("pdftotext"):
        need("pdftotext", "apt-get install poppler-utils")
    from playwright.sync_api import sync_playwright
    pdf = tmp_path_factory.mktemp("pdf") / "daily.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = browser.new_context()
            login = context.request.post(f"{served.url}/api/login",
                                         data={"username": "giamdoc", "password": "matkhau123"})
            assert login.ok, login.text()
            page = context.new_page()
            page.goto(f"{served.url}/reports/daily?day={DAY}", wait_until="load", timeout=120_000)
            page.emulate_media(media="print")
            page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
        finally:
            browser.close()
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, OUT / "daily.pdf")
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.mark.browser
def test_the_pdf_writes_numbers_the_vietnamese_way(pdf_pages, served):
    text = "\n".join(pdf_pages)
    total = make_report(served.hall, DAY, DAY, "unit").total
    mean = numbers.minutes(total["wait"]["mean"])
    assert "," in mean and f"Thời gian chờ trung bình: {mean} phút" in text
    assert re.search(r"Tỷ lệ hài lòng: \d+,\d\s%", text), text[:3000]
    assert not re.search(r"\d\.\d\s*(phút|%)", text), "a decimal point where Vietnamese writes a comma"
    assert not re.search(r"\b\d+\.\d\b", text.split("PHỤ LỤC")[0]), "a decimal point in the tables"


@pytest.mark.browser
def test_the_pdf_has_the_national_motto_header_with_the_centre_on_the_left(pdf_pages, served):
    first = pdf_pages[0]
    lines = [line for line in first.splitlines() if line.strip()]
    nation = next(i for i, line in enumerate(lines) if "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line)
    assert nation <= 2, "the header opens the first page"
    assert "Độc lập - Tự do - Hạnh phúc" in "\n".join(lines[nation:nation + 3])
    centre = served.hall.cfg.centre.name.upper()
    left = " ".join(line.split("CỘNG HÒA")[0].split("Độc lập")[0].strip() for line in lines[:4])
    assert " ".join(centre.split()[:3]) in left, "the centre's name stands on the left, in capitals"
    assert lines[nation].index("CỘNG HÒA") > len(lines[nation]) // 3, "the motto stands on the right"
    assert "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ PHỤC VỤ NGÀY 26/11/2026" in first


@pytest.mark.browser
def test_the_signature_block_is_on_the_page_of_the_last_table(pdf_pages):
    signed = [i for i, page in enumerate(pdf_pages) if "NGƯỜI LẬP BÁO CÁO" in page]
    assert len(signed) == 1
    page = pdf_pages[signed[0]]
    assert "(Ký, ghi rõ họ tên)" in page
    last_total = max(i for i, p in enumerate(pdf_pages) if "Tổng cộng" in p)
    assert last_total == signed[0], f"the last table ends on page {last_total + 1}, the signature on {signed[0] + 1}"
    assert page.index("Tổng cộng") < page.index("NGƯỜI LẬP BÁO CÁO")
    assert page.rindex("Quầy") < page.index("NGƯỜI LẬP BÁO CÁO")


def test_the_reports_page_writes_numbers_the_vietnamese_way(played):
    client = played.app.test_client()
    assert client.post("/api/login", json={"username": "giamdoc", "password": "matkhau123"}).status_code == 200
    html = client.get(f"/reports/?from={DAY}&by=unit").get_data(as_text=True)
    cells = re.findall(r'<td class="n">([^<]*)</td>', html)
    assert any(re.fullmatch(r"\d+,\d", c) for c in cells) and not any(re.fullmatch(r"\d+\.\d", c) for c in cells)


def test_the_landing_and_supervisor_pages_link_to_the_reports(played):
    client = played.app.test_client()
    assert 'href="/reports/"' in client.get("/").get_data(as_text=True)
    assert client.post("/api/login", json={"username": "giamdoc", "password": "matkhau123"}).status_code == 200
    supervisor = client.get("/supervisor").get_data(as_text=True)
    assert 'href="/reports/"' in supervisor and "Báo cáo, thống kê" in supervisor
