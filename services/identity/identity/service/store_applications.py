"""Sub-store applications (A4): a staff member applies for a new sub-store, the head store's
owner or manager approves (the sub-store opens under the head store) or rejects with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import AlreadyExists, InvalidInput, NotFound
from crmkit.paging import Page
from identity import events
from identity.domain import stores as rules
from identity.domain.validation import clean_text, raise_if_any
from identity.errors import ErrorCode
from identity.models import Store, StoreApplication
from identity.service.common import acting_staff, audit, detached, head_store_id, not_allowed


@dataclass(frozen=True)
class ApplyForSubStore:
    store_name: str
    contact_name: str
    phone: str
    address: str


@dataclass(frozen=True)
class ListApplications:
    page: Page = Page()
    status: str = ""


def _not_found() -> NotFound:
    return NotFound(ErrorCode.STORE_APPLICATION_NOT_FOUND)


def _snapshot(row: StoreApplication) -> dict:
    return {"status": row.status, "store_name": row.store_name, "store_id": row.store_id, "reason": row.reject_reason}


def apply_for_sub_store(uow: UnitOfWork, actor: Actor, cmd: ApplyForSubStore, *, now: datetime) -> StoreApplication:
    app = rules.Application(
        store_name=clean_text(cmd.store_name),
        contact_name=clean_text(cmd.contact_name),
        phone=clean_text(cmd.phone),
        address=clean_text(cmd.address),
    )
    raise_if_any(rules.application_problems(app))
    with uow:
        applicant = acting_staff(uow, actor)
        head = head_store_id(uow, actor.tenant_id)
        # Lock the head store: two applications with one name filed at once must not both
        # pass the check below (the tenant's applications queue here, other tenants' do not).
        uow.session.execute(select(Store.id).where(Store.id == head).with_for_update())
        # One name per store in a tenant: staff pick stores by name in the switcher.
        taken = uow.session.scalar(
            select(Store.id).where(Store.tenant_id == actor.tenant_id, Store.name == app.store_name).limit(1)
        ) or uow.session.scalar(
            select(StoreApplication.id)
            .where(
                StoreApplication.tenant_id == actor.tenant_id,
                StoreApplication.store_name == app.store_name,
                StoreApplication.status == rules.PENDING,
            )
            .limit(1)
        )
        if taken:
            raise AlreadyExists(
                ErrorCode.STORE_APPLICATION_DUPLICATE,
                fields={"store_name": "validation.taken"},
            )
        row = StoreApplication(
            tenant_id=actor.tenant_id,
            parent_store_id=head,
            store_name=app.store_name,
            contact_name=app.contact_name,
            phone=app.phone,
            address=app.address,
            status=rules.PENDING,
            applied_by=applicant.id,
            created_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.publish(events.sub_store_applied(row), actor.tenant_id)
        uow.commit()
        return detached(uow, row)


def _reviewer(uow: UnitOfWork, actor: Actor):
    staff = acting_staff(uow, actor)
    if not rules.may_review(staff.roles, staff.store_ids, head_store_id(uow, actor.tenant_id)):
        raise not_allowed()
    return staff


def _load(uow: UnitOfWork, tenant_id: str, application_id: str, *, for_update: bool = False) -> StoreApplication:
    query = select(StoreApplication).where(
        StoreApplication.tenant_id == tenant_id, StoreApplication.id == application_id
    )
    if for_update:
        query = query.with_for_update()
    row = uow.session.scalar(query)
    if row is None:
        raise _not_found()
    return row


def list_applications(uow: UnitOfWork, actor: Actor, query: ListApplications) -> tuple[list[StoreApplication], int]:
    if query.status and query.status not in rules.STATUSES:
        raise InvalidInput(fields={"status": "validation.invalid_choice"})
    with uow:
        viewer = acting_staff(uow, actor)
        conditions = [StoreApplication.tenant_id == actor.tenant_id]
        if not rules.may_review(viewer.roles, viewer.store_ids, head_store_id(uow, actor.tenant_id)):
            # Applicants follow their own applications (and read the reason of a rejection).
            conditions.append(StoreApplication.applied_by == viewer.id)
        if query.status:
            conditions.append(StoreApplication.status == query.status)
        total = uow.session.scalar(select(func.count()).select_from(StoreApplication).where(*conditions))
        rows = uow.session.scalars(
            select(StoreApplication)
            .where(*conditions)
            .order_by(StoreApplication.created_at.desc(), StoreApplication.id)
            .offset(query.page.offset)
            .limit(query.page.page_size)
        ).all()
        return detached(uow, (list(rows), int(total or 0)))


def get_application(uow: UnitOfWork, actor: Actor, application_id: str) -> StoreApplication:
    with uow:
        viewer = acting_staff(uow, actor)
        row = _load(uow, actor.tenant_id, application_id)
        reviewer = rules.may_review(viewer.roles, viewer.store_ids, head_store_id(uow, actor.tenant_id))
        if not reviewer and row.applied_by != viewer.id:
            raise not_allowed()
        return detached(uow, row)


def approve_application(uow: UnitOfWork, actor: Actor, application_id: str, *, now: datetime) -> StoreApplication:
    with uow:
        reviewer = _reviewer(uow, actor)
        # Lock the row: two managers approving at once must not open the store twice.
        row = _load(uow, actor.tenant_id, application_id, for_update=True)
        rules.ensure_pending(row.status)
        before = _snapshot(row)
        store = Store(
            tenant_id=actor.tenant_id,
            name=row.store_name,
            parent_store_id=row.parent_store_id,
            address=row.address,
            is_head=False,
            created_at=now,
        )
        uow.session.add(store)
        uow.session.flush()
        row.status, row.store_id = rules.APPROVED, store.id
        row.reviewed_by, row.reviewed_at = reviewer.id, now
        _record(uow, actor, row, "store_application.approved", before, now)
        uow.publish(events.sub_store_approved(row), actor.tenant_id)
        uow.commit()
        return detached(uow, row)


def reject_application(
    uow: UnitOfWork, actor: Actor, application_id: str, reason: str, *, now: datetime
) -> StoreApplication:
    reason = clean_text(reason)
    raise_if_any({"reason": rules.text_problem(reason, rules.REASON_MAX)})
    with uow:
        reviewer = _reviewer(uow, actor)
        row = _load(uow, actor.tenant_id, application_id, for_update=True)
        rules.ensure_pending(row.status)
        before = _snapshot(row)
        row.status, row.reject_reason = rules.REJECTED, reason
        row.reviewed_by, row.reviewed_at = reviewer.id, now
        _record(uow, actor, row, "store_application.rejected", before, now)
        uow.publish(events.sub_store_rejected(row), actor.tenant_id)
        uow.commit()
        return detached(uow, row)


def _record(uow: UnitOfWork, actor: Actor, row: StoreApplication, action: str, before: dict, now: datetime) -> None:
    audit(
        uow,
        tenant_id=actor.tenant_id,
        actor_kind=actor.kind,
        actor_id=actor.subject_id,
        action=action,
        object_type="store_application",
        object_id=row.id,
        before=before,
        after=_snapshot(row),
        now=now,
    )
