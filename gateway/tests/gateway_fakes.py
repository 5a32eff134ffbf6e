"""Small fakes of the three peer services, implementing their protos behind the real crmkit gRPC
server (interceptor, token verification, error mapping), so the gateway talks real gRPC.

Each fake records every call (method, request, metadata, actor) and can be told to fail a
method with a DomainError, the way the real services answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2 as cpb
from crm.customers.v1 import customers_pb2_grpc
from crm.identity.v1 import identity_pb2 as ipb
from crm.identity.v1 import identity_pb2_grpc
from crm.messaging.v1 import messaging_pb2 as mpb
from crm.messaging.v1 import messaging_pb2_grpc
from crmkit import context as ctx
from crmkit.auth import require_actor
from crmkit.errors import NotFound, Unauthenticated
from crmkit.grpc_server import ServiceRegistration

PASSWORD = "secret123"
CREATED = Timestamp(seconds=1_767_225_600)  # 2026-01-01T00:00:00Z


@dataclass
class Call:
    method: str
    request: object
    metadata: dict
    actor: object
    # Whom the service's interceptor takes the caller to be serving (per-source limits).
    client_address: str | None = None


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    fail: dict[str, Exception] = field(default_factory=dict)
    # A method listed here waits for its event before answering (a request "still processing").
    hold: dict[str, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, request, context, *, staff: bool = True):
        actor = require_actor() if staff else None
        with self.lock:
            self.calls.append(
                Call(method, request, dict(context.invocation_metadata()), actor, ctx.client_address.get())
            )
        if method in self.hold:
            self.hold[method].wait(timeout=10)
        if method in self.fail:
            raise self.fail[method]
        return actor

    def named(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]


def staff_pb(staff_id="s-1", tenant_id="t-1", name="王店长", roles=("owner",)) -> ipb.Staff:
    return ipb.Staff(
        id=staff_id,
        tenant_id=tenant_id,
        name=name,
        phone="13800000001",
        roles=list(roles),
        store_ids=["st-1"],
        active=True,
        created_at=CREATED,
    )


class FakeIdentity(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self):
        self.rec = Recorder()

    # A phone that is staff of two merchants: its logins answer with a choice (issue 11).
    TWO_MERCHANTS_PHONE = "13800000009"

    def _pair(self):
        return ipb.TokenPair(
            access_token="access.jwt", access_expires_at=CREATED, refresh_token="refresh-1", staff=staff_pb()
        )

    def _login(self, phone: str) -> ipb.LoginResponse:
        if phone != self.TWO_MERCHANTS_PHONE:
            return ipb.LoginResponse(tokens=self._pair())
        return ipb.LoginResponse(
            choice=ipb.TenantChoice(
                ticket="ticket-1",
                expires_at=CREATED,
                tenants=[
                    ipb.TenantOption(tenant_id="t-1", tenant_name="茶行", staff_name="王店长", roles=["owner"]),
                    ipb.TenantOption(tenant_id="t-2", tenant_name="面馆", staff_name="王", roles=["salesperson"]),
                ],
            )
        )

    def CreateTenant(self, request, context):
        self.rec.record("CreateTenant", request, context, staff=False)
        n = len(self.rec.named("CreateTenant"))
        return ipb.CreateTenantResponse(
            tenant=ipb.Tenant(id=f"t-{n}", name=request.tenant_name, created_at=CREATED),
            head_store=ipb.Store(id=f"st-{n}", tenant_id=f"t-{n}", name=request.head_store_name, is_head=True),
            owner=staff_pb(f"s-{n}", f"t-{n}", request.owner_name),
        )

    def LoginWithPassword(self, request, context):
        self.rec.record("LoginWithPassword", request, context, staff=False)
        if request.password != PASSWORD:
            raise Unauthenticated("INVALID_CREDENTIALS", "error.invalid_credentials")
        return self._login(request.phone)

    def RequestSmsCode(self, request, context):
        self.rec.record("RequestSmsCode", request, context, staff=False)
        return ipb.RequestSmsCodeResponse(expires_in_seconds=300, resend_after_seconds=60)

    def LoginWithSmsCode(self, request, context):
        self.rec.record("LoginWithSmsCode", request, context, staff=False)
        return self._login(request.phone)

    def RequestCustomerCode(self, request, context):
        self.rec.record("RequestCustomerCode", request, context, staff=False)
        if request.tenant_id == "t-missing":
            raise NotFound("TENANT_NOT_FOUND", "error.tenant_not_found")
        return ipb.RequestSmsCodeResponse(expires_in_seconds=300, resend_after_seconds=60)

    def LoginCustomer(self, request, context):
        self.rec.record("LoginCustomer", request, context, staff=False)
        if request.code != "246810":
            raise Unauthenticated("INVALID_CODE", "error.invalid_code")
        return ipb.CustomerLogin(access_token="customer.jwt", expires_in=604800, customer_id="c-9")

    def LogoutCustomer(self, request, context):
        self.rec.record("LogoutCustomer", request, context)
        return ipb.LogoutResponse()

    def ChooseTenant(self, request, context):
        self.rec.record("ChooseTenant", request, context, staff=False)
        if request.ticket != "ticket-1":
            raise Unauthenticated("CHOICE_TICKET_INVALID", "error.choice_ticket_invalid")
        return self._pair()

    def RefreshToken(self, request, context):
        self.rec.record("RefreshToken", request, context, staff=False)
        return self._pair()

    def Logout(self, request, context):
        self.rec.record("Logout", request, context)
        return ipb.LogoutResponse()

    def GetMe(self, request, context):
        actor = self.rec.record("GetMe", request, context)
        return staff_pb(actor.subject_id, actor.tenant_id)

    def CreateStore(self, request, context):
        actor = self.rec.record("CreateStore", request, context)
        n = len(self.rec.named("CreateStore"))
        return ipb.Store(
            id=f"st-new-{n}", tenant_id=actor.tenant_id, name=request.name, address=request.address, created_at=CREATED
        )

    def UpdateStore(self, request, context):
        actor = self.rec.record("UpdateStore", request, context)
        if request.id == "st-missing":
            raise NotFound("STORE_NOT_FOUND", "error.store_not_found")
        return ipb.Store(id=request.id, tenant_id=actor.tenant_id, name=request.name, address=request.address)

    def ListStores(self, request, context):
        actor = self.rec.record("ListStores", request, context)
        return ipb.ListStoresResponse(
            stores=[
                ipb.Store(id="st-1", tenant_id=actor.tenant_id, name="总店", is_head=True),
                ipb.Store(id="st-2", tenant_id=actor.tenant_id, name="分店", address="人民路 8 号"),
            ]
        )

    def CreateStaff(self, request, context):
        actor = self.rec.record("CreateStaff", request, context)
        return staff_pb(f"s-new-{len(self.rec.named('CreateStaff'))}", actor.tenant_id, request.name, request.roles)

    def GetStaff(self, request, context):
        actor = self.rec.record("GetStaff", request, context)
        return staff_pb(request.id, actor.tenant_id)

    def ListStaff(self, request, context):
        actor = self.rec.record("ListStaff", request, context)
        return ipb.ListStaffResponse(
            staff=[staff_pb("s-1", actor.tenant_id)],
            page=common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=1),
        )

    def SetStaffActive(self, request, context):
        actor = self.rec.record("SetStaffActive", request, context)
        staff = staff_pb(request.staff_id, actor.tenant_id)
        staff.active = request.active
        return staff

    def SetStaffPermissions(self, request, context):
        actor = self.rec.record("SetStaffPermissions", request, context)
        staff = staff_pb(request.staff_id, actor.tenant_id)
        staff.permissions.extend(request.permissions)
        return staff


def changes_reply(request, object_type: str) -> common_pb2.ListChangesResponse:
    """A fixed two-entry change log of the requested object (an update, then its creation); an
    id starting with "missing" is NOT_FOUND, as an object outside the caller's scope is."""
    if request.object_id.startswith("missing"):
        raise NotFound("NOT_FOUND", "error.not_found")
    updated = common_pb2.Change(
        id="ch-2",
        object_type=object_type,
        object_id=request.object_id,
        action="updated",
        actor_kind="staff",
        actor_id="s-1",
        before_json='{"price_fen": 300}',
        after_json='{"price_fen": 350}',
        at=CREATED,
    )
    created = common_pb2.Change(
        id="ch-1",
        object_type=object_type,
        object_id=request.object_id,
        action="created",
        actor_kind="staff",
        actor_id="s-1",
        after_json='{"name": "可乐", "price_fen": 300}',
        at=CREATED,
    )
    page = request.page
    info = common_pb2.PageInfo(page=page.page or 1, page_size=page.page_size or 20, total=2)
    return common_pb2.ListChangesResponse(changes=[updated, created], page=info)


