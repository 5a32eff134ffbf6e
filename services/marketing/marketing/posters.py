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

from .domain.posters import (
    SUMMARY_LINES,
    TEXT_LINES_ALONE,
    TEXT_LINES_UNDER_PICTURE,
    TITLE_LINES,
    Theme,
    canvas_size,
    cover_crop,
    stamp_origin,
    wrap,
)
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
    qr_top = HEIGHT - MARGIN - qr_size - 60
    image.paste(_qr(link, qr_size), ((WIDTH - qr_size) // 2, qr_top))
    caption = text.call_to_action
    draw.text(((WIDTH - small.getlength(caption)) / 2, qr_top + qr_size + 16), caption, font=small, fill=theme.accent)

    signature = " ".join(part for part in (text.sharer_name, text.sharer_phone) if part)
    if signature:
        draw.text((MARGIN, qr_top - 110), signature, font=body_font, fill=theme.text)
        draw.line((MARGIN, qr_top - 40, WIDTH - MARGIN, qr_top - 40), fill=theme.accent, width=2)

    return _png(image)


def _qr(link: str, size: int) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=2, dark="#000000", light="#ffffff")
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB").resize((size, size), Image.NEAREST)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _cover(picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    box = cover_crop(picture.width, picture.height, *size)
    return picture.resize(size, Image.LANCZOS, box=box)


@dataclass(frozen=True)
class Stamp:
    """What an uploaded picture gets stamped with (D4): the salesperson's card QR and name."""

    sharer_name: str
    sharer_phone: str
    call_to_action: str  # e.g. 长按识别二维码查看名片


STAMP_QR = 220
STAMP_PAD = 16


STAMP_TEXT_MAX = 320  # a long name is cut with an ellipsis rather than widen the box


def _stamp_lines(stamp: Stamp) -> list[tuple[str, ImageFont.FreeTypeFont, str, int]]:
    """(text, font, colour, line height) under the QR."""
    path = str(font_path())
    name_font, small = _font(path, 28), _font(path, 20)
    lines = (
        (stamp.sharer_name, name_font, "#111827", 36),
        (stamp.sharer_phone, small, "#374151", 28),
        (stamp.call_to_action, small, "#6b7280", 28),
    )
    return [(wrap(text, font.getlength, STAMP_TEXT_MAX, 1)[0], font, colour, h) for text, font, colour, h in lines]


def stamp_size(stamp: Stamp) -> tuple[int, int]:
    """The white box's size: the QR with the name, phone and caption under it."""
    lines = _stamp_lines(stamp)
    width = max([STAMP_QR, *(font.getlength(text) for text, font, _, _ in lines)])
    return int(width) + 2 * STAMP_PAD, STAMP_QR + 2 * STAMP_PAD + 6 + sum(h for *_, h in lines)


def render_on_picture(picture: Image.Image, position: str, stamp: Stamp, link: str) -> bytes:
    """A poster of an uploaded picture (a template or the salesperson's own photo): the picture
    750 wide, and a white box with the QR of `link`, the name, the phone and the caption at
    `position`."""
    size = canvas_size(picture.width, picture.height)
    image = _cover(picture, size)
    box = stamp_size(stamp)
    x, y = stamp_origin(size, box, position, margin=32)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((x, y, x + box[0], y + box[1]), radius=16, fill="#ffffff")
    image.paste(_qr(link, STAMP_QR), (x + (box[0] - STAMP_QR) // 2, y + STAMP_PAD))
    line_y = y + STAMP_PAD + STAMP_QR + 6
    for text, font, colour, height in _stamp_lines(stamp):
        draw.text((x + (box[0] - font.getlength(text)) / 2, line_y), text, font=font, fill=colour)
        line_y += height
    return _png(image)


COVER_HEIGHT = 520


def render_text_post(theme: Theme, text: str, cover: Image.Image | None, signature: PosterText, link: str) -> bytes:
    """An image-text poster (D12): the picture on top (when one is picked), the salesperson's
    text under it, their name and phone, and the QR of `link` with the caption."""
    path = str(font_path())
    body_font, small = _font(path, 34), _font(path, 28)
    image = Image.new("RGB", (WIDTH, HEIGHT), theme.background)
    draw = ImageDraw.Draw(image)
    y, lines_max = MARGIN, TEXT_LINES_ALONE
    if cover is not None:
        image.paste(_cover(cover, (WIDTH, COVER_HEIGHT)), (0, 0))
        y, lines_max = COVER_HEIGHT + 40, TEXT_LINES_UNDER_PICTURE
    else:
        draw.rectangle((0, 0, WIDTH, 16), fill=theme.band)
    for line in wrap(text, body_font.getlength, WIDTH - 2 * MARGIN, lines_max):
        draw.text((MARGIN, y), line, font=body_font, fill=theme.text)
        y += 52

    qr_size = 260
    qr_top = HEIGHT - MARGIN - qr_size - 50
    image.paste(_qr(link, qr_size), (WIDTH - MARGIN - qr_size, qr_top))
    caption = signature.call_to_action
    draw.text(
        (WIDTH - MARGIN - small.getlength(caption), qr_top + qr_size + 12), caption, font=small, fill=theme.accent
    )
    draw.line((MARGIN, qr_top - 30, WIDTH - MARGIN, qr_top - 30), fill=theme.accent, width=2)
    draw.text((MARGIN, qr_top + 40), signature.sharer_name, font=body_font, fill=theme.text)
    draw.text((MARGIN, qr_top + 100), signature.sharer_phone, font=small, fill=theme.text)
    return _png(image)
