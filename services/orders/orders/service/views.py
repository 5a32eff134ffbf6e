"""What use cases return: plain values, never ORM rows (sessions close with the unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orders.models import CategoryRow, OrderLineRow, OrderRow, ProductRow, ReturnLineRow, ReturnRow


@dataclass(frozen=True)
class CategoryView:
    id: str
    name: str
    parent_id: str | None


@dataclass(frozen=True)
class StockLevelView:
    product_id: str
    store_id: str
    quantity: int


@dataclass(frozen=True)
class ProductView:
    id: str
    name: str
    barcode: str | None
    category_id: str | None
    brand: str
    unit: str
    wholesale_price_fen: int
    level_prices: dict[str, int]
    kind: str
    listed: bool
    archived: bool
    created_at: datetime
    stock: tuple[StockLevelView, ...] = ()


@dataclass(frozen=True)
class ProductPage:
    products: list[ProductView]
    total: int


@dataclass(frozen=True)
class CustomerPriceView:
    customer_id: str
    product_id: str
    price_fen: int


@dataclass(frozen=True)
class LineView:
    product_id: str
    product_name: str
    barcode: str
    unit: str
    brand: str
    category_id: str
    quantity: int
    unit_price_fen: int
    price_source: str
    amount_fen: int


# Kinds of OrderCreditView: what paid part of an order's debt.
CREDIT_COLLECTION = "collection"
CREDIT_RETURN = "return"


@dataclass(frozen=True)
class OrderCreditView:
    """An approved collection's allocation or a return's debt reduction applied to an order."""

    kind: str
    document_id: str
    number: str
    amount_fen: int
    at: datetime


@dataclass(frozen=True)
class OrderCouponView:
    code: str
    coupon_id: str
    discount_fen: int
    pickup_product_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderView:
    id: str
    number: str
    customer_id: str
    customer_name: str
    salesperson_id: str
    submitted_by: str
    store_id: str
    status: str
    lines: tuple[LineView, ...]
    total_fen: int
    debt_fen: int
    note: str
    reject_reason: str
    submitted_at: datetime
    approved_at: datetime | None = None
    shipped_at: datetime | None = None
    # Filled by GetOrder only, oldest first; lists leave it empty.
    credits: tuple[OrderCreditView, ...] = ()
    # Credit warnings it was taken with (B2): over_limit, overdue.
    credit_warnings: tuple[str, ...] = ()
    # Coupons (E4): total_fen = goods_fen - discount_fen.
    discount_fen: int = 0
    coupons: tuple[OrderCouponView, ...] = ()
    # B7.
    verification_code: str = ""
    verified_at: datetime | None = None

    @property
    def goods_fen(self) -> int:
        return self.total_fen + self.discount_fen


@dataclass(frozen=True)
class ReturnView:
    id: str
    number: str
    customer_id: str
    customer_name: str
    salesperson_id: str
    submitted_by: str
    store_id: str
    status: str
    lines: tuple[LineView, ...]
    total_fen: int
    refund_method: str
    debt_reduced_fen: int
    paid_back_fen: int
    note: str
    reject_reason: str
    submitted_at: datetime


@dataclass(frozen=True)
class DocumentPage:
    items: list = field(default_factory=list)
    total: int = 0


def category_view(row: CategoryRow) -> CategoryView:
    return CategoryView(row.id, row.name, row.parent_id)


def product_view(row: ProductRow, stock: list[StockLevelView] | tuple = ()) -> ProductView:
    return ProductView(
        id=row.id,
        name=row.name,
        barcode=row.barcode,
        category_id=row.category_id,
        brand=row.brand,
        unit=row.unit,
        wholesale_price_fen=row.wholesale_price_fen,
        level_prices=dict(row.level_prices or {}),
        kind=row.kind,
        listed=row.listed,
        archived=row.archived,
        created_at=row.created_at,
        stock=tuple(stock),
    )


def line_view(row: OrderLineRow | ReturnLineRow) -> LineView:
    return LineView(
        product_id=row.product_id,
        product_name=row.product_name,
        barcode=row.barcode,
        unit=row.unit,
        brand=row.brand,
        category_id=row.category_id,
        quantity=row.quantity,
        unit_price_fen=row.unit_price_fen,
        price_source=row.price_source,
        amount_fen=row.amount_fen,
    )


def order_view(row: OrderRow, lines: list[OrderLineRow]) -> OrderView:
    return OrderView(
        id=row.id,
        number=row.number,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        salesperson_id=row.salesperson_id,
        submitted_by=row.submitted_by,
        store_id=row.store_id,
        status=row.status,
        lines=tuple(line_view(line) for line in sorted(lines, key=lambda x: x.position)),
        total_fen=row.total_fen,
        debt_fen=row.debt_fen,
        note=row.note,
        reject_reason=row.reject_reason,
        submitted_at=row.submitted_at,
        approved_at=row.approved_at,
        shipped_at=row.shipped_at,
        credit_warnings=tuple(w for w in (row.credit_warnings or "").split(",") if w),
        discount_fen=row.discount_fen or 0,
        coupons=tuple(
            OrderCouponView(c["code"], c["coupon_id"], int(c["discount_fen"]), tuple(c.get("pickup_product_ids", ())))
            for c in row.coupons or ()
        ),
        verification_code=row.verification_code or "",
        verified_at=row.verified_at,
    )


def return_view(row: ReturnRow, lines: list[ReturnLineRow]) -> ReturnView:
    return ReturnView(
        id=row.id,
        number=row.number,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        salesperson_id=row.salesperson_id,
        submitted_by=row.submitted_by,
        store_id=row.store_id,
        status=row.status,
        lines=tuple(line_view(line) for line in sorted(lines, key=lambda x: x.position)),
        total_fen=row.total_fen,
        refund_method=row.refund_method,
        debt_reduced_fen=row.debt_reduced_fen,
        paid_back_fen=row.paid_back_fen,
        note=row.note,
        reject_reason=row.reject_reason,
        submitted_at=row.submitted_at,
    )


def group_lines(session: Session, line_model, parent_column, tenant_id: str, parent_ids: Sequence[str]) -> dict:
    """The lines of several orders (or returns) in one query, grouped by their document."""
    grouped: dict[str, list] = {pid: [] for pid in parent_ids}
    if parent_ids:
        rows = session.scalars(
            select(line_model).where(line_model.tenant_id == tenant_id, parent_column.in_(parent_ids))
        )
        for line in rows:
            grouped[getattr(line, parent_column.key)].append(line)
    return grouped
