"""Drawing widgets with pygame: a Unicode TTF (hall.fonts.find_font, NFC text), text wrapped and shrunk to fit its
box, QR codes as crisp modules. Each frame returns what it drew, so a test can check that every text fits.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pygame
import qrcode

from hall.fonts import find_font
from hall.text import nfc
from kiosk.widgets import Widget

SMALLEST = 14          # px: below this a text is said not to fit


@dataclass(frozen=True)
class Drawn:
    name: str
    text: str
    rect: tuple
    size: int
    fits: bool
    font: str


class Painter:
    def __init__(self, font: str = ""):
        self.paths = {False: find_font(False, font), True: find_font(True, font)}
        self._fonts: dict[tuple[bool, int], pygame.font.Font] = {}
        self._fitted: dict[tuple, tuple] = {}

    def font(self, bold: bool, size: int) -> pygame.font.Font:
        key = (bold, size)
        if key not in self._fonts:
            self._fonts[key] = pygame.font.Font(self.paths[bold], size)
        return self._fonts[key]

    def paint(self, surface: pygame.Surface, widgets: list[Widget]) -> list[Drawn]:
        drawn = []
        for w in widgets:
            rect = pygame.Rect(w.rect)
            if w.bg:
                pygame.draw.rect(surface, w.bg, rect, border_radius=max(0, min(rect.h, rect.w) // 12))
            if w.border:
                pygame.draw.rect(surface, w.border, rect, width=max(2, rect.h // 40),
                                 border_radius=max(0, min(rect.h, rect.w) // 12))
            if w.qr:
                surface.blit(qr_surface(w.qr, min(rect.w, rect.h)), rect.topleft)
            elif w.text:
                drawn.append(self.text(surface, w, rect))
        return drawn

    def text(self, surface: pygame.Surface, w: Widget, rect: pygame.Rect) -> Drawn:
        text = nfc(w.text)
        box = rect.inflate(-2 * w.pad, -2 * w.pad) if w.pad else rect
        size, lines, fits = self.fit(text, w.bold, w.size, box.w, box.h)
        font = self.font(w.bold, size)
        step = font.get_linesize()
        y = box.y + (box.h - step * len(lines)) // 2
        for line in lines:
            image = font.render(line, True, w.fg)
            x = box.x if w.align == "left" else box.x + (box.w - image.get_width()) // 2
            surface.blit(image, (x, y))
            y += step
        return Drawn(w.name, text, tuple(rect), size, fits, self.paths[w.bold])

    def fit(self, text: str, bold: bool, largest: int, width: int, height: int):
        """The largest size (down to SMALLEST) at which the wrapped text fits the box: (size, lines, fits)."""
        key = (text, bold, largest, width, height)
        if key in self._fitted:
            return self._fitted[key]
        size = max(SMALLEST, largest)
        while True:
            font = self.font(bold, size)
            lines = wrap(text, font, width)
            fits = (font.get_linesize() * len(lines) <= height and
                    all(font.size(line)[0] <= width for line in lines))
            if fits or size <= SMALLEST:
                self._fitted[key] = size, lines, fits
                return size, lines, fits
            size = max(SMALLEST, int(size * 0.92))


def wrap(text: str, font: pygame.font.Font, width: int) -> list[str]:
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if font.size(trial)[0] <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


@lru_cache(maxsize=16)
def qr_surface(data: str, side: int) -> pygame.Surface:
    """The QR code of `data`, whole modules only, centred on a white square `side` pixels wide."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = max(1, side // len(matrix))
    offset = (side - module * len(matrix)) // 2
    surface = pygame.Surface((side, side))
    surface.fill("#ffffff")
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                surface.fill("#000000", (offset + c * module, offset + r * module, module, module))
    return surface
