"""The customers service as seen from orders: a port with one question, and its gRPC adapter.

Looking a customer up with the caller's own token means the customers service decides who may
order for whom (a salesperson finds only own customers unless a manager, B2); orders never
re-implements that rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.errors import InvalidInput, NotFound
from crmkit.grpc_client import ServiceClient
from orders.errors import ErrorCode

FULL_NAME = "crm.customers.v1.CustomersService"


@dataclass(frozen=True)
class CustomerInfo:
    id: str
    name: str
    phone: str = ""
    owner_staff_id: str = ""
    store_id: str = ""
    level: str = ""


class CustomerDirectory(Protocol):
    def get(self, customer_id: str) -> CustomerInfo:
        """The customer as the current caller may see them; NotFound otherwise."""

    def require_in_tenant(self, tenant_id: str, customer_id: str) -> None:
        """NotFound unless the customer exists in the tenant, whoever is calling: for callers
        the customers service shows no customers (finance) whose answers still must not treat
        another tenant's id as known (R4)."""


def customer_not_found(customer_id: str) -> NotFound:
    return NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})


def require_customer_id(customer_id: str) -> None:
    if not customer_id:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={"customer_id": "validation.required"})


class GrpcCustomerDirectory:
    def __init__(self, address: str, service_token: str | None = None):
        self.client = ServiceClient(
            address,
            customers_pb2_grpc.CustomersServiceStub,
            FULL_NAME,
            idempotent=["GetCustomer", "ListCustomers"],
            service_token=service_token,
        )

    def get(self, customer_id: str) -> CustomerInfo:
        try:
            # token=None: the client forwards the token of the request being served.
            c = self.client.call("GetCustomer", customers_pb2.GetCustomerRequest(id=customer_id))
        except NotFound:
            raise customer_not_found(customer_id) from None
        return CustomerInfo(
            id=c.id,
            name=c.name,
            phone=c.phone,
            owner_staff_id=c.owner_staff_id,
            store_id=c.store_id,
            # Absent in older customers builds: an empty level simply has no level price.
            level=getattr(c, "level", ""),
        )

    def require_in_tenant(self, tenant_id: str, customer_id: str) -> None:
        try:
            # As this service, scoped to the caller's tenant: existence, not the caller's view.
            request = customers_pb2.GetCustomerRequest(id=customer_id)
            self.client.call("GetCustomer", request, as_service=True, tenant_id=tenant_id)
        except NotFound:
            raise customer_not_found(customer_id) from None

    def close(self) -> None:
        self.client.close()
