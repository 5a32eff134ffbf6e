"""Who shared: the salesperson's name and phone for a poster, from the identity service (the
port, its gRPC adapter with this service's own token, and nothing else)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from crm.identity.v1 import identity_pb2
from crmkit.errors import NotFound
from crmkit.peers.identity import identity_client


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str


class Sharers(Protocol):
    def contact(self, tenant_id: str, staff_id: str) -> Contact: ...


class IdentitySharers:
    def __init__(self, address: str, service_token: str):
        self._client = identity_client(address, service_token)

    def contact(self, tenant_id: str, staff_id: str) -> Contact:
        try:
            staff = self._client.call("GetStaff", identity_pb2.GetStaffRequest(id=staff_id), tenant_id=tenant_id)
        except NotFound:
            return Contact("", "")
        return Contact(staff.name, staff.phone)

    def close(self) -> None:
        self._client.close()
