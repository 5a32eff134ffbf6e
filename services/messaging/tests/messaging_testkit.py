"""Helpers shared by the service and worker tests (a uniquely named module, not conftest, so
`import` finds this one even when other packages' tests run in the same pytest process)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from crm.common.v1 import common_pb2
from crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crmkit import testing
from crmkit.auth import TokenIssuer, generate_keypair, require_actor
from crmkit.errors import PermissionDenied, Unavailable
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


def fresh_database() -> str:
    url = testing.create_database("messaging_test")
    upgrade(MIGRATIONS, url)
    return url
