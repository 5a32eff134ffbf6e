"""Tenant sign-up and stores (A1, A4).

Sign-up proves the owner's phone with an SMS code of purpose "signup" (issue 11): before, anyone
could sign up with a salesperson's phone and turn that salesperson's SMS login into "this phone
belongs to several merchants".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork, new_id
from crmkit.errors import InvalidInput, NotFound, QuotaExceeded
from identity import events
from identity.domain import roles as rules
from identity.domain import sms_codes
from identity.domain.stores import ADDRESS_MAX
from identity.domain.validation import clean_text, name_problem, password_problem, phone_problem, raise_if_any
from identity.errors import ErrorCode
from identity.models import Staff, Store, Tenant
from identity.service import commands
from identity.service.common import acting_staff, audit, detached, head_store_id, not_allowed, staff_snapshot
from identity.service.ports import LoginPorts
from identity.service.staff import new_staff
from identity.sms_store import CODE_GONE, CODE_WRONG

DEFAULT_HEAD_STORE_NAME = "总店"  # "head store": what a merchant calls it when they give no name


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    head_store: Store
    owner: Staff


def create_tenant(
    uow: UnitOfWork, ports: LoginPorts, cmd: commands.CreateTenant, *, now: datetime, source: str
) -> NewTenant:
    """Public sign-up: the tenant, its head store and its owner, all or nothing, once the owner
    proved the phone. Bad input never uses the code up, so the person fixes it and sends again."""
    tenant_name = clean_text(cmd.tenant_name)
    owner_name = clean_text(cmd.owner_name)
    phone = clean_text(cmd.owner_phone)
    store_name = clean_text(cmd.head_store_name) or DEFAULT_HEAD_STORE_NAME
    code = clean_text(cmd.sms_code)
    raise_if_any(
        {
            "tenant_name": name_problem(tenant_name),
            "owner_name": name_problem(owner_name),
            "owner_phone": phone_problem(phone),
            "owner_password": password_problem(cmd.owner_password or ""),
            "head_store_name": name_problem(store_name),
            "sms_code": sms_codes.code_problem(code),
        }
    )
    _within_signup_limits(ports, phone, source)
    _prove_phone(ports, phone, code)
    with uow:
        tenant_id = new_id()
        tenant = Tenant(id=tenant_id, tenant_id=tenant_id, name=tenant_name, created_at=now)
        store = Store(tenant_id=tenant_id, name=store_name, is_head=True, created_at=now)
        uow.session.add_all([tenant, store])
        uow.session.flush()
        owner = new_staff(
            uow,
            tenant_id=tenant_id,
            name=owner_name,
            phone=phone,
            password=cmd.owner_password,
            roles=[rules.OWNER],
            permissions=[],
            store_ids=[store.id],
            now=now,
        )
        audit(
            uow,
            tenant_id=tenant_id,
            # Nobody is logged in at sign-up: the owner creates themself.
            actor_kind="signup",
            actor_id=owner.id,
            action="staff.created",
            object_type="staff",
            object_id=owner.id,
            before=None,
            after=staff_snapshot(owner),
            now=now,
        )
        uow.publish(events.tenant_created(tenant_id, tenant_name, store.id, owner.id), tenant_id)
        uow.publish(events.staff_created(owner), tenant_id)
        uow.commit()
    # The owner just proved the phone from here: this source may log in even under attack.
    ports.attempts.succeeded(phone, source, counted=False)
    return NewTenant(tenant=tenant, head_store=store, owner=owner)


def _within_signup_limits(ports: LoginPorts, phone: str, source: str) -> None:
    """Inside the service, so calling gRPC directly cannot skip the gateway's per-address limit."""
    wait = ports.counters.hit("signup", source, ports.limits.signups_per_source) or ports.counters.hit(
        "signup-phone", phone, ports.limits.signups_per_phone
    )
    if wait:
        raise QuotaExceeded(ErrorCode.SIGNUP_TOO_FREQUENT, params={"retry_after": wait})


def _prove_phone(ports: LoginPorts, phone: str, code: str) -> None:
    """Uses the code up before anything is written: two sign-ups racing with one code cannot
    both pass. The 5th wrong code voids it (then CODE_EXPIRED: ask for a new one)."""
    outcome = ports.codes.check(phone, sms_codes.SIGNUP, code)
    if outcome == CODE_WRONG:
        raise InvalidInput(ErrorCode.INVALID_CODE, fields={"sms_code": "validation.sms_code_wrong"})
    if outcome == CODE_GONE:
        raise InvalidInput(ErrorCode.CODE_EXPIRED, fields={"sms_code": "validation.sms_code_expired"})


def create_store(uow: UnitOfWork, actor: Actor, cmd: commands.CreateStore, *, now: datetime) -> Store:
    name, address = clean_text(cmd.name), clean_text(cmd.address)
    parent_id = clean_text(cmd.parent_store_id)
    too_long = "validation.too_long" if len(address) > ADDRESS_MAX else None
    raise_if_any({"name": name_problem(name), "address": too_long})
    with uow:
        if rules.OWNER not in acting_staff(uow, actor).roles:
            raise not_allowed()
        if parent_id:
            parent = uow.session.scalar(
                select(Store.id).where(Store.tenant_id == actor.tenant_id, Store.id == parent_id)
            )
            if parent is None:
                raise InvalidInput(fields={"parent_store_id": "validation.invalid_choice"})
        else:
            parent_id = head_store_id(uow, actor.tenant_id)
        store = Store(
            tenant_id=actor.tenant_id,
            name=name,
            parent_store_id=parent_id,
            address=address,
            is_head=False,
            created_at=now,
        )
        uow.session.add(store)
        uow.commit()
        return store


def update_store(uow: UnitOfWork, actor: Actor, cmd: commands.UpdateStore) -> Store:
    """The owner's: a store's name and address, checked as when it was opened."""
    name, address = clean_text(cmd.name), clean_text(cmd.address)
    too_long = "validation.too_long" if len(address) > ADDRESS_MAX else None
    raise_if_any({"name": name_problem(name), "address": too_long})
    with uow:
        if rules.OWNER not in acting_staff(uow, actor).roles:
            raise not_allowed()
        store = uow.session.scalar(
            select(Store).where(Store.tenant_id == actor.tenant_id, Store.id == clean_text(cmd.store_id))
        )
        if store is None:
            raise NotFound(ErrorCode.STORE_NOT_FOUND)
        store.name, store.address = name, address
        uow.commit()
        return store


def list_stores(uow: UnitOfWork, actor: Actor) -> list[Store]:
    """Owners and services see every store; other staff only the stores they belong to (A4)."""
    with uow:
        query = select(Store).where(Store.tenant_id == actor.tenant_id)
        if not actor.is_service:
            viewer = acting_staff(uow, actor)
            if rules.OWNER not in viewer.roles:
                query = query.where(Store.id.in_(viewer.store_ids))
        return detached(
            uow, list(uow.session.scalars(query.order_by(Store.is_head.desc(), Store.created_at, Store.id)))
        )
