"""Staff use cases (A1): create, read, list, permission switches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.db import UnitOfWork, new_id
from crmkit.errors import AlreadyExists, InvalidInput, PermissionDenied
from crmkit.revocation import RevokedSessions
from identity import events
from identity.domain import roles as rules
from identity.domain import seats
from identity.domain.validation import clean_text, name_problem, password_problem, phone_problem, raise_if_any
from identity.errors import ErrorCode
from identity.models import Seat, Staff, StaffPermission, StaffRole, StaffStore
from identity.passwords import hash_password
from identity.service import commands
from identity.service.common import (
    acting_staff,
    audit,
    detached,
    head_store_id,
    load_staff,
    not_allowed,
    staff_snapshot,
    tenant_store_ids,
)
from identity.service.sessions import commit_revoking, live_sessions_of


def phone_taken() -> AlreadyExists:
    return AlreadyExists(ErrorCode.STAFF_PHONE_TAKEN, fields={"phone": "validation.invalid"})


def new_staff(
    uow: UnitOfWork,
    *,
    tenant_id: str,
    name: str,
    phone: str,
    password: str,
    roles: list[str],
    permissions: list[str],
    store_ids: list[str],
    now: datetime,
) -> Staff:
    """Adds a validated staff member (and a seat for a salesperson, A3) to the session."""
    staff = Staff(
        id=new_id(),
        tenant_id=tenant_id,
        name=name,
        phone=phone,
        password_hash=hash_password(password) if password else None,
        active=True,
        created_at=now,
    )
    staff.role_rows = [StaffRole(role=r) for r in roles]
    staff.switch_rows = [StaffPermission(permission=p) for p in permissions]
    staff.store_rows = [StaffStore(store_id=s, position=i) for i, s in enumerate(store_ids)]
    staff.seat = None
    if rules.occupies_seat(roles):
        period = seats.new_seat(now)
        staff.seat = Seat(tenant_id=tenant_id, trial_ends_at=period.trial_ends_at, created_at=now)
    uow.session.add(staff)
    try:
        # Flush now so a phone taken by a concurrent request surfaces here, as the same error
        # the check before gives, instead of as an IntegrityError at commit.
        uow.session.flush()
    except IntegrityError:
        raise phone_taken() from None
    return staff


def create_staff(uow: UnitOfWork, actor: Actor, cmd: commands.CreateStaff, *, now: datetime) -> Staff:
    name, phone, password = clean_text(cmd.name), clean_text(cmd.phone), cmd.password or ""
    roles, roles_problem = rules.roles_problem(cmd.roles)
    switches, switches_problem = rules.switches_problem(cmd.permissions)
    store_ids = list(dict.fromkeys(s.strip() for s in cmd.store_ids if s.strip()))
    raise_if_any(
        {
            "name": name_problem(name),
            "phone": phone_problem(phone),
            # Optional: without one the account logs in by SMS code only.
            "password": password_problem(password) if password else None,
            "roles": roles_problem,
            "permissions": switches_problem,
        }
    )
    with uow:
        creator = acting_staff(uow, actor)
        if store_ids:
            if tenant_store_ids(uow, actor.tenant_id, store_ids) != set(store_ids):
                raise InvalidInput(fields={"store_ids": "validation.invalid_choice"})
        else:
            # Staff given no store belong to the head store (head-office roles such as finance).
            store_ids = [head_store_id(uow, actor.tenant_id)]
        if not rules.may_create_staff(creator.roles, creator.store_ids, roles, store_ids, switches):
            raise not_allowed()
        exists = uow.session.scalar(select(Staff.id).where(Staff.tenant_id == actor.tenant_id, Staff.phone == phone))
        if exists:
            raise phone_taken()
        staff = new_staff(
            uow,
            tenant_id=actor.tenant_id,
            name=name,
            phone=phone,
            password=password,
            roles=roles,
            permissions=switches,
            store_ids=store_ids,
            now=now,
        )
        audit(
            uow,
            tenant_id=actor.tenant_id,
            actor_kind=actor.kind,
            actor_id=actor.subject_id,
            action="staff.created",
            object_type="staff",
            object_id=staff.id,
            before=None,
            after=staff_snapshot(staff),
            now=now,
        )
        uow.publish(events.staff_created(staff), actor.tenant_id)
        uow.commit()
        return staff


def get_me(uow: UnitOfWork, actor: Actor) -> Staff:
    if actor.staff_id is None:
        raise not_allowed()
    with uow:
        return detached(uow, load_staff(uow, actor.tenant_id, actor.staff_id))


def get_staff(uow: UnitOfWork, actor: Actor, staff_id: str) -> Staff:
    with uow:
        staff = load_staff(uow, actor.tenant_id, staff_id)
        if not (actor.is_service or actor.staff_id == staff.id):
            viewer = acting_staff(uow, actor)
            if not rules.may_see_staff(viewer.roles, viewer.store_ids, staff.store_ids):
                raise not_allowed()
        return detached(uow, staff)


def list_staff(uow: UnitOfWork, actor: Actor, query: commands.ListStaff) -> tuple[list[Staff], int]:
    if query.role and query.role not in rules.ROLES:
        raise InvalidInput(fields={"role": "validation.invalid_choice"})
    with uow:
        conditions = [Staff.tenant_id == actor.tenant_id]
        visible_stores: list[str] | None = None  # None: every store of the tenant
        if not actor.is_service:
            viewer = acting_staff(uow, actor)
            if rules.OWNER not in viewer.roles:
                if rules.STORE_MANAGER not in viewer.roles:
                    raise not_allowed()
                visible_stores = viewer.store_ids
        if query.store_id:
            if visible_stores is not None and query.store_id not in visible_stores:
                raise not_allowed()
            visible_stores = [query.store_id]
        if visible_stores is not None:
            conditions.append(Staff.id.in_(select(StaffStore.staff_id).where(StaffStore.store_id.in_(visible_stores))))
        if query.role:
            conditions.append(Staff.id.in_(select(StaffRole.staff_id).where(StaffRole.role == query.role)))
        total = uow.session.scalar(select(func.count()).select_from(Staff).where(*conditions))
        rows = uow.session.scalars(
            select(Staff)
            .where(*conditions)
            .order_by(Staff.created_at, Staff.id)
            .offset(query.page.offset)
            .limit(query.page.page_size)
        ).all()
        return detached(uow, (list(rows), int(total or 0)))


def set_staff_permissions(
    uow: UnitOfWork, actor: Actor, cmd: commands.SetStaffPermissions, *, now: datetime, revoked: RevokedSessions
) -> Staff:
    """A switch taken away takes effect at once: the person's live sessions are revoked, so their
    next request with an older token is refused (401 TOKEN_REVOKED) and the refresh it makes
    gets a token without the switch (R6, ADR 0011). A switch given arrives at the next refresh."""
    switches, problem = rules.switches_problem(cmd.permissions)
    raise_if_any({"permissions": problem})
    with uow:
        editor = acting_staff(uow, actor)
        if rules.OWNER not in editor.roles:
            raise PermissionDenied(ErrorCode.NOT_ALLOWED)
        # Lock the row: two owners editing at once must not both compute "before" from one state.
        staff = load_staff(uow, actor.tenant_id, cmd.staff_id, for_update=True)
        before = staff.permissions
        if set(before) == set(switches):
            return detached(uow, staff)
        # Change only what differs, so a kept switch's row is neither deleted nor re-inserted.
        staff.switch_rows = [row for row in staff.switch_rows if row.permission in switches] + [
            StaffPermission(permission=p) for p in switches if p not in before
        ]
        uow.session.flush()
        after = staff.permissions
        audit(
            uow,
            tenant_id=actor.tenant_id,
            actor_kind=actor.kind,
            actor_id=actor.subject_id,
            action="staff.permissions_changed",
            object_type="staff",
            object_id=staff.id,
            before={"permissions": before},
            after={"permissions": after},
            now=now,
        )
        uow.publish(events.staff_permissions_changed(staff.id, before, after, actor.subject_id), actor.tenant_id)
        narrowed = rules.switches_taken_away(staff.roles, before, after)
        sessions = live_sessions_of(uow, actor.tenant_id, staff.id, now=now) if narrowed else []
        commit_revoking(uow, revoked, sessions)
        return staff
