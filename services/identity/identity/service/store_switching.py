"""Store switching (A4): the switcher (pinned first, current, recent history), switching the
current store of a login session, pinning and forgetting history. docs/adr/0004."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from crmkit.auth import Actor, TokenIssuer
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput, NotFound, PermissionDenied
from identity.domain import stores as rules
from identity.errors import ErrorCode
from identity.models import RecentStore, SessionStore, Staff, Store, StorePin
from identity.service.common import acting_staff, detached, not_allowed
from identity.service.current_store import current_store_of, switchable_stores
from identity.service.sessions import access_token


@dataclass(frozen=True)
class SwitcherEntry:
    store: Store
    pinned: bool
    current: bool


@dataclass(frozen=True)
class RecentEntry:
    store: Store
    switched_at: datetime


@dataclass(frozen=True)
class Switcher:
    current_store_id: str
    stores: list[SwitcherEntry]
    recent: list[RecentEntry]


@dataclass(frozen=True)
class Switched:
    access_token: str
    access_expires_at: datetime
    store: Store


def _required(store_id: str) -> str:
    store_id = (store_id or "").strip()
    if not store_id:
        raise InvalidInput(fields={"store_id": "validation.required"})
    return store_id


def _ensure_switchable(uow: UnitOfWork, staff: Staff, store_id: str) -> list[str]:
    """Another tenant's store or a missing one is NotFound; a store of the tenant the caller
    does not belong to is refused (their token would not let them act there anyway)."""
    switchable = switchable_stores(uow, staff)
    if store_id not in switchable:
        exists = uow.session.scalar(select(Store.id).where(Store.tenant_id == staff.tenant_id, Store.id == store_id))
        if exists is None:
            raise NotFound(ErrorCode.STORE_NOT_FOUND)
        raise PermissionDenied(ErrorCode.STORE_NOT_SWITCHABLE)
    return switchable


def _ensure_in_tenant(uow: UnitOfWork, staff: Staff, store_id: str) -> None:
    """Undoing a pin or a visit is idempotent for the tenant's own stores, but another tenant's
    store is NotFound like everywhere else (R4): it must not answer as if it were known."""
    if uow.session.scalar(select(Store.id).where(Store.tenant_id == staff.tenant_id, Store.id == store_id)) is None:
        raise NotFound(ErrorCode.STORE_NOT_FOUND)


def _lock_person(uow: UnitOfWork, staff: Staff) -> None:
    """One switch or pin at a time per person: two sessions entering the same store for the
    first time would otherwise both insert its history row and one would fail on the key."""
    uow.session.execute(select(Staff.id).where(Staff.id == staff.id).with_for_update())


def _switcher(uow: UnitOfWork, staff: Staff, session_id: str | None) -> Switcher:
    switchable = switchable_stores(uow, staff)
    stores = {s.id: s for s in uow.session.scalars(select(Store).where(Store.tenant_id == staff.tenant_id))}
    pins = list(
        uow.session.scalars(
            select(StorePin.store_id)
            .where(StorePin.tenant_id == staff.tenant_id, StorePin.staff_id == staff.id)
            .order_by(StorePin.pinned_at.desc(), StorePin.store_id)
        )
    )
    current = current_store_of(uow, staff, session_id) or ""
    allowed = set(switchable)
    history = uow.session.execute(
        select(RecentStore.store_id, RecentStore.switched_at)
        .where(RecentStore.tenant_id == staff.tenant_id, RecentStore.staff_id == staff.id)
        .order_by(RecentStore.switched_at.desc(), RecentStore.store_id)
    ).all()
    return Switcher(
        current_store_id=current,
        stores=[SwitcherEntry(stores[s], s in set(pins), s == current) for s in rules.switcher_order(switchable, pins)],
        # A store taken away from the staff member drops out of their history too.
        recent=[RecentEntry(stores[s], at) for s, at in history if s in allowed],
    )


def get_switcher(uow: UnitOfWork, actor: Actor) -> Switcher:
    with uow:
        return detached(uow, _switcher(uow, acting_staff(uow, actor), actor.session_id))


def switch_store(uow: UnitOfWork, issuer: TokenIssuer, actor: Actor, store_id: str, *, now: datetime) -> Switched:
    store_id = _required(store_id)
    if not actor.session_id:
        # The current store belongs to a login session; a token without one (a service, a
        # hand-made token) has nothing to switch.
        raise not_allowed()
    with uow:
        staff = acting_staff(uow, actor)
        _ensure_switchable(uow, staff, store_id)
        _lock_person(uow, staff)
        row = uow.session.get(SessionStore, actor.session_id, with_for_update=True)
        if row is None:
            uow.session.add(
                SessionStore(
                    session_id=actor.session_id,
                    tenant_id=staff.tenant_id,
                    staff_id=staff.id,
                    store_id=store_id,
                    switched_at=now,
                )
            )
        elif row.staff_id != staff.id:
            raise not_allowed()
        else:
            row.store_id, row.switched_at = store_id, now
        _remember(uow, staff, store_id, now)
        token, expires = access_token(issuer, staff, session_id=actor.session_id, current_store_id=store_id, now=now)
        store = uow.session.get(Store, store_id)
        uow.commit()
        return detached(uow, Switched(token, expires, store))


def _remember(uow: UnitOfWork, staff: Staff, store_id: str, now: datetime) -> None:
    """Moves the store to the top of the history and trims it to the newest few."""
    rows = {
        r.store_id: r
        for r in uow.session.scalars(
            select(RecentStore)
            .where(RecentStore.tenant_id == staff.tenant_id, RecentStore.staff_id == staff.id)
            .with_for_update()
        )
    }
    _kept, dropped = rules.history_after_switch([(s, r.switched_at) for s, r in rows.items()], store_id, now)
    if store_id in rows:
        rows[store_id].switched_at = now
    else:
        uow.session.add(RecentStore(staff_id=staff.id, store_id=store_id, tenant_id=staff.tenant_id, switched_at=now))
    for gone in dropped:
        uow.session.delete(rows[gone])


def pin_store(uow: UnitOfWork, actor: Actor, store_id: str, *, now: datetime) -> Switcher:
    store_id = _required(store_id)
    with uow:
        staff = acting_staff(uow, actor)
        _ensure_switchable(uow, staff, store_id)
        _lock_person(uow, staff)
        row = uow.session.get(StorePin, (staff.id, store_id))
        if row is None:
            uow.session.add(StorePin(staff_id=staff.id, store_id=store_id, tenant_id=staff.tenant_id, pinned_at=now))
        else:
            # Pinning again brings the store to the top of the pinned ones.
            row.pinned_at = now
        uow.session.flush()
        result = _switcher(uow, staff, actor.session_id)
        uow.commit()
        return detached(uow, result)


def unpin_store(uow: UnitOfWork, actor: Actor, store_id: str) -> Switcher:
    """Idempotent: unpinning a store that is not pinned changes nothing."""
    store_id = _required(store_id)
    with uow:
        staff = acting_staff(uow, actor)
        _ensure_in_tenant(uow, staff, store_id)
        uow.session.execute(
            delete(StorePin).where(
                StorePin.tenant_id == staff.tenant_id, StorePin.staff_id == staff.id, StorePin.store_id == store_id
            )
        )
        result = _switcher(uow, staff, actor.session_id)
        uow.commit()
        return detached(uow, result)


def forget_recent_stores(uow: UnitOfWork, actor: Actor, store_id: str = "") -> Switcher:
    """One store out of the history, or the whole history when store_id is empty."""
    store_id = (store_id or "").strip()
    with uow:
        staff = acting_staff(uow, actor)
        query = delete(RecentStore).where(RecentStore.tenant_id == staff.tenant_id, RecentStore.staff_id == staff.id)
        if store_id:
            _ensure_in_tenant(uow, staff, store_id)
            query = query.where(RecentStore.store_id == store_id)
        uow.session.execute(query)
        result = _switcher(uow, staff, actor.session_id)
        uow.commit()
        return detached(uow, result)
