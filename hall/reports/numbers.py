"""Numbers as Vietnamese writes them — a decimal comma and a dot between thousands ("1,4 phút", "1.234",
"50,0 %") — with Babel's Vietnamese locale data. Every page and report that shows a number in Vietnamese uses
these (registered as Jinja filters by hall.reports.web)."""
from __future__ import annotations

from typing import Optional

from babel.numbers import format_decimal

NONE = "—"


def number(value: Optional[float], digits: int = 1, none: str = NONE) -> str:
    """1.4 → "1,4"; 12345.67 → "12.345,7"; digits=0 → "12.346"; None → none."""
    if value is None:
        return none
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale="vi")


def percent(share: Optional[float], digits: int = 1, none: str = NONE) -> str:
    """A share of 0–1 as per cent: 0.5 → "50,0 %" (a space before the sign, as TCVN writes units)."""
    return none if share is None else f"{number(share * 100, digits)}\u00a0%"


def minutes(seconds: Optional[float], digits: int = 1, none: str = NONE) -> str:
    """Seconds shown as minutes: 84 → "1,4"."""
    return none if seconds is None else number(seconds / 60, digits)
