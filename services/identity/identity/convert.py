"""Rows and results -> proto messages."""

from __future__ import annotations

from datetime import datetime

from crm.identity.v1 import identity_pb2 as pb
from crmkit.protos import timestamp as ts
from identity.models import Staff, Store, Tenant
from identity.service.seats import seat_period
from identity.service.sessions import LoginResult
from identity.service.tenant_choice import LoginOutcome


def tenant_pb(tenant: Tenant) -> pb.Tenant:
    return pb.Tenant(id=tenant.id, name=tenant.name, created_at=ts(tenant.created_at))


def store_pb(store: Store) -> pb.Store:
    return pb.Store(
        id=store.id,
        tenant_id=store.tenant_id,
        name=store.name,
        parent_store_id=store.parent_store_id or "",
        is_head=store.is_head,
        created_at=ts(store.created_at),
        address=store.address or "",
    )


def staff_pb(staff: Staff, *, now: datetime) -> pb.Staff:
    msg = pb.Staff(
        id=staff.id,
        tenant_id=staff.tenant_id,
        name=staff.name,
        phone=staff.phone,
        roles=staff.roles,
        permissions=staff.permissions,
        store_ids=staff.store_ids,
        active=staff.active,
        created_at=ts(staff.created_at),
    )
    if staff.seat is not None:
        msg.seat.CopyFrom(seat_pb(staff.seat, now=now))
    return msg


def seat_pb(seat, *, now: datetime) -> pb.Seat:
    period = seat_period(seat)
    return pb.Seat(
        staff_id=seat.staff_id,
        trial_ends_at=ts(period.trial_ends_at),
        paid_until=ts(period.paid_until),
        valid_until=ts(period.valid_until),
        active=period.is_valid_at(now),
    )


def token_pair_pb(result: LoginResult, *, now: datetime) -> pb.TokenPair:
    return pb.TokenPair(
        access_token=result.access_token,
        access_expires_at=ts(result.access_expires_at),
        refresh_token=result.refresh_token,
        refresh_expires_at=ts(result.refresh_expires_at),
        staff=staff_pb(result.staff, now=now),
    )


def login_response_pb(outcome: LoginOutcome, *, now: datetime) -> pb.LoginResponse:
    if outcome.tokens is not None:
        return pb.LoginResponse(tokens=token_pair_pb(outcome.tokens, now=now))
    choice = outcome.choice
    return pb.LoginResponse(
        choice=pb.TenantChoice(
            ticket=choice.ticket,
            expires_at=ts(choice.expires_at),
            tenants=[
                pb.TenantOption(
                    tenant_id=o.tenant_id, tenant_name=o.tenant_name, staff_name=o.staff_name, roles=list(o.roles)
                )
                for o in choice.options
            ],
        )
    )
