"""Helpers of the coupons service tests: tokens for staff and services, template requests."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from crm.coupons.v1 import coupons_pb2 as pb
from crm.customers.v1 import segments_pb2_grpc
from crmkit.protos import money


def claims_written(runtime, timeout: float = 30.0) -> None:
    """Wait until the server's claim writer has written every claim answered so far (ADR 0021):
    an entry leaves the stream only after its transaction committed."""
    stream = runtime.background[0].stream
    deadline = time.monotonic() + timeout
    while stream.backlog():
        if time.monotonic() > deadline:
            raise AssertionError(f"the claim writer left {stream.backlog()} claims unwritten")
        time.sleep(0.02)


class Caller:
    def __init__(self, issuer, client, tenant):
        self.issuer, self.client, self.tenant = issuer, client, tenant

    def token(self, *roles, stores=("store-1",)):
        return self.issuer.issue(
            kind="staff",
            subject_id=f"s-{uuid.uuid4().hex[:8]}",
            tenant_id=self.tenant,
            roles=roles,
            store_ids=stores,
            ttl=timedelta(minutes=10),
        )[0]

    def as_role(self, role, method, request):
        return self.client.call(method, request, token=self.token(role), timeout=30)

    def owner(self, method, request):
        return self.as_role("owner", method, request)

    def service(self, method, request):
        return self.client.call(
            method, request, token=self.issuer.service_token("orders"), tenant_id=self.tenant, timeout=30
        )


def template(**overrides) -> pb.TemplateInput:
    data = {
        "name": "满100减20",
        "kind": "cash",
        "colour": "#D32F2F",
        "value": money(2000),
        "valid_days": 30,
        "min_spend": money(10000),
        "total_quantity": 100,
        "per_person_limit": 1,
        "remind_days_before": 2,
    }
    data.update(overrides)
    return pb.TemplateInput(**data)


def line(product_id="p-1", amount=5000, quantity=1, category_id="cat-1") -> pb.OrderLine:
    return pb.OrderLine(product_id=product_id, category_id=category_id, quantity=quantity, amount=money(amount))


class FakeCustomers:
    """The customers service as coupons sees it: customers per tenant, asked in the caller's
    tenant (what the real service decides from the forwarded token)."""

    def __init__(self):
        self.known: dict[tuple[str, str], str] = {}

    def add(self, tenant: str, customer_id: str, phone: str = "") -> None:
        self.known[(tenant, customer_id)] = phone

    def get(self, customer_id: str):
        from coupons.service.coupons_customers import CustomerInfo, customer_not_found
        from crmkit.auth import require_actor

        key = (require_actor().tenant_id, customer_id)
        if key not in self.known:
            raise customer_not_found(customer_id)
        return CustomerInfo(customer_id, "", self.known[key])


class FakeSegments(segments_pb2_grpc.SegmentsServiceServicer):
    """The customers SegmentsService as coupons uses it: saved segments per tenant, members
    streamed only to a service token, in the tenant the service names (x-tenant-id)."""

    def __init__(self):
        self.address = ""
        self.saved: dict[tuple[str, str], list[tuple]] = {}
        self.streams = 0

    def save(self, tenant: str, segment_id: str, members: list[tuple]) -> None:
        """members: (customer id, phone, owning staff id[, store id: default store-1])."""
        self.saved[(tenant, segment_id)] = members

    def StreamSegmentMembers(self, request, context):
        from crm.customers.v1 import segments_pb2
        from crmkit.auth import require_actor
        from crmkit.errors import NotFound, PermissionDenied

        actor = require_actor()
        if not actor.is_service:
            raise PermissionDenied("SEGMENT_STREAM_DENIED")
        key = (actor.tenant_id, request.segment_id)
        if key not in self.saved:
            raise NotFound("SEGMENT_NOT_FOUND", "error.segment_not_found")
        self.streams += 1
        for customer_id, phone, owner, *store in self.saved[key]:
            yield segments_pb2.SegmentMember(
                id=customer_id, phone=phone, owner_staff_id=owner, store_id=store[0] if store else "store-1"
            )
