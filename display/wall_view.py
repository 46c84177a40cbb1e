"""How the wall display looks: the layout for any screen size and the drawing of a WallState.

Designed on 1920×1080 and laid out in proportions of the screen, so 1366×768 and 4K get the same picture.

    ┌ header: centre name ······························· clock, date ┐
    │ ┌ latest call (flashes) ┐  ┌ counters grid: badge, number, unit ┐ │
    │ │ MỜI CÔNG DÂN CÓ SỐ    │  │ [3] A015  │ [4] —     │ …           │ │
    │ │      A015             │  │ Kế hoạch… │ Kế hoạch… │             │ │
    │ │  ĐẾN QUẦY 3           │  │ …                                  │ │
    │ ├ last calls ───────────┤  │                                    │ │
    │ caption: the sentence being spoken (for deaf visitors)            │
    └ THÔNG BÁO | the announcement line, scrolling ─────────────────────┘
"""
from __future__ import annotations

import math
from datetime import datetime

import pygame

from display.draw import (AMBER, BG, CELL, DARK_RED, DIM, FAINT, INK, LINE, PANEL, RED, WHITE, Fonts, Painter,
                          hex_color, mix, rounded, speaker)
from display.wall_state import WallState, clock_text, date_text

TICKER_SPEED = 140          # px per second at 1080p
HINT = "Khi đến lượt, số thứ tự của Ông/Bà sẽ được gọi trên loa và hiện trên màn hình này"
STALE_TITLE = "Mất kết nối — đang kết nối lại…"
STALE_NOTE = "Số trên màn hình có thể chưa được cập nhật"


