"""The customers service as seen from another service (orders, coupons): one adapter over
crm.customers.v1.CustomersService.

A customer is looked up with the caller's own token, so the customers service decides who sees
whom (a salesperson finds only own customers unless a manager, B2) and another tenant's customer
is NotFound; no caller re-implements that rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.errors import NotFound
from crmkit.grpc_client import ServiceClient

FULL_NAME = "crm.customers.v1.CustomersService"
# ListCustomers finds by phone among the first page of matches: a phone is unique in a tenant.
_PHONE_PAGE = common_pb2.PageRequest(page=1, page_size=20)


@dataclass(frozen=True)
class CustomerInfo:
    id: str
    name: str
    phone: str = ""
    owner_staff_id: str = ""
    store_id: str = ""
    level: str = ""


def _info(c: customers_pb2.Customer) -> CustomerInfo:
    return CustomerInfo(
        id=c.id,
        name=c.name,
        phone=c.phone,
        owner_staff_id=c.owner_staff_id,
        store_id=c.store_id,
        # Absent in older customers builds: an empty level simply has no level price.
        level=getattr(c, "level", ""),
    )


class GrpcCustomerDirectory:
    """`not_found(customer_id)` is the caller's own error for an unknown customer: each service
    names it in its own words (errors.py)."""

    def __init__(self, address: str, *, not_found: Callable[[str], Exception], service_token: str | None = None):
        self.client = ServiceClient(
            address,
            customers_pb2_grpc.CustomersServiceStub,
            FULL_NAME,
            service_token=service_token,
        )
        self.not_found = not_found

    def get(self, customer_id: str) -> CustomerInfo:
        """The customer as the current caller may see them; not_found otherwise."""
        try:
            # token=None: the client forwards the token of the request being served.
            c = self.client.call("GetCustomer", customers_pb2.GetCustomerRequest(id=customer_id))
        except NotFound:
            raise self.not_found(customer_id) from None
        return _info(c)

    def require_in_tenant(self, tenant_id: str, customer_id: str) -> None:
        """not_found unless the customer exists in the tenant, whoever is calling: for callers the
        customers service shows no customers (finance) whose answers still must not treat
        another tenant's id as known (R4)."""
        try:
            # As this service, scoped to the caller's tenant: existence, not the caller's view.
            request = customers_pb2.GetCustomerRequest(id=customer_id)
            self.client.call("GetCustomer", request, as_service=True, tenant_id=tenant_id)
        except NotFound:
            raise self.not_found(customer_id) from None

    def get_in_tenant(self, tenant_id: str, customer_id: str) -> CustomerInfo:
        """The customer as this service sees them in the tenant, whoever is calling: for callers
        the customers service answers nothing (a shop's customer ordering for themselves) or who
        act on any customer of the tenant (a storefront counter); not_found otherwise."""
        try:
            request = customers_pb2.GetCustomerRequest(id=customer_id)
            c = self.client.call("GetCustomer", request, as_service=True, tenant_id=tenant_id)
        except NotFound:
            raise self.not_found(customer_id) from None
        return _info(c)

    def by_phone(self, phone: str) -> CustomerInfo | None:
        """The caller's tenant's customer with exactly this phone, or None."""
        found = self.client.call("ListCustomers", customers_pb2.ListCustomersRequest(query=phone, page=_PHONE_PAGE))
        for c in found.customers:
            if c.phone == phone:
                return _info(c)
        return None

    def close(self) -> None:
        self.client.close()
