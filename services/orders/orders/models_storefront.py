"""Tables of the merchant's storefront orders (B6), their refunds (B8), payment notifications and
delivery (B12). Kept apart from the wholesale orders: other states, other parties, no credit or
receivables. Money is BIGINT fen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crmkit.db import TenantScoped, UTCDateTime, utcnow
from orders.models import Base

UQ_STOREFRONT_IDEMPOTENCY = "uq_storefront_orders_tenant_idempotency_key"
UQ_STOREFRONT_CODE = "uq_storefront_orders_tenant_verification_code"
UQ_PAYMENT_EVENT = "uq_storefront_payment_events_event_id"
UQ_DELIVERY_ORDER = "uq_storefront_deliveries_order"


class StorefrontOrderRow(TenantScoped, Base):
    __tablename__ = "storefront_orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_storefront_orders_tenant_number"),
        UniqueConstraint("tenant_id", "idempotency_key", name=UQ_STOREFRONT_IDEMPOTENCY),
        UniqueConstraint("tenant_id", "verification_code", name=UQ_STOREFRONT_CODE),
        # The workbench: a store's orders of a day, newest first.
        Index("ix_storefront_orders_tenant_store_placed", "tenant_id", "store_id", "created_at"),
        # A customer's own list.
        Index("ix_storefront_orders_tenant_customer_placed", "tenant_id", "customer_id", "created_at"),
        # The closing job: unpaid orders past their time, across tenants.
        Index("ix_storefront_orders_state_closes", "state", "closes_at"),
    )

    number: Mapped[str] = mapped_column(String(20))
    store_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(String(36))
    customer_name: Mapped[str] = mapped_column(String(50), default="")
    customer_phone: Mapped[str] = mapped_column(String(20), default="")
    # The staff member who placed it at the counter; "" when the customer did.
    placed_by: Mapped[str] = mapped_column(String(36), default="")
    goods_total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    delivery_fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # wechat | stored_value, once paid; the provider's transaction id for wechat.
    payment_method: Mapped[str] = mapped_column(String(20), default="")
    transaction_id: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    # The address's coordinates (GCJ-02), when the customer picked it on a map: what a rider needs.
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    reserved_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_no: Mapped[str] = mapped_column(String(40), default="")
    # B7: set when paid, for reservation and in-store orders; NULLs never collide.
    verification_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Why a takeaway came back from its rider, why it closed.
    reason: Mapped[str] = mapped_column(String(200), default="")
    # Coupons redeemed on it (E4): [{code, coupon_id, discount_fen}], given back when it closes unpaid.
    coupons: Mapped[list | None] = mapped_column(JSON, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Unpaid by then, it closes (stock and coupons go back).
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StorefrontLineRow(TenantScoped, Base):
    __tablename__ = "storefront_lines"
    __table_args__ = (Index("ix_storefront_lines_order", "order_id", "position"),)

    order_id: Mapped[str] = mapped_column(String(36), ForeignKey("storefront_orders.id"))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(String(36))
    category_id: Mapped[str] = mapped_column(String(36), default="")
    name: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    spec: Mapped[str] = mapped_column(String(60), default="")


class StorefrontRefundRow(TenantScoped, Base):
    """One refund request (B8); its id is the out_refund_no sent to the payment provider."""

    __tablename__ = "storefront_refunds"
    __table_args__ = (Index("ix_storefront_refunds_order", "order_id", "created_at"),)

    order_id: Mapped[str] = mapped_column(String(36), ForeignKey("storefront_orders.id"))
    # requested | approved (sent, waiting for the provider) | refunded | rejected | failed
    state: Mapped[str] = mapped_column(String(12))
    requested_fen: Mapped[int] = mapped_column(BigInteger)
    approved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    decided_by: Mapped[str] = mapped_column(String(36), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    provider_refund_id: Mapped[str] = mapped_column(String(64), default="")


class StorefrontPaymentEventRow(TenantScoped, Base):
    """Every provider notification acted on, by the provider's own id: the same one again is
    answered and ignored."""

    __tablename__ = "storefront_payment_events"
    __table_args__ = (UniqueConstraint("event_id", name=UQ_PAYMENT_EVENT),)

    event_id: Mapped[str] = mapped_column(String(80))
    order_id: Mapped[str] = mapped_column(String(36))
    # transaction | refund
    kind: Mapped[str] = mapped_column(String(20))
    event_type: Mapped[str] = mapped_column(String(40))
    # What it changed: paid, refunded, ignored (the order was already past it).
    outcome: Mapped[str] = mapped_column(String(20))


class StorefrontDeliveryRow(TenantScoped, Base):
    """A takeaway order handed to a delivery company (B12), one per order."""

    __tablename__ = "storefront_deliveries"
    __table_args__ = (UniqueConstraint("order_id", name=UQ_DELIVERY_ORDER),)

    order_id: Mapped[str] = mapped_column(String(36), ForeignKey("storefront_orders.id"))
    provider: Mapped[str] = mapped_column(String(20))
    # orders.delivery.port STATUS_*
    status: Mapped[str] = mapped_column(String(20))
    provider_status: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    rider_name: Mapped[str] = mapped_column(String(40), default="")
    rider_phone: Mapped[str] = mapped_column(String(20), default="")
    fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    distance_m: Mapped[int] = mapped_column(Integer, default=0)
    # The provider's time of the last status applied: an older callback arriving late is ignored.
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The provider's history as received, for the merchant's questions: [{status, reason, at}].
    history: Mapped[list] = mapped_column(JSON, default=list)