def grid_shape(n: int, area: pygame.Rect, aspect: float = 3.3) -> tuple[int, int, int, int]:
    """(columns, rows, cell width, cell height) giving the tallest cells no narrower than `aspect` × height."""
    best = (1, max(1, n), area.w, area.h)
    best_h = -1
    for cols in range(1, 9):
        rows = max(1, math.ceil(n / cols))
        cw = area.w // cols
        ch = min(area.h // rows, int(cw / aspect))
        if ch > best_h:
            best, best_h = (cols, rows, cw, ch), ch
    return best


class WallView:
    def __init__(self, size: tuple[int, int], fonts: Fonts, centre: str = "", subtitle: str = "",
                 unit_colors: dict | None = None):
        self.w, self.h = size
        self.paint = Painter(fonts)
        self.centre, self.subtitle = centre, subtitle
        self.unit_colors = {k: hex_color(v) for k, v in (unit_colors or {}).items()}
        self.u = min(self.w / 1920, self.h / 1080)
        self._layout()
        self._shade = pygame.Surface((self.w, self.h), pygame.SRCALPHA)
        self._shade.fill((0, 0, 0, 170))
        self._ticker_text = None

    def px(self, value: float) -> int:
        return max(1, round(value * self.u))

    def _layout(self) -> None:
        w, h, m = self.w, self.h, self.px(18)
        self.header = pygame.Rect(0, 0, w, round(h * 0.10))
        self.ticker = pygame.Rect(0, h - round(h * 0.065), w, round(h * 0.065))
        self.lane = pygame.Rect(self.px(250), self.ticker.y, w - self.px(250), self.ticker.h)
        self.caption = pygame.Rect(0, self.ticker.y - round(h * 0.075), w, round(h * 0.075))
        body = pygame.Rect(m, self.header.bottom + m, w - 2 * m, self.caption.y - self.header.bottom - 2 * m)
        left = pygame.Rect(body.x, body.y, round(body.w * 0.33), body.h)
        self.call = pygame.Rect(left.x, left.y, left.w, round(left.h * 0.55))
        self.recent = pygame.Rect(left.x, self.call.bottom + m, left.w, left.bottom - self.call.bottom - m)
        self.grid = pygame.Rect(left.right + m, body.y, body.right - left.right - m, body.h)
        self.margin = m

    # --- the whole picture ----------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface, state: WallState, now: float, wall: datetime) -> None:
        self.paint.begin()
        surface.fill(BG)
        self.draw_header(surface, wall)
        self.draw_call(surface, state, now)
        self.draw_recent(surface, state)
        self.draw_grid(surface, state, now)
        self.draw_caption(surface, state)
        self.draw_ticker_tag(surface)
        if state.stale:
            self.draw_stale(surface)

    def draw_header(self, s: pygame.Surface, wall: datetime) -> None:
        r = self.header
        pygame.draw.rect(s, DARK_RED, r)
        pygame.draw.rect(s, AMBER, (0, r.bottom - self.px(4), self.w, self.px(4)))
        pad = self.px(24)
        badge = pygame.Rect(pad, r.y + r.h * 0.17, r.h * 0.66, r.h * 0.66)
        rounded(s, badge, RED, self.px(8))
        star(s, badge.center, badge.h * 0.36, AMBER)
        clock_box = pygame.Rect(r.right - self.px(520), r.y, self.px(520) - pad, r.h)
        text_x = badge.right + pad
        title = pygame.Rect(text_x, r.y + r.h * 0.12, clock_box.x - text_x - pad, r.h * 0.42)
        self.paint.text(s, self.centre.upper(), title, self.px(40), AMBER, bold=True)
        sub = pygame.Rect(text_x, title.bottom + r.h * 0.08, title.w, r.h * 0.28)
        self.paint.text(s, self.subtitle, sub, self.px(26), WHITE)
        self.paint.text(s, clock_text(wall), pygame.Rect(clock_box.x, r.y + r.h * 0.08, clock_box.w, r.h * 0.52),
                        self.px(60), WHITE, bold=True, align="right")
        self.paint.text(s, date_text(wall), pygame.Rect(clock_box.x, r.y + r.h * 0.66, clock_box.w, r.h * 0.24),
                        self.px(26), AMBER, align="right")

    def draw_call(self, s: pygame.Surface, state: WallState, now: float) -> None:
        r, call = self.call, state.latest
        bright = call is not None and state.flash_on(now)
        rounded(s, r, AMBER if bright else PANEL, self.px(18))
        if call is not None and state.flashing(now):
            rounded(s, r, AMBER, self.px(18), self.px(6))
        fg, accent = (INK, INK) if bright else (WHITE, AMBER)
        inner = r.inflate(-self.px(48), -self.px(36))
        if call is None:
            self.paint.text(s, "CHƯA CÓ SỐ NÀO ĐƯỢC GỌI", pygame.Rect(inner.x, inner.y + inner.h * 0.32, inner.w,
                            inner.h * 0.14), self.px(44), DIM, bold=True, align="center")
            self.paint.wrap(s, "Mời Quý khách lấy số thứ tự và theo dõi màn hình", pygame.Rect(
                inner.x, inner.y + inner.h * 0.52, inner.w, inner.h * 0.24), self.px(32), FAINT, max_lines=2)
            return
        head = "GỌI LẠI — MỜI CÔNG DÂN CÓ SỐ" if call.recall else "MỜI CÔNG DÂN CÓ SỐ"
        self.paint.text(s, head, pygame.Rect(inner.x, inner.y, inner.w, inner.h * 0.12), self.px(40), fg,
                        bold=True, align="center")
        self.paint.text(s, call.number, pygame.Rect(inner.x, inner.y + inner.h * 0.16, inner.w, inner.h * 0.42),
                        self.px(250), accent, bold=True, align="center")
        self.paint.text(s, f"ĐẾN {call.counter_label.upper()}", pygame.Rect(
            inner.x, inner.y + inner.h * 0.64, inner.w, inner.h * 0.17), self.px(76), fg, bold=True, align="center")
        self.paint.text(s, call.unit_name, pygame.Rect(inner.x, inner.y + inner.h * 0.86, inner.w, inner.h * 0.14),
                        self.px(40), fg, align="center")

    def draw_recent(self, s: pygame.Surface, state: WallState) -> None:
        r = self.recent
        rounded(s, r, PANEL, self.px(18))
        pad = self.px(24)
        title = pygame.Rect(r.x + pad, r.y + self.px(12), r.w - 2 * pad, self.px(48))
        self.paint.text(s, "SỐ VỪA GỌI", title, self.px(34), AMBER, bold=True)
        slots = max(1, state.last_calls)
        top = title.bottom + self.px(10)
        row_h = (r.bottom - self.px(12) - top) // slots
        for i in range(slots):
            row = pygame.Rect(r.x + self.px(12), top + i * row_h, r.w - self.px(24), row_h - self.px(4))
            if i % 2 == 0:
                rounded(s, row, CELL, self.px(10))
            if i >= len(state.calls):
                continue
            c = state.calls[i]
            half = pygame.Rect(row.x + pad, row.y + row.h * 0.14, row.w * 0.45 - pad, row.h * 0.72)
            self.paint.text(s, c.number, half, self.px(56), WHITE, bold=True)
            right = pygame.Rect(row.x + row.w * 0.45, half.y, row.w * 0.55 - pad, half.h)
            self.paint.text(s, c.counter_label, right, self.px(44), DIM if c.recall else WHITE,
                            bold=True, align="right")

    def draw_grid(self, s: pygame.Surface, state: WallState, now: float) -> None:
        counters = state.visible_counters()
        if not counters:
            return
        cols, rows, cw, ch = grid_shape(len(counters), self.grid)
        gap = max(2, self.px(8))
        top = self.grid.y + (self.grid.h - rows * ch) // 2
        for i, c in enumerate(counters):
            cell = pygame.Rect(self.grid.x + (i % cols) * cw, top + (i // cols) * ch, cw - gap, ch - gap)
            self.draw_counter(s, cell, c, state, now)

    def draw_counter(self, s: pygame.Surface, cell: pygame.Rect, c, state: WallState, now: float) -> None:
        hot = c.ticket and state.recently_called(c, now)
        closed = c.state == "closed"
        bg = mix(CELL, AMBER, 0.28 if hot and state.flash_on(now) else 0.12) if hot else CELL
        radius = max(4, cell.h // 8)
        rounded(s, cell, mix(bg, BG, 0.45) if closed else bg, radius)
        if hot:
            rounded(s, cell, AMBER, radius, max(2, self.px(4)))
        pad = max(3, cell.h // 10)
        badge = pygame.Rect(cell.x + pad, cell.y + pad, cell.h - 2 * pad, cell.h - 2 * pad)
        color = self.unit_colors.get(c.unit, LINE)
        rounded(s, badge, mix(color, BG, 0.6) if closed else color, radius)
        self.paint.text(s, str(c.number), badge.inflate(-badge.w * 0.16, -badge.h * 0.3), round(badge.h * 0.6),
                        DIM if closed else WHITE, bold=True, align="center")
        right = pygame.Rect(badge.right + pad * 1.5, cell.y + pad, cell.right - badge.right - pad * 2.5,
                            cell.h - 2 * pad)
        number_box = pygame.Rect(right.x, right.y, right.w, right.h * 0.6)
        if c.state == "paused" and not c.ticket:
            self.paint.text(s, "Tạm dừng", number_box, round(right.h * 0.42), AMBER, bold=True)
        elif c.ticket:
            self.paint.text(s, c.ticket, number_box, round(right.h * 0.62), WHITE if c.serving else AMBER,
                            bold=True)
        else:
            self.paint.text(s, "—", number_box, round(right.h * 0.5), FAINT, bold=True)
        unit_box = pygame.Rect(right.x, right.y + right.h * 0.68, right.w, right.h * 0.32)
        self.paint.text(s, c.unit_name, unit_box, round(right.h * 0.27), FAINT if closed else DIM,
                        min_size=max(8, round(right.h * 0.2)))

    def draw_caption(self, s: pygame.Surface, state: WallState) -> None:
        r = self.caption
        pygame.draw.rect(s, PANEL, r)
        pad = self.px(28)
        if state.caption:
            icon = pygame.Rect(pad, r.y + r.h * 0.2, r.h * 0.6, r.h * 0.6)
            speaker(s, icon, AMBER)
            self.paint.text(s, state.caption, pygame.Rect(icon.right + pad, r.y + r.h * 0.15,
                            r.w - icon.right - 2 * pad, r.h * 0.7), self.px(46), WHITE, bold=True)
        else:
            self.paint.text(s, HINT, pygame.Rect(pad, r.y + r.h * 0.22, r.w - 2 * pad, r.h * 0.56), self.px(32),
                            DIM, align="center")

    def draw_stale(self, s: pygame.Surface) -> None:
        s.blit(self._shade, (0, self.header.bottom))
        band = pygame.Rect(0, self.h * 0.36, self.w, self.h * 0.22)
        pygame.draw.rect(s, RED, band)
        pygame.draw.rect(s, WHITE, (0, band.y, self.w, self.px(4)))
        pygame.draw.rect(s, WHITE, (0, band.bottom - self.px(4), self.w, self.px(4)))
        self.paint.text(s, STALE_TITLE, pygame.Rect(band.x + self.px(40), band.y + band.h * 0.12,
                        band.w - self.px(80), band.h * 0.5), self.px(84), WHITE, bold=True, align="center")
        self.paint.text(s, STALE_NOTE, pygame.Rect(band.x, band.y + band.h * 0.66, band.w, band.h * 0.22),
                        self.px(38), WHITE, align="center")

    # --- the scrolling line: drawn every frame, on its own strip --------------------------------------
    def draw_ticker_tag(self, s: pygame.Surface) -> None:
        tag = pygame.Rect(0, self.ticker.y, self.lane.x, self.ticker.h)
        pygame.draw.rect(s, RED, tag)
        self.paint.text(s, "THÔNG BÁO", tag.inflate(-self.px(30), -tag.h * 0.4), self.px(30), WHITE, bold=True,
                        align="center")

    def draw_ticker(self, s: pygame.Surface, text: str, t: float) -> pygame.Rect:
        """The announcement lane, `t` seconds into its scroll; returns the rectangle to update."""
        lane = self.lane
        pygame.draw.rect(s, INK, lane)
        if text:
            if self._ticker_text is None or self._ticker_text[0] != text:
                self._ticker_text = (text, *self.paint.render(text, round(lane.h * 0.5), False, AMBER))
            _, surf, ink = self._ticker_text
            travel = lane.w + ink.w + self.px(80)
            x = lane.right - (t * TICKER_SPEED * self.u) % travel
            s.set_clip(lane)
            s.blit(surf, (x - ink.x, lane.centery - ink.h // 2 - ink.y))
            s.set_clip(None)
        return lane


def star(s: pygame.Surface, center, radius: float, color) -> None:
    cx, cy = center
    points = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = radius if i % 2 == 0 else radius * 0.4
        points.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    pygame.draw.polygon(s, color, points)
