"""The bundled procedure catalogue loads against config.yaml; broken catalogues name file, entry and key;
search ignores diacritics and word order and ranks name matches first."""
from collections import Counter
from pathlib import Path

import pytest
import yaml

from hall import catalogue as catalogue_module
from hall.catalogue import CatalogueError, catalogue_path, fold, load_catalogue, parse_catalogue
from hall.config import load_config
from hall.fonts import find_font, missing_glyphs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cfg():
    return load_config(str(ROOT / "config.yaml"))


@pytest.fixture(scope="module")
def bundled(cfg):
    return load_catalogue(catalogue_path(ROOT / "config.yaml", cfg), cfg)


def entry(code="TP.X.01", name="Cấp Phiếu lý lịch tư pháp", unit="TP", service="TP.LLTP", **more):
    return {"code": code, "name": name, "unit": unit, "service": service, **more}


def dump(entries) -> str:
    return yaml.safe_dump(entries, allow_unicode=True, sort_keys=False)


# --- the bundled catalogue ------------------------------------------------------------------------

def test_bundled_catalogue_has_a_few_procedures_per_unit(cfg, bundled):
    per_unit = Counter(p.unit for p in bundled)
    assert set(per_unit) == {u.code for u in cfg.units}
    assert all(3 <= n <= 6 for n in per_unit.values()), per_unit
    assert len({p.code for p in bundled}) == len(bundled)
    assert all(p.documents and p.fee and p.time_limit for p in bundled)


def test_bundled_catalogue_glyphs(bundled):
    font = find_font()
    text = " ".join(" ".join([p.name, p.fee, p.time_limit, p.level or "", *p.documents]) for p in bundled)
    assert "Phiếu lý lịch" in text
    assert missing_glyphs(text, font) == set()


def test_by_code(bundled):
    assert bundled.by_code("TP.LLTP.01").service == "TP.LLTP"
    assert bundled.by_code("NO.SUCH") is None


# --- broken catalogues ----------------------------------------------------------------------------

def problems_of(text, cfg):
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, cfg, "broken.yaml")
    assert str(caught.value).startswith("broken.yaml:")
    return caught.value.problems


def line_of(text, needle):
    """1-based line of the LAST line holding `needle` (the bad entry comes after a good one)."""
    return max(i for i, line in enumerate(text.splitlines()) if needle in line) + 1


@pytest.mark.parametrize("bad, key, needle, message", [
    (entry(unit="TUPHAP"), "[1].unit", "unit: TUPHAP", "unknown unit 'TUPHAP'"),
    (entry(service="TP.NONE"), "[1].service", "service: TP.NONE", "unknown service 'TP.NONE'"),
    (entry(service="KHDT.DN"), "[1].service", "service: KHDT.DN", "belongs to unit 'KHDT', not 'TP'"),
    (entry(fees="0"), "[1].fees", "fees:", "unknown key"),
    (entry(documents="Tờ khai"), "[1].documents", "documents:", "valid list"),
    (entry(level="mức 4"), "[1].level", "level:", "toàn trình"),
    (entry(code="TP.OK.01"), "[1].code", "code: TP.OK.01", "also entry 0"),
])
def test_bad_entry_is_named_by_index_key_and_line(cfg, bad, key, needle, message):
    text = dump([entry(code="TP.OK.01"), bad])
    [(got_key, line, msg)] = problems_of(text, cfg)
    assert (got_key, line) == (key, line_of(text, needle))
    assert message in msg


def test_missing_key_points_at_the_entry(cfg):
    bad = entry()
    del bad["service"]
    text = dump([entry(code="TP.OK.01"), bad])
    [(key, line, msg)] = problems_of(text, cfg)
    assert (key, line, msg) == ("[1].service", line_of(text, "code: TP.X.01"), "this key is required")
    assert line > 1


def test_every_bad_entry_is_reported(cfg):
    text = dump([entry(code="A.1", unit="X"), entry(code="A.2"), entry(code="A.3", service="Y")])
    assert [key for key, _, _ in problems_of(text, cfg)] == ["[0].unit", "[2].service"]


def test_not_a_list_and_bad_yaml(cfg, tmp_path):
    assert problems_of("code: X\n", cfg)[0][2].startswith("the file must be a list")
    [(key, line, msg)] = problems_of("- code: X\n  name: [oops\n", cfg)
    assert key == "" and line is not None and msg.startswith("not valid YAML")
    with pytest.raises(CatalogueError, match="missing.yaml"):
        load_catalogue(tmp_path / "missing.yaml", cfg)


# --- search ----------------------------------------------------------------------------------------

def test_fold():
    assert fold("Đăng ký (lần đầu) — Phiếu LÝ LỊCH") == "dang ky lan dau phieu ly lich"
    assert fold("Quầy  số 3") == "quay so 3"


