"""The merchant's member report (E6), new-members part: customers registered per China day.

One aggregate query grouped by the China day of `customers.created_at`, computed by the database
(served by ix_customers_tenant_created). Counted within the caller's scope (customers.domain.scope):
the owner and the see-all switch count the tenant; store managers and finance their stores'
customers; a salesperson the customers they registered themselves (registered_by_staff_id): the
report is about who brought members in, which a later change of owner (C3 pool) does not undo.
Naming a store outside the caller's stores is refused, not answered with zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput, PermissionDenied
from crmkit.periods import CHINA, china_day_sql, report_period
from customers.domain.scope import scope_for
from customers.errors import ErrorCode
from customers.models import CustomerRow
from customers.service.scoping import visible


@dataclass(frozen=True)
class NewCustomerReport:
    date_from: date
    date_to: date
    days: tuple[tuple[date, int], ...]
    total: int


def new_customer_report(
    uow: UnitOfWork, actor: Actor, date_from: str, date_to: str, store_id: str = "", *, now: datetime
) -> NewCustomerReport:
    scope = scope_for(actor)
    start, end = report_period(date_from, date_to, now, code=ErrorCode.CUSTOMER_INPUT_INVALID)
    store_id = store_id.strip()
    if len(store_id) > 36:
        raise InvalidInput(ErrorCode.CUSTOMER_INPUT_INVALID, fields={"store_id": "validation.invalid"})
    if store_id and not scope.sees_all and store_id not in scope.store_ids:
        raise PermissionDenied(ErrorCode.STORE_ACCESS_DENIED, params={"store_id": store_id})
    lo = datetime.combine(start, datetime.min.time(), CHINA)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), CHINA)
    c = CustomerRow
    with uow:
        day = china_day_sql(c.created_at, uow.session.bind.dialect.name).label("day")
        query = select(day, func.count()).where(c.tenant_id == actor.tenant_id, c.created_at >= lo, c.created_at < hi)
        query = query.where(visible(scope, owner=c.registered_by_staff_id))
        if store_id:
            query = query.where(c.store_id == store_id)
        found = {d: int(n) for d, n in uow.session.execute(query.group_by(day)).all()}
    days = tuple(
        (d, found.get(d.isoformat(), 0)) for d in (start + timedelta(days=i) for i in range((end - start).days + 1))
    )
    return NewCustomerReport(start, end, days, sum(n for _, n in days))
