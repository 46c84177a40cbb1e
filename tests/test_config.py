"""The bundled config.yaml is valid and sensible; broken configs are reported by file, key path and line;
every config key is documented."""
import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from hall import config as schema
from hall.config import ConfigError, load_config, parse_config
from hall.fonts import find_font, missing_glyphs

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.yaml"
DOCS = ROOT / "docs" / "configuration.md"
TEXT = CONFIG.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cfg():
    return load_config(str(CONFIG))


def strings(value):
    """Every string inside a dumped config (nested dicts and lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


# --- the bundled configuration ---------------------------------------------------------------------

def test_bundled_config_describes_the_lai_chau_hall(cfg):
    assert cfg.centre.name == "Trung tâm Phục vụ hành chính công tỉnh Lai Châu"
    assert len(cfg.units) == 17
    assert [c.number for c in cfg.counters] == list(range(1, 41))
    assert all(c.label == f"Quầy {c.number}" for c in cfg.counters)
    assert all(1 <= len(u.services) <= 3 for u in cfg.units)
    assert [s.name for s in cfg.hours.sessions] == ["Buổi sáng", "Buổi chiều"]
    assert cfg.hours.enforce and cfg.hours.stop_issuing_min == 15
    assert [lvl.value for lvl in cfg.ratings.levels] == [4, 3, 2, 1]
    assert {c.code for c in cfg.priorities.categories} == {"elderly", "disabled", "pregnant", "child_under_6", "merit"}


def test_every_unit_has_its_own_unconfusable_letter(cfg):
    letters = []
    for unit in cfg.units:
        prefixes = {s.prefix for s in unit.services}
        assert len(prefixes) == 1 and len(next(iter(prefixes))) == 1, unit.code
        letters.append(prefixes.pop())
    assert len(set(letters)) == len(letters)
    assert not set(letters) & set("IOQBSZFJW")


def test_ranges_follow_the_hundreds_rule(cfg):
    for unit in cfg.units:
        for k, s in enumerate(unit.services):
            assert (s.start, s.end) == (max(1, 300 * k), 300 * k + 299), s.code


def test_counters_serve_their_own_unit_and_busy_units_have_more(cfg):
    per_unit = {}
    for c in cfg.counters:
        assert all(cfg.unit_of[code].code == c.unit for code in c.services), c.number
        assert len(set(c.services)) == len(c.services)
        per_unit[c.unit] = per_unit.get(c.unit, 0) + 1
    assert all(3 <= per_unit[u] <= 4 for u in ("TP", "TNMT", "KHDT"))
    assert max(per_unit.values()) == 4


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_unit_colours_differ_and_carry_white_text(cfg):
    colours = [u.color.lower() for u in cfg.units]
    assert len(set(colours)) == len(colours)
    for unit in cfg.units:
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", unit.color)
        assert 1.05 / (_luminance(unit.color) + 0.05) >= 4.5, f"{unit.code} {unit.color}: WCAG AA needs 4.5:1"


def test_devices_one_pad_per_counter_and_long_distinct_tokens(cfg):
    d = cfg.devices
    assert len(d.kiosks) == 2 and all(k.printer.kind == "preview" and k.printer.width == 576 for k in d.kiosks)
    assert sorted(p.counter for p in d.pads) == list(range(1, 41))
    assert [x.zone is None for x in d.displays] == [True, False]
    assert 2 <= len(d.displays[1].zone.units) <= 3
    tokens = [x.token for kind in (d.kiosks, d.displays, d.pads) for x in kind]
    assert len(tokens) == 44 and len(set(tokens)) == 44
    assert all(len(t) >= 24 for t in tokens)
    assert all(cfg.device(t)[1].token == t for t in tokens)


def test_holidays_are_working_days_in_order(cfg):
    days = cfg.hours.holidays
    assert days == sorted(days) and len(set(days)) == len(days)
    assert all(day.weekday() < 5 for day in days)
    assert {d.year for d in days} == {2026, 2027}


@pytest.mark.parametrize("bold", [False, True])
def test_every_vietnamese_string_has_glyphs(cfg, bold):
    font = find_font(bold=bold)
    text = "".join(strings(schema.as_dict(cfg)))
    assert "ệ" in text and "Quầy 40" in text
    assert missing_glyphs(text, font) == set()


# --- broken configs -----------------------------------------------------------------------------

def line_of(text: str, needle: str, after: str = "") -> int:
    """1-based line of the first line holding `needle` (after the first line holding `after`)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


def edit(old: str, new: str, text: str = TEXT) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def problems_of(text: str) -> list[tuple]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "broken.yaml")
    err = caught.value
    assert err.path == "broken.yaml"
    for key, line, _ in err.problems:
        assert f"broken.yaml:{line}: {key or '(top)'}:" in str(err)
    return err.problems


def test_unknown_key():
    text = edit("    short_name: Tư pháp\n", "    short_name: Tư pháp\n    colour: red\n")
    [(key, line, msg)] = problems_of(text)
    assert (key, line) == ("units[2].colour", line_of(text, "colour: red"))
    assert "unknown key" in msg


