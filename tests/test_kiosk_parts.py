"""The kiosk's parts without a window or a server: the keyboard's tone placement, the words, the CLI, the docs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from hall.config import Kiosk
from hall.fonts import find_font, missing_glyphs
from kiosk import keyboard
from kiosk.cli import kiosk_command, parse_size
from kiosk.text import WORDS, say, wait_text

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("word, tone, expected", [
    ("ly", "sac", "lý"), ("lich", "nang", "lịch"), ("hoan", "huyen", "hoàn"), ("ngoai", "huyen", "ngoài"),
    ("cua", "hoi", "của"), ("quy", "sac", "quý"), ("gia", "sac", "giá"), ("tiêng", "sac", "tiếng"),
    ("thuơng", "nga", "thuỡng"), ("đăng", "huyen", "đằng"), ("lý", "sac", "ly"), ("lý", "huyen", "lỳ"),
    ("xyz", "sac", "xýz"), ("bcd", "sac", "bcd"), ("", "sac", ""),
])
def test_tone_goes_on_the_right_vowel(word, tone, expected):
    assert keyboard.put_tone(word, tone) == expected


def test_typing_and_editing():
    text = ""
    for key in ["l", "y", "sac", "space", "space", "l", "i", "c", "h", "nang"]:
        text = keyboard.press(text, key)
    assert text == "lý lịch"
    assert keyboard.press(text, "back") == "lý lịc"
    assert keyboard.press(text, "clear") == ""
    assert keyboard.press("", "space") == ""
    assert len(keyboard.press("a" * keyboard.MAX_LENGTH, "b")) == keyboard.MAX_LENGTH


def test_every_word_and_key_renders_in_both_languages():
    fonts = [find_font(False), find_font(True)]
    for key, pair in WORDS.items():
        for text in pair:
            for font in fonts:
                assert not missing_glyphs(text, font), (key, text)
    for row in keyboard.ROWS:
        for key in row:
            for lang in ("vi", "en"):
                assert not missing_glyphs(keyboard.label(key, lang), fonts[1]), key


def test_wait_text():
    assert wait_text(0) == "dưới 1 phút" and wait_text(29) == "dưới 1 phút"
    assert wait_text(12 * 60) == "khoảng 12 phút" and wait_text(12 * 60, "en") == "about 12 min"
    assert say("ahead", "vi", n=5) == "Có 5 người đang chờ trước Ông/Bà"


def test_cli_checks_its_options(tmp_path):
    assert parse_size("1080x1920") == (1080, 1920)
    runner = CliRunner()
    out = runner.invoke(kiosk_command, ["--server", "http://127.0.0.1:9", "--size", "big"])
    assert out.exit_code != 0 and "is not WIDTHxHEIGHT" in out.output
    out = runner.invoke(kiosk_command, ["--server", "http://127.0.0.1:9", "--kiosk", "kiosk-9"])
    assert out.exit_code != 0 and "no kiosk 'kiosk-9'" in out.output and "kiosk-1" in out.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("centre: [", encoding="utf-8")
    out = runner.invoke(kiosk_command, ["--server", "http://127.0.0.1:9", "--config", str(bad)])
    assert out.exit_code != 0 and "not valid YAML" in out.output


def test_docs_name_every_kiosk_setting_and_option():
    doc = (ROOT / "docs" / "kiosk.md").read_text(encoding="utf-8")
    for key in Kiosk.model_fields:
        assert f"`{key}`" in doc, f"docs/kiosk.md does not describe devices.kiosks[].{key}"
    for option in re.findall(r"--[a-z]+", " ".join(o for p in kiosk_command.params for o in p.opts)):
        assert option in doc, f"docs/kiosk.md does not describe {option}"
