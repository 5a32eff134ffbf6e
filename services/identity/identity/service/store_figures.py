"""The head store's view of each sub-store's figures (A4): takings from the orders service (B10)
summed per sub-store over a period, limited to the stores the caller may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from identity.domain import stores as rules
from identity.domain.validation import raise_if_any
from identity.models import Store
from identity.service.common import acting_staff, detached, head_store_id, not_allowed
from identity.takings import TakingsSource


@dataclass(frozen=True)
class SubStoreFigures:
    store: Store
    orders: int
    sales_fen: int
    returns_fen: int
    takings_fen: int


@dataclass(frozen=True)
class FiguresView:
    stores: list[SubStoreFigures]
    total_takings_fen: int


def list_sub_store_figures(
    uow: UnitOfWork, takings: TakingsSource, actor: Actor, date_from: str, date_to: str
) -> FiguresView:
    date_from, date_to = (date_from or "").strip(), (date_to or "").strip()
    raise_if_any(rules.period_problems(date_from, date_to))
    with uow:
        viewer = acting_staff(uow, actor)
        head = head_store_id(uow, actor.tenant_id)
        subs = list(
            uow.session.scalars(
                select(Store)
                .where(Store.tenant_id == actor.tenant_id, Store.is_head.is_(False))
                .order_by(Store.created_at, Store.id)
            )
        )
        visible = rules.figures_scope(viewer.roles, viewer.store_ids, head, [s.id for s in subs])
        if visible is None:
            raise not_allowed()
        shown = [s for s in subs if s.id in set(visible)]
        detached(uow, None)
    # Outside the transaction: no database connection is held while orders answers.
    days = takings.daily_takings(actor.tenant_id, date_from, date_to) if shown else []
    totals = rules.totals_by_store([s.id for s in shown], days)
    rows = [
        SubStoreFigures(
            s, totals[s.id].orders, totals[s.id].sales_fen, totals[s.id].returns_fen, totals[s.id].takings_fen
        )
        for s in shown
    ]
    return FiguresView(rows, sum(r.takings_fen for r in rows))
