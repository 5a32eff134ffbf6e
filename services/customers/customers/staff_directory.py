"""Who may be handed a customer, a lead or a visit (C3 transfer, C7 assignment, C6 planning):
asked of identity, the owner of staff records."""

from __future__ import annotations

from typing import Protocol

from crm.identity.v1 import identity_pb2
from crmkit.errors import InvalidInput, NotFound, Unavailable
from crmkit.grpc_client import ServiceClient
from crmkit.peers.identity import identity_client
from customers.domain.registration import REGISTERING_ROLES
from customers.errors import ErrorCode


class StaffDirectory(Protocol):
    def may_hold_customers(self, tenant_id: str, staff_id: str) -> bool:
        """An active staff member of the tenant in a selling or managing role."""


def require_seller(staff: StaffDirectory | None, tenant_id: str, staff_id: str, *, field: str, code: ErrorCode) -> None:
    """The named colleague must be an active seller or manager of the tenant; without a
    directory (identity not configured) nothing is handed to anyone unchecked."""
    if staff is None:
        raise Unavailable(ErrorCode.STAFF_DIRECTORY_UNAVAILABLE)
    if not staff.may_hold_customers(tenant_id, staff_id):
        raise InvalidInput(code, fields={field: "validation.invalid"})


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
    return IdentityStaffDirectory(identity_client(address, service_token))