class FakeCustomers(customers_pb2_grpc.CustomersServiceServicer):
    def __init__(self):
        self.rec = Recorder()
        self.customers: dict[str, cpb.Customer] = {}

    def ListCustomerFields(self, request, context):
        self.rec.record("ListCustomerFields", request, context)
        return cpb.ListCustomerFieldsResponse(
            fields=[
                cpb.CustomerField(key="industry", label="行业", kind=cpb.FIELD_KIND_CHOICE, options=["餐饮", "零售"])
            ]
        )

    def DefineCustomerField(self, request, context):
        self.rec.record("DefineCustomerField", request, context)
        return request.field

    def ListCustomerChanges(self, request, context):
        self.rec.record("ListCustomerChanges", request, context)
        return changes_reply(request, "customer")

    def RegisterCustomer(self, request, context):
        actor = self.rec.record("RegisterCustomer", request, context)
        customer = cpb.Customer(
            id=f"c-{len(self.customers) + 1}",
            tenant_id=actor.tenant_id,
            name=request.name,
            phone=request.phone,
            owner_staff_id=actor.subject_id,
            store_id=request.store_id or "st-1",
            fields=dict(request.fields),
            registered_by_staff_id=actor.subject_id,
            created_at=CREATED,
        )
        self.customers[customer.id] = customer
        return customer

    def GetCustomer(self, request, context):
        self.rec.record("GetCustomer", request, context)
        if request.id not in self.customers:
            raise NotFound("CUSTOMER_NOT_FOUND", "error.customer_not_found", params={"id": request.id})
        return self.customers[request.id]

    def UpdateCustomer(self, request, context):
        self.rec.record("UpdateCustomer", request, context)
        if request.id not in self.customers:
            raise NotFound("CUSTOMER_NOT_FOUND", "error.customer_not_found", params={"id": request.id})
        customer = self.customers[request.id]
        if request.HasField("name"):
            customer.name = request.name
        if request.HasField("latitude"):
            customer.latitude, customer.longitude = request.latitude, request.longitude
        return customer

    def ListCustomers(self, request, context):
        self.rec.record("ListCustomers", request, context)
        found = [c for c in self.customers.values() if request.query in c.name or c.phone.startswith(request.query)]
        return cpb.ListCustomersResponse(
            customers=found,
            page=common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=len(found)),
        )


