"""The words of a call, in one place: how a counter is named and how a call is said and shown.

    counter_label(7)                       -> "Quầy 7"    (a counter without a configured label)
    counter_label(7, "Quầy 7 — Tư pháp")   -> "Quầy 7 — Tư pháp"
    spoken(phrase, "A015", 3)              -> "Mời công dân có số thứ tự A015 đến quầy số 3"
    screen("A015", 3)                      -> "Mời số A015 đến quầy 3"
    pieces("Mời số {so} đến quầy {counter}")  -> PhraseError: unknown placeholder {so}; use {number} and {counter}

A voice phrase names its parts with {number} and {counter} only; config.py refuses any other placeholder at load,
so formatting a phrase while the hall runs cannot fail.
"""
from __future__ import annotations

import string
from typing import Optional

SPOKEN = "Mời công dân có số thứ tự {number} đến quầy số {counter}"
SCREEN = "Mời số {number} đến quầy {counter}"
FIELDS = ("number", "counter")


class PhraseError(ValueError):
    """A phrase that can't be said: an unknown or malformed placeholder."""


def counter_label(number: Optional[int], label: Optional[str] = None) -> Optional[str]:
    """A counter's name on screens, tickets and reports: its configured label, else "Quầy N"."""
    if number is None:
        return None
    return label or f"Quầy {number}"


def pieces(phrase: str) -> list[tuple[str, str]]:
    """Split a phrase into ("text", literal) and ("field", "number" | "counter"); anything else is refused."""
    out, text = [], ""
    try:
        parsed = list(string.Formatter().parse(phrase))
    except ValueError as exc:
        raise PhraseError(f"{exc} (write a literal brace as {{{{ or }}}})") from None
    for literal, name, spec, conv in parsed:
        text += literal  # an escaped brace ends a literal early: join them up again
        if name is None:
            continue
        if name not in FIELDS or spec or conv:
            shown = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            raise PhraseError(f"unknown placeholder {shown}; use {{number}} and {{counter}}")
        if text.strip():
            out.append(("text", " ".join(text.split())))
        out.append(("field", name))
        text = ""
    if text.strip():
        out.append(("text", " ".join(text.split())))
    return out


def check(phrase: str) -> str:
    """The phrase itself when it can be said, else PhraseError naming the bad placeholder."""
    pieces(phrase)
    return phrase


def spoken(phrase: str, number: str, counter: int) -> str:
    return phrase.format(number=number, counter=counter)


def screen(number: str, counter: int) -> str:
    return SCREEN.format(number=number, counter=counter)
