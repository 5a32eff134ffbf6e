"""Price tracking against the database (B2, B3): the four prices of products for a customer,
and the checked, priced lines of an order or a return."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Row, String, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput
from orders.domain.lines import LineRequest, Orderable, PricedLine, check_lines, price_lines
from orders.domain.pricing import PriceOptions, level_price, require_price_change
from orders.domain.states import REJECTED
from orders.errors import ErrorCode
from orders.models import CustomerPriceRow, OrderLineRow, OrderRow, ProductRow
from orders.service.access import require_staff
from orders.service.customers import CustomerDirectory, CustomerInfo, require_customer_id

MAX_QUOTE = 200


@dataclass(frozen=True)
class Quote:
    product_id: str
    options: PriceOptions
    default_source: str
    default_price_fen: int


_PRODUCTS = ProductRow.__table__
_LINES = OrderLineRow.__table__
_ORDERS = OrderRow.__table__
_AGREED_PRICES = CustomerPriceRow.__table__

# What the customer last paid for the product, on the most recent order that was not rejected (a
# refused order was never a price they agreed to pay): newest line first, served by
# ix_order_lines_tenant_customer_product.
_last_paid = (
    select(_LINES.c.unit_price_fen)
    .join(_ORDERS, _ORDERS.c.id == _LINES.c.order_id)
    .where(
        _LINES.c.tenant_id == bindparam("tenant_id"),
        _LINES.c.customer_id == bindparam("customer_id"),
        _LINES.c.product_id == _PRODUCTS.c.id,
        _ORDERS.c.status != REJECTED,
    )
    .order_by(_LINES.c.created_at.desc(), _LINES.c.position.desc())
    .limit(1)
    .correlate(_PRODUCTS)
    .scalar_subquery()
)
_agreed = (
    select(_AGREED_PRICES.c.price_fen)
    .where(
        _AGREED_PRICES.c.tenant_id == bindparam("tenant_id"),
        _AGREED_PRICES.c.customer_id == bindparam("customer_id"),
        _AGREED_PRICES.c.product_id == _PRODUCTS.c.id,
    )
    .correlate(_PRODUCTS)
    .scalar_subquery()
)
# The products of a document with the two prices that depend on its customer, in one round trip
# built once: this runs on every order placed. PostgreSQL takes the ids as one array (the same
# statement text whatever their number); SQLite as a list expanded per call.
_PRODUCTS_FOR_CUSTOMER = select(
    _PRODUCTS.c.id,
    _PRODUCTS.c.name,
    _PRODUCTS.c.barcode,
    _PRODUCTS.c.unit,
    _PRODUCTS.c.brand,
    _PRODUCTS.c.category_id,
    _PRODUCTS.c.wholesale_price_fen,
    _PRODUCTS.c.level_prices,
    _PRODUCTS.c.listed,
    _PRODUCTS.c.archived,
    _agreed.label("agreed_price_fen"),
    _last_paid.label("last_price_fen"),
).where(_PRODUCTS.c.tenant_id == bindparam("tenant_id"))
PRODUCTS_FOR_CUSTOMER = {
    "postgresql": _PRODUCTS_FOR_CUSTOMER.where(
        _PRODUCTS.c.id == any_(bindparam("product_ids", type_=postgresql.ARRAY(String)))
    ),
    "sqlite": _PRODUCTS_FOR_CUSTOMER.where(_PRODUCTS.c.id.in_(bindparam("product_ids", expanding=True))),
}


def products_for(
    conn: Connection | Session, tenant_id: str, customer_id: str, product_ids: Iterable[str]
) -> dict[str, Row]:
    """The products of the tenant among `product_ids` (listed or not, archived or not), each with
    the customer's agreed and last paid prices (None when there is none), by id. A row carries the
    product's columns by name (name, barcode, unit, brand, category_id...)."""
    wanted = sorted({pid for pid in product_ids if pid})
    if not wanted:
        return {}
    params = {"tenant_id": tenant_id, "customer_id": customer_id, "product_ids": wanted}
    dialect = (conn.get_bind() if isinstance(conn, Session) else conn).dialect.name
    return {row.id: row for row in conn.execute(PRODUCTS_FOR_CUSTOMER[dialect], params)}


def price_options(customer: CustomerInfo, products: Iterable[Row]) -> dict[str, PriceOptions]:
    return {
        p.id: PriceOptions(
            wholesale=p.wholesale_price_fen,
            last=p.last_price_fen,
            customer=p.agreed_price_fen,
            level=level_price(dict(p.level_prices or {}), customer.level),
        )
        for p in products
    }


def quote_prices(
    uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, customer_id: str, product_ids: Sequence[str]
) -> list[Quote]:
    require_staff(actor)
    require_customer_id(customer_id)
    fields = {}
    if not product_ids:
        fields["product_ids"] = "validation.required"
    elif len(product_ids) > MAX_QUOTE:
        fields["product_ids"] = "validation.too_long"
    if fields:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields=fields)
    customer = customers.get(customer_id)
    with uow.db.single_read() as conn:
        products = products_for(conn, actor.tenant_id, customer.id, product_ids)
    unknown = {
        f"product_ids.{i}": "validation.invalid_choice"
        for i, pid in enumerate(product_ids)
        if pid not in products or products[pid].archived
    }
    if unknown:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields=unknown)
    options = price_options(customer, products.values())
    quotes = []
    for pid in product_ids:
        source, price = options[pid].default()
        quotes.append(Quote(pid, options[pid], source, price))
    return quotes


def check_and_price(
    conn: Connection | Session, actor: Actor, customer: CustomerInfo, lines: Sequence[LineRequest], note: str
) -> tuple[list[PricedLine], dict[str, Row]]:
    """The lines of a new order or return, checked and priced (one statement), and their
    products by id (products_for)."""
    require_price_change([line.price_source for line in lines], actor.permissions)
    products = products_for(conn, actor.tenant_id, customer.id, [line.product_id for line in lines])
    check_lines(lines, {pid: Orderable(pid, p.listed, p.archived) for pid, p in products.items()}, note)
    return price_lines(lines, price_options(customer, products.values())), products
