"""The reports page, exports (the XLSX opened and its cells checked), charts, the printable daily report and
`motcua report` — on a played day, signed in as a supervisor."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import OPEN_TIME, ROOT
from hall import accounts
from hall.app import create_app
from hall.clock import FixedClock
from hall.fonts import find_font, missing_glyphs
from hall.reports.make import make_report
from test_report_day import play_day

DAY = "2026-11-26"
OUT = ROOT / "out" / "screenshots" / "reports"


@pytest.fixture(scope="module")
def app(cfg, tmp_path_factory):
    """One app and one played day for the module (conftest's hall, client and sign_in build on it)."""
    app = create_app(cfg, config_path=str(ROOT / "config.yaml"), clock=FixedClock(OPEN_TIME), testing=True,
                     db_url=f"sqlite:///{tmp_path_factory.mktemp('pages') / 'hall.db'}")
    hall = app.extensions["motcua.hall"]
    play_day(hall, hall.clock, afternoon=False)
    accounts.add_user(hall, "giamdoc", "matkhau123", "supervisor", "Nguyễn Văn Giám")
    yield app
    hall.db.dispose()


@pytest.fixture
def day(hall):
    return hall


@pytest.fixture
def boss(day, client):
    r = client.post("/api/login", json={"username": "giamdoc", "password": "matkhau123"})
    assert r.status_code == 200
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


def test_reports_need_a_supervisor_or_admin(day, client, sign_in):
    r = client.get(f"/reports/?from={DAY}")
    assert r.status_code == 401 and "Đăng nhập" in r.get_data(as_text=True)
    r = client.get(f"/reports/?from={DAY}", headers=sign_in(3))
    assert r.status_code == 403
    assert client.get(f"/reports/export.csv?from={DAY}", headers=sign_in(3)).status_code == 403


def test_the_page_shows_the_figures_in_both_languages(day, client, boss):
    r = client.get(f"/reports/?from={DAY}&to={DAY}&by=unit", headers=boss)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    report = make_report(day, DAY, DAY, "unit")
    for row in report.rows:
        assert row["label"] in html
    assert "Số phiếu cấp" in html and "Tickets issued" in html and "Tổng cộng / Total" in html
    assert f'<td class="n">{report.total["issued"]}</td>' in html
    assert unicodedata.is_normalized("NFC", html)


def test_the_session_cookie_of_api_login_opens_the_page(day, client, boss):
    assert client.get(f"/reports/?from={DAY}&by=hour").status_code == 200   # the cookie POST /api/login set


def test_bad_input_is_named(day, client, boss):
    r = client.get("/reports/?from=26-11-2026", headers=boss)
    assert r.status_code == 400 and "2026-11-26" in r.get_data(as_text=True)
    assert "group by one of" in client.get(f"/reports/?from={DAY}&by=weather", headers=boss).get_data(as_text=True)
    assert client.get(f"/reports/export.pdf?from={DAY}", headers=boss).status_code == 400
    assert client.get(f"/reports/charts/counter.png?from={DAY}", headers=boss).status_code == 400


def test_the_xlsx_export_holds_the_figures(day, client, boss):
    r = client.get(f"/reports/export.xlsx?from={DAY}&by=counter", headers=boss)
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(r.data)).active
    report = make_report(day, DAY, DAY, "counter")
    vi, en = [c.value for c in sheet[3]], [c.value for c in sheet[4]]
    assert vi[:3] == ["Quầy", "Số phiếu cấp", "Đã phục vụ"] and en[:3] == ["Counter", "Tickets issued", "Served"]
    col = {name: i for i, name in enumerate(en)}
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(rows) == len(report.rows) + 1
    for cells, row in zip(rows, report.rows + [report.total]):
        assert cells[0] == row["label"] and cells[col["Tickets issued"]] == row["issued"]
        assert cells[col["No-show"]] == row["no_show"]
        if row["wait"]["n"]:
            assert cells[col["Waiting time median (min)"]] == pytest.approx(row["wait"]["median"] / 60)
        if row["rated"]:
            assert cells[col["Satisfied (%) — top two levels"]] == pytest.approx(row["satisfied"])
    assert sheet.cell(row=5, column=col["Waiting time mean (min)"] + 1).number_format == "0.0"


