"""Tables of coupon templates, coupons and claims (E1 E2 E4 E5 E6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coupons.models import Base
from crmkit.changelog import ChangeLogMixin
from crmkit.db import TenantScoped, UTCDateTime

UQ_COUPON_CODE = "uq_coupons_code"
UQ_CLAIM_SLOT = "uq_coupon_claims_slot"


class CouponTemplateRow(TenantScoped, Base):
    __tablename__ = "coupon_templates"
    __table_args__ = (UniqueConstraint("claim_token", name="uq_coupon_templates_claim_token"),)

    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    colour: Mapped[str] = mapped_column(String(7))
    value_fen: Mapped[int] = mapped_column(BigInteger)
    percent_off: Mapped[int] = mapped_column(Integer)
    pickup_product_ids: Mapped[list] = mapped_column(JSON)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    valid_days: Mapped[int] = mapped_column(Integer)
    min_spend_fen: Mapped[int] = mapped_column(BigInteger)
    per_order_limit: Mapped[int] = mapped_column(Integer)
    product_ids: Mapped[list] = mapped_column(JSON)
    category_ids: Mapped[list] = mapped_column(JSON)
    store_ids: Mapped[list] = mapped_column(JSON)
    convertible_to_stored_value: Mapped[bool] = mapped_column(Boolean)
    conversion_fen: Mapped[int] = mapped_column(BigInteger)
    # 0 = unlimited.
    total_quantity: Mapped[int] = mapped_column(Integer)
    per_person_limit: Mapped[int] = mapped_column(Integer)
    remind_days_before: Mapped[int] = mapped_column(Integer)
    # The public claim link; unique over all tenants, so it alone finds the template.
    claim_token: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(36))


class CouponRow(TenantScoped, Base):
    """One coupon in one holder's hands; redeemed at most once (status moves active -> redeemed
    only by a conditional UPDATE)."""

    __tablename__ = "coupons"
    __table_args__ = (
        UniqueConstraint("code", name=UQ_COUPON_CODE),
        Index("ix_coupons_tenant_template", "tenant_id", "template_id"),
        Index("ix_coupons_tenant_holder", "tenant_id", "holder"),
        Index("ix_coupons_status_valid_until", "status", "valid_until"),
        Index("ix_coupons_order_check_due", "order_check_due_at"),
    )

    template_id: Mapped[str] = mapped_column(String(36))
    code: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(String(36))
    phone: Mapped[str] = mapped_column(String(20))
    # "c:<customer id>" or "p:<phone>": whom the per-person limit counts.
    holder: Mapped[str] = mapped_column(String(60))
    # send | claim
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    store_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    redeemed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # E4: redeemed by the orders service on an order being placed: when the sweep asks orders
    # whether that order exists (None once it did, or for redemptions at the counter).
    order_check_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Physical coupons (E3): their batch and their number in it (the printing order).
    batch_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    serial: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CouponClaimRow(TenantScoped, Base):
    """The record of one coupon handed to one holder: slot `seq` of the holder's per-person
    allowance. The unique slot makes the database refuse an over-limit holder even if the Redis
    counters were lost."""

    __tablename__ = "coupon_claims"
    __table_args__ = (UniqueConstraint("template_id", "holder", "seq", name=UQ_CLAIM_SLOT),)

    template_id: Mapped[str] = mapped_column(String(36))
    holder: Mapped[str] = mapped_column(String(60))
    seq: Mapped[int] = mapped_column(Integer)
    coupon_id: Mapped[str] = mapped_column(String(36), unique=True)


class CouponBatchRow(TenantScoped, Base):
    """A batch of physical coupons (E3): made (codes exist, printable), then issued (released
    for hand-out and sale)."""

    __tablename__ = "coupon_batches"

    template_id: Mapped[str] = mapped_column(String(36))
    quantity: Mapped[int] = mapped_column(Integer)
    # Codes written so far: the worker fills a batch in chunks (ADR 0009).
    filled: Mapped[int] = mapped_column(Integer, default=0)
    # making | made | issued
    status: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(36))


class CouponBatchMovementRow(TenantScoped, Base):
    """The stock ledger of a batch: one row per change (made, issued, handed out, sold), never
    updated; redemptions are counted from the coupons themselves."""

    __tablename__ = "coupon_batch_movements"

    batch_id: Mapped[str] = mapped_column(String(36), index=True)
    # made | issued | handed_out | sold
    kind: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int] = mapped_column(Integer)
    store_id: Mapped[str] = mapped_column(String(36), default="")
    buyer: Mapped[str] = mapped_column(String(60), default="")
    first_serial: Mapped[int] = mapped_column(Integer, default=0)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)
    staff_id: Mapped[str] = mapped_column(String(36))


class CouponSegmentSendRow(TenantScoped, Base):
    """A send of a template's coupons to a saved customer segment (E2, E10), named by the
    caller's send key so that a retried request resumes the same send instead of a new one."""

    __tablename__ = "coupon_segment_sends"
    __table_args__ = (UniqueConstraint("tenant_id", "send_key", name="uq_coupon_segment_sends_key"),)

    send_key: Mapped[str] = mapped_column(String(64))
    template_id: Mapped[str] = mapped_column(String(36))
    segment_id: Mapped[str] = mapped_column(String(36))
    # Empty for a manager's send; a salesperson's send only reaches own customers (E10).
    owner_staff_id: Mapped[str] = mapped_column(String(36), default="")
    created_by: Mapped[str] = mapped_column(String(36))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CouponSegmentSendMemberRow(TenantScoped, Base):
    """What one send did for one member: written in the same transaction as the coupon itself,
    so a member already handled is never handled again by a retry (exactly one coupon each)."""

    __tablename__ = "coupon_segment_send_members"
    __table_args__ = (UniqueConstraint("send_id", "customer_id", name="uq_coupon_segment_send_members"),)

    send_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(36))
    # "issued" or the reason it was skipped: per_person_limit, sold_out.
    outcome: Mapped[str] = mapped_column(String(20))
    coupon_id: Mapped[str] = mapped_column(String(36), default="")


class ChangeRow(ChangeLogMixin, TenantScoped, Base):
    """A1 change log of coupon templates: who created or changed which template, when, and its
    fields before and after, written in the changing transaction (coupons.service.templates)."""

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_object", "tenant_id", "object_type", "object_id", "created_at"),)
