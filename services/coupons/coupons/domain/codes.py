"""Coupon codes: unguessable (random, not sequential), typed by hand, with a check digit so a
mistyped digit is caught before any lookup; a QR code carries the same code with a prefix."""

from __future__ import annotations

import secrets

CODE_DIGITS = 15
QR_PREFIX = "CRMCPN:"


def check_digit(digits: str) -> str:
    """Luhn check digit of a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def new_code() -> str:
    body = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    return body + check_digit(body)


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_DIGITS + 1 and code.isdigit() and check_digit(code[:-1]) == code[-1]


def qr_payload(code: str) -> str:
    return QR_PREFIX + code


def normalize(typed_or_scanned: str) -> str:
    """A typed code (spaces and dashes allowed) or a scanned QR payload -> the bare code."""
    value = typed_or_scanned.strip()
    if value.upper().startswith(QR_PREFIX):
        value = value[len(QR_PREFIX) :]
    return value.replace(" ", "").replace("-", "")
