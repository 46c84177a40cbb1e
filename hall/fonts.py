"""Finding a font that draws every Vietnamese letter, and proving it does.

pygame's built-in font and many bitmap fonts draw boxes for ơ, ư, ờ, ố…; every screen and ticket goes through
`find_font`, and the tests go through `missing_glyphs`.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .text import nfc

SEARCH = {
    False: ["/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu/DejaVuSans.ttf"],
    True: ["/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
           "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
           "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"],
}

# Every letter Vietnamese writes, upper and lower case: what a font must cover to be used here.
VIETNAMESE = nfc((
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
))
VIETNAMESE = VIETNAMESE + VIETNAMESE.upper() + "0123456789.,:;!?–—-()/%"


class FontNotFound(RuntimeError):
    pass


def find_font(bold: bool = False, configured: str = "") -> str:
    """The configured TTF if it exists, else Noto Sans, else DejaVu Sans (MOTCUA_FONT overrides)."""
    candidates = [configured, os.environ.get("MOTCUA_FONT", "")] + SEARCH[bold]
    for path in candidates:
        if path and Path(path).is_file():
            return path
    raise FontNotFound("no Unicode TTF found: install fonts-noto-core or fonts-dejavu-core "
                       "(make installs them) or set the font path in config.yaml")


@lru_cache(maxsize=8)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_glyphs(text: str, font_path: str) -> set[str]:
    """The characters of `text` (after NFC) that the font has no glyph for."""
    cmap = _cmap(font_path)
    return {ch for ch in nfc(text) if not ch.isspace() and ord(ch) not in cmap}
