"""Gift hand-outs (E7): stock another service gives away, e.g. the products of a recharge rule.

One row per idempotency key: the row and the stock movements it explains are written in one
transaction, so a retried call finds the row and deducts nothing again.
"""

from __future__ import annotations

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crmkit.db import TenantScoped
from orders.models import Base

UQ_GIFT_HANDOUT_KEY = "uq_gift_handouts_tenant_key"


class GiftHandOutRow(TenantScoped, Base):
    __tablename__ = "gift_handouts"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key", name=UQ_GIFT_HANDOUT_KEY),)

    idempotency_key: Mapped[str] = mapped_column(String(120))
    store_id: Mapped[str] = mapped_column(String(36))
    # What the caller gives the hand-out for, e.g. "recharge_gift" (shown on the movements).
    reason: Mapped[str] = mapped_column(String(20))
    # [[product_id, quantity, quantity_after], ...] as handed out, for a replayed answer.
    lines: Mapped[list] = mapped_column(JSON)
    actor_id: Mapped[str] = mapped_column(String(64))
