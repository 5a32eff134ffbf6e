"""The customers service as seen from coupons: the port both coupon sends and stored value use,
and coupons' own error for an unknown customer. The gRPC adapter is crmkit.peers.customers,
shared with orders: a customer is looked up with the caller's own token, so the customers
service decides visibility; pre-charge sheets also find customers by phone."""

from __future__ import annotations

from typing import Protocol

from coupons.errors import ErrorCode
from crmkit.errors import NotFound
from crmkit.peers.customers import CustomerInfo, GrpcCustomerDirectory

__all__ = ["CustomerDirectory", "CustomerInfo", "customer_directory", "customer_not_found"]


class CustomerDirectory(Protocol):
    def get(self, customer_id: str) -> CustomerInfo:
        """The customer as the current caller may see them; NotFound otherwise."""

    def by_phone(self, phone: str) -> CustomerInfo | None:
        """The caller's tenant's customer with exactly this phone, or None."""


def customer_not_found(customer_id: str) -> NotFound:
    return NotFound(ErrorCode.CUSTOMER_NOT_FOUND, params={"id": customer_id})


def customer_directory(address: str) -> GrpcCustomerDirectory:
    return GrpcCustomerDirectory(address, not_found=customer_not_found)
