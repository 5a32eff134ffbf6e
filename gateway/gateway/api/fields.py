"""Field helpers of the request and response schemas: the shapes every area's schemas share
(money as integer fen, ids, bounded text, proto enums as lowercase words, phones)."""

from __future__ import annotations

from apiflask.fields import Integer, String
from apiflask.validators import Length, OneOf, Range, Regexp

from crmkit.limits import MAX_FEN

# Mainland mobile numbers; the services check again, this only stops obvious typos early.
PHONE = Regexp(r"^1\d{10}$", error="validation.phone_invalid")
# Degrees of a point on the map (a shop, a delivery address).
LATITUDE = Range(min=-90, max=90, error="validation.invalid")
LONGITUDE = Range(min=-180, max=180, error="validation.invalid")


def text(max_len: int, *, required: bool = False, min_len: int = 0, **kwargs) -> String:
    if required:
        min_len = max(min_len, 1)
    return String(required=required, validate=Length(min=min_len, max=max_len), **kwargs)


def ident(**kwargs) -> String:
    return String(validate=Length(min=1, max=64), **kwargs)


def fen(**kwargs) -> Integer:
    # strict: 12.5 or "1250" is a client bug to report, not to round.
    return Integer(strict=True, validate=Range(min=0, max=MAX_FEN), **kwargs)


def positive_fen(**kwargs) -> Integer:
    return Integer(strict=True, validate=Range(min=1, max=MAX_FEN), **kwargs)


def choice(table, **kwargs) -> String:
    """One of the table's JSON words (a dict's keys, or a tuple of words)."""
    return String(validate=OneOf(list(table), error="validation.invalid_choice"), **kwargs)


def word(table: dict[str, int], value: int) -> str | None:
    """The JSON word of a proto enum value; None for UNSPECIFIED (or a value newer than us)."""
    return next((name for name, number in table.items() if number == value), None)
