"""What a reader may tell about themselves (C7 C10), and how the visitor centre filters."""

from __future__ import annotations

import re

from crmkit.errors import InvalidInput

from ..errors import ErrorCode

PHONE = re.compile(r"^1\d{10}$")
NAME_MAX = 30
QUALIFIED = ("", "yes", "no")
# Became a customer (C10): all, yes, no.
CUSTOMER = ("", "yes", "no")
SORTS = ("recent", "visits")


def check_identity(phone: str, name: str) -> tuple[str, str]:
    phone, name = phone.strip(), " ".join(name.split())
    problems = {}
    if not PHONE.match(phone):
        problems["phone"] = "validation.phone_invalid"
    if len(name) > NAME_MAX:
        problems["name"] = "validation.too_long"
    if problems:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=problems)
    return phone, name


def display_name(name: str, nickname: str, phone: str) -> str:
    """The lead's name: what they typed, else their WeChat nickname, else 访客 and the phone's
    last four digits (a lead needs a name to be found again)."""
    return name or nickname or f"访客{phone[-4:]}"
