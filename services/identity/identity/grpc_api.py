"""IdentityService servicer: proto -> command, actor, use case, result -> proto. Nothing more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from crm.identity.v1 import identity_pb2 as pb
from crm.identity.v1 import identity_pb2_grpc
from crmkit import context as ctx
from crmkit.auth import require_actor
from crmkit.db import Database
from crmkit.grpc_server import ServiceRegistration
from crmkit.paging import page_from_proto
from identity import convert
from identity.domain.throttling import source_key
from identity.service import (
    commands,
    customer_login,
    login,
    seats,
    sessions,
    staff,
    staff_status,
    tenant_choice,
    tenants,
)
from identity.service.ports import LoginPorts

FULL_NAME = "crm.identity.v1.IdentityService"


def utc_now() -> datetime:
    return datetime.now(UTC)


def caller_source() -> str:
    """The person's address for per-source limits (set by crmkit's interceptor)."""
    return source_key(ctx.client_address.get())


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, db: Database, ports: LoginPorts, *, clock: Callable[[], datetime] = utc_now):
        self.db = db
        self.ports = ports
        self.clock = clock

    # Public calls: no actor needed (a stale token sent along must not break them).

    def CreateTenant(self, request, context):
        now = self.clock()
        cmd = commands.CreateTenant(
            tenant_name=request.tenant_name,
            owner_name=request.owner_name,
            owner_phone=request.owner_phone,
            owner_password=request.owner_password,
            head_store_name=request.head_store_name,
            sms_code=request.sms_code,
        )
        new = tenants.create_tenant(self.db.uow(), self.ports, cmd, now=now, source=caller_source())
        return pb.CreateTenantResponse(
            tenant=convert.tenant_pb(new.tenant),
            head_store=convert.store_pb(new.head_store),
            owner=convert.staff_pb(new.owner, now=now),
        )

    def LoginWithPassword(self, request, context):
        now = self.clock()
        cmd = commands.LoginWithPassword(phone=request.phone, password=request.password, tenant_id=request.tenant_id)
        outcome = login.login_with_password(self.db.uow(), self.ports, cmd, now=now, source=caller_source())
        return convert.login_response_pb(outcome, now=now)

    def RequestSmsCode(self, request, context):
        cmd = commands.RequestSmsCode(phone=request.phone, purpose=request.purpose)
        sent = login.request_sms_code(self.db.uow(), self.ports, cmd, now=self.clock(), source=caller_source())
        return pb.RequestSmsCodeResponse(
            expires_in_seconds=sent.expires_in_seconds, resend_after_seconds=sent.resend_after_seconds
        )

    def LoginWithSmsCode(self, request, context):
        now = self.clock()
        cmd = commands.LoginWithSmsCode(phone=request.phone, code=request.code, tenant_id=request.tenant_id)
        outcome = login.login_with_sms_code(self.db.uow(), self.ports, cmd, now=now, source=caller_source())
        return convert.login_response_pb(outcome, now=now)

    def ChooseTenant(self, request, context):
        now = self.clock()
        cmd = commands.ChooseTenant(ticket=request.ticket, tenant_id=request.tenant_id)
        return convert.token_pair_pb(tenant_choice.choose_tenant(self.db.uow(), self.ports, cmd, now=now), now=now)

    def RefreshToken(self, request, context):
        now = self.clock()
        result = sessions.refresh(self.db.uow(), self.ports.issuer, self.ports.revoked, request.refresh_token, now=now)
        return convert.token_pair_pb(result, now=now)

    def Logout(self, request, context):
        sessions.logout(self.db.uow(), self.ports.revoked, request.refresh_token, now=self.clock())
        return pb.LogoutResponse()

    def RequestCustomerCode(self, request, context):
        cmd = commands.RequestCustomerCode(tenant_id=request.tenant_id, phone=request.phone)
        uow = self.db.uow()
        sent = customer_login.request_customer_code(uow, self.ports, cmd, now=self.clock(), source=caller_source())
        return pb.RequestSmsCodeResponse(
            expires_in_seconds=sent.expires_in_seconds, resend_after_seconds=sent.resend_after_seconds
        )

    def LoginCustomer(self, request, context):
        cmd = commands.LoginCustomer(tenant_id=request.tenant_id, phone=request.phone, code=request.code)
        session = customer_login.login_customer(self.db.uow(), self.ports, cmd, now=self.clock())
        return pb.CustomerLogin(
            access_token=session.access_token, expires_in=session.expires_in, customer_id=session.customer_id
        )

    def LogoutCustomer(self, request, context):
        customer_login.logout_customer(self.ports, require_actor())
        return pb.LogoutResponse()

    # Calls with a staff or service token.

    def GetMe(self, request, context):
        return convert.staff_pb(staff.get_me(self.db.uow(), require_actor()), now=self.clock())

    def CreateStore(self, request, context):
        cmd = commands.CreateStore(name=request.name, parent_store_id=request.parent_store_id, address=request.address)
        return convert.store_pb(tenants.create_store(self.db.uow(), require_actor(), cmd, now=self.clock()))

    def UpdateStore(self, request, context):
        cmd = commands.UpdateStore(store_id=request.id, name=request.name, address=request.address)
        return convert.store_pb(tenants.update_store(self.db.uow(), require_actor(), cmd))

    def ListStores(self, request, context):
        stores = tenants.list_stores(self.db.uow(), require_actor())
        return pb.ListStoresResponse(stores=[convert.store_pb(s) for s in stores])

    def CreateStaff(self, request, context):
        now = self.clock()
        cmd = commands.CreateStaff(
            name=request.name,
            phone=request.phone,
            password=request.password,
            roles=tuple(request.roles),
            permissions=tuple(request.permissions),
            store_ids=tuple(request.store_ids),
        )
        return convert.staff_pb(staff.create_staff(self.db.uow(), require_actor(), cmd, now=now), now=now)

    def GetStaff(self, request, context):
        return convert.staff_pb(staff.get_staff(self.db.uow(), require_actor(), request.id), now=self.clock())

    def ListStaff(self, request, context):
        now = self.clock()
        query = commands.ListStaff(
            page=page_from_proto(request.page),
            role=request.role,
            store_id=request.store_id,
        )
        rows, total = staff.list_staff(self.db.uow(), require_actor(), query)
        return pb.ListStaffResponse(
            staff=[convert.staff_pb(s, now=now) for s in rows],
            page=query.page.info(total),
        )

    def SetStaffPermissions(self, request, context):
        now = self.clock()
        cmd = commands.SetStaffPermissions(staff_id=request.staff_id, permissions=tuple(request.permissions))
        changed = staff.set_staff_permissions(self.db.uow(), require_actor(), cmd, now=now, revoked=self.ports.revoked)
        return convert.staff_pb(changed, now=now)

    def SetStaffActive(self, request, context):
        now = self.clock()
        cmd = commands.SetStaffActive(staff_id=request.staff_id, active=request.active)
        uow, revoked = self.db.uow(), self.ports.revoked
        changed = staff_status.set_staff_active(uow, require_actor(), cmd, now=now, revoked=revoked)
        return convert.staff_pb(changed, now=now)

    def RecordSeatPayment(self, request, context):
        now = self.clock()
        cmd = commands.RecordSeatPayment(
            staff_id=request.staff_id,
            months=request.months,
            amount_fen=request.amount.fen,
            payment_reference=request.payment_reference,
        )
        return convert.seat_pb(seats.record_seat_payment(self.db.uow(), require_actor(), cmd, now=now), now=now)


# What a shop customer's token may call: ending its own session.
CUSTOMER_METHODS = frozenset({"LogoutCustomer"})


def registration(servicer: IdentityServicer) -> ServiceRegistration:
    return ServiceRegistration(
        identity_pb2_grpc.add_IdentityServiceServicer_to_server, servicer, FULL_NAME, customer_methods=CUSTOMER_METHODS
    )
