"""Tables of the orders service (its own database; nothing else reads them). Money is BIGINT fen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmkit.changelog import ChangeLogMixin
from crmkit.db import OutboxMixin, ProcessedEventMixin, TenantScoped, UTCDateTime, utcnow

# Named, so use cases can tell these integrity errors from any other.
UQ_PRODUCT_BARCODE = "uq_products_tenant_barcode"
UQ_ORDER_IDEMPOTENCY = "uq_orders_tenant_idempotency_key"
UQ_RETURN_IDEMPOTENCY = "uq_returns_tenant_idempotency_key"


class Base(DeclarativeBase):
    pass


class CategoryRow(TenantScoped, Base):
    __tablename__ = "categories"

    name: Mapped[str] = mapped_column(String(30))
    # NULL for a top-level category; two levels at most (checked by the use case).
    parent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class ProductRow(TenantScoped, Base):
    __tablename__ = "products"
    __table_args__ = (
        # NULL barcodes never collide (both PostgreSQL and SQLite), so it is unique only when set.
        UniqueConstraint("tenant_id", "barcode", name=UQ_PRODUCT_BARCODE),
        Index("ix_products_tenant_name", "tenant_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(60))
    barcode: Mapped[str | None] = mapped_column(String(40), nullable=True)
    category_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    brand: Mapped[str] = mapped_column(String(40), default="")
    unit: Mapped[str] = mapped_column(String(10), default="")
    wholesale_price_fen: Mapped[int] = mapped_column(BigInteger)
    # {level code: fen}
    level_prices: Mapped[dict] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(20))
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    # Ordered once, kept for history: hidden from lists and not orderable.
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StockRow(TenantScoped, Base):
    """Current level of one product in one store; changed only together with a movement row."""

    __tablename__ = "stock_levels"
    __table_args__ = (UniqueConstraint("tenant_id", "product_id", "store_id", name="uq_stock_levels_product_store"),)

    product_id: Mapped[str] = mapped_column(String(36))
    store_id: Mapped[str] = mapped_column(String(36))
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)


class StockMovementRow(TenantScoped, Base):
    """Immutable ledger entry: why a level moved, by how much, and what it was after."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_tenant_product", "tenant_id", "product_id", "created_at"),)

    product_id: Mapped[str] = mapped_column(String(36))
    store_id: Mapped[str] = mapped_column(String(36))
    delta: Mapped[int] = mapped_column(BigInteger)
    quantity_after: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(20))
    # The order or return that moved it; empty for a stock take.
    document_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[str] = mapped_column(String(64))


class CustomerPriceRow(TenantScoped, Base):
    __tablename__ = "customer_prices"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id", "product_id", name="uq_customer_prices"),)

    customer_id: Mapped[str] = mapped_column(String(36))
    product_id: Mapped[str] = mapped_column(String(36))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CounterRow(TenantScoped, Base):
    """Last document number handed out per tenant, prefix and China day; locked FOR UPDATE."""

    __tablename__ = "number_counters"
    __table_args__ = (UniqueConstraint("tenant_id", "prefix", "day", name="uq_number_counters"),)

    prefix: Mapped[str] = mapped_column(String(4))
    day: Mapped[str] = mapped_column(String(8))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


# The partial indexes' conditions; a query uses such an index only when its own WHERE says the
# same with constants (a bound parameter does not prove it), so credit.py writes them literally.
PENDING_CREDIT = "status = 'submitted'"
OPEN_DEBT = "debt_fen > 0"


