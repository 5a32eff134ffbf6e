"""Credit control (B2) against the database: a customer's credit position, shown while an order
is taken and checked when it is submitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from orders.domain import credit
from orders.domain.receivables import TERM_ROLES, due_at
from orders.domain.states import DEBT_STATUSES, SUBMITTED
from orders.models import OrderRow
from orders.models_receivables import CreditTermRow
from orders.service.access import require_staff
from orders.service.customers import CustomerDirectory, require_customer_id
from orders.service.settings import load_settings


@dataclass(frozen=True)
class CustomerCredit:
    customer_id: str
    term_days: int
    control: str
    position: credit.CreditPosition


def load_position(
    session: Session, tenant_id: str, customer_id: str, now: datetime
) -> tuple[int, credit.CreditPosition]:
    """(term days, position): three small queries over one customer's open documents."""
    term = session.execute(
        select(CreditTermRow.days, CreditTermRow.limit_fen).where(
            CreditTermRow.tenant_id == tenant_id, CreditTermRow.customer_id == customer_id
        )
    ).first()
    days, limit_fen = term if term else (0, None)
    open_debts = session.execute(
        select(OrderRow.debt_fen, OrderRow.approved_at).where(
            OrderRow.tenant_id == tenant_id,
            OrderRow.customer_id == customer_id,
            OrderRow.status.in_(DEBT_STATUSES),
            OrderRow.debt_fen > 0,
        )
    ).all()
    pending = session.scalar(
        select(func.coalesce(func.sum(OrderRow.total_fen), 0)).where(
            OrderRow.tenant_id == tenant_id, OrderRow.customer_id == customer_id, OrderRow.status == SUBMITTED
        )
    )
    debts = [credit.OpenDebt(debt, due_at(approved, days)) for debt, approved in open_debts]
    return days, credit.position(limit_fen, debts, int(pending), now)


def check_new_order(
    session: Session, tenant_id: str, customer_id: str, order_total_fen: int, now: datetime
) -> tuple[str, ...]:
    """Inside the submitting transaction. When the tenant blocks, the customer's submissions are
    queued on a transaction lock first, so two racing orders cannot both slip under the limit
    (warnings are advice to the back office and need no such queue)."""
    mode = load_settings(session, tenant_id).credit_control
    if mode == credit.OFF:
        return ()
    if mode == credit.BLOCK:
        _queue_customer(session, tenant_id, customer_id)
    _, pos = load_position(session, tenant_id, customer_id, now)
    return credit.check_order(mode, pos, order_total_fen)


def _queue_customer(session: Session, tenant_id: str, customer_id: str) -> None:
    """A PostgreSQL advisory lock held until commit; SQLite (one process, one writer at a time)
    needs none."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"orders.credit:{tenant_id}:{customer_id}"
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def get_customer_credit(
    uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, customer_id: str, *, now: datetime
) -> CustomerCredit:
    """For whoever may take an order for the customer, and for those who set credit terms (finance
    sees no customers in the customers service, so they are not looked up for them)."""
    require_staff(actor)
    require_customer_id(customer_id)
    if not actor.has_role(*TERM_ROLES):
        customers.get(customer_id)
    else:
        customers.require_in_tenant(actor.tenant_id, customer_id)
    with uow:
        days, pos = load_position(uow.session, actor.tenant_id, customer_id, now)
        return CustomerCredit(customer_id, days, load_settings(uow.session, actor.tenant_id).credit_control, pos)
