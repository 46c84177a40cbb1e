"""Drawing helpers shared by the wall display and the rating pad: fonts, text fitted to a box, colours.

    fonts = Fonts(configured=display.font)           # hall.fonts.find_font: a TTF that has every Vietnamese glyph
    paint = Painter(fonts)
    paint.text(surface, "Mời số A015", box, size=80, color=WHITE, bold=True, align="center")
    paint.wrap(surface, long_text, box, size=32, color=DIM)
    paint.drawn                                      # what was drawn this frame: text, box, ink rect, font, fits

Text is NFC. It is placed by its *ink* (the pixels the glyphs cover, diacritics included), so a big number can
fill its box, and the size shrinks until the ink fits; only when the smallest size still does not fit is the
text cut with "…" — and `fits` is False in `drawn`, which the tests check. Rendered text is cached, so a frame
that repeats the last one's words costs blits only.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass

import pygame

from hall.fonts import find_font
from hall.text import nfc

BG = (9, 14, 26)
PANEL = (20, 29, 46)
CELL = (27, 37, 56)
LINE = (44, 58, 84)
WHITE = (245, 247, 250)
DIM = (120, 134, 156)
FAINT = (70, 82, 104)
AMBER = (255, 193, 7)
RED = (198, 40, 40)
DARK_RED = (127, 0, 0)
GREEN = (46, 125, 50)
INK = (12, 16, 24)


def hex_color(text: str, default=(100, 110, 130)) -> tuple[int, int, int]:
    try:
        value = text.lstrip("#")
        return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))
    except (ValueError, AttributeError, IndexError):
        return default


def mix(a, b, t: float) -> tuple[int, int, int]:
    return tuple(int(x + (y - x) * t) for x, y in zip(a, b))


class Fonts:
    """pygame fonts by (size, bold), from the configured TTF or hall.fonts' Noto/DejaVu."""

    def __init__(self, configured: str = ""):
        pygame.font.init()
        self.paths = {False: find_font(False, configured), True: find_font(True, configured)}
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}

    def get(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (max(6, int(size)), bold)
        font = self._fonts.get(key)
        if font is None:
            font = self._fonts[key] = pygame.font.Font(self.paths[bold], key[0])
        return font


@dataclass
class Drawn:
    text: str
    box: pygame.Rect
    ink: pygame.Rect
    font: str
    size: int
    fits: bool


def _size(surface: pygame.Surface) -> int:
    return surface.get_width() * surface.get_height() * surface.get_bytesize()


class Painter:
    def __init__(self, fonts: Fonts, cache: int = 1500, cache_bytes: int = 24 << 20):
        self.fonts = fonts
        self.drawn: list[Drawn] = []
        self._cache: "collections.OrderedDict" = collections.OrderedDict()
        self._limit, self._limit_bytes = cache, cache_bytes
        self.cached_bytes = 0        # pixels held by the cache: bounded, so a screen running for weeks stays small

    def begin(self) -> None:
        """A new full frame: forget what the last one drew."""
        self.drawn = []

    def render(self, text: str, size: int, bold: bool, color) -> tuple[pygame.Surface, pygame.Rect]:
        """The text's surface and its ink rectangle inside it (cached)."""
        key = (text, int(size), bold, tuple(color))
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        surface = self.fonts.get(size, bold).render(text, True, color)
        ink = surface.get_bounding_rect()
        if ink.w == 0:  # blank text: keep the line's height so layout stays put
            ink = pygame.Rect(0, 0, surface.get_width(), surface.get_height())
        self._cache[key] = (surface, ink)
        self.cached_bytes += _size(surface)
        while len(self._cache) > 1 and (len(self._cache) > self._limit or self.cached_bytes > self._limit_bytes):
            old, _ = self._cache.popitem(last=False)[1]
            self.cached_bytes -= _size(old)
        return surface, ink

    def fit(self, text: str, box: pygame.Rect, size: int, bold: bool, color, min_size: int):
        """The largest size ≤ size whose ink fits the box (or min_size), its surface and ink, and whether it fits."""
        size = int(size)
        for _ in range(8):
            surface, ink = self.render(text, size, bold, color)
            if ink.w <= box.w and ink.h <= box.h:
                return surface, ink, size, True
            if size <= min_size:
                break
            scale = min(box.w / max(1, ink.w), box.h / max(1, ink.h))
            size = max(min_size, min(size - 1, int(size * scale)))
        return surface, ink, size, False

    def text(self, surface: pygame.Surface, text, box: pygame.Rect, size: int, color, bold: bool = False,
             align: str = "left", valign: str = "center", min_size: int | None = None) -> pygame.Rect:
        text = nfc(str(text))
        box = pygame.Rect(box)
        min_size = min_size or max(8, int(size * 0.45))
        rendered, ink, used, fits = self.fit(text, box, size, bold, color, min_size)
        if not fits:
            cut = text
            while len(cut) > 1 and (ink.w > box.w or ink.h > box.h):
                cut = cut[:-1].rstrip()
                rendered, ink = self.render(cut + "…", used, bold, color)
        x = {"left": box.x, "center": box.centerx - ink.w // 2, "right": box.right - ink.w}[align]
        y = {"top": box.y, "center": box.centery - ink.h // 2, "bottom": box.bottom - ink.h}[valign]
        surface.blit(rendered, (x - ink.x, y - ink.y))
        placed = pygame.Rect(x, y, ink.w, ink.h)
        self.drawn.append(Drawn(text, box, placed, self.fonts.paths[bold], used, fits))
        return placed

    def wrap(self, surface: pygame.Surface, text, box: pygame.Rect, size: int, color, bold: bool = False,
             align: str = "center", max_lines: int = 3, min_size: int | None = None) -> list[pygame.Rect]:
        """Break text into at most max_lines lines that fit the box's width, shrinking until they do."""
        text = nfc(str(text))
        box = pygame.Rect(box)
        min_size = min_size or max(8, int(size * 0.45))
        size = int(size)
        while True:
            font = self.fonts.get(size, bold)
            lines = split_lines(text, font, box.w)
            line_h = font.get_linesize()
            if (len(lines) <= max_lines and line_h * len(lines) <= box.h) or size <= min_size:
                break
            size = max(min_size, int(size * 0.9))
        lines = lines[:max_lines]
        top = box.y + max(0, (box.h - line_h * len(lines)) // 2)
        return [self.text(surface, line, pygame.Rect(box.x, top + i * line_h, box.w, line_h), size, color, bold,
                          align, min_size=min_size) for i, line in enumerate(lines)]


def split_lines(text: str, font: pygame.font.Font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and font.size(trial)[0] > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + ([line] if line else [])


def rounded(surface: pygame.Surface, rect, color, radius: int = 12, width: int = 0) -> None:
    pygame.draw.rect(surface, color, rect, width, border_radius=max(0, int(radius)))


def speaker(surface: pygame.Surface, box: pygame.Rect, color) -> None:
    """A loudspeaker with two sound waves, for the spoken-text caption."""
    s = box.h
    x, cy = box.x, box.centery
    body = pygame.Rect(x, cy - s * 0.18, s * 0.22, s * 0.36)
    pygame.draw.rect(surface, color, body)
    pygame.draw.polygon(surface, color, [(body.right, body.top), (x + s * 0.5, cy - s * 0.42),
                                         (x + s * 0.5, cy + s * 0.42), (body.right, body.bottom)])
    for r in (0.32, 0.5):
        arc = pygame.Rect(0, 0, s * r * 2, s * r * 2)
        arc.center = (x + s * 0.5, cy)
        pygame.draw.arc(surface, color, arc, -0.9, 0.9, max(2, s // 14))
