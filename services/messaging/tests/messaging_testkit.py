"""Helpers shared by the service and worker tests (a uniquely named module, not conftest, so
`import` finds this one even when other packages' tests run in the same pytest process)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crmkit import testing
from crmkit.auth import TokenIssuer, generate_keypair, require_actor
from crmkit.errors import NotFound, PermissionDenied, Unavailable
from crmkit.migrate import upgrade

MIGRATIONS = Path(__file__).resolve().parents[1] / "messaging" / "migrations"
PRIVATE_KEY, PUBLIC_KEY = generate_keypair()
ISSUER = TokenIssuer(PRIVATE_KEY)


def ref(prefix: str) -> str:
    """A fresh id per test, so tests sharing one database never see each other's rows."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class FakeIdentity(identity_pb2_grpc.IdentityServiceServicer):
    """ListStaff as identity answers it: service actors only, scoped to the tenant named in the
    call metadata, filtered by role and store, paginated."""

    def __init__(self):
        self.staff: list[identity_pb2.Staff] = []
        self.calls: list[tuple[str, str, str, int]] = []
        self.down = False
        self._lock = threading.Lock()

    def add_staff(self, tenant_id, staff_id, *, roles, store_ids=(), active=True):
        self.staff.append(
            identity_pb2.Staff(id=staff_id, tenant_id=tenant_id, roles=roles, store_ids=list(store_ids), active=active)
        )

    def ListStaff(self, request, context):
        actor = require_actor()
        if not actor.is_service:
            raise PermissionDenied()
        with self._lock:
            self.calls.append((actor.tenant_id, request.role, request.store_id, request.page.page))
        if self.down:
            raise Unavailable("IDENTITY_DOWN")
        matches = [
            s
            for s in self.staff
            if s.tenant_id == actor.tenant_id
            and (not request.role or request.role in s.roles)
            and (not request.store_id or request.store_id in s.store_ids)
        ]
        page, size = request.page.page or 1, request.page.page_size or 20
        return identity_pb2.ListStaffResponse(
            staff=matches[(page - 1) * size : page * size],
            page=common_pb2.PageInfo(page=page, page_size=size, total=len(matches)),
        )


class FakeCustomers(customers_pb2_grpc.CustomersServiceServicer):
    """GetCustomer as the customers service answers a service: any customer of the tenant named
    in the call metadata; another tenant's customer is NOT_FOUND."""

    def __init__(self):
        self.customers: dict[tuple[str, str], customers_pb2.Customer] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False
        self._lock = threading.Lock()

    def add_customer(self, tenant_id, customer_id, *, phone="", name="王芳"):
        self.customers[(tenant_id, customer_id)] = customers_pb2.Customer(
            id=customer_id, tenant_id=tenant_id, name=name, phone=phone
        )

    def GetCustomer(self, request, context):
        actor = require_actor()
        if not actor.is_service:
            raise PermissionDenied()
        with self._lock:
            self.calls.append((actor.tenant_id, request.id))
        if self.down:
            raise Unavailable("CUSTOMERS_DOWN")
        found = self.customers.get((actor.tenant_id, request.id))
        if found is None:
            raise NotFound("CUSTOMER_NOT_FOUND")
        return found


def fresh_database() -> str:
    url = testing.create_database("messaging_test")
    upgrade(MIGRATIONS, url)
    return url
