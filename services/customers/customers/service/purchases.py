"""Writing the buying-behaviour read model (C4) from the orders service's events.

Every write is an additive upsert (INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x), so
two events of one customer handled at once by two worker threads both count, without locks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import Session

from crmkit.db import upsert_insert
from customers.domain.segments import Purchase
from customers.models import CustomerRow, PurchaseDayRow, PurchaseLineRow


def _add(session: Session, model, keys: dict, amounts: dict, replace: dict | None = None) -> None:
    stmt = upsert_insert(session, model).values(**keys, **amounts, **(replace or {}))
    changes = {name: getattr(model, name) + getattr(stmt.excluded, name) for name in amounts}
    changes.update({name: getattr(stmt.excluded, name) for name in replace or {}})
    session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changes))


def record_purchase(session: Session, tenant_id: str, purchase: Purchase) -> None:
    """Adds the purchase to its customer's day and products; moves customers.last_order_at
    forward when it is a newer order (an older event arriving late never moves it back)."""
    _add(
        session,
        PurchaseDayRow,
        {"tenant_id": tenant_id, "customer_id": purchase.customer_id, "day": purchase.day},
        {"order_count": purchase.order_count, "amount_fen": purchase.amount_fen},
    )
    for line in purchase.lines:
        _add(
            session,
            PurchaseLineRow,
            {
                "tenant_id": tenant_id,
                "customer_id": purchase.customer_id,
                "product_id": line.product_id,
                "day": purchase.day,
            },
            {"quantity": line.quantity, "amount_fen": line.amount_fen},
            # The brand of the latest sale that day wins (a product rarely changes brand).
            {"brand": line.brand},
        )
    if purchase.order_count > 0:
        _advance_last_order(session, tenant_id, purchase.customer_id, purchase.at)


def _advance_last_order(session: Session, tenant_id: str, customer_id: str, at: datetime) -> None:
    session.execute(
        update(CustomerRow)
        .where(
            and_(CustomerRow.tenant_id == tenant_id, CustomerRow.id == customer_id),
            or_(CustomerRow.last_order_at.is_(None), CustomerRow.last_order_at < at),
        )
        .values(last_order_at=at)
    )
