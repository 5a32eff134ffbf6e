"""Python values to and from the proto's shared types, for every servicer and the gateway: money
as crm.common.v1.Money (integer fen), times as google.protobuf.Timestamp (aware UTC).

One home, so an unset field means the same thing everywhere: no price, no time, never 0 or the
epoch."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import common_pb2


def money(fen: int | None) -> common_pb2.Money | None:
    """None stays None, so an unknown amount leaves the proto field unset."""
    return None if fen is None else common_pb2.Money(fen=fen)


def fen_of(message, field: str) -> int | None:
    """Integer fen of a Money field, or None when the sender left it unset (no such amount)."""
    return getattr(message, field).fen if message.HasField(field) else None


def timestamp(value: datetime | None) -> Timestamp | None:
    """None stays None, so an unset optional time leaves the proto field unset."""
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def datetime_of(message, field: str) -> datetime | None:
    """An aware UTC datetime from a Timestamp field, or None when the field is unset."""
    if not message.HasField(field):
        return None
    return getattr(message, field).ToDatetime(tzinfo=UTC)
