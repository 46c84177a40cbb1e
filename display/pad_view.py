"""How the rating pad looks: one picture per PadState screen, for a small touchscreen (800×480 … 1024×600).

`draw` paints the screen and remembers where the touchable things are; `hit(pos)` says what a touch meant:
("choose", value), ("toggle", code), ("send",) or ("skip",).
"""
from __future__ import annotations

import math

import pygame

from display.draw import (AMBER, BG, CELL, DARK_RED, DIM, GREEN, INK, LINE, PANEL, RED, WHITE, Fonts,
                          Painter, hex_color, mix, rounded)
from display.pad_state import CRITERIA, IDLE, RATE, REFUSED, SENDING, THANKS, PadState

THANKS_TEXT = "Cảm ơn Ông/Bà đã đánh giá!"
REFUSED_TEXT = "Lượt phục vụ này đã được đánh giá rồi."
STALE_TEXT = "Mất kết nối — đang kết nối lại…"


def face(s: pygame.Surface, center, radius: float, color, smile: float) -> None:
    """A round face: smile 1.0 is a broad smile, 0.5 a straight mouth, 0.0 a frown."""
    cx, cy = center
    r = radius
    pygame.draw.circle(s, mix(color, (0, 0, 0), 0.35), (cx, cy + r * 0.04), r)
    pygame.draw.circle(s, color, (cx, cy), r)
    pygame.draw.circle(s, mix(color, (255, 255, 255), 0.18), (cx - r * 0.25, cy - r * 0.3), r * 0.42)
    pygame.draw.circle(s, color, (cx, cy), r * 0.9)
    ink = mix(color, (0, 0, 0), 0.72)
    for side in (-1, 1):
        eye = pygame.Rect(0, 0, r * 0.16, r * 0.26)
        eye.center = (cx + side * r * 0.32, cy - r * 0.2)
        pygame.draw.ellipse(s, ink, eye)
        if smile < 0.2:      # sad brows (inner ends raised) for the lowest level
            pygame.draw.line(s, ink, (cx + side * r * 0.18, cy - r * 0.54), (cx + side * r * 0.46, cy - r * 0.44),
                             max(2, int(r * 0.07)))
    bend = (smile - 0.5) * 2                     # −1 … 1
    half_w, depth, base = r * 0.42, r * 0.26, cy + r * 0.34 - bend * r * 0.1
    points = [(cx + t * half_w, base + bend * depth * (1 - t * t)) for t in [i / 10 - 1 for i in range(21)]]
    width = max(3, int(r * 0.1))
    pygame.draw.lines(s, ink, False, points, width)
    for p in (points[0], points[-1]):
        pygame.draw.circle(s, ink, p, width / 2)


def check_mark(s: pygame.Surface, center, radius: float, color, bg) -> None:
    cx, cy = center
    pygame.draw.circle(s, color, center, radius)
    pts = [(cx - radius * 0.45, cy + radius * 0.02), (cx - radius * 0.12, cy + radius * 0.35),
           (cx + radius * 0.5, cy - radius * 0.32)]
    pygame.draw.lines(s, bg, False, pts, max(4, int(radius * 0.16)))


