"""Poster themes (D4) and the layout rules of a share poster: what goes where, and how Chinese
text is broken into lines (by the rendered width of each character, not by spaces: Chinese has
none, and a CJK character is about twice as wide as a Latin one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    key: str
    background: str
    band: str  # the title band
    title: str
    text: str
    accent: str


THEMES = {
    t.key: t
    for t in (
        Theme("business", "#f4f7fb", "#1d4ed8", "#ffffff", "#1f2937", "#1d4ed8"),
        Theme("festival", "#fff5f5", "#c81e1e", "#fff7e6", "#3f1d1d", "#c81e1e"),
        Theme("fresh", "#f2fbf5", "#15803d", "#ffffff", "#14311f", "#15803d"),
        Theme("minimal", "#ffffff", "#111827", "#ffffff", "#111827", "#6b7280"),
    )
}
DEFAULT_THEME = "business"
# Text no one can read on a phone-sized poster is cut with an ellipsis.
TITLE_LINES = 3
SUMMARY_LINES = 5


def wrap(text: str, width_of: Callable[[str], float], max_width: float, max_lines: int) -> list[str]:
    """Lines of `text` no wider than `max_width`, at most `max_lines`, the last one ending in "…"
    when the text did not fit. Breaks anywhere (CJK), keeps explicit newlines."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if width_of(line + char) > max_width and line:
                lines.append(line)
                line = char.lstrip()
            else:
                line += char
        lines.append(line)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and width_of(last + "…") > max_width:
        last = last[:-1]
    kept[-1] = last + "…"
    return kept


# Where the salesperson's stamp (QR code, name, caption) goes on an uploaded picture (D4).
POSITIONS = ("bottom_right", "bottom_left", "top_right", "top_left", "bottom_center")
DEFAULT_POSITION = "bottom_right"
# An uploaded picture is drawn 750 wide (a phone screen at 2x) and as tall as its proportions
# ask, within these bounds (a panorama or a receipt-long strip is cropped to fit).
CANVAS_WIDTH = 750
CANVAS_MIN_HEIGHT = 750
CANVAS_MAX_HEIGHT = 1624
# Text an image-text poster (D12) carries: what fits above the QR, under a picture or alone.
TEXT_MAX = 300
TEXT_LINES_UNDER_PICTURE = 7
TEXT_LINES_ALONE = 16


def canvas_size(width: int, height: int) -> tuple[int, int]:
    """The poster's size for a picture of `width` × `height`: 750 wide, its proportions kept
    within the bounds."""
    tall = round(CANVAS_WIDTH * height / width) if width > 0 else CANVAS_MIN_HEIGHT
    return CANVAS_WIDTH, max(CANVAS_MIN_HEIGHT, min(CANVAS_MAX_HEIGHT, tall))


def cover_crop(width: int, height: int, target_w: int, target_h: int) -> tuple[int, int, int, int]:
    """The centred box of a `width` × `height` picture with the target's proportions (what CSS
    calls object-fit: cover), as (left, top, right, bottom)."""
    if width * target_h > height * target_w:  # wider than the target: trim the sides
        w = max(1, round(height * target_w / target_h))
        left = (width - w) // 2
        return left, 0, left + w, height
    h = max(1, round(width * target_h / target_w))
    top = (height - h) // 2
    return 0, top, width, top + h


def stamp_origin(canvas: tuple[int, int], stamp: tuple[int, int], position: str, margin: int) -> tuple[int, int]:
    """The top-left corner of a `stamp`-sized box at `position` on the canvas, `margin` from its
    edges."""
    (cw, ch), (sw, sh) = canvas, stamp
    vertical, _, horizontal = position.partition("_")
    x = {"left": margin, "right": cw - margin - sw, "center": (cw - sw) // 2}[horizontal]
    y = margin if vertical == "top" else ch - margin - sh
    return x, y


def post_title(text: str, limit: int = 30) -> str:
    """An image-text post's name in 管理我的海报: its first line, cut with an ellipsis."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[: limit - 1] + "…"
