"""Taking an order on site (B2): checked, priced, its coupons redeemed (E4) and its credit
checked, then written with its lines and event in one transaction; the hot path of P1, in Core
statements built once (issue 16). Reading orders is order_lookup.py."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from prometheus_client import Counter
from sqlalchemy import Connection, insert
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.db import UnitOfWork, new_id
from crmkit.errors import DomainError
from crmkit.onetime_codes import new_code
from orders import events
from orders.domain.documents import idempotency_key, resolve_store, salesperson_for_order
from orders.domain.lines import LineRequest
from orders.domain.money import total
from orders.domain.numbering import ORDER_PREFIX
from orders.domain.states import SUBMITTED
from orders.models import OrderRow
from orders.service.access import require_staff
from orders.service.changes import ORDER, log_created, placed_order_snapshot
from orders.service.coupons import CouponLine, CouponRedeemer, clean_codes, order_id_for
from orders.service.credit import check_new_order, load_standing, recheck_in_queue
from orders.service.customers import CustomerDirectory, CustomerInfo, require_customer_id
from orders.service.documents import ORDERS
from orders.service.numbers import draw_number
from orders.service.placing_coupons import OrderCoupons, OrderKind, discount_of, place_with_coupons, recorded
from orders.service.pricing import check_and_price
from orders.service.views import (
    OrderView,
    order_view,
)

log = logging.getLogger(__name__)
COUPON_RELEASE_FAILURES = Counter(
    "crm_orders_coupon_release_failures_total",
    "Coupons of an order that was not placed which could not be given back (see the log for the order id)",
)
_ORDERS = OrderKind(OrderRow, COUPON_RELEASE_FAILURES, log, "order")


# Built once: every order placed.
_INSERT_ORDER = insert(OrderRow.__table__)


@dataclass(frozen=True)
class SubmitOrder:
    customer_id: str
    lines: tuple[LineRequest, ...]
    store_id: str = ""
    note: str = ""
    idempotency_key: str = ""
    # Typed codes or scanned QR payloads of coupons to use (E4).
    coupon_codes: tuple[str, ...] = ()


def submit_order(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    cmd: SubmitOrder,
    *,
    coupons: CouponRedeemer | None = None,
    now: datetime,
) -> OrderView:
    """Order, lines and `order_submitted` in one transaction. A repeat of an idempotency key
    returns the first order, also when the repeats race: the key's unique constraint refuses
    the repeat's insert (there is no lookup before it), and a repeat refused earlier (its input
    no longer valid, its coupons taken by the first) finds the first order too.

    Coupons (E4) are redeemed in the coupons service after pricing and before the credit check
    (credit counts what is owed after the discount). If the order is not placed after all (a
    refused coupon, credit blocked, any error), the coupons redeemed on it are given back,
    unless a repeat of the same key placed it."""
    staff_id = require_staff(actor)
    require_customer_id(cmd.customer_id)
    key = idempotency_key(cmd.idempotency_key)
    codes = clean_codes(cmd.coupon_codes)
    order_id = order_id_for(actor.tenant_id, key) if codes else new_id()
    order_coupons = OrderCoupons(coupons, actor.tenant_id, order_id, codes)
    return place_with_coupons(
        uow,
        _ORDERS,
        order_coupons,
        key,
        place=lambda: _submit(uow, actor, customers, cmd, staff_id, key, order_coupons, now),
        placed_by_a_repeat=lambda exc: _placed_by_a_repeat(uow, actor, key, exc, codes),
    )


def _submit(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    cmd: SubmitOrder,
    staff_id: str,
    key: str | None,
    order_coupons: OrderCoupons,
    now: datetime,
) -> OrderView:
    """The order placed, with `order_coupons` redeemed on it: submit_order's frame gives them back
    if this fails."""
    order_id = order_coupons.order_id
    # The customers service decides whether this caller may order for this customer; asked
    # before a database connection is taken, so none is held while it answers.
    customer = customers.get(cmd.customer_id)
    store_id = resolve_store(actor, customer.store_id, cmd.store_id)
    db = uow.db
    with db.engine.connect() as conn:
        phases = _ReadThenWrite(conn)
        priced, products = check_and_price(conn, actor, customer, cmd.lines, cmd.note)
        goods_total = total(line.amount_fen for line in priced)
        used = order_coupons.redeem(
            customer.id,
            store_id,
            (
                CouponLine(line.product_id, products[line.product_id].category_id or "", line.quantity, line.amount_fen)
                for line in priced
            ),
        )
        discount = discount_of(goods_total, used)
        owed = goods_total - discount
        standing = load_standing(conn, actor.tenant_id, customer.id, now)
        # Refused before a number is drawn: a refusal costs none.
        check_new_order(standing, owed)
        number = draw_number(conn, actor.tenant_id, ORDER_PREFIX, now)
        phases.begin_writes()
        # What is owed after the coupons, and the credit warnings it was taken with (B2).
        warnings = recheck_in_queue(conn, standing, actor.tenant_id, customer.id, owed, now)
        values = _order_values(actor, cmd, order_id, number, customer, staff_id, store_id, key, now)
        values.update(
            total_fen=owed,
            discount_fen=discount,
            credit_warnings=",".join(warnings),
            coupons=recorded(used),
        )
        # The order first: a racing repeat of its key fails here, before the lines.
        conn.execute(_INSERT_ORDER, values)
        lines = ORDERS.add_lines(
            conn, actor.tenant_id, priced, products, now=now, order_id=order_id, customer_id=customer.id
        )
        row = SimpleNamespace(**values)
        log_created(conn, actor, ORDER, row, "submitted", placed_order_snapshot(row, lines), now=now)
        view = order_view(row, lines)
        db.publish_on(conn, events.order_submitted(view), actor.tenant_id)
        conn.commit()
    db.notify_outbox()
    return view


class _ReadThenWrite:
    """The connection's two phases on PostgreSQL: the checks' reads and the number's draw in
    autocommit (each statement consistent by itself, the counter's row lock held for its one
    statement: orders.service.numbers; no transaction open while the coupons service answers),
    then the write transaction. On SQLite (one process, one writer) all of it is one
    transaction from the start, the counter bumped inside it."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.autocommit = conn.dialect.name == "postgresql"
        if self.autocommit:
            conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            conn.begin()

    def begin_writes(self) -> None:
        if self.autocommit:
            # Ends SQLAlchemy's own record of the autocommitted statements (no round trip).
            self.conn.commit()
            self.conn.execution_options(isolation_level=self.conn.default_isolation_level)


