"""One-time codes (B7): what a coupon (E4) and an order's pickup verification carry. Unguessable
(random digits, not sequential), typed by hand, with a Luhn check digit so a mistyped digit is
caught before any lookup; a QR code carries the same code behind a prefix naming its kind.
Usable once is the owner's rule (a conditional UPDATE on the row that holds the code)."""

from __future__ import annotations

import secrets

CODE_DIGITS = 15


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
    # One draw of 15 uniform digits (not 15 draws of one): the same codes, 15 times cheaper.
    body = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    return body + check_digit(body)


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_DIGITS + 1 and code.isdigit() and check_digit(code[:-1]) == code[-1]


class QrFormat:
    """The QR payload of one kind of code, e.g. `CRMCPN:<code>` for coupons."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def payload(self, code: str) -> str:
        return self.prefix + code

    def normalize(self, typed_or_scanned: str) -> str:
        """A typed code (spaces and dashes allowed) or a scanned QR payload -> the bare code."""
        value = typed_or_scanned.strip()
        if value.upper().startswith(self.prefix):
            value = value[len(self.prefix) :]
        return value.replace(" ", "").replace("-", "")