def test_the_csv_and_json_exports(day, client, boss):
    r = client.get(f"/reports/export.csv?from={DAY}&by=hour", headers=boss)
    assert r.data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    report = make_report(day, DAY, DAY, "hour")
    assert table[0][0] == "Giờ / Hour" and table[-1][0] == "Tổng cộng / Total"
    assert [int(line[1]) for line in table[1:]] == [row["issued"] for row in report.rows + [report.total]]
    data = json.loads(client.get(f"/reports/export.json?from={DAY}&by=hour", headers=boss).data)
    assert data["total"]["issued"] == report.total["issued"] and data["satisfied_levels"] == [4, 3]


@pytest.mark.parametrize("name", ["arrivals", "waits", "satisfaction", "counter"])
def test_charts_render_as_png_and_svg(day, client, boss, name):
    OUT.mkdir(parents=True, exist_ok=True)
    png = client.get(f"/reports/charts/{name}.png?from={DAY}&counter=1", headers=boss)
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG") and len(png.data) > 10_000
    (OUT / f"{name}.png").write_bytes(png.data)
    svg = client.get(f"/reports/charts/{name}.svg?from={DAY}&counter=1", headers=boss).get_data(as_text=True)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Quầy 1" in svg if name == "counter" else ("/" in svg)


def test_the_chart_font_draws_every_vietnamese_letter_in_the_labels(day, cfg):
    from hall.reports import charts
    font = font_manager_path = find_font()
    labels = " ".join([u.name for u in cfg.units] + [lvl.label for lvl in cfg.ratings.levels] +
                      ["Lượt đến và lượt phục vụ theo giờ", "Phân bố thời gian chờ", "Mức độ hài lòng theo đơn vị",
                       "Tạm dừng", "Vắng mặt", "Chuyển", "Hủy", "hạn chờ"])
    assert missing_glyphs(labels, font) == set()
    assert charts.font_name() in {"Noto Sans", "DejaVu Sans"} and Path(font_manager_path).is_file()


def test_the_printable_daily_report(day, client, boss):
    r = client.get(f"/reports/daily?day={DAY}", headers=boss)
    html = r.get_data(as_text=True)
    report = make_report(day, DAY, DAY, "unit")
    assert r.status_code == 200 and "@media print" in html and "@page" in html
    assert "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ PHỤC VỤ NGÀY 26/11/2026" in html
    assert f"Số phiếu cấp: <b>{report.total['issued']}</b>" in html
    assert "hai mức cao nhất (Rất hài lòng, Hài lòng)" in html
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "daily.html").write_text(html, encoding="utf-8")


def test_motcua_report_on_the_command_line(day, tmp_path):
    env_db = day.db.url
    args = [sys.executable, "-m", "hall", "report", "--from", DAY, "--by", "unit"]
    env = {"MOTCUA_DATABASE_URL": env_db, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = make_report(day, DAY, DAY, "unit")
    assert "Sở Kế hoạch và Đầu tư" in out.stdout and out.stdout.count("\n") >= len(report.rows) + 3
    total_line = next(line for line in out.stdout.splitlines() if line.startswith("Tổng cộng"))
    assert total_line.split()[4] == str(report.total["issued"])
    xlsx = tmp_path / "r.xlsx"
    done = subprocess.run(args + ["--format", "xlsx", "--out", str(xlsx)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert load_workbook(xlsx).active.cell(row=5, column=1).value == report.rows[0]["label"]
    bad = subprocess.run(args[:5] + ["2026/11/26"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "date like 2026-11-26" in bad.stderr


def test_docs_describe_every_grouping_chart_export_and_figure():
    from hall.reports import export
    from hall.reports.figures import GROUPINGS
    from hall.reports.web import CHARTS
    docs = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    for word in list(GROUPINGS) + [f"`{c}`" for c in CHARTS] + [f".{f}" for f in ("csv", "xlsx", "json")]:
        assert word in docs, word
    for vi in ("số phiếu cấp", "đã hủy", "thời gian chờ", "chờ trong thời hạn", "kênh", "đã phục vụ", "vắng mặt",
               "chuyển quầy, lĩnh vực", "thời gian đến quầy", "thời gian phục vụ", "hài lòng", "tỷ lệ đánh giá"):
        assert vi in docs, vi
    assert set(export.FORMATS) == {"table", "csv", "xlsx", "json"}
