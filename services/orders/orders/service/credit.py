"""Credit control (B2) against the database: a customer's credit position, shown while an order
is taken and checked when it is submitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, func, literal, literal_column, select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from orders.domain import credit
from orders.domain.receivables import due_at
from orders.domain.states import DEBT_STATUSES, SUBMITTED
from orders.models import OrderRow, OrderSettingsRow
from orders.models_receivables import CreditTermRow
from orders.service.access import require_staff
from orders.service.customers import CustomerDirectory, require_customer_id
from orders.service.settings import OrderSettings


@dataclass(frozen=True)
class CustomerCredit:
    customer_id: str
    term_days: int
    control: str
    position: credit.CreditPosition


_SETTINGS = OrderSettingsRow.__table__
_TERMS = CreditTermRow.__table__
_ORDERS = OrderRow.__table__
_DEBTS = _ORDERS.alias("debt")
_PENDING = (
    select(func.coalesce(func.sum(_ORDERS.c.total_fen), 0))
    .where(
        _ORDERS.c.tenant_id == bindparam("tenant_id"),
        _ORDERS.c.customer_id == bindparam("customer_id"),
        # Written as a constant: what lets PostgreSQL read the pending orders' partial index.
        _ORDERS.c.status == literal_column(f"'{SUBMITTED}'"),
    )
    .scalar_subquery()
)
# The tenant's credit control mode and a customer's whole position in one round trip, built
# once (it runs on every order placed): one row per open debt (debt columns NULL without any),
# each carrying the mode, the term and the pending total.
_ONE = select(literal(1).label("one")).subquery("one")
STANDING = select(
    _SETTINGS.c.credit_control,
    _TERMS.c.days,
    _TERMS.c.limit_fen,
    _PENDING.label("pending_fen"),
    _DEBTS.c.debt_fen,
    _DEBTS.c.approved_at,
).select_from(
    _ONE.outerjoin(_SETTINGS, _SETTINGS.c.tenant_id == bindparam("tenant_id"))
    .outerjoin(
        _TERMS, and_(_TERMS.c.tenant_id == bindparam("tenant_id"), _TERMS.c.customer_id == bindparam("customer_id"))
    )
    .outerjoin(
        _DEBTS,
        and_(
            _DEBTS.c.tenant_id == bindparam("tenant_id"),
            _DEBTS.c.customer_id == bindparam("customer_id"),
            # Constants of the code written into the statement: no list to expand on every call.
            _DEBTS.c.status.in_([literal_column(f"'{status}'") for status in DEBT_STATUSES]),
            _DEBTS.c.debt_fen > literal_column("0"),
        ),
    )
)


@dataclass(frozen=True)
class Standing:
    mode: str  # the tenant's credit control (B2)
    term_days: int
    position: credit.CreditPosition


def load_standing(conn: Connection | Session, tenant_id: str, customer_id: str, now: datetime) -> Standing:
    """The tenant's credit control and the customer's term and position, in one statement."""
    rows = conn.execute(STANDING, {"tenant_id": tenant_id, "customer_id": customer_id}).all()
    first = rows[0]
    days = first.days or 0
    debts = [credit.OpenDebt(r.debt_fen, due_at(r.approved_at, days)) for r in rows if r.debt_fen is not None]
    # Defaults until the owner saves settings (orders.service.settings).
    mode = first.credit_control or OrderSettings().credit_control
    return Standing(mode, days, credit.position(first.limit_fen, debts, int(first.pending_fen), now))


def check_new_order(standing: Standing, order_total_fen: int) -> tuple[str, ...]:
    """The warnings the order carries; raises Conflict instead when the tenant blocks it."""
    return credit.check_order(standing.mode, standing.position, order_total_fen)


def recheck_in_queue(
    conn: Connection, standing: Standing, tenant_id: str, customer_id: str, order_total_fen: int, now: datetime
) -> tuple[str, ...]:
    """Inside the submitting transaction, after check_new_order passed. When the tenant blocks,
    the customer's submissions are queued on a transaction lock and the position read again, so
    two racing orders cannot both slip under the limit (warnings are advice to the back office
    and need no such queue)."""
    if standing.mode != credit.BLOCK:
        return check_new_order(standing, order_total_fen)
    _queue_customer(conn, tenant_id, customer_id)
    return check_new_order(load_standing(conn, tenant_id, customer_id, now), order_total_fen)


def _queue_customer(conn: Connection, tenant_id: str, customer_id: str) -> None:
    """A PostgreSQL advisory lock held until commit; SQLite (one process, one writer at a time)
    needs none."""
    if conn.dialect.name == "postgresql":
        key = f"orders.credit:{tenant_id}:{customer_id}"
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def get_customer_credit(
    uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, customer_id: str, *, now: datetime
) -> CustomerCredit:
    """For whoever may see the customer in the customers service (its scope rule: a salesperson
    their own, store roles their stores', A1 A4); anyone else gets NOT_FOUND."""
    require_staff(actor)
    require_customer_id(customer_id)
    customers.get(customer_id)
    with uow.db.single_read() as conn:
        standing = load_standing(conn, actor.tenant_id, customer_id, now)
    return CustomerCredit(customer_id, standing.term_days, standing.mode, standing.position)
