"""The words of a call in one place (hall/phrases.py): the counter label, the spoken and on-screen call, and the
config check that refuses a voice phrase the hall could not say (issue 10 point 7)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT
from hall import phrases
from hall.config import ConfigError, Voice, parse_config

TEXT = (ROOT / "config.yaml").read_text(encoding="utf-8")
WALL = "    - id: wall\n      token: UCrYFnqxj-k2xo3TcBpJww5aE48e\n"


def with_phrase(phrase: str) -> str:
    assert TEXT.count(WALL) == 1
    return TEXT.replace(WALL, WALL + f'      voice: {{phrase: "{phrase}"}}\n')


def test_the_counter_label_falls_back_to_quay_n():
    assert phrases.counter_label(7) == "Quầy 7"
    assert phrases.counter_label(7, "") == "Quầy 7"
    assert phrases.counter_label(7, "Quầy 7 — Tư pháp") == "Quầy 7 — Tư pháp"
    assert phrases.counter_label(None) is None


def test_the_call_is_said_and_shown():
    assert phrases.spoken(phrases.SPOKEN, "A015", 3) == "Mời công dân có số thứ tự A015 đến quầy số 3"
    assert phrases.screen("A015", 3) == "Mời số A015 đến quầy 3"
    assert phrases.pieces("Quầy số {counter} mời số {number}") == [
        ("text", "Quầy số"), ("field", "counter"), ("text", "mời số"), ("field", "number")]


@pytest.mark.parametrize("phrase, named", [
    ("Mời số {so} đến quầy {counter}", "{so}"),
    ("Mời số {} đến quầy {counter}", "{}"),
    ("Mời số {0} đến quầy {counter}", "{0}"),
    ("Mời số {number:>5} đến quầy {counter}", "{number:>5}"),
    ("Mời số {number!r} đến quầy {counter}", "{number!r}"),
    ("Mời số {number.upper} đến quầy {counter}", "{number.upper}"),
])
def test_a_phrase_with_an_unknown_placeholder_is_refused(phrase, named):
    with pytest.raises(phrases.PhraseError, match="unknown placeholder " + named.replace("{", r"\{")
                       .replace("}", r"\}").replace(".", r"\.").replace("!", "!")):
        phrases.pieces(phrase)
    with pytest.raises(ValueError):
        Voice(phrase=phrase)


def test_a_phrase_with_an_unbalanced_brace_is_refused():
    with pytest.raises(phrases.PhraseError, match="Single '}'|unmatched"):
        phrases.pieces("Mời số {number} đến quầy }")
    assert phrases.pieces("Mời số {{VIP}} {number}") == [("text", "Mời số {VIP}"), ("field", "number")]


def test_config_names_the_file_the_key_path_and_the_bad_placeholder():
    text = with_phrase("Mời số {so} đến quầy {counter}")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "broken.yaml")
    [(key, line, msg)] = caught.value.problems
    assert key == "devices.displays[0].voice.phrase"
    assert line == text.splitlines().index('      voice: {phrase: "Mời số {so} đến quầy {counter}"}') + 1
    assert msg == "unknown placeholder {so}; use {number} and {counter}"
    assert f"broken.yaml:{line}: devices.displays[0].voice.phrase: unknown placeholder {{so}}" in str(caught.value)


def test_a_good_phrase_in_any_order_passes():
    cfg = parse_config(with_phrase("Quầy số {counter} mời số {number}"), "ok.yaml")
    assert cfg.devices.displays[0].voice.phrase == "Quầy số {counter} mời số {number}"


def test_check_config_refuses_the_phrase(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(with_phrase("Mời số {so} đến quầy {counter}"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "hall", "check-config", "--config", str(path)], capture_output=True,
                         text=True, cwd=str(ROOT), timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"{path}:" in run.stderr and "devices.displays[0].voice.phrase" in run.stderr
    assert "unknown placeholder {so}" in run.stderr and "Traceback" not in run.stderr
