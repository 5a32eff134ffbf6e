"""Tables of performance (B9-B11): targets, commission rules, and the facts written at approval.

Facts are written in the approving transaction (ADR 0003, decision 4), so paid months never
change when a rule, a product or an order is edited later; every figure is a sum over them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crmkit.db import TenantScoped, UTCDateTime, utcnow
from orders.models import Base


class SalesTargetRow(TenantScoped, Base):
    __tablename__ = "sales_targets"
    __table_args__ = (UniqueConstraint("tenant_id", "staff_id", "month", name="uq_sales_targets_staff_month"),)

    staff_id: Mapped[str] = mapped_column(String(36))
    month: Mapped[str] = mapped_column(String(7))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommissionRuleRow(TenantScoped, Base):
    __tablename__ = "commission_rules"
    # One rule per product or brand: "the rule in force" is never ambiguous.
    __table_args__ = (UniqueConstraint("tenant_id", "scope", "target", name="uq_commission_rules_target"),)

    scope: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    amount_per_unit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str] = mapped_column(String(36))


class SalesFactRow(TenantScoped, Base):
    """One approved order (+total) or approved return (-total): performance, ranking rebuild and
    the store dashboard sum these instead of scanning orders and returns by status."""

    __tablename__ = "sales_facts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "document_id", name="uq_sales_facts_document"),
        Index("ix_sales_facts_tenant_month_salesperson", "tenant_id", "month", "salesperson_id"),
        Index("ix_sales_facts_tenant_approved", "tenant_id", "approved_at", "store_id"),
    )

    kind: Mapped[str] = mapped_column(String(8))
    document_id: Mapped[str] = mapped_column(String(36))
    number: Mapped[str] = mapped_column(String(20))
    salesperson_id: Mapped[str] = mapped_column(String(36))
    store_id: Mapped[str] = mapped_column(String(36))
    # Signed: an order adds, a return subtracts.
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # China month of approval, YYYY-MM.
    month: Mapped[str] = mapped_column(String(7))


class CommissionLineRow(TenantScoped, Base):
    """One order or return line as paid: the rule that applied and the commission it earned."""

    __tablename__ = "commission_lines"
    __table_args__ = (
        Index("ix_commission_lines_tenant_salesperson_month", "tenant_id", "salesperson_id", "month"),
        Index("ix_commission_lines_tenant_approved", "tenant_id", "approved_at"),
    )

    kind: Mapped[str] = mapped_column(String(8))
    document_id: Mapped[str] = mapped_column(String(36))
    number: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    salesperson_id: Mapped[str] = mapped_column(String(36))
    store_id: Mapped[str] = mapped_column(String(36))
    product_id: Mapped[str] = mapped_column(String(36))
    product_name: Mapped[str] = mapped_column(String(60))
    # Signed like the fact: negative on a return line.
    quantity: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    rule_id: Mapped[str] = mapped_column(String(36), default="")
    commission_fen: Mapped[int] = mapped_column(BigInteger)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    month: Mapped[str] = mapped_column(String(7))
