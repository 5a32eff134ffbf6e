"""The identity service as other services call it: one client, with the caller's own service
token (staff names, a store's managers, the tenant's stores)."""

from __future__ import annotations

from crm.identity.v1 import identity_pb2_grpc
from crmkit.grpc_client import ServiceClient

FULL_NAME = "crm.identity.v1.IdentityService"


def identity_client(address: str, service_token: str | None) -> ServiceClient:
    return ServiceClient(address, identity_pb2_grpc.IdentityServiceStub, FULL_NAME, service_token=service_token)
