"""The customers service as seen from coupons: the one adapter both coupon sends and stored value
use. A customer is looked up with the caller's own token, so the customers service decides
visibility (a salesperson finds only own customers) and another tenant's customer is NotFound;
coupons never re-implements that. Pre-charge sheets also find customers by phone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from coupons.errors import ErrorCode
from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.errors import NotFound
from crmkit.grpc_client import ServiceClient

FULL_NAME = "crm.customers.v1.CustomersService"


@dataclass(frozen=True)
class CustomerInfo:
    id: str
    name: str
    phone: str


class CustomerDirectory(Protocol):
    def get(self, customer_id: str) -> CustomerInfo:
        """The customer as the current caller may see them; NotFound otherwise."""

    def by_phone(self, phone: str) -> CustomerInfo | None:
        """The caller's tenant's customer with exactly this phone, or None."""


def customer_not_found(customer_id: str) -> NotFound:
    return NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})


class GrpcCustomerDirectory:
    def __init__(self, address: str):
        self.client = ServiceClient(
            address, customers_pb2_grpc.CustomersServiceStub, FULL_NAME, idempotent=["GetCustomer", "ListCustomers"]
        )

    def get(self, customer_id: str) -> CustomerInfo:
        try:
            # token=None: the client forwards the token of the request being served.
            c = self.client.call("GetCustomer", customers_pb2.GetCustomerRequest(id=customer_id))
        except NotFound:
            raise customer_not_found(customer_id) from None
        return CustomerInfo(c.id, c.name, c.phone)

    def by_phone(self, phone: str) -> CustomerInfo | None:
        found = self.client.call(
            "ListCustomers",
            customers_pb2.ListCustomersRequest(query=phone, page=common_pb2.PageRequest(page=1, page_size=20)),
        )
        for c in found.customers:
            if c.phone == phone:
                return CustomerInfo(c.id, c.name, c.phone)
        return None

    def close(self) -> None:
        self.client.close()