class PadView:
    def __init__(self, size: tuple[int, int], fonts: Fonts, centre: str = ""):
        self.w, self.h = size
        self.u = min(self.w / 1024, self.h / 600)
        self.paint = Painter(fonts)
        self.centre = centre
        self.buttons: list[tuple[pygame.Rect, tuple]] = []
        self.header = pygame.Rect(0, 0, self.w, round(self.h * 0.12))
        self.body = pygame.Rect(0, self.header.bottom, self.w, self.h - self.header.bottom)

    def px(self, v: float) -> int:
        return max(1, round(v * self.u))

    def hit(self, pos) -> tuple | None:
        for rect, action in self.buttons:
            if rect.collidepoint(pos):
                return action
        return None

    def frame_key(self, state: PadState, now: float, stale: bool) -> tuple:
        tick = int(state.seconds_left(now) * 4) if state.screen in (RATE, CRITERIA) else 0
        return state.version, tick, stale

    def draw(self, s: pygame.Surface, state: PadState, now: float, stale: bool = False) -> None:
        self.paint.begin()
        self.buttons = []
        s.fill(BG)
        self.draw_header(s, state)
        {IDLE: self.draw_idle, RATE: self.draw_rate, CRITERIA: self.draw_criteria, SENDING: self.draw_sending,
         THANKS: self.draw_thanks, REFUSED: self.draw_refused}[state.screen](s, state)
        if state.screen in (RATE, CRITERIA):
            left = state.seconds_left(now) / max(1.0, state.timeout_s)
            pygame.draw.rect(s, LINE, (0, self.h - self.px(8), self.w, self.px(8)))
            pygame.draw.rect(s, AMBER, (0, self.h - self.px(8), round(self.w * left), self.px(8)))
        if stale:
            bar = pygame.Rect(0, self.h - self.px(44), self.w, self.px(44))
            pygame.draw.rect(s, RED, bar)
            self.paint.text(s, STALE_TEXT, bar.inflate(-self.px(20), -self.px(12)), self.px(24), WHITE, bold=True,
                            align="center")

    def draw_header(self, s, state: PadState) -> None:
        r = self.header
        pygame.draw.rect(s, DARK_RED, r)
        pygame.draw.rect(s, AMBER, (0, r.bottom - self.px(3), self.w, self.px(3)))
        pad = self.px(20)
        self.paint.text(s, state.label.upper(), pygame.Rect(pad, r.y + r.h * 0.2, self.w * 0.25, r.h * 0.6),
                        self.px(34), AMBER, bold=True)
        self.paint.text(s, self.centre, pygame.Rect(self.w * 0.28, r.y + r.h * 0.25, self.w * 0.72 - pad,
                        r.h * 0.5), self.px(22), WHITE, align="right")

    def title(self, s, text: str, sub: str = "") -> None:
        b = self.body
        self.paint.wrap(s, text, pygame.Rect(self.px(30), b.y + self.px(22), self.w - self.px(60), self.px(92)),
                        self.px(40), WHITE, bold=True, max_lines=2)
        if sub:
            self.paint.text(s, sub, pygame.Rect(self.px(30), b.y + self.px(118), self.w - self.px(60), self.px(34)),
                            self.px(26), AMBER, align="center")

    def draw_idle(self, s, state: PadState) -> None:
        b = self.body
        self.paint.text(s, "Xin kính chào Quý khách!", pygame.Rect(self.px(30), b.y + b.h * 0.12,
                        self.w - self.px(60), b.h * 0.18), self.px(56), AMBER, bold=True, align="center")
        self.paint.wrap(s, "Sau khi được phục vụ, xin Ông/Bà vui lòng đánh giá mức độ hài lòng tại màn hình này",
                        pygame.Rect(self.px(60), b.y + b.h * 0.36, self.w - self.px(120), b.h * 0.22),
                        self.px(30), WHITE, max_lines=2)
        levels = state.levels
        r = min(self.px(42), self.w / (len(levels) * 3.2))
        for i, lvl in enumerate(levels):
            x = self.w / 2 + (i - (len(levels) - 1) / 2) * r * 2.8
            face(s, (x, b.y + b.h * 0.76), r, mix(hex_color(lvl["color"]), BG, 0.35), state.rank(lvl["value"]))

    def draw_rate(self, s, state: PadState) -> None:
        sub = " — ".join(x for x in (f"Số {state.number}" if state.number else "", state.unit_name) if x)
        self.title(s, "Ông/Bà có hài lòng với việc phục vụ?", sub)
        b, levels = self.body, state.levels
        gap = self.px(14)
        top = b.y + self.px(164)
        bottom = self.h - self.px(48 if state.note else 24)
        cw = (self.w - self.px(40) - gap * (len(levels) - 1)) / len(levels)
        for i, lvl in enumerate(levels):
            card = pygame.Rect(self.px(20) + i * (cw + gap), top, cw, bottom - top)
            color = hex_color(lvl["color"])
            rounded(s, card, mix(CELL, color, 0.18), self.px(18))
            rounded(s, card, mix(LINE, color, 0.5), self.px(18), max(2, self.px(3)))
            radius = min(card.w * 0.36, card.h * 0.3)
            face(s, (card.centerx, card.y + card.h * 0.38), radius, color, state.rank(lvl["value"]))
            self.paint.wrap(s, lvl["label"], pygame.Rect(card.x + self.px(8), card.y + card.h * 0.72,
                            card.w - self.px(16), card.h * 0.24), self.px(28), WHITE, bold=True, max_lines=2)
            self.buttons.append((card, ("choose", lvl["value"])))
        if state.note:
            self.paint.text(s, state.note, pygame.Rect(self.px(20), bottom + self.px(4), self.w - self.px(40),
                            self.px(30)), self.px(22), AMBER, align="center")

    def draw_criteria(self, s, state: PadState) -> None:
        self.title(s, "Ông/Bà chưa hài lòng về điều gì?", "Có thể chọn nhiều ý")
        b = self.body
        items = state.criteria
        cols = 2 if len(items) > 3 else 1
        rows = math.ceil(len(items) / cols)
        gap = self.px(14)
        top, foot = b.y + self.px(164), self.h - self.px(110)
        cw = (self.w - self.px(40) - gap * (cols - 1)) / cols
        ch = min(self.px(84), (foot - top - gap * (rows - 1)) / max(1, rows))
        for i, c in enumerate(items):
            box = pygame.Rect(self.px(20) + (i % cols) * (cw + gap), top + (i // cols) * (ch + gap), cw, ch)
            on = c["code"] in state.chosen
            rounded(s, box, mix(CELL, AMBER, 0.3) if on else CELL, self.px(14))
            rounded(s, box, AMBER if on else LINE, self.px(14), max(2, self.px(3)))
            tick = pygame.Rect(box.x + self.px(16), box.centery - ch * 0.25, ch * 0.5, ch * 0.5)
            rounded(s, tick, AMBER if on else PANEL, self.px(6))
            if on:
                pygame.draw.lines(s, INK, False, [(tick.x + tick.w * 0.2, tick.centery),
                                  (tick.x + tick.w * 0.42, tick.bottom - tick.h * 0.2),
                                  (tick.right - tick.w * 0.15, tick.y + tick.h * 0.2)], max(3, self.px(5)))
            self.paint.text(s, c["label"], pygame.Rect(tick.right + self.px(14), box.y + ch * 0.15,
                            box.right - tick.right - self.px(28), ch * 0.7), self.px(30), WHITE, bold=on)
            self.buttons.append((box, ("toggle", c["code"])))
        send = pygame.Rect(self.w * 0.52, self.h - self.px(96), self.w * 0.48 - self.px(20), self.px(76))
        skip = pygame.Rect(self.px(20), send.y, self.w * 0.48 - self.px(40), send.h)
        rounded(s, send, GREEN, self.px(14))
        rounded(s, skip, PANEL, self.px(14))
        self.paint.text(s, "Gửi đánh giá", send.inflate(-self.px(24), -send.h * 0.4), self.px(34), WHITE,
                        bold=True, align="center")
        self.paint.text(s, "Bỏ qua", skip.inflate(-self.px(24), -skip.h * 0.4), self.px(34), DIM, bold=True,
                        align="center")
        self.buttons += [(send, ("send",)), (skip, ("skip",))]

    def draw_sending(self, s, state: PadState) -> None:
        self.paint.text(s, "Đang gửi đánh giá…", self.body.inflate(-self.px(60), -self.body.h * 0.6),
                        self.px(44), DIM, bold=True, align="center")

    def draw_thanks(self, s, state: PadState) -> None:
        b = self.body
        check_mark(s, (self.w / 2, b.y + b.h * 0.34), b.h * 0.2, GREEN, BG)
        self.paint.text(s, THANKS_TEXT, pygame.Rect(self.px(30), b.y + b.h * 0.62, self.w - self.px(60), b.h * 0.16),
                        self.px(52), WHITE, bold=True, align="center")
        self.paint.text(s, "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn", pygame.Rect(
            self.px(30), b.y + b.h * 0.8, self.w - self.px(60), b.h * 0.1), self.px(28), DIM, align="center")

    def draw_refused(self, s, state: PadState) -> None:
        b = self.body
        pygame.draw.circle(s, AMBER, (self.w / 2, b.y + b.h * 0.32), b.h * 0.18)
        self.paint.text(s, "i", pygame.Rect(self.w / 2 - b.h * 0.1, b.y + b.h * 0.2, b.h * 0.2, b.h * 0.24),
                        self.px(90), INK, bold=True, align="center")
        self.paint.text(s, REFUSED_TEXT, pygame.Rect(self.px(30), b.y + b.h * 0.58, self.w - self.px(60),
                        b.h * 0.14), self.px(40), WHITE, bold=True, align="center")
        self.paint.text(s, "Xin cảm ơn Ông/Bà!", pygame.Rect(self.px(30), b.y + b.h * 0.76, self.w - self.px(60),
                        b.h * 0.12), self.px(34), DIM, align="center")
