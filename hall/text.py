"""Text as the hall keeps it: Unicode NFC (Vietnamese typed in decomposed form, as some input methods send it,
becomes the same text as the composed form), and never a NUL or a lone surrogate, which no database column or
screen can take.

    nfc("Nguye\u0302\u0303n")  == "Nguyễn"
    flaw("a\x00b")              == "nul"       # what is wrong, or None
    clean(" Lan ", strip=True)  == "Lan"       # NFC, stripped; TextError if it has a flaw

The hall server, the kiosk, the wall display and the pad all normalise through `nfc` here.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

FLAWS = {"nul": "contains a NUL character", "surrogate": "contains a lone surrogate (not valid Unicode)"}
_SURROGATE = re.compile("[\ud800-\udfff]")


class TextError(ValueError):
    def __init__(self, flaw: str):
        super().__init__(FLAWS[flaw])
        self.flaw = flaw


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def flaw(text: str) -> Optional[str]:
    """'nul' or 'surrogate' when the text can't be stored or shown, else None."""
    if "\x00" in text:
        return "nul"
    if _SURROGATE.search(text):
        return "surrogate"
    return None


def clean(text: str, *, strip: bool = False) -> str:
    """The text in NFC (stripped if asked); TextError if it holds a NUL or a lone surrogate."""
    problem = flaw(text)
    if problem:
        raise TextError(problem)
    text = nfc(text)
    return text.strip() if strip else text
