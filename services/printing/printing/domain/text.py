"""Receipt text by display width: a CJK glyph takes two columns on a thermal printer, an ASCII
one column (58 mm paper: 32 columns; 80 mm: 48). `len()` would overflow every Chinese line."""

from __future__ import annotations

import unicodedata

COLUMNS = {58: 32, 80: 48}


def columns_for(paper_mm: int) -> int:
    return COLUMNS[paper_mm]


def char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    # Wide and Fullwidth; Ambiguous ones (e.g. ¥, ×, ·) print single-width in GB18030 fonts' ASCII
    # half only when they are ASCII, so the printer's Chinese font draws them double: count 2.
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") and ord(ch) > 0x7F else 1


def width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def clean(text: str) -> str:
    """One line of printable text: control characters (an ESC in a customer's note would be a
    printer command) become spaces, runs of whitespace one space."""
    out = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return " ".join(out.split())


def wrap(text: str, columns: int) -> list[str]:
    """Lines of at most `columns` display columns; a break never splits a glyph. ASCII words are
    kept whole where they fit (a phone number or an order number is not cut in two)."""
    text = clean(text)
    if not text:
        return []
    lines: list[str] = []
    line, used = "", 0
    for token in _tokens(text):
        w = width(token)
        if token == " ":
            if used and used + 1 <= columns:
                line, used = line + " ", used + 1
            continue
        if used + w <= columns:
            line, used = line + token, used + w
            continue
        if w <= columns and used:
            lines.append(line.rstrip())
            line, used = token, w
            continue
        for ch in token:  # longer than a line: cut it by glyph
            cw = char_width(ch)
            if used + cw > columns:
                lines.append(line.rstrip())
                line, used = "", 0
            line, used = line + ch, used + cw
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """ASCII words and spaces as whole tokens; every other glyph its own token (Chinese breaks
    between any two characters)."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(" " if ch.isspace() else ch)
    if word:
        tokens.append(word)
    return tokens


def pad_right(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def pad_left(text: str, columns: int) -> str:
    return " " * max(columns - width(text), 0) + text


def center(text: str, columns: int) -> str:
    gap = max(columns - width(text), 0)
    return " " * (gap // 2) + text


def two_columns(left: str, right: str, columns: int) -> list[str]:
    """`left` wrapped, `right` flush right on its last line (or on a line of its own when it does
    not fit beside it): 小计 ........ 12.50"""
    right = clean(right)
    room = columns - width(right) - 1
    lines = wrap(left, max(room, 1)) or [""]
    if width(lines[-1]) <= room:
        lines[-1] = pad_right(lines[-1], columns - width(right)) + right
    else:
        lines.append(pad_left(right, columns))
    return lines


def yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals, a minus sign for a discount: 1250 -> 12.50."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def mask_phone(phone: str) -> str:
    """138****8000: the rider and the kitchen need the last digits, not the number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86: the mainland number after it
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
