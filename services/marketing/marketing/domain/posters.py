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
