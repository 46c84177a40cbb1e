"""The printed ticket's layout: what it says, that it fits the paper, that every glyph exists, that the job is small."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from PIL import ImageFont

from hall.config import Centre, load_config
from hall.fonts import VIETNAMESE, find_font, missing_glyphs
from kiosk.ticket import HEADER, MARGIN, QR, Native, Raster, render_ticket
from printer_standins import read_job

OUT = Path(__file__).resolve().parent.parent / "out" / "tickets"

TICKET = {
    "id": "Xq3pL8vR2mN5tYc7", "number": "A015", "service": "TP-LLTP", "service_name": "Lý lịch tư pháp",
    "unit": "TP", "unit_name": "Sở Tư pháp", "priority": None, "priority_name": None, "channel": "kiosk",
    "state": "waiting", "people_ahead": 4, "estimated_wait_s": 600, "issued_at": "2026-11-26T08:01:02+07:00",
    "counters": [{"number": 5, "label": "Quầy 5"}, {"number": 6, "label": "Quầy 6"}],
    "status_url": "http://127.0.0.1:5000/t/Xq3pL8vR2mN5tYc7",
}
ELDERLY = dict(TICKET, number="A016", priority="elderly", priority_name="Người cao tuổi")
LONG = dict(TICKET, number="C123", unit_name="Sở Nông nghiệp và Phát triển nông thôn tỉnh Lai Châu",
            service_name="Thủ tục cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm đối với cơ sở sản xuất, kinh "
                         "doanh nông lâm thủy sản", priority="disabled", priority_name="Người khuyết tật",
            counters=[{"number": n, "label": f"Quầy {n}"} for n in (11, 12, 13, 14)])


@pytest.fixture(scope="module")
def centre() -> Centre:
    return load_config().centre


def texts(layout) -> list[str]:
    return [b.text for b in layout.blocks if isinstance(b, Raster)]


@pytest.mark.parametrize("width", [576, 384])
def test_the_ticket_says_what_the_citizen_needs(centre, width):
    layout = render_ticket(ELDERLY, centre, width)
    words = " ".join(texts(layout))
    assert HEADER in words                                # the centre's name, upper case, on one or two lines
    for part in ("Sở Tư pháp", "Lý lịch tư pháp", "SỐ THỨ TỰ", "Ưu tiên: Người cao tuổi",
                 "Có 4 người đang chờ trước Ông/Bà", "Thời gian chờ dự kiến: khoảng 10 phút", "Quầy 5, Quầy 6"):
        assert part in words
    natives = [b for b in layout.blocks if isinstance(b, Native)]
    assert any(b.text == "A016" and b.mag >= 5 and b.bold for b in natives)       # the number, very large
    assert any(b.text == "26/11/2026  08:01" for b in natives)
    assert [b.data for b in layout.blocks if isinstance(b, QR)] == [ELDERLY["status_url"]]
    OUT.mkdir(parents=True, exist_ok=True)
    layout.preview().save(OUT / f"ticket-{width}-elderly.png")
    render_ticket(LONG, centre, width).preview().save(OUT / f"ticket-{width}-long.png")


def test_no_priority_line_and_no_one_ahead(centre):
    layout = render_ticket(dict(TICKET, people_ahead=0, estimated_wait_s=20), centre)
    words = texts(layout)
    assert not any("Ưu tiên" in w for w in words)
    assert "Không có ai đang chờ trước Ông/Bà" in words
    assert "Thời gian chờ dự kiến: dưới 1 phút" in words


@pytest.mark.parametrize("width", [576, 384])
@pytest.mark.parametrize("ticket", [TICKET, ELDERLY, LONG], ids=["typical", "elderly", "long"])
def test_every_line_fits_and_every_glyph_exists(centre, ticket, width):
    layout = render_ticket(ticket, centre, width)
    for block in layout.blocks:
        assert block.size[0] <= width - 2 * MARGIN + 7, f"{block} is wider than the paper"
    for bold in (False, True):
        assert missing_glyphs(" ".join(texts(layout)), find_font(bold=bold)) == set()
    assert all(unicodedata.is_normalized("NFC", t) for t in texts(layout))
    assert layout.preview().size[0] == width


def test_long_names_wrap_instead_of_overflowing(centre):
    lines = texts(render_ticket(LONG, centre, 384))
    joined = " ".join(lines)
    assert LONG["service_name"] in joined
    assert sum(1 for t in lines if t in LONG["service_name"]) >= 3, lines    # it takes several lines
    assert "Sở Nông nghiệp và Phát triển nông thôn tỉnh Lai Châu" in joined
    assert "Quầy 11, Quầy 12, Quầy 13, Quầy 14" in joined


@settings(max_examples=25, deadline=None)
@given(name=st.text(alphabet=VIETNAMESE + " ", min_size=1, max_size=160).filter(lambda s: s.strip()))
def test_any_vietnamese_name_stays_inside_the_paper(name):
    centre = Centre(name="Trung tâm Phục vụ hành chính công tỉnh Lai Châu")
    layout = render_ticket(dict(TICKET, service_name=name, unit_name=name), centre, 384)
    for block in layout.blocks:
        assert block.size[0] <= 384 - 2 * MARGIN + 7
    shown = "".join(texts(layout)).replace(" ", "")
    assert unicodedata.normalize("NFC", name).replace(" ", "") in shown


def test_decomposed_input_prints_the_same_as_composed(centre):
    nfd = {k: unicodedata.normalize("NFD", v) if isinstance(v, str) else v for k, v in ELDERLY.items()}
    assert render_ticket(nfd, centre).escpos() == render_ticket(ELDERLY, centre).escpos()


@pytest.mark.parametrize("width", [576, 384])
def test_the_job_is_small_and_well_formed(centre, width):
    job = render_ticket(TICKET, centre, width).escpos()
    assert len(job) <= 6 * 1024, f"typical ticket job is {len(job)} bytes"
    assert len(render_ticket(LONG, centre, width).escpos()) <= 10 * 1024
    assert job.startswith(b"\x1b@") and job.endswith(b"\x1dV\x00")
    assert not re.search(rb"\x10\x04[\x01-\x04]", job), "a DLE EOT sequence inside the job would get an answer"
    read = read_job(job)
    assert read.qr == [TICKET["status_url"]] and read.cut and read.rasters > 10


def test_the_font_really_draws_vietnamese():
    """A font without ơ/ư would draw boxes: the chosen fonts must cover the whole alphabet."""
    for bold in (False, True):
        path = find_font(bold=bold)
        assert missing_glyphs(VIETNAMESE, path) == set()
        assert ImageFont.truetype(path, 20).getlength("ư") > 0


@pytest.mark.parametrize("change, message", [
    ({"status_url": ""}, "status_url"),
    ({"number": "Số 15"}, "ticket number"),
    ({"issued_at": "hôm nay"}, "issued_at"),
])
def test_bad_ticket_json_names_the_problem(centre, change, message):
    with pytest.raises(ValueError, match=message):
        render_ticket(dict(TICKET, **change), centre)
    with pytest.raises(ValueError, match="width"):
        render_ticket(TICKET, centre, 500)