def _order_values(
    actor: Actor,
    cmd: SubmitOrder,
    order_id: str,
    number: str,
    customer: CustomerInfo,
    staff_id: str,
    store_id: str,
    key: str | None,
    now: datetime,
) -> dict[str, Any]:
    """A new order's columns as submitted; its money (total, discount, coupons, credit warnings)
    is set by the caller once the coupons and credit have been heard."""
    return {
        "id": order_id,
        "tenant_id": actor.tenant_id,
        "number": number,
        "customer_id": customer.id,
        "customer_name": customer.name,
        "customer_phone": customer.phone,
        "salesperson_id": salesperson_for_order(customer.owner_staff_id, staff_id),
        "submitted_by": staff_id,
        "store_id": store_id,
        "status": SUBMITTED,
        "debt_fen": 0,
        "verification_code": new_code(),
        "verified_at": None,
        "verified_by": None,
        "note": cmd.note.strip(),
        "reject_reason": "",
        "idempotency_key": key,
        "submitted_at": now,
        "approved_at": None,
        "picked_at": None,
        "shipped_at": None,
        "created_at": now,
    }


def _placed_by_a_repeat(
    uow: UnitOfWork, actor: Actor, key: str, exc: BaseException, codes: Sequence[str]
) -> OrderView | None:
    """The order an earlier or racing submission with the same key placed, if that is why this
    one failed: its insert lost on the key's unique constraint (with coupons the repeat also
    carries the same order id, the primary key), or it was refused on the way (a repeat is
    checked again as a new order: its products since archived, its coupons used by the first,
    the first order's total now counted against credit)."""
    if isinstance(exc, IntegrityError):
        text = str(exc.orig)
        if not (ORDERS.repeats_a_key(exc) or (codes and ("orders_pkey" in text or "orders.id" in text))):
            return None
    elif not isinstance(exc, DomainError):
        return None
    with uow:
        return ORDERS.by_key(uow.session, actor, key)
