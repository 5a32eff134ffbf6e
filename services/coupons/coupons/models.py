"""Tables of the coupons service (its own database; nothing else reads them). Money is BIGINT fen."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from crmkit.db import OutboxMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


# Coupon tables (E1-E6) join this metadata, so Alembic and the tests see them.
import coupons.models_coupons  # noqa: E402, F401
