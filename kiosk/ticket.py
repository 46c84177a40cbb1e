"""The printed ticket: laid out once, handed out twice — as a picture and as an ESC/POS job.

API for the kiosk (after POST /api/tickets answered 201 with the ticket JSON):

    from kiosk.ticket import render_ticket, print_ticket
    layout = render_ticket(ticket, centre, width=576)   # hall.config.Centre; 576 dots = 80 mm, 384 = 58 mm
    layout.preview()        # PIL image ("1" mode), what the paper will look like — show it, save it
    layout.escpos()         # bytes of the ESC/POS job (≈ 4–6 KB)
    result = print_ticket(printer, ticket, centre)      # printer from drivers.printer.open_printer
    result.ok, result.bytes, result.fault, result.preview_path

`print_ticket` never raises for a printer fault: it returns it (`ok=False`, `fault.code` in paper_out, offline,
cover_open, disconnected, timeout), so the kiosk still shows the number and its QR code on the screen. A ticket
that printed on a nearly empty roll comes back `ok=True` with the warning `fault.code == "paper_low"`.

The layout is a list of blocks. Vietnamese lines are raster images (GS v 0), drawn with a Unicode TTF and
thresholded to 1 bit without dithering, cropped to their ink and centred by the printer (ESC a 1); the ticket
number is the printer's own enlarged ASCII text (GS !) and the QR code its own (GS ( k), which keeps the job small.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Optional, Union

import qrcode
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

from drivers.printer import PrinterFault, TicketPrinter
from hall.config import Centre
from hall.fonts import find_font
from hall.phrases import counter_label
from hall.text import nfc

HEADER = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH LAI CHÂU"
FOOTER = "Quét mã QR để theo dõi số thứ tự của Ông/Bà"      # when the centre has no ticket_footer
REQUIRED = ("number", "service_name", "unit_name", "issued_at", "status_url")
MARGIN = 8                     # dots kept clear on each side
FONT_A = (12, 24)              # the printer's Font A cell, in dots
SIZES = {"header": 18, "unit": 20, "body": 18, "label": 21, "small": 15}   # font px (Font A's capitals ≈ 24 px)
BOTTOM = 24                    # blank dots under the last block in the picture (the cutter's feed is not drawn)


# --- blocks: what the printer is told, and how it looks -------------------------------------------------------
@dataclass(frozen=True)
class Raster:
    """A 1-bit picture printed with GS v 0, centred; `text` is what it shows (for tests and logs)."""
    image: Image.Image
    text: str = ""

    @property
    def size(self) -> tuple[int, int]:
        w, h = self.image.size
        return (w + 7) // 8 * 8, h       # the printer pads each row to whole bytes


@dataclass(frozen=True)
class Native:
    """ASCII text in the printer's own Font A, enlarged `mag` times (GS !), bold or not (ESC E), centred."""
    text: str
    mag: int = 1
    bold: bool = False

    @property
    def size(self) -> tuple[int, int]:
        return len(self.text) * FONT_A[0] * self.mag, FONT_A[1] * self.mag


@dataclass(frozen=True)
class QR:
    """A QR code the printer draws itself (GS ( k), model 2, error correction M, `module` dots per module."""
    data: str
    module: int

    @property
    def size(self) -> tuple[int, int]:
        side = qr_image(self.data, self.module).size[0]
        return side, side


@dataclass(frozen=True)
class Gap:
    """Blank paper, `dots` high (sent as an empty one-byte-wide raster: exact on every printer)."""
    dots: int

    @property
    def size(self) -> tuple[int, int]:
        return 8, self.dots


Block = Union[Raster, Native, QR, Gap]


