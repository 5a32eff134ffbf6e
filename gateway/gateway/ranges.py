"""Ranges every input field gets from what stands behind it (issue 11), once for every schema
the views read (and answer, for the document).

- Integers. Every integer a client sends ends in a protobuf integer field, and protobuf refuses
  a value that does not fit with a ValueError, i.e. a 500 after the input was "valid". So every
  Integer field is bounded by its proto type. The type is read from the proto descriptors the
  gateway loaded, by field name: `*_fen` is money (`Money.fen`, int64); a name that is int64
  (or uint32) in every message that has it takes that type; any other name, or one whose type
  differs between messages, is int32, the narrowest (a value that fits it fits every proto
  integer). A field can name its type itself (`metadata={"format": "int64"}`). A narrower Range
  of the field's own is kept; the document states the resulting `minimum`/`maximum` and `format`.
- Dates and times lie in 1900–2999. A protobuf Timestamp holds years 1–9999, but a time near
  either end overflows once moved to UTC (`0001-01-01T00:00+14:00`) or once a service counts
  days back from it: a 500 again. No business time of a CRM lies outside those years; the
  field's description says so.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import UTC, date, datetime
from functools import cache

from apiflask import APIFlask
from google.protobuf.descriptor import FieldDescriptor
from marshmallow import ValidationError
from marshmallow import fields as ma
from marshmallow.validate import Range, Validator

# The integer types of our protos, and their ranges.
PROTO_INTEGERS = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
}
DEFAULT_INTEGER = "int32"
_TYPE_NAMES = {
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_SINT32: "int32",
    FieldDescriptor.TYPE_SFIXED32: "int32",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_FIXED32: "uint32",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_SINT64: "int64",
    FieldDescriptor.TYPE_SFIXED64: "int64",
}


class _ProtoRange(Range):
    """The proto type's range; a class of its own so bounding a shared field twice is a no-op."""


EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
TIME_RANGE = "1900-01-01 to 2999-12-31"


class _TimeRange(Validator):
    """A date, or a time (naive ones read as UTC), within EARLIEST..LATEST (in UTC)."""

    error = "validation.time_out_of_range"

    def __call__(self, value):
        if isinstance(value, datetime):
            aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            try:
                day = aware.astimezone(UTC).date()
            except OverflowError:
                raise ValidationError(self.error) from None
        elif isinstance(value, date):
            day = value
        else:
            return value
        if not EARLIEST <= day <= LATEST:
            raise ValidationError(self.error)
        return value


@cache
def proto_integer_types() -> dict[str, frozenset[str]]:
    """Field name -> its integer types over every message of the crm protos loaded."""
    found: dict[str, set[str]] = defaultdict(set)

    def walk(message) -> None:
        for field in message.fields:
            if field.type in _TYPE_NAMES:
                found[field.name].add(_TYPE_NAMES[field.type])
        for nested in message.nested_types:
            walk(nested)

    for name, module in list(sys.modules.items()):
        if name.startswith("crm.") and name.endswith("_pb2"):
            for message in module.DESCRIPTOR.message_types_by_name.values():
                walk(message)
    return {name: frozenset(types) for name, types in found.items()}


def proto_type(name: str | None, field: ma.Integer) -> str:
    """The proto integer type a field's values go to (see the module's docstring)."""
    wanted = field.metadata.get("format")
    if wanted is None:
        types = proto_integer_types().get(name or "", frozenset())
        if (name or "").endswith("_fen"):
            wanted = "int64"
        elif len(types) == 1:
            (wanted,) = types
        else:
            wanted = DEFAULT_INTEGER
    if wanted not in PROTO_INTEGERS:
        raise ValueError(f"integer format {wanted!r} of {name} is none of {sorted(PROTO_INTEGERS)}")
    return wanted


def _bound(field: ma.Field, seen: set[int], name: str | None = None) -> None:
    if id(field) in seen:
        return
    seen.add(id(field))
    name = field.name or name
    if isinstance(field, ma.Integer) and not any(isinstance(v, _ProtoRange) for v in field.validators):
        kind = proto_type(name, field)
        low, high = PROTO_INTEGERS[kind]
        field.validators.append(_ProtoRange(min=low, max=high))
        field.metadata["format"] = kind
    if isinstance(field, ma.DateTime | ma.Date) and not any(isinstance(v, _TimeRange) for v in field.validators):
        field.validators.append(_TimeRange())
        described = field.metadata.get("description")
        field.metadata["description"] = f"{described} ({TIME_RANGE})" if described else TIME_RANGE
    if isinstance(field, ma.Nested):
        _bound_schema(field.schema, seen)
    for part in ("inner", "key_field", "value_field"):  # List(Integer()), Dict(values=Integer())
        inner = getattr(field, part, None)
        if isinstance(inner, ma.Field):
            _bound(inner, seen, name)


def _bound_schema(schema, seen: set[int]) -> None:
    if not hasattr(schema, "fields"):
        return  # a plain dict schema ({}): nothing declared
    for field in schema.fields.values():
        _bound(field, seen)


def _view_schemas(view) -> list:
    spec = getattr(view, "_spec", None) or {}
    schemas = [spec.get("body")] + [s for s, _location in spec.get("args") or ()]
    schemas.append(spec.get("response", {}).get("schema"))
    return [s for s in schemas if s is not None]


def install(app: APIFlask) -> None:
    """Give every Integer of every schema a view reads or answers its proto type's range, and
    every date and time the business range of years."""
    seen: set[int] = set()
    for view in app.view_functions.values():
        for schema in _view_schemas(view):
            _bound_schema(schema, seen)
