"""The port through which identity finds (or registers) a shop's customer by phone (B6), and its
adapter to the customers service's EnsureShopper. identity never reads customers' tables."""

from __future__ import annotations

from typing import Protocol

from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.grpc_client import ServiceClient
from crmkit.settings import Settings


class ShopperDirectory(Protocol):
    def ensure_shopper(self, tenant_id: str, phone: str) -> str:
        """The id of the tenant's customer with `phone`, registered the first time."""
        ...


class CustomersShoppers:
    """Asks customers with identity's service token on behalf of the tenant the customer logs in to."""

    def __init__(self, client: ServiceClient):
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> CustomersShoppers:
        settings.require("service_token")
        client = ServiceClient(
            settings.peer("customers"),
            customers_pb2_grpc.CustomersServiceStub,
            "crm.customers.v1.CustomersService",
            service_token=settings.service_token,
        )
        return cls(client)

    def ensure_shopper(self, tenant_id: str, phone: str) -> str:
        request = customers_pb2.EnsureShopperRequest(phone=phone)
        return self._client.call("EnsureShopper", request, as_service=True, tenant_id=tenant_id).id

    def close(self) -> None:
        self._client.close()