def test_search_ignores_diacritics_and_case(bundled):
    assert bundled.search("ly lich")[0].code == "TP.LLTP.01"
    assert bundled.search("LÝ LỊCH TƯ PHÁP")[0].code == "TP.LLTP.01"
    assert bundled.search("dang ky doanh nghiep")[0].code.startswith("KHDT.DN")
    assert bundled.search("đăng ký doanh nghiệp") == bundled.search("dang ky doanh nghiep")


def test_search_ignores_word_order(bundled):
    assert bundled.search("doanh nghiep dang ky") == bundled.search("dang ky doanh nghiep")
    assert bundled.search("lai xe giay phep")[0].service == "GTVT.GPLX"


def test_search_empty_and_unmatched(bundled):
    assert bundled.search("") == [] and bundled.search("  ,. ") == []
    assert bundled.search("zzqx") == []
    assert len(bundled.search("giay", limit=3)) == 3


@pytest.fixture
def ranked(cfg):
    entries = [
        entry("R.1", "Đăng ký hoạt động của tổ chức hành nghề luật sư", documents=["Giấy đề nghị"]),
        entry("R.2", "Cấp bản sao trích lục", documents=["Đơn đăng ký hoạt động luật sư"]),
        entry("R.3", "Đăng ký hoạt động luật sư", documents=[]),
        entry("R.4", "Cấp phép luật sư nước ngoài đăng ký hoạt động", documents=[]),
        entry("R.5", "Đăng ký hoạt động luật sư viên", documents=[]),
        entry("R.6", "Thủ tục khác", documents=[]),
    ]
    return parse_catalogue(dump(entries), cfg)


def test_ranking_whole_words_in_name_then_prefixes_then_elsewhere(ranked):
    # Whole words in the name: the phrase in order first (shorter first), then words scattered.
    found = [p.code for p in ranked.search("dang ky hoat dong luat su")]
    assert found[:2] == ["R.3", "R.5"] and set(found[2:4]) == {"R.1", "R.4"} and found[4:] == ["R.2"]
    # "luat s": R.* names hold "luat" and a word starting with "s"; only R.2 needs its documents.
    assert [p.code for p in ranked.search("luat s")][-1] == "R.2"
    assert [p.code for p in ranked.search("nuoc ngoai")] == ["R.4"]


def test_ranking_prefix_after_whole_word(cfg):
    cat = parse_catalogue(dump([entry("P.1", "Đăng ký lại phương tiện"), entry("P.2", "Đăng ký phương án")]), cfg)
    assert [p.code for p in cat.search("phuong an")] == ["P.2"]
    assert [p.code for p in cat.search("phuong ti")] == ["P.1"]
    # "phuong" is whole in both; "a" is whole in neither but starts "an" only in P.2.
    assert [p.code for p in cat.search("phuong a")] == ["P.2"]


def test_unit_and_service_names_are_searchable_after_names(cfg, bundled):
    found = bundled.search("tu phap")
    assert found[0].code == "TP.LLTP.01"  # "tư pháp" in the name
    assert {p.unit for p in found[:6]} == {"TP"}  # then the rest of Sở Tư pháp, by unit name


@pytest.fixture(scope="module")
def big(cfg, tmp_path_factory):
    """1,500 generated procedures over every service, one of them with a rare word."""
    services = list(cfg.services.values())
    words = ["cấp", "đổi", "gia hạn", "điều chỉnh", "thu hồi"]
    things = ["giấy phép", "chứng chỉ", "giấy chứng nhận", "văn bản xác nhận", "thẻ"]
    entries = []
    for i in range(1500):
        s = services[i % len(services)]
        entries.append(entry(f"G.{i:04d}", f"{words[i % 5].capitalize()} {things[(i // 5) % 5]} {s.name.lower()} "
                             f"số {i}", cfg.unit_of[s.code].code, s.code, documents=[f"Tờ khai mẫu {i}"]))
    entries[1234]["name"] += " Điện Biên Phủ"
    path = tmp_path_factory.mktemp("cat") / "procedures.yaml"
    path.write_text(dump(entries), encoding="utf-8")
    return load_catalogue(path, cfg)


def test_large_catalogue_finds_the_right_entries(big):
    assert len(big) == 1500
    assert [p.code for p in big.search("dien bien phu")] == ["G.1234"]
    assert [p.code for p in big.search("so 777")] == ["G.0777"]
    found = big.search("gia han giay phep", limit=50)
    assert len(found) == 50 and all(fold(p.name).startswith("gia han giay phep") for p in found)
    assert big.search("to khai mau 42")[0].code == "G.0042"


def test_large_catalogue_search_folds_only_the_query(big, monkeypatch):
    """Procedure text is folded and indexed once at load; a search folds just what was typed."""
    calls = []
    real = catalogue_module.fold
    monkeypatch.setattr(catalogue_module, "fold", lambda text: calls.append(text) or real(text))
    for query in ["giay phep", "dat dai", "ly lich tu phap", "x"]:
        big.search(query, limit=100)
    assert calls == ["giay phep", "dat dai", "ly lich tu phap", "x"]
