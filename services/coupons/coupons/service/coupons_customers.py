"""The customers service as seen from coupons: is this a customer the caller may see? Asked with
the caller's own token, so the customers service decides visibility (a salesperson finds only
own customers) and another tenant's customer is NotFound; coupons never re-implements that."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.errors import NotFound
from crmkit.grpc_client import ServiceClient

FULL_NAME = "crm.customers.v1.CustomersService"


@dataclass(frozen=True)
class CustomerInfo:
    id: str
    phone: str


class CustomerDirectory(Protocol):
    def get(self, customer_id: str) -> CustomerInfo:
        """The customer as the current caller may see them; NotFound otherwise."""


def customer_not_found(customer_id: str) -> NotFound:
    return NotFound("CUSTOMER_NOT_FOUND", "error.customer_not_found", params={"id": customer_id})


class GrpcCustomerDirectory:
    def __init__(self, address: str):
        self.client = ServiceClient(
            address, customers_pb2_grpc.CustomersServiceStub, FULL_NAME, idempotent=["GetCustomer"]
        )

    def get(self, customer_id: str) -> CustomerInfo:
        try:
            # token=None: the client forwards the token of the request being served.
            c = self.client.call("GetCustomer", customers_pb2.GetCustomerRequest(id=customer_id))
        except NotFound:
            raise customer_not_found(customer_id) from None
        return CustomerInfo(id=c.id, phone=c.phone)

    def close(self) -> None:
        self.client.close()
