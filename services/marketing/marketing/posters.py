"""Share posters drawn with Pillow (D4, D12): a theme's colours, the title and summary wrapped by
rendered width, the salesperson's name and phone, and a QR code (segno) of their share link.

Chinese needs a CJK font: POSTER_FONT names one, else the first found of the usual Debian paths
(the image installs fonts-wqy-microhei; `.ci/run` installs fonts-wqy-zenhei). Without one a
poster is refused (POSTER_FONT_MISSING), never drawn as empty boxes."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from crmkit.errors import Unavailable

from .domain.posters import SUMMARY_LINES, TITLE_LINES, Theme, wrap
from .errors import ErrorCode

WIDTH, HEIGHT = 750, 1334  # a phone screen at 2x: what WeChat shows full-screen
MARGIN = 56
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


@dataclass(frozen=True)
class PosterText:
    title: str
    summary: str
    sharer_name: str
    sharer_phone: str
    call_to_action: str  # e.g. 长按识别二维码阅读全文


def font_path() -> Path:
    for candidate in (os.environ.get("POSTER_FONT", ""), *FONT_PATHS):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise Unavailable(ErrorCode.POSTER_FONT_MISSING)


@lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def render(theme: Theme, text: PosterText, link: str) -> bytes:
    """The poster as PNG bytes."""
    path = str(font_path())
    title_font, body_font, small = _font(path, 52), _font(path, 32), _font(path, 28)
    image = Image.new("RGB", (WIDTH, HEIGHT), theme.background)
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN

    title_lines = wrap(text.title, title_font.getlength, inner, TITLE_LINES)
    band_height = MARGIN * 2 + len(title_lines) * 72
    draw.rectangle((0, 0, WIDTH, band_height), fill=theme.band)
    y = MARGIN
    for line in title_lines:
        draw.text((MARGIN, y), line, font=title_font, fill=theme.title)
        y += 72

    y = band_height + MARGIN
    for line in wrap(text.summary, body_font.getlength, inner, SUMMARY_LINES):
        draw.text((MARGIN, y), line, font=body_font, fill=theme.text)
        y += 50

    qr_size = 320
    qr = segno.make(link, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=10, border=2, dark="#000000", light="#ffffff")
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB").resize((qr_size, qr_size), Image.NEAREST)
    qr_top = HEIGHT - MARGIN - qr_size - 60
    image.paste(code, ((WIDTH - qr_size) // 2, qr_top))
    caption = text.call_to_action
    draw.text(((WIDTH - small.getlength(caption)) / 2, qr_top + qr_size + 16), caption, font=small, fill=theme.accent)

    signature = " ".join(part for part in (text.sharer_name, text.sharer_phone) if part)
    if signature:
        draw.text((MARGIN, qr_top - 110), signature, font=body_font, fill=theme.text)
        draw.line((MARGIN, qr_top - 40, WIDTH - MARGIN, qr_top - 40), fill=theme.accent, width=2)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
