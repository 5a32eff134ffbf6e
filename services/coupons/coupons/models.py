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
# --- Stored value and points (E7 E8 E9) ------------------------------------------------------
from datetime import datetime  # noqa: E402

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint  # noqa: E402
from sqlalchemy.orm import Mapped, mapped_column  # noqa: E402

import coupons.models_coupons  # noqa: E402, F401
from crmkit.db import TenantScoped, UTCDateTime  # noqa: E402


class StoredValueAccountRow(TenantScoped, Base):
    """One row per customer: the running balance (fen) and points. Every change is a conditional
    UPDATE (`... WHERE balance + delta >= 0`), so concurrent debits can never overdraw it."""

    __tablename__ = "sv_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id", name="uq_sv_accounts_customer"),)

    customer_id: Mapped[str] = mapped_column(String(36))
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    recharges: Mapped[int] = mapped_column(Integer, default=0)


class LedgerEntryRow(TenantScoped, Base):
    """Immutable: written once, never updated or deleted."""

    __tablename__ = "sv_ledger_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "idempotency_key", name="uq_sv_ledger_idempotency"),
        # The member report (E6) reads one tenant's entries of a period.
        Index("ix_sv_ledger_tenant_created", "tenant_id", "created_at"),
    )

    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[str] = mapped_column(String(36), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(120), nullable=True)


class RechargeRuleRow(TenantScoped, Base):
    __tablename__ = "sv_recharge_rules"

    name: Mapped[str] = mapped_column(String(60))
    member_type: Mapped[str] = mapped_column(String(16))
    pay_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    coupon_template_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    gift_products: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[product_id, quantity]]
    instalments: Mapped[int] = mapped_column(Integer, default=1)
    first_recharge_only: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RechargeRow(TenantScoped, Base):
    __tablename__ = "sv_recharges"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key", name="uq_sv_recharges_idempotency"),)

    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    member_type: Mapped[str] = mapped_column(String(16))
    paid_fen: Mapped[int] = mapped_column(BigInteger)
    rule_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(36), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # The store the payment was taken in: gift products leave its shelf (E7). Empty when the
    # recording staff member had no store (the product gifts are then refused as "no_store").
    store_id: Mapped[str] = mapped_column(String(36), default="", server_default="")


class RechargeInstalmentRow(TenantScoped, Base):
    """A part of a recharge's gifts; `released_at` is set by one conditional UPDATE, so each
    instalment is released exactly once however many jobs run."""

    __tablename__ = "sv_recharge_instalments"
    __table_args__ = (UniqueConstraint("recharge_id", "seq", name="uq_sv_instalments_seq"),)

    recharge_id: Mapped[str] = mapped_column(String(36), index=True)
    customer_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    coupon_template_ids: Mapped[str] = mapped_column(Text, default="[]")
    gift_products: Mapped[str] = mapped_column(Text, default="[]")
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RechargeGiftOutcomeRow(TenantScoped, Base):
    """What became of one gift of a released instalment (E7), for staff to see on the recharge:
    a coupon template's coupons issued or skipped, a product handed out by the orders service,
    refused, or still pending (the event waits for orders). `reason` is a code, rendered by the
    gateway; empty when the gift went through."""

    __tablename__ = "sv_recharge_gift_outcomes"
    __table_args__ = (
        UniqueConstraint("recharge_id", "instalment", "kind", "item_id", name="uq_sv_gift_outcomes_item"),
    )

    recharge_id: Mapped[str] = mapped_column(String(36), index=True)
    instalment: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # coupon | product
    item_id: Mapped[str] = mapped_column(String(36))  # coupon template id or product id
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # issued | skipped | pending | handed_out | refused
    reason: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PointsRuleRow(Base):
    __tablename__ = "sv_points_rules"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    points_per_yuan: Mapped[int] = mapped_column(Integer, default=0)


class PrechargeBatchRow(TenantScoped, Base):
    """E8: a validated sheet waiting for the owner's SMS code. The code is kept only as a hash."""

    __tablename__ = "sv_precharge_batches"

    client_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    rows: Mapped[str] = mapped_column(Text)  # JSON [{row, phone, customer_id, customer_name, amount_fen}]
    total_fen: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(36))
    code_hash: Mapped[str] = mapped_column(String(64), default="")
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    wrong_tries: Mapped[int] = mapped_column(Integer, default=0)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    applied_by: Mapped[str] = mapped_column(String(36), default="")
