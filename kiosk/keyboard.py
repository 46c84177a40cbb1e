"""The on-screen Vietnamese keyboard: which keys there are, and what a key does to the text typed so far.

Letters include đ ă â ê ô ơ ư; a row of tone keys (sắc, huyền, hỏi, ngã, nặng) puts the tone on the right vowel of
the last word, Telex-style ("ly" + sắc → "lý", "hoan" + huyền → "hoàn"; the same tone again takes it off).
Typing without diacritics is fine too: the hall's procedure search ignores them.

    press("ly lic", "h")      → "ly lich"
    press("ly lich", "nang")  → "ly lịch"
    press("ly lịch", "back")  → "ly lịc"
"""
from __future__ import annotations

import unicodedata

from hall.text import nfc

TONES = {"sac": "\u0301", "huyen": "\u0300", "hoi": "\u0309", "nga": "\u0303", "nang": "\u0323"}
TONE_LABELS = {"sac": "á", "huyen": "à", "hoi": "ả", "nga": "ã", "nang": "ạ"}
ROWS = [
    list("1234567890"),
    list("qwertyuiop"),
    list("asdfghjklđ"),
    list("zxcvbnmăâê"),
    list("ôơư") + list(TONES),
    ["space", "back", "clear"],
]
SPECIAL_LABELS = {"space": ("Dấu cách", "Space"), "back": ("‹ Xóa", "‹ Delete"), "clear": ("Xóa hết", "Clear")}
VOWELS = set("aăâeêioôơuưy")
MARKED = set("ăâêôơư")
MAX_LENGTH = 40


def label(key: str, lang: str = "vi") -> str:
    if key in SPECIAL_LABELS:
        return SPECIAL_LABELS[key][lang == "en"]
    return TONE_LABELS.get(key, key.upper() if key.isalpha() else key)


def press(text: str, key: str) -> str:
    """The text after one key press (NFC)."""
    if key == "back":
        return text[:-1]
    if key == "clear":
        return ""
    if key in TONES:
        head, _, word = text.rpartition(" ")
        return (head + " " if _ else "") + put_tone(word, key)
    if len(text) >= MAX_LENGTH:
        return text
    if key == "space":
        return text + " " if text and not text.endswith(" ") else text
    return nfc(text + key)


def strip_tone(ch: str) -> tuple[str, str]:
    """(the letter without its tone, the tone's combining mark or "")."""
    parts = unicodedata.normalize("NFD", ch)
    tone = next((m for m in parts if m in TONES.values()), "")
    return nfc(parts.replace(tone, "")) if tone else ch, tone


def put_tone(word: str, tone: str) -> str:
    """Put (or, if already there, take off) a tone on the vowel Vietnamese spelling puts it on."""
    letters, tones = zip(*(strip_tone(ch) for ch in word)) if word else ((), ())
    letters = list(letters)
    vowels = [i for i, ch in enumerate(letters) if ch.lower() in VOWELS]
    low = "".join(letters).lower()
    if len(vowels) > 1 and ((low.startswith("qu") and vowels[0] == 1) or (low.startswith("gi") and vowels[0] == 1)):
        vowels = vowels[1:]                       # qu-, gi- are consonants before another vowel
    if not vowels:
        return word
    marked = [i for i in vowels if letters[i].lower() in MARKED]
    final = vowels[-1] < len(letters) - 1
    if marked:
        at = marked[-1]
    elif len(vowels) == 1 or final:
        at = vowels[-1]
    elif len(vowels) >= 3:
        at = vowels[1]
    else:
        at = vowels[0]
    mark = TONES[tone]
    had = mark in tones
    out = [ch + (mark if i == at and not had else "") for i, ch in enumerate(letters)]
    return nfc("".join(out))
