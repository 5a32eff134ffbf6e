"""Who may be handed a customer (C3 transfer): asked of identity, the owner of staff records."""

from __future__ import annotations

from typing import Protocol

from crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crmkit.errors import NotFound
from crmkit.grpc_client import ServiceClient
from customers.domain.registration import REGISTERING_ROLES

IDENTITY = "crm.identity.v1.IdentityService"


class StaffDirectory(Protocol):
    def may_hold_customers(self, tenant_id: str, staff_id: str) -> bool:
        """An active staff member of the tenant in a selling or managing role."""


class IdentityStaffDirectory:
    def __init__(self, client: ServiceClient):
        self.client = client

    def may_hold_customers(self, tenant_id: str, staff_id: str) -> bool:
        try:
            staff = self.client.call(
                "GetStaff", identity_pb2.GetStaffRequest(id=staff_id), as_service=True, tenant_id=tenant_id
            )
        except NotFound:
            return False
        return staff.active and any(role in REGISTERING_ROLES for role in staff.roles)

    def close(self) -> None:
        self.client.close()


def identity_directory(address: str, service_token: str) -> IdentityStaffDirectory:
    # GetStaff is a read: safe for gRPC to retry while identity restarts.
    client = ServiceClient(
        address, identity_pb2_grpc.IdentityServiceStub, IDENTITY, idempotent=["GetStaff"], service_token=service_token
    )
    return IdentityStaffDirectory(client)
