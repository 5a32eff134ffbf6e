"""D4: Chinese text on a poster is broken by rendered width (no spaces to break at), cut with an
ellipsis when too long, and every theme is complete."""

from __future__ import annotations

import re

from marketing.domain.posters import THEMES, wrap


def width(text: str) -> float:
    # CJK characters twice as wide as ASCII, as fonts draw them.
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def test_d4_chinese_breaks_anywhere_by_width():
    assert wrap("春季订货会邀请各位老板莅临", width, 10, 5) == ["春季订货会", "邀请各位老", "板莅临"]
    assert wrap("abc 春季", width, 6, 5) == ["abc 春", "季"]


def test_d4_too_long_text_ends_in_an_ellipsis_within_the_width():
    lines = wrap("一二三四五六七八九十" * 3, width, 10, 2)
    assert len(lines) == 2 and lines[-1].endswith("…") and width(lines[-1]) <= 10


def test_d4_newlines_are_kept():
    assert wrap("第一行\n第二行", width, 20, 5) == ["第一行", "第二行"]


def test_d4_every_theme_has_every_colour():
    for theme in THEMES.values():
        for colour in (theme.background, theme.band, theme.title, theme.text, theme.accent):
            assert re.fullmatch(r"#[0-9a-f]{6}", colour)
