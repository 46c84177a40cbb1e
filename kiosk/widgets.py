"""What a screen is made of: boxes with text (a button when it has an action), a QR code, and the frame around them.

Sizes come from the shorter side of the screen (`u` = 1 % of it), so every resolution and both orientations get
the same proportions. A button is at least `TARGET` u high: 8 u of a 1080-pixel side on a 21.5" panel is ~2.2 cm.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from kiosk.text import say

INK, PAPER, BAR = "#111111", "#f4f6f8", "#0b3d91"
WHITE, GREY, MUTED = "#ffffff", "#9e9e9e", "#424242"
PRIORITY, PRIORITY_INK = "#ffb300", "#111111"
LOOKUP, GO, FAULT, WARN = "#00695c", "#1b5e20", "#b71c1c", "#e65100"
TARGET = 8


@dataclass
class Widget:
    rect: tuple[int, int, int, int]          # x, y, w, h
    text: str = ""
    action: Optional[tuple] = None
    bg: Optional[str] = None
    fg: str = INK
    size: int = 32                           # the largest font size (px); the text shrinks to fit its box
    bold: bool = False
    align: str = "center"                    # center | left
    border: Optional[str] = None
    qr: Optional[str] = None                 # draw this as a QR code instead of text
    name: str = ""                           # what it is, for tests ("tile:TP", "number", …)
    pad: int = 0                             # inner margin (px) around the text

    def contains(self, x: int, y: int) -> bool:
        bx, by, bw, bh = self.rect
        return bx <= x < bx + bw and by <= y < by + bh


class Frame:
    """One screen's geometry: size, unit, header band, footer band and the body between them."""

    def __init__(self, width: int, height: int):
        self.w, self.h = width, height
        self.portrait = height > width
        self.u = min(width, height) / 100
        self.gap = round(1.2 * self.u)
        self.header_h = round(12 * self.u)
        self.footer_h = round(12 * self.u)

    def px(self, units: float) -> int:
        return max(1, round(units * self.u))

    @property
    def body(self) -> tuple[int, int, int, int]:
        g = self.gap
        return g, self.header_h + g, self.w - 2 * g, self.h - self.header_h - self.footer_h - 2 * g

    def header(self, title: str, centre: str, lang: str) -> list[Widget]:
        u, g = self.u, self.gap
        toggle_w = self.px(22)
        text_w = self.w - toggle_w - 3 * g
        return [
            Widget((0, 0, self.w, self.header_h), bg=BAR, name="header"),
            Widget((g, round(0.8 * u), text_w, round(3.6 * u)), centre, fg=WHITE, size=self.px(2.8), align="left",
                   name="centre"),
            Widget((g, round(4.4 * u), text_w, round(7 * u)), title, fg=WHITE, size=self.px(5), bold=True,
                   align="left", name="title"),
            Widget((self.w - toggle_w - g, round(2 * u), toggle_w, self.header_h - round(4 * u)), say("language", lang),
                   ("lang",), bg=WHITE, fg=BAR, size=self.px(3.4), bold=True, name="lang"),
        ]

    def footer(self, buttons: list[tuple[str, tuple, str, str, float]]) -> list[Widget]:
        """Buttons along the bottom: (text, action, background, ink, share of the width)."""
        g = self.gap
        y, h = self.h - self.footer_h + g // 2, self.footer_h - g
        total = sum(b[4] for b in buttons)
        x, out = g, [Widget((0, self.h - self.footer_h, self.w, self.footer_h), bg="#dfe3e8", name="footer")]
        room = self.w - g * (len(buttons) + 1)
        for text, action, bg, fg, share in buttons:
            w = round(room * share / total)
            out.append(Widget((x, y, w, h), text, action, bg=bg, fg=fg, size=self.px(4), bold=True,
                              border=INK if bg == PRIORITY else None, name=f"button:{action[0]}", pad=self.gap))
            x += w + g
        return out

    def nav(self, lang: str) -> list[Widget]:
        return self.footer([(say("back", lang), ("back",), WHITE, BAR, 1),
                            (say("home", lang), ("home",), BAR, WHITE, 1)])


def grid(rect: tuple[int, int, int, int], count: int, cols: int, gap: int, rows: Optional[int] = None):
    """Cells for `count` items, row by row, `cols` to a row."""
    x, y, w, h = rect
    rows = rows or -(-count // cols)
    cw, ch = (w - gap * (cols - 1)) / cols, (h - gap * (rows - 1)) / max(1, rows)
    return [(round(x + (i % cols) * (cw + gap)), round(y + (i // cols) * (ch + gap)), round(cw), round(ch))
            for i in range(count)]


def rows(rect: tuple[int, int, int, int], count: int, gap: int, most: Optional[int] = None):
    """`count` full-width rows, each at most `most` pixels high, from the top of the rect."""
    x, y, w, h = rect
    each = (h - gap * (count - 1)) / max(1, count)
    if most:
        each = min(each, most)
    return [(x, round(y + i * (each + gap)), w, round(each)) for i in range(count)]


def inset(rect, dx: int, dy: int = None):
    x, y, w, h = rect
    dy = dx if dy is None else dy
    return x + dx, y + dy, w - 2 * dx, h - 2 * dy
