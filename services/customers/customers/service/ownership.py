"""Ownership and the public pool (C3): release, claim, transfer, lock, owner history, the pool
list. Every change writes an owner-history row and publishes an event in its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, text

from crmkit.auth import STAFF, Actor
from crmkit.changelog import Author, author
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.paging import Page
from customers import events
from customers.domain import pool
from customers.domain.paging import search_query
from customers.domain.registration import REGISTERING_ROLES
from customers.domain.scope import scope_for
from customers.errors import ErrorCode
from customers.models import CustomerRow, OwnershipChangeRow
from customers.service.changes import POOL_SWEEP, log_change
from customers.service.customer_settings import settings_of
from customers.service.profile import load_visible
from customers.service.scoping import pool_visible
from customers.service.tags import require_manager, tags_of
from customers.service.views import CustomerPage, CustomerView, customer_view
from customers.staff_directory import StaffDirectory, require_seller


@dataclass(frozen=True)
class OwnershipChange:
    id: str
    customer_id: str
    action: str
    from_staff_id: str | None
    to_staff_id: str | None
    by_staff_id: str | None
    reason: str
    created_at: datetime


def _not_found(customer_id: str) -> NotFound:
    return NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})


def _load_any(uow: UnitOfWork, actor: Actor, customer_id: str, *, claiming: bool = False) -> CustomerRow:
    """Locked, a customer within the caller's scope or in the part of the pool they see (the
    pool of their stores is there for every seller to claim); anything else looks missing. A
    claimer also finds a customer of their stores' pool that a colleague has just taken, so the
    losers of a race learn it is no longer in the pool (409) rather than that it never was."""
    scope = scope_for(actor)
    row = uow.session.scalar(
        select(CustomerRow)
        .where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.id == customer_id)
        .with_for_update()
    )
    if row is None:
        raise _not_found(customer_id)
    in_pool = (claiming or row.owner_staff_id is None) and scope.allows_pool(row.store_id)
    if not (in_pool or scope.allows(row.owner_staff_id, row.store_id)):
        raise _not_found(customer_id)
    return row


def change_owner(
    uow: UnitOfWork,
    row: CustomerRow,
    *,
    action: str,
    event: events.OwnerChanged,
    to_staff_id: str | None,
    by_staff_id: str | None,
    reason: str,
    now: datetime,
) -> None:
    """Inside the caller's transaction (row locked): new owner, history and change-log rows,
    event. No `by_staff_id`: the pool sweep returned it."""
    previous = row.owner_staff_id
    row.owner_staff_id = to_staff_id
    row.owned_since = now if to_staff_id else None
    by = Author(STAFF, by_staff_id) if by_staff_id else POOL_SWEEP
    log_change(
        uow.session,
        by,
        row,
        action,
        before={"owner_staff_id": previous},
        after={"owner_staff_id": to_staff_id},
        now=now,
    )
    uow.session.add(
        OwnershipChangeRow(
            tenant_id=row.tenant_id,
            customer_id=row.id,
            action=action,
            from_staff_id=previous,
            to_staff_id=to_staff_id,
            by_staff_id=by_staff_id,
            reason=reason,
            created_at=now,
        )
    )
    uow.publish(event(row, previous, to_staff_id, by_staff_id, reason), row.tenant_id)


def _view(uow: UnitOfWork, row: CustomerRow) -> CustomerView:
    return customer_view(row, tags_of(uow.session, row.tenant_id, [row.id]).get(row.id, ()))


def release_customer(uow: UnitOfWork, actor: Actor, customer_id: str, reason: str, *, now: datetime) -> CustomerView:
    """The owner (or a manager) gives the customer up to the public pool, saying why."""
    reason = pool.check_reason(reason, required=True)
    with uow:
        row = load_visible(uow, actor, customer_id, lock=True)
        if row.owner_staff_id is None:
            raise Conflict(ErrorCode.CUSTOMER_ALREADY_IN_POOL)
        if actor.is_service:
            raise PermissionDenied(ErrorCode.CUSTOMER_NOT_YOURS)
        change_owner(
            uow,
            row,
            action=pool.RELEASED,
            event=events.customer_released,
            to_staff_id=None,
            by_staff_id=actor.staff_id,
            reason=reason,
            now=now,
        )
        uow.commit()
        return _view(uow, row)


def _lock_claimer(uow: UnitOfWork, tenant_id: str, staff_id: str) -> None:
    """Serialise one salesperson's claims (two claims of different customers at once must not
    both slip under the holding cap). SQLite already serialises every writer (BEGIN IMMEDIATE)."""
    if uow.session.get_bind().dialect.name == "postgresql":
        uow.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"claim:{tenant_id}:{staff_id}"}
        )


def claim_customer(uow: UnitOfWork, actor: Actor, customer_id: str, *, now: datetime) -> CustomerView:
    """Take a customer from the pool. The customer row is locked: of concurrent claimers the
    first gets it and the others find it held (CUSTOMER_NOT_IN_POOL)."""
    if actor.staff_id is None or not actor.has_role(*REGISTERING_ROLES):
        raise PermissionDenied(ErrorCode.CUSTOMER_REGISTER_DENIED)
    staff_id = actor.staff_id
    with uow:
        session = uow.session
        _lock_claimer(uow, actor.tenant_id, staff_id)
        row = _load_any(uow, actor, customer_id, claiming=True)
        if row.owner_staff_id is not None:
            raise Conflict(ErrorCode.CUSTOMER_NOT_IN_POOL)
        settings = settings_of(session, actor.tenant_id)
        held = session.scalar(
            select(func.count())
            .select_from(CustomerRow)
            .where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.owner_staff_id == staff_id)
        )
        claimed_today = session.scalar(
            select(func.count())
            .select_from(OwnershipChangeRow)
            .where(
                OwnershipChangeRow.tenant_id == actor.tenant_id,
                OwnershipChangeRow.to_staff_id == staff_id,
                OwnershipChangeRow.action == pool.CLAIMED,
                OwnershipChangeRow.created_at >= pool.china_day_start(now),
            )
        )
        last_left = None
        if settings.reclaim_cooldown_days:
            last_left = session.scalar(
                select(func.max(OwnershipChangeRow.created_at)).where(
                    OwnershipChangeRow.tenant_id == actor.tenant_id,
                    OwnershipChangeRow.customer_id == row.id,
                    OwnershipChangeRow.from_staff_id == staff_id,
                    OwnershipChangeRow.action.in_((pool.RELEASED, pool.RETURNED, pool.TRANSFERRED)),
                    OwnershipChangeRow.created_at >= now - timedelta(days=settings.reclaim_cooldown_days),
                )
            )
        pool.check_claim(settings, held=held, claimed_today=claimed_today, last_left_by_claimer_at=last_left, now=now)
        change_owner(
            uow,
            row,
            action=pool.CLAIMED,
            event=events.customer_claimed,
            to_staff_id=staff_id,
            by_staff_id=staff_id,
            reason="",
            now=now,
        )
        uow.commit()
        return _view(uow, row)


def transfer_customer(
    uow: UnitOfWork,
    actor: Actor,
    customer_id: str,
    to_staff_id: str,
    reason: str,
    *,
    now: datetime,
    staff: StaffDirectory | None,
) -> CustomerView:
    """A manager hands the customer (held or in the pool) to a colleague: an active salesperson
    or manager of the tenant, as identity knows them (asked before the transaction opens)."""
    manager = require_manager(actor)
    to_staff_id = to_staff_id.strip()
    reason = pool.check_reason(reason, required=False)
    if not to_staff_id or len(to_staff_id) > 36:
        raise InvalidInput(
            ErrorCode.OWNERSHIP_INPUT_INVALID,
            fields={"to_staff_id": "validation.required" if not to_staff_id else "validation.too_long"},
        )
    require_seller(staff, actor.tenant_id, to_staff_id, field="to_staff_id", code=ErrorCode.OWNERSHIP_INPUT_INVALID)
    with uow:
        row = _load_any(uow, actor, customer_id)
        if row.owner_staff_id == to_staff_id:
            # Already theirs: nothing to hand over.
            raise InvalidInput(
                ErrorCode.OWNERSHIP_INPUT_INVALID,
                fields={"to_staff_id": "validation.invalid"},
            )
        change_owner(
            uow,
            row,
            action=pool.TRANSFERRED,
            event=events.customer_transferred,
            to_staff_id=to_staff_id,
            by_staff_id=manager,
            reason=reason,
            now=now,
        )
        uow.commit()
        return _view(uow, row)


def set_customer_locked(
    uow: UnitOfWork, actor: Actor, customer_id: str, locked: bool, *, now: datetime
) -> CustomerView:
    """A manager exempts a customer from the pool rules (or lifts it)."""
    manager = require_manager(actor)
    with uow:
        row = _load_any(uow, actor, customer_id)
        if row.locked != locked:
            log_change(
                uow.session,
                author(actor),
                row,
                "locked" if locked else "unlocked",
                before={"locked": row.locked},
                after={"locked": locked},
                now=now,
            )
            row.locked = locked
            uow.publish(events.customer_lock_changed(row.id, locked, manager), actor.tenant_id)
        uow.commit()
        return _view(uow, row)


def list_ownership_history(uow: UnitOfWork, actor: Actor, customer_id: str) -> list[OwnershipChange]:
    """Oldest first. A salesperson sees the history of own customers; managers of any."""
    with uow:
        load_visible(uow, actor, customer_id)
        rows = uow.session.scalars(
            select(OwnershipChangeRow)
            .where(OwnershipChangeRow.tenant_id == actor.tenant_id, OwnershipChangeRow.customer_id == customer_id)
            .order_by(OwnershipChangeRow.created_at, OwnershipChangeRow.id)
        ).all()
        return [
            OwnershipChange(
                r.id, r.customer_id, r.action, r.from_staff_id, r.to_staff_id, r.by_staff_id, r.reason, r.created_at
            )
            for r in rows
        ]


def list_pool_customers(uow: UnitOfWork, actor: Actor, page: Page, query: str = "") -> CustomerPage:
    """Every seller sees the pool of their own stores (and customers of no store): it is there
    to be claimed. The owner and the see-all switch see the whole pool."""
    scope = scope_for(actor)
    query = search_query(query)
    stmt = select(CustomerRow).where(
        CustomerRow.tenant_id == actor.tenant_id, CustomerRow.owner_staff_id.is_(None), pool_visible(scope)
    )
    if query:
        pattern = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            or_(
                CustomerRow.name.ilike(f"%{pattern}%", escape="\\"),
                CustomerRow.phone.like(f"{pattern}%", escape="\\"),
            )
        )
    with uow:
        total = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(
            stmt.order_by(CustomerRow.created_at.desc(), CustomerRow.id.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        tags = tags_of(uow.session, actor.tenant_id, [r.id for r in rows])
        return CustomerPage([customer_view(r, tags.get(r.id, ())) for r in rows], page.page, page.page_size, total)
