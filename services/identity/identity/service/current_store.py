"""The current store of a login session (A4), read when a token is issued (login, refresh) and
when the store switcher is shown. See docs/adr/0004-store-switching.md."""

from __future__ import annotations

from sqlalchemy import select

from crmkit.db import UnitOfWork
from identity.domain import stores as rules
from identity.models import RecentStore, SessionStore, Staff, Store


def switchable_stores(uow: UnitOfWork, staff: Staff) -> list[str]:
    tenant_stores = list(
        uow.session.scalars(
            select(Store.id)
            .where(Store.tenant_id == staff.tenant_id)
            .order_by(Store.is_head.desc(), Store.created_at, Store.id)
        )
    )
    return rules.switchable_store_ids(staff.roles, staff.store_ids, tenant_stores)


def recent_store_ids(uow: UnitOfWork, staff: Staff) -> list[str]:
    return list(
        uow.session.scalars(
            select(RecentStore.store_id)
            .where(RecentStore.tenant_id == staff.tenant_id, RecentStore.staff_id == staff.id)
            .order_by(RecentStore.switched_at.desc(), RecentStore.store_id)
        )
    )


def current_store_of(uow: UnitOfWork, staff: Staff, session_id: str | None) -> str | None:
    """The session's chosen store while the staff member still belongs to it; otherwise (new
    session, or the store was taken away) the store entered last, else their main store."""
    switchable = switchable_stores(uow, staff)
    if session_id:
        row = uow.session.get(SessionStore, session_id)
        if row is not None and row.staff_id == staff.id and row.store_id in switchable:
            return row.store_id
    return rules.default_store(switchable, recent_store_ids(uow, staff))
