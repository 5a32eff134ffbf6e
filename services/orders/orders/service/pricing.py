"""Price tracking against the database (B2, B3): the four prices of products for a customer,
and the checked, priced lines of an order or a return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, literal, select, union_all
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
_AGREED, _LAST = "agreed", "last"


@dataclass(frozen=True)
class Quote:
    product_id: str
    options: PriceOptions
    default_source: str
    default_price_fen: int


def _last_paid(tenant_id: str, customer_id: str, product_ids: Sequence[str]):
    """What the customer last paid for each product, on the most recent order that was not
    rejected (a refused order was never a price they agreed to pay)."""
    newest_first = func.row_number().over(
        partition_by=OrderLineRow.product_id,
        order_by=(OrderLineRow.created_at.desc(), OrderLineRow.position.desc()),
    )
    ranked = (
        select(OrderLineRow.product_id, OrderLineRow.unit_price_fen, newest_first.label("n"))
        .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
        .where(
            OrderLineRow.tenant_id == tenant_id,
            OrderLineRow.customer_id == customer_id,
            OrderLineRow.product_id.in_(list(product_ids)),
            OrderRow.status != REJECTED,
        )
        .subquery()
    )
    return select(literal(_LAST), ranked.c.product_id, ranked.c.unit_price_fen).where(ranked.c.n == 1)


def known_prices(
    session: Session, tenant_id: str, customer_id: str, product_ids: Sequence[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """(customer-specific prices, last prices paid) of these products for this customer, in one
    query: this runs on every order placed."""
    if not product_ids:
        return {}, {}
    agreed = select(literal(_AGREED), CustomerPriceRow.product_id, CustomerPriceRow.price_fen).where(
        CustomerPriceRow.tenant_id == tenant_id,
        CustomerPriceRow.customer_id == customer_id,
        CustomerPriceRow.product_id.in_(list(product_ids)),
    )
    found: dict[str, dict[str, int]] = {_AGREED: {}, _LAST: {}}
    for kind, product_id, price in session.execute(union_all(agreed, _last_paid(tenant_id, customer_id, product_ids))):
        found[kind][product_id] = price
    return found[_AGREED], found[_LAST]


def price_options(
    session: Session, tenant_id: str, customer: CustomerInfo, products: Sequence[ProductRow]
) -> dict[str, PriceOptions]:
    customer_prices, paid = known_prices(session, tenant_id, customer.id, [p.id for p in products])
    return {
        p.id: PriceOptions(
            wholesale=p.wholesale_price_fen,
            last=paid.get(p.id),
            customer=customer_prices.get(p.id),
            level=level_price(dict(p.level_prices or {}), customer.level),
        )
        for p in products
    }


def load_products(session: Session, tenant_id: str, product_ids: Sequence[str]) -> dict[str, ProductRow]:
    wanted = {pid for pid in product_ids if pid}
    if not wanted:
        return {}
    rows = session.scalars(select(ProductRow).where(ProductRow.tenant_id == tenant_id, ProductRow.id.in_(wanted)))
    return {r.id: r for r in rows}


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
    with uow:
        products = load_products(uow.session, actor.tenant_id, product_ids)
        unknown = {
            f"product_ids.{i}": "validation.invalid_choice"
            for i, pid in enumerate(product_ids)
            if pid not in products or products[pid].archived
        }
        if unknown:
            raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields=unknown)
        options = price_options(uow.session, actor.tenant_id, customer, list(products.values()))
    quotes = []
    for pid in product_ids:
        source, price = options[pid].default()
        quotes.append(Quote(pid, options[pid], source, price))
    return quotes


def check_and_price(
    session: Session, actor: Actor, customer: CustomerInfo, lines: Sequence[LineRequest], note: str
) -> tuple[list[PricedLine], dict[str, ProductRow]]:
    """The lines of a new order or return, checked and priced inside its transaction."""
    require_price_change([line.price_source for line in lines], actor.permissions)
    products = load_products(session, actor.tenant_id, [line.product_id for line in lines])
    check_lines(lines, {pid: Orderable(pid, p.listed, p.archived) for pid, p in products.items()}, note)
    options = price_options(session, actor.tenant_id, customer, list(products.values()))
    return price_lines(lines, options), products
