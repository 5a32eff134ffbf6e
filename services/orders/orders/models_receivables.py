"""Tables of receivables (B4): credit terms, collections, their allocations and proof images.

Debt itself stays on `orders.debt_fen` (ADR 0003, decision 1); an approved collection reduces it
through its allocation rows, so an order's debt is its total less returns and approved allocations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crmkit.db import TenantScoped, UTCDateTime, utcnow
from orders.models import Base

# Named, so the use case can tell a lost idempotency race from any other integrity error.
UQ_COLLECTION_IDEMPOTENCY = "uq_collections_tenant_idempotency_key"


class CreditTermRow(TenantScoped, Base):
    """Days after approval a customer may pay in (no row or 0 days: no term) and the credit limit."""

    __tablename__ = "credit_terms"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id", name="uq_credit_terms_customer"),)

    customer_id: Mapped[str] = mapped_column(String(36))
    days: Mapped[int] = mapped_column(Integer, default=0)
    # Most the customer may owe, pending orders included (B2); NULL: no limit.
    limit_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_by: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CollectionRow(TenantScoped, Base):
    __tablename__ = "collections"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name=UQ_COLLECTION_IDEMPOTENCY),
        UniqueConstraint("tenant_id", "number", name="uq_collections_tenant_number"),
        # Finance's queue (by status) and a customer's or a salesperson's history, newest first.
        Index("ix_collections_tenant_status_filed", "tenant_id", "status", "filed_at"),
        Index("ix_collections_tenant_customer_filed", "tenant_id", "customer_id", "filed_at"),
        Index("ix_collections_tenant_salesperson_filed", "tenant_id", "salesperson_id", "filed_at"),
    )

    number: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(String(36))
    customer_name: Mapped[str] = mapped_column(String(50))
    # The salesperson of the orders collected on (the filer may be a manager).
    salesperson_id: Mapped[str] = mapped_column(String(36))
    filed_by: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str] = mapped_column(String(36), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CollectionAllocationRow(TenantScoped, Base):
    """How much of a collection goes to which order (the audit row of a debt reduction)."""

    __tablename__ = "collection_allocations"
    # Pending claims on an order are summed on every filing and every debt list.
    __table_args__ = (Index("ix_collection_allocations_tenant_order", "tenant_id", "order_id"),)

    collection_id: Mapped[str] = mapped_column(String(36), ForeignKey("collections.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[str] = mapped_column(String(36))
    order_number: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class CollectionProofRow(TenantScoped, Base):
    """A stored proof image: who uploaded it, and the collection that used it (once)."""

    __tablename__ = "collection_proofs"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_collection_proofs_key"),)

    key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str] = mapped_column(String(36))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    # NULL until a collection references it; a proof backs one collection only.
    collection_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
