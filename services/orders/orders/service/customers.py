"""The customers service as seen from orders: the port orders needs, and its own error for an
unknown customer. The gRPC adapter is crmkit.peers.customers, shared with coupons.

Looking a customer up with the caller's own token means the customers service decides who may
order for whom (a salesperson finds only own customers unless a manager, B2); orders never
re-implements that rule.
"""

from __future__ import annotations

from typing import Protocol

from crmkit.errors import InvalidInput, NotFound
from crmkit.peers.customers import CustomerInfo, GrpcCustomerDirectory
from orders.errors import ErrorCode

__all__ = ["CustomerDirectory", "CustomerInfo", "customer_directory", "customer_not_found", "require_customer_id"]


class CustomerDirectory(Protocol):
    def get(self, customer_id: str) -> CustomerInfo:
        """The customer as the current caller may see them; NotFound otherwise."""

    def require_in_tenant(self, tenant_id: str, customer_id: str) -> None:
        """NotFound unless the customer exists in the tenant, whoever is calling: for callers
        the customers service shows no customers (finance) whose answers still must not treat
        another tenant's id as known (R4)."""

    def get_in_tenant(self, tenant_id: str, customer_id: str) -> CustomerInfo:
        """The customer as this service sees them in the tenant, whoever is calling (storefront
        orders: a customer's own token sees nothing in the customers service); NotFound
        otherwise."""


def customer_not_found(customer_id: str) -> NotFound:
    return NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})


def require_customer_id(customer_id: str) -> None:
    if not customer_id:
        raise InvalidInput(ErrorCode.ORDER_INPUT_INVALID, fields={"customer_id": "validation.required"})


def customer_directory(address: str, service_token: str | None = None) -> GrpcCustomerDirectory:
    return GrpcCustomerDirectory(address, not_found=customer_not_found, service_token=service_token)
