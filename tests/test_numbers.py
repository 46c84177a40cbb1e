"""The Vietnamese number reader, checked for every number 0..9,999 against rules stated here independently.

The reader builds words from digit groups; these tests instead (1) read the words back to a number with a
small parser written from the rules below and (2) check each word's presence against the digits of n.
"""
import unicodedata

import pytest

from display.numbers import (LETTERS, digit_words, number_words, read_digits, read_number, read_ticket,
                             split_ticket, ticket_words)
from hall.fonts import find_font, missing_glyphs

# The rules, independently: each spoken word and the value it stands for.
UNIT_WORD = {"không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
             "chín": 9, "mốt": 1, "tư": 4, "lăm": 5}
ALLOWED = set(UNIT_WORD) | {"mười", "mươi", "trăm", "linh", "nghìn"}


def parse(words: list[str]) -> int:
    """Words back to a number, refusing any word that is out of place under the Northern rules."""
    total, value, digit, prev = 0, 0, None, None
    for w in words:
        assert w in ALLOWED, f"unexpected word {w!r}"
        if w in UNIT_WORD:
            assert digit is None, f"two digit words in a row at {w!r}"
            if w == "mốt" or w == "tư":
                assert prev == "mươi", f"{w} only after mươi"
            if w == "lăm":
                assert prev in ("mười", "mươi"), "lăm only after mười/mươi"
            if prev in ("mười", "mươi"):
                assert w != "năm", "năm after mười/mươi must be lăm"
                assert w != "không", "no không after mười/mươi"
            if prev == "mươi":
                assert w not in ("một", "bốn"), f"{w} after mươi must be mốt/tư"
            if prev == "linh":
                assert w not in ("mốt", "tư", "lăm", "không")
            digit = UNIT_WORD[w]
        elif w == "trăm":
            assert digit is not None
            value += digit * 100
            digit = None
        elif w == "mươi":
            assert digit is not None and digit >= 2
            value += digit * 10
            digit = None
        elif w == "mười":
            assert digit is None
            value += 10
        elif w == "linh":
            assert prev == "trăm"
        elif w == "nghìn":
            total += (value + (digit or 0)) * 1000
            value, digit = 0, None
        prev = w
    assert prev != "linh", "linh must be followed by a digit"
    return total + value + (digit or 0)


ALL = range(0, 10000)


def test_round_trip_every_number_to_9999():
    seen = {}
    for n in ALL:
        words = number_words(n)
        assert parse(words) == n, (n, words)
        text = read_number(n)
        assert text == " ".join(words) and text == unicodedata.normalize("NFC", text)
        assert text not in seen, f"{n} and {seen.get(text)} read the same"
        seen[text] = n


def test_each_word_in_its_place_for_every_number_to_9999():
    for n in ALL:
        check_places(n, number_words(n))


def check_places(n, words):
    thousands, hundreds, tens, units = n // 1000, n // 100 % 10, n // 10 % 10, n % 10
    pairs = list(zip(words, words[1:]))
    assert ("mốt" in words) == (tens >= 2 and units == 1)
    assert ("tư" in words) == (tens >= 2 and units == 4)
    assert ("lăm" in words) == (tens >= 1 and units == 5)
    assert ("mười" in words) == (tens == 1)
    assert ("mươi" in words) == (tens >= 2)
    assert ("linh" in words) == (n >= 100 and tens == 0 and units != 0)
    assert ("nghìn" in words) == (thousands > 0)
    assert (("không", "trăm") in pairs) == (thousands > 0 and hundreds == 0 and n % 1000 != 0)
    assert ("trăm" in words) == (hundreds > 0 or (thousands > 0 and n % 1000 != 0))
    assert ("không" in words) == (n == 0 or (thousands > 0 and hundreds == 0 and n % 1000 != 0))
    assert words[0] == "không" if n == 0 else words[0] != "không"
    assert not {"ngàn", "lẻ", "linh"} & {words[-1]}, "never ends on ngàn/lẻ/linh"


FIXED = {
    0: "không", 4: "bốn", 5: "năm", 10: "mười", 11: "mười một", 14: "mười bốn", 15: "mười lăm",
    20: "hai mươi", 21: "hai mươi mốt", 24: "hai mươi tư", 25: "hai mươi lăm", 100: "một trăm",
    101: "một trăm linh một", 104: "một trăm linh bốn", 105: "một trăm linh năm", 110: "một trăm mười",
    115: "một trăm mười lăm", 1000: "một nghìn", 1005: "một nghìn không trăm linh năm",
    1010: "một nghìn không trăm mười", 1100: "một nghìn một trăm", 2024: "hai nghìn không trăm hai mươi tư",
    9999: "chín nghìn chín trăm chín mươi chín",
    # above 9,999: groups of three with nghìn, triệu, tỷ
    10005: "mười nghìn không trăm linh năm", 21000: "hai mươi mốt nghìn",
    1000005: "một triệu không trăm linh năm", 2_000_000_000: "hai tỷ",
}


@pytest.mark.parametrize("n,text", FIXED.items())
def test_fixed_examples(n, text):
    assert read_number(n) == text


@pytest.mark.parametrize("bad,error", [(-1, ValueError), (10 ** 12, ValueError), (1.5, TypeError),
                                       ("12", TypeError), (True, TypeError)])
def test_bad_numbers_are_refused_by_name(bad, error):
    with pytest.raises(error, match="read_number"):
        read_number(bad)


def test_digits_and_tickets():
    assert read_digits("015") == "không một năm"
    assert digit_words("2024") == ["hai", "không", "hai", "bốn"]
    assert read_ticket("A015") == "a mười lăm"
    assert read_ticket("A015", digits=True) == "a không một năm"
    assert read_ticket("1015") == "một nghìn không trăm mười lăm"
    assert read_ticket("B000") == "bê không"
    assert read_ticket("L024") == "e-lờ hai mươi tư"
    assert ticket_words("XS101") == ["ích-xì", "ét-xì", "một", "trăm", "linh", "một"]
    assert read_ticket(" đ21 ") == "đê hai mươi mốt"
    assert split_ticket("c007") == ("C", "007")


@pytest.mark.parametrize("bad", ["", "A", "015A", "A-015", "A 15", "Ä15", "A١٥"])
def test_bad_ticket_numbers_are_named(bad):
    with pytest.raises(ValueError, match="ticket number|digits"):
        read_ticket(bad)


def test_letter_names_cover_the_alphabet_and_render():
    assert set(LETTERS) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZĐ")
    assert LETTERS["G"] == "giê" and LETTERS["Q"] == "quy" and LETTERS["Y"] == "i-dài"
    words = " ".join(LETTERS.values()) + " " + " ".join(number_words(123_456_789))
    assert missing_glyphs(words, find_font()) == set()