class FakeMessaging(messaging_pb2_grpc.MessagingServiceServicer):
    def __init__(self):
        self.rec = Recorder()

    def ListNotifications(self, request, context):
        self.rec.record("ListNotifications", request, context)
        return mpb.ListNotificationsResponse(
            notifications=[
                mpb.Notification(
                    id="n-1",
                    kind="customer_registered",
                    title_key="notification.customer_registered",
                    params={"customer_name": "张三", "customer_id": "c-1"},
                    subject="customer:c-1",
                    created_at=CREATED,
                ),
                mpb.Notification(id="n-2", kind="future_kind", title_key="notification.not_yet_translated"),
            ],
            page=common_pb2.PageInfo(page=request.page.page, page_size=request.page.page_size, total=2),
            unread_count=2,
        )

    def MarkNotificationsRead(self, request, context):
        self.rec.record("MarkNotificationsRead", request, context)
        return mpb.MarkNotificationsReadResponse(unread_count=0 if request.all else 2 - len(request.ids))


def registrations(identity: FakeIdentity, customers: FakeCustomers, messaging: FakeMessaging) -> dict:
    return {
        "identity": ServiceRegistration(
            identity_pb2_grpc.add_IdentityServiceServicer_to_server,
            identity,
            "crm.identity.v1.IdentityService",
            customer_methods=frozenset({"LogoutCustomer"}),
        ),
        "customers": ServiceRegistration(
            customers_pb2_grpc.add_CustomersServiceServicer_to_server, customers, "crm.customers.v1.CustomersService"
        ),
        "messaging": ServiceRegistration(
            messaging_pb2_grpc.add_MessagingServiceServicer_to_server, messaging, "crm.messaging.v1.MessagingService"
        ),
    }
