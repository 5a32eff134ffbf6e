"""The merchant's member report (E6), new-members part: customers registered per China day.

One aggregate query grouped by the China day of `customers.created_at`, computed by the database
(served by ix_customers_tenant_created). Managers and staff who see every customer count the tenant;
so does finance, who reads the member report's money figures beside these counts (a count names
nobody). A salesperson counts the customers they registered themselves (registered_by_staff_id):
the report is about who brought members in, which a later change of owner (C3 pool) does not undo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput
from crmkit.periods import CHINA, china_day_sql, report_period
from customers.domain.visibility import scope_for
from customers.errors import Codes, MessageKeys
from customers.models import CustomerRow

# Besides those who see every customer (customers.domain.visibility): the member report's readers.
TENANT_COUNT_ROLES = ("finance",)


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
    start, end = report_period(date_from, date_to, now, code=Codes.CUSTOMER_INPUT_INVALID)
    store_id = store_id.strip()
    if len(store_id) > 36:
        raise InvalidInput(
            Codes.CUSTOMER_INPUT_INVALID, MessageKeys.INVALID_INPUT, fields={"store_id": "validation.invalid"}
        )
    lo = datetime.combine(start, datetime.min.time(), CHINA)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), CHINA)
    c = CustomerRow
    with uow:
        day = china_day_sql(c.created_at, uow.session.bind.dialect.name).label("day")
        query = select(day, func.count()).where(c.tenant_id == actor.tenant_id, c.created_at >= lo, c.created_at < hi)
        if not (scope.sees_all or actor.has_role(*TENANT_COUNT_ROLES)):
            query = query.where(c.registered_by_staff_id == actor.staff_id)
        if store_id:
            query = query.where(c.store_id == store_id)
        found = {d: int(n) for d, n in uow.session.execute(query.group_by(day)).all()}
    days = tuple(
        (d, found.get(d.isoformat(), 0)) for d in (start + timedelta(days=i) for i in range((end - start).days + 1))
    )
    return NewCustomerReport(start, end, days, sum(n for _, n in days))
