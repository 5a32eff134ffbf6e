"""What printing needs from the orders service, as a port with its gRPC adapter (service token):
the worker accepts a paid takeaway order or confirms an in-store one for a store that runs
unattended (G3, StorefrontService.TakeAction as the system party)."""

from __future__ import annotations

from typing import Protocol

from crm.orders.v1 import storefront_pb2, storefront_pb2_grpc
from crmkit.grpc_client import ServiceClient

FULL_NAME = "crm.orders.v1.StorefrontService"


class Storefront(Protocol):
    def take_action(self, tenant_id: str, order_id: str, action: str) -> None:
        """Takes the step or raises crmkit.errors: Conflict when the order is past it (the
        merchant was first), Unavailable when orders cannot answer now."""


class GrpcStorefront:
    """As this service, in the order's tenant: orders sees a service as the system party."""

    def __init__(self, address: str, service_token: str):
        self.client = ServiceClient(
            address, storefront_pb2_grpc.StorefrontServiceStub, FULL_NAME, service_token=service_token
        )

    def take_action(self, tenant_id: str, order_id: str, action: str) -> None:
        request = storefront_pb2.StorefrontActionRequest(id=order_id, action=action)
        self.client.call("TakeAction", request, as_service=True, tenant_id=tenant_id)

    def close(self) -> None:
        self.client.close()