def test_wrong_type():
    text = edit("stop_issuing_min: 15", "stop_issuing_min: soon")
    [(key, line, msg)] = problems_of(text)
    assert (key, line) == ("hours.stop_issuing_min", line_of(text, "stop_issuing_min: soon"))
    assert "integer" in msg


def test_missing_required_key():
    text = edit("    name: Sở Tư pháp\n", "")
    [(key, line, msg)] = problems_of(text)
    assert (key, line) == ("units[2].name", line_of(text, "- code: TP"))
    assert msg == "this key is required"


def test_counter_pointing_at_unknown_service():
    text = edit("unit: TP, services: [TP.LLTP]}", "unit: TP, services: [TP.LLTT]}")
    [(key, line, msg)] = problems_of(text)
    assert (key, line) == ("counters[6].services[0]", line_of(text, "services: [TP.LLTT]"))
    assert "unknown service 'TP.LLTT'" in msg


def test_overlapping_prefix_ranges():
    text = edit("code: TC.NS\n        name: \"Tài chính ngân sách\"\n        name_en: \"Budget and budget-unit codes\"\n"
                "        prefix: T\n        start: 300",
                "code: TC.NS\n        name: \"Tài chính ngân sách\"\n        name_en: \"Budget and budget-unit codes\"\n"
                "        prefix: T\n        start: 250")
    [(key, line, msg)] = problems_of(text)
    assert (key, line) == ("units[1].services[1].prefix", line_of(text, "prefix: T", after="code: TC.NS"))
    assert "'TC.CS' and 'TC.NS'" in msg and "250–299" in msg


def test_duplicate_token():
    text = edit("{id: pad-02, counter: 2, token: 9p6nF10x5_Xhf9eTDp2bej_1GqLt}",
                "{id: pad-02, counter: 2, token: YWRy_txkvqp8Gyt5-GyXLEmrPQE8}")
    [(key, line, msg)] = problems_of(text)
    assert (key, line) == ("devices.pads[1].token", line_of(text, "id: pad-02"))
    assert "already given" in msg


def test_bad_yaml_syntax():
    text = edit("  ratio: 2\n", "  ratio: 2: 3\n")
    [(key, line, msg)] = problems_of(text)
    assert (key, line) == ("", line_of(text, "ratio: 2: 3"))
    assert msg.startswith("not valid YAML")


def test_session_ending_before_it_starts():
    text = edit('start: "13:30", end: "17:00"', 'start: "13:30", end: "12:00"')
    [(key, line, msg)] = problems_of(text)
    assert (key, line) == ("hours.sessions[1].end", line_of(text, 'end: "12:00"'))
    assert "ends before it starts" in msg


def test_several_problems_are_reported_together():
    text = edit("stop_issuing_min: 15", "stop_issuing_min: soon", edit("    name: Sở Tư pháp\n", ""))
    assert {key for key, _, _ in problems_of(text)} == {"hours.stop_issuing_min", "units[2].name"}


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match="nowhere.yaml"):
        load_config(str(tmp_path / "nowhere.yaml"))


# --- docs keep up with the schema ---------------------------------------------------------------

def _models_in(annotation):
    """The pydantic models inside a field's type (list[Unit] → Unit, Optional[Zone] → Zone)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, "")]
    found = []
    for arg in typing.get_args(annotation):
        for model, suffix in _models_in(arg):
            found.append((model, ("[]" if typing.get_origin(annotation) is list else "") + suffix))
    return found


def config_keys(model=schema.Config, prefix=""):
    """Every key path of the schema, e.g. 'units[].services[].prefix', and the models met on the way."""
    keys, seen = [], {model}
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        keys.append(path)
        for sub, suffix in _models_in(field.annotation):
            sub_keys, sub_seen = config_keys(sub, f"{path}{suffix}.")
            keys += sub_keys
            seen |= sub_seen
    return keys, seen


def test_every_config_key_is_documented():
    docs = DOCS.read_text(encoding="utf-8")
    keys, _ = config_keys()
    missing = [k for k in keys if f"`{k}`" not in docs]
    assert not missing, f"docs/configuration.md does not describe: {missing}"


def test_every_model_in_the_schema_is_reachable_from_config():
    _, seen = config_keys()
    models = {obj for obj in vars(schema).values()
              if isinstance(obj, type) and issubclass(obj, schema.Model) and obj is not schema.Model}
    assert models - seen == set(), "a model no config key leads to would escape the docs test"


def test_documented_keys_exist():
    docs = DOCS.read_text(encoding="utf-8").split("## The procedure catalogue")[0]
    keys, _ = config_keys()
    documented = set(re.findall(r"^\| `([a-z_\[\].]+)`", docs, flags=re.M))
    assert documented and documented <= set(keys), f"documented but not in hall/config.py: {documented - set(keys)}"


def test_unquoted_times_are_read_as_hours_and_minutes():
    """YAML 1.1 turns an unquoted 13:30 into the number 810; the schema reads it back as 13:30."""
    text = edit('{name: Buổi chiều, start: "13:30", end: "17:00"}', "{name: Buổi chiều, start: 13:30, end: 17:00}")
    afternoon = parse_config(text).hours.sessions[1]
    assert (afternoon.start.hour, afternoon.start.minute, afternoon.end.hour) == (13, 30, 17)
