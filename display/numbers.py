"""Reading numbers and ticket numbers aloud in Vietnamese, the Northern way.

    >>> read_number(21), read_number(1010), read_number(2024)
    ('hai mươi mốt', 'một nghìn không trăm mười', 'hai nghìn không trăm hai mươi tư')
    >>> read_ticket("A015"), read_ticket("A015", digits=True)
    ('a mười lăm', 'a không một năm')

Every reader has a twin ending in `_words` that returns the list of words (one token per clip for recorded
prompts); the plain form joins them with spaces.  Rules (docs/voice.md has them in full):

- nghìn (not ngàn), linh (not lẻ), mười for 10–19, mươi for 20–90;
- units after mươi: 1 → mốt, 4 → tư, 5 → lăm (21 hai mươi mốt, 24 hai mươi tư, 25 hai mươi lăm);
  after mười: 5 → lăm only (11 mười một, 14 mười bốn, 15 mười lăm); after linh or alone: the digit's name
  (101 một trăm linh một, 104 một trăm linh bốn, 105 một trăm linh năm);
- a group of three digits after a bigger group is read in full: "không trăm" when its hundreds digit is 0
  (1005 một nghìn không trăm linh năm, 2024 hai nghìn không trăm hai mươi tư); an all-zero group is skipped;
- groups are nghìn, triệu, tỷ: 0 … 999,999,999,999 (11 mười một nghìn, 21 hai mươi mốt nghìn).
Ticket numbers: a prefix of Latin letters read by their Vietnamese names (LETTERS), then the digits as a
number with leading zeros dropped, or digit by digit.
"""
from __future__ import annotations

import re

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
GROUPS = ["", "nghìn", "triệu", "tỷ"]
LIMIT = 10 ** (3 * len(GROUPS))

# Vietnamese names of the Latin letters, as a caller says them in the hall.
LETTERS = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "F": "ép", "G": "giê", "H": "hát",
    "I": "i", "J": "gi", "K": "ca", "L": "e-lờ", "M": "em-mờ", "N": "en-nờ", "O": "o", "P": "pê",
    "Q": "quy", "R": "e-rờ", "S": "ét-xì", "T": "tê", "U": "u", "V": "vê", "W": "vê-kép", "X": "ích-xì",
    "Y": "i-dài", "Z": "dét",
}

TICKET = re.compile(r"^([A-ZĐ]*)([0-9]+)$")


def _tens_units(tens: int, units: int) -> list[str]:
    """Two digits (not both zero) as they follow a hundreds word or stand alone."""
    if tens == 0:
        return [DIGITS[units]]
    if tens == 1:
        words = ["mười"]
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
        return words
    words = [DIGITS[tens], "mươi"]
    if units:
        words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, DIGITS[units]))
    return words


def _group(n: int, full: bool) -> list[str]:
    """0 < n < 1000; `full` when a bigger group comes before it (then "không trăm" and "linh" are said)."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if rest:
        if words and tens == 0:
            words.append("linh")
        words += _tens_units(tens, units)
    return words


def number_words(n: int) -> list[str]:
    """The words of a whole number 0 ≤ n < 10¹²."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"read_number wants an int, got {type(n).__name__} {n!r}")
    if not 0 <= n < LIMIT:
        raise ValueError(f"read_number reads 0 to {LIMIT - 1:,}, not {n:,}")
    if n == 0:
        return [DIGITS[0]]
    groups = []
    while n:
        n, low = divmod(n, 1000)
        groups.append(low)
    words: list[str] = []
    for power in range(len(groups) - 1, -1, -1):
        value = groups[power]
        if value:
            words += _group(value, full=bool(words))
            if GROUPS[power]:
                words.append(GROUPS[power])
    return words


def read_number(n: int) -> str:
    return " ".join(number_words(n))


def digit_words(digits: str) -> list[str]:
    """Each digit by its name: "015" → không một năm."""
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"digit reading wants digits 0-9 only, got {digits!r}")
    return [DIGITS[int(d)] for d in digits]


def read_digits(digits: str) -> str:
    return " ".join(digit_words(digits))


def split_ticket(number: str) -> tuple[str, str]:
    """"A015" → ("A", "015"); a clear ValueError for anything that is not letters then digits."""
    text = str(number).strip().upper()
    match = TICKET.match(text)
    if not match:
        raise ValueError(f"ticket number {number!r} is not letters followed by digits (e.g. A015 or 1015)")
    return match.group(1), match.group(2)


def ticket_words(number: str, digits: bool = False) -> list[str]:
    """A ticket number as words: the prefix letters by name, then the number (or its digits)."""
    prefix, numeral = split_ticket(number)
    words = [LETTERS[letter] for letter in prefix]
    return words + (digit_words(numeral) if digits else number_words(int(numeral)))


def read_ticket(number: str, digits: bool = False) -> str:
    return " ".join(ticket_words(number, digits))