@lru_cache(maxsize=32)
def qr_image(data: str, module: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image().get_image().convert("1")


@lru_cache(maxsize=8)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(find_font(bold=bold), size)


def draw_native(block: Native) -> Image.Image:
    """How the printer's Font A looks, near enough for the picture: one glyph per 12×24 cell."""
    text, mag = block.text, block.mag
    cw, ch = FONT_A[0] * mag, FONT_A[1] * mag
    image = Image.new("L", (cw * len(text), ch), 255)
    draw = ImageDraw.Draw(image)
    font = _font(int(ch * (0.8 if block.bold else 0.7)), block.bold)
    for i, letter in enumerate(text):
        draw.text((i * cw + cw / 2, ch * 0.55), letter, font=font, fill=0, anchor="mm")
    return image.convert("1", dither=Image.Dither.NONE)


def compose(blocks: list[Block], width: int) -> Image.Image:
    """Stack the blocks the way the printer does: each centred, one under the other."""
    height = sum(b.size[1] for b in blocks) + BOTTOM
    paper = Image.new("1", (width, height), 1)
    y = 0
    for block in blocks:
        w, h = block.size
        if isinstance(block, Raster):
            paper.paste(block.image, ((width - w) // 2, y))
        elif isinstance(block, Native):
            paper.paste(draw_native(block), ((width - w) // 2, y))
        elif isinstance(block, QR):
            paper.paste(qr_image(block.data, block.module), ((width - w) // 2, y))
        y += h
    return paper


# --- text lines -------------------------------------------------------------------------------------------------
def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap by measured width; a word wider than the line is split between letters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while font.getlength(word) > max_width:
            cut = 1
            while font.getlength(word[:cut + 1]) <= max_width:
                cut += 1
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if line and font.getlength(candidate) > max_width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def balanced(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """As few lines as greedy wrapping needs, but as even as possible (no lone last word)."""
    lines = wrap(text, font, max_width)
    low, high = 1, max_width
    while low < high and len(lines) > 1:
        mid = (low + high) // 2
        if len(wrap(text, font, mid)) <= len(lines):
            high = mid
        else:
            low = mid + 1
    return wrap(text, font, high) if len(lines) > 1 else lines


def text_blocks(text: str, size: int, width: int, bold: bool = False, leading: int = 6) -> list[Block]:
    """One Raster per wrapped line, cropped to its ink; the blank rows become Gaps so the baselines stay even."""
    font = _font(size, bold)
    ascent, descent = font.getmetrics()
    pitch = ascent + descent + leading
    blocks: list[Block] = []
    for line in balanced(nfc(text), font, width - 2 * MARGIN):
        strip = Image.new("L", (width, pitch), 255)
        ImageDraw.Draw(strip).text((0, leading // 2 + ascent), line, font=font, fill=0, anchor="ls")
        strip = strip.convert("1", dither=Image.Dither.NONE)       # threshold at 50 %, no dithering
        ink = Image.eval(strip, lambda v: 255 - v).getbbox()
        if ink is None:
            blocks.append(Gap(pitch))
            continue
        left, top, right, bottom = ink
        if top:
            blocks.append(Gap(top))
        blocks.append(Raster(without_status_query(strip.crop((left, top, right, bottom))), line))
        if pitch - bottom:
            blocks.append(Gap(pitch - bottom))
    return blocks


def without_status_query(image: Image.Image) -> Image.Image:
    """Printers obey DLE EOT n (10 04 0n) even inside image data; drop the one dot that would spell it."""
    data = bytearray(Image.eval(image, lambda v: 255 - v).tobytes())   # as sent: 1 = black dot
    hits = [m.start() + 1 for m in re.finditer(rb"\x10\x04[\x01-\x04]", bytes(data))]
    if not hits:
        return image
    for at in hits:
        data[at] = 0
    return Image.eval(Image.frombytes("1", image.size, bytes(data)), lambda v: 255 - v)


def rule(width: int) -> list[Block]:
    """A dashed line across the ticket, in the printer's own font (cheaper than a picture)."""
    return [Native("-" * ((width - 4 * MARGIN) // FONT_A[0]))]


def merge_gaps(blocks: list[Block]) -> tuple[Block, ...]:
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Gap) and out and isinstance(out[-1], Gap):
            out[-1] = Gap(out[-1].dots + block.dots)
        else:
            out.append(block)
    return tuple(out)


# --- the ticket ---------------------------------------------------------------------------------------------------
def check_ticket(ticket: dict) -> None:
    if not isinstance(ticket, dict):
        raise ValueError(f"ticket must be the server's JSON object, got {type(ticket).__name__}")
    missing = [k for k in REQUIRED if not ticket.get(k)]
    if missing:
        raise ValueError(f"ticket {ticket.get('number', '?')}: missing {', '.join(missing)}")
    number = str(ticket["number"])
    if not (number.isascii() and number.isprintable() and len(number) <= 8):
        raise ValueError(f"ticket number {number!r} must be 1–8 printable ASCII characters (e.g. A015)")
    try:
        datetime.fromisoformat(ticket["issued_at"])
    except (TypeError, ValueError):
        raise ValueError(f"ticket {number}: issued_at {ticket['issued_at']!r} is not an ISO 8601 time") from None


def wait_lines(ticket: dict) -> list[str]:
    lines = []
    ahead = ticket.get("people_ahead")
    if ahead is not None:
        lines.append(f"Có {ahead} người đang chờ trước Ông/Bà" if ahead else "Không có ai đang chờ trước Ông/Bà")
    wait_s = ticket.get("estimated_wait_s")
    if wait_s is not None:
        minutes = round(wait_s / 60)
        lines.append(f"Thời gian chờ dự kiến: khoảng {minutes} phút" if minutes >= 1
                     else "Thời gian chờ dự kiến: dưới 1 phút")
    return lines


@dataclass(frozen=True)
class TicketLayout:
    blocks: tuple[Block, ...]
    width: int

    def preview(self) -> Image.Image:
        return compose(list(self.blocks), self.width)

    def escpos(self) -> bytes:
        return encode(self.blocks, self.width)


def render_ticket(ticket: dict, centre: Centre, width: int = 576) -> TicketLayout:
    """Lay out one ticket for a printer `width` dots wide (576 for 80 mm paper, 384 for 58 mm)."""
    if width not in (384, 576):
        raise ValueError(f"printer width must be 384 or 576 dots, got {width}")
    check_ticket(ticket)
    t = {k: nfc(v) if isinstance(v, str) else v for k, v in ticket.items()}
    issued = datetime.fromisoformat(t["issued_at"])
    number = str(t["number"])
    mag = max(1, min(6, (width - 2 * MARGIN) // (FONT_A[0] * len(number))))
    size = SIZES
    blocks: list[Block] = [Gap(4)]
    blocks += text_blocks((centre.name or HEADER).upper(), size["header"], width, bold=True)
    blocks += rule(width)
    blocks += text_blocks(t["unit_name"], size["unit"], width, bold=True)
    blocks += text_blocks(t["service_name"], size["body"], width)
    blocks += [Gap(10)] + text_blocks("SỐ THỨ TỰ", size["label"], width, bold=True)
    blocks += [Native(number, mag, bold=True), Gap(8)]
    if t.get("priority_name"):
        blocks += text_blocks(f"Ưu tiên: {t['priority_name']}", size["unit"], width, bold=True)
    blocks += rule(width)
    for line in wait_lines(t):
        blocks += text_blocks(line, size["body"], width)
    labels = [counter_label(c["number"], c.get("label")) for c in t.get("counters") or []]
    if labels:
        blocks += text_blocks(", ".join(labels), size["body"], width, bold=True)
    blocks += [Gap(4), Native(f"{issued:%d/%m/%Y  %H:%M}")]
    blocks += [Gap(12), QR(t["status_url"], 6 if width == 576 else 5), Gap(8)]
    blocks += rule(width) + text_blocks(centre.ticket_footer or FOOTER, size["small"], width)
    return TicketLayout(merge_gaps(blocks), width)


def encode(blocks, width: int) -> bytes:
    """The ESC/POS job for the blocks, built with python-escpos: init, centre, blocks, feed and cut."""
    job = Dummy()
    job.profile.profile_data = {**job.profile.profile_data,
                                "media": {"dpi": 203, "width": {"mm": width // 8, "pixels": width}}}
    job.hw("INIT")
    job.set(align="center")
    for block in blocks:
        if isinstance(block, Raster):
            job.image(block.image)
        elif isinstance(block, Gap):
            job.image(Image.new("1", (8, block.dots), 1))
        elif isinstance(block, Native):
            if block.mag > 1:
                job.set(custom_size=True, width=block.mag, height=block.mag)
            job.set(bold=block.bold)
            job.text(block.text + "\n")
            if block.mag > 1:
                job.set(normal_textsize=True)
        elif isinstance(block, QR):
            job.qr(block.data, ec=QR_ECLEVEL_M, size=block.module, native=True)
    job.cut()
    return job.output


# --- printing -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PrintResult:
    ok: bool
    bytes: int                               # size of the job that went to the printer (0 if none did)
    fault: Optional[PrinterFault] = None     # the fault; with ok=True only the warning "paper_low"
    preview_path: Optional[str] = None       # the PNG the preview printer wrote


def print_ticket(printer: TicketPrinter, ticket: dict, centre: Centre, width: Optional[int] = None) -> PrintResult:
    """Render and print one ticket. Bad ticket JSON raises ValueError; printer faults are returned, never raised."""
    layout = render_ticket(ticket, centre, width or printer.settings.width)
    job = layout.escpos()
    try:
        warning = printer.check()
        path = printer.send(job, layout.preview(), name=str(ticket["number"]))
    except PrinterFault as fault:
        return PrintResult(False, 0, fault)
    return PrintResult(True, len(job), warning, str(path) if path else None)
