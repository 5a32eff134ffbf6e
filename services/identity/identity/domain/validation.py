"""Input rules shared by the use cases: names, phones, passwords.

Each check returns an i18n key (or None) so a use case can collect every bad field of a request
and raise one InvalidInput naming them all.
"""

from __future__ import annotations

import re

from crmkit.errors import InvalidInput

NAME_MAX = 50
PASSWORD_MIN = 8
# argon2 is deliberately slow; a megabyte "password" must not become a cheap way to burn CPU.
PASSWORD_MAX = 128
# Mainland China mobile numbers: 11 digits, 1 then 3-9.
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def name_problem(value: str) -> str | None:
    if not value:
        return "validation.required"
    if len(value) > NAME_MAX:
        return "validation.too_long"
    return None


def phone_problem(value: str) -> str | None:
    if not value:
        return "validation.required"
    if not PHONE_RE.fullmatch(value):
        return "validation.phone_invalid"
    return None


def password_problem(value: str) -> str | None:
    if not value:
        return "validation.required"
    if len(value) < PASSWORD_MIN:
        return "validation.too_short"
    if len(value) > PASSWORD_MAX:
        return "validation.too_long"
    has_letter = any(c.isascii() and c.isalpha() for c in value)
    has_digit = any(c.isdigit() for c in value)
    if not (has_letter and has_digit):
        return "validation.password_too_weak"
    return None


def raise_if_any(problems: dict[str, str | None]) -> None:
    """One InvalidInput naming every field that failed, or nothing."""
    fields = {name: key for name, key in problems.items() if key}
    if fields:
        raise InvalidInput(fields=fields)