class OrderRow(TenantScoped, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name=UQ_ORDER_IDEMPOTENCY),
        UniqueConstraint("tenant_id", "number", name="uq_orders_tenant_number"),
        # A salesperson's own list, newest first.
        Index("ix_orders_tenant_salesperson_submitted", "tenant_id", "salesperson_id", "submitted_at"),
        Index("ix_orders_tenant_submitter_submitted", "tenant_id", "submitted_by", "submitted_at"),
        # A customer's orders (last order, debts oldest first) and the back office's list.
        Index("ix_orders_tenant_customer_submitted", "tenant_id", "customer_id", "submitted_at"),
        Index("ix_orders_tenant_submitted", "tenant_id", "submitted_at"),
        UniqueConstraint("tenant_id", "verification_code", name="uq_orders_tenant_verification_code"),
        # Read on every order placed (B2 credit, orders.service.credit.STANDING): a customer's
        # orders still waiting for the back office and their open debts, from these small
        # indexes alone, not from every order the customer ever placed.
        Index(
            "ix_orders_pending_credit",
            "tenant_id",
            "customer_id",
            postgresql_include=["total_fen"],
            postgresql_where=text(PENDING_CREDIT),
            sqlite_where=text(PENDING_CREDIT),
        ),
        Index(
            "ix_orders_open_debts",
            "tenant_id",
            "customer_id",
            postgresql_include=["status", "debt_fen", "approved_at"],
            postgresql_where=text(OPEN_DEBT),
            sqlite_where=text(OPEN_DEBT),
        ),
    )

    number: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(String(36))
    customer_name: Mapped[str] = mapped_column(String(50))
    customer_phone: Mapped[str] = mapped_column(String(20), default="")
    salesperson_id: Mapped[str] = mapped_column(String(36))
    submitted_by: Mapped[str] = mapped_column(String(36))
    store_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    # What the customer still owes on it: total from approval, less returns (collections later).
    debt_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    # Credit warnings the order was taken with (B2), comma-joined: over_limit, overdue.
    credit_warnings: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Coupons used on it (E4): total_fen is what is owed after discount_fen; `coupons` lists each
    # redeemed coupon as {code, coupon_id, discount_fen, pickup_product_ids} (None: none used).
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    coupons: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # B7: the one-time code the customer shows when collecting the goods (crmkit.onetime_codes);
    # verified_at is set once, when a store verifies it and hands the goods over.
    verification_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OrderLineRow(TenantScoped, Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        # Price tracking: the last price this customer paid for this product.
        Index("ix_order_lines_tenant_customer_product", "tenant_id", "customer_id", "product_id", "created_at"),
        Index("ix_order_lines_tenant_product", "tenant_id", "product_id"),
    )

    order_id: Mapped[str] = mapped_column(String(36), ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[str] = mapped_column(String(36))
    product_id: Mapped[str] = mapped_column(String(36))
    # Snapshot at submission: the order reads the same after the product is edited.
    product_name: Mapped[str] = mapped_column(String(60))
    barcode: Mapped[str] = mapped_column(String(40), default="")
    unit: Mapped[str] = mapped_column(String(10), default="")
    brand: Mapped[str] = mapped_column(String(40), default="")
    category_id: Mapped[str] = mapped_column(String(36), default="")
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    price_source: Mapped[str] = mapped_column(String(12))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class ReturnRow(TenantScoped, Base):
    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name=UQ_RETURN_IDEMPOTENCY),
        UniqueConstraint("tenant_id", "number", name="uq_returns_tenant_number"),
        Index("ix_returns_tenant_salesperson_submitted", "tenant_id", "salesperson_id", "submitted_at"),
        Index("ix_returns_tenant_customer_submitted", "tenant_id", "customer_id", "submitted_at"),
    )

    number: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(String(36))
    customer_name: Mapped[str] = mapped_column(String(50))
    # The submitter: a return's customer is chosen by hand, nobody is filled in (B3).
    salesperson_id: Mapped[str] = mapped_column(String(36))
    submitted_by: Mapped[str] = mapped_column(String(36))
    store_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    refund_method: Mapped[str] = mapped_column(String(12), default="")
    debt_reduced_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_back_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReturnLineRow(TenantScoped, Base):
    __tablename__ = "return_lines"
    __table_args__ = (Index("ix_return_lines_tenant_product", "tenant_id", "product_id"),)

    return_id: Mapped[str] = mapped_column(String(36), ForeignKey("returns.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(String(36))
    product_name: Mapped[str] = mapped_column(String(60))
    barcode: Mapped[str] = mapped_column(String(40), default="")
    unit: Mapped[str] = mapped_column(String(10), default="")
    brand: Mapped[str] = mapped_column(String(40), default="")
    category_id: Mapped[str] = mapped_column(String(36), default="")
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    price_source: Mapped[str] = mapped_column(String(12))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class DebtReductionRow(TenantScoped, Base):
    """Which order's debt a refund reduced, and by how much (audit of REDUCE_DEBT)."""

    __tablename__ = "debt_reductions"

    return_id: Mapped[str] = mapped_column(String(36), ForeignKey("returns.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class OrderSettingsRow(TenantScoped, Base):
    __tablename__ = "order_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_order_settings_tenant"),)

    allow_negative_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    # off | warn | block: what an order over the credit limit or with overdue debt does (B2).
    credit_control: Mapped[str] = mapped_column(String(8), default="warn", server_default="warn")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChangeRow(ChangeLogMixin, TenantScoped, Base):
    """A1 change log of products, orders and returns: who changed what and when, one row per
    change, written in the changing transaction (orders.service.changes)."""

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_object", "tenant_id", "object_type", "object_id", "created_at"),)


class Outbox(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


# Receivables' tables (B4) join this metadata, so Alembic and the tests see them.
import orders.models_gifts  # noqa: E402, F401  (gift hand-outs, E7)
import orders.models_performance  # noqa: E402, F401  (B9-B11 tables likewise)
import orders.models_storefront  # noqa: E402, F401  (B6 B8 B12 storefront orders)
from orders import models_receivables  # noqa: E402, F401
