"""What stored value needs from other services, as ports with their gRPC adapters.

- customers: a customer as the caller may see them (the customers service decides visibility
  and tenant), and a customer by phone (pre-charge sheets name customers by phone);
- identity: the owner's own phone (GetStaff of the caller: everybody may read themselves);
- messaging: the SMS with the pre-charge confirmation code (SendSms with the service token; the
  "login_code" template, whose only parameter is the code: a verification code is a
  verification code, and messaging owns the provider's template list).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from coupons.errors import StoredValueCodes as Codes
from crm.common.v1 import common_pb2
from crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crm.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from crmkit.errors import NotFound, Unavailable
from crmkit.grpc_client import ServiceClient
from crmkit.settings import Settings

CODE_TEMPLATE = "login_code"


@dataclass(frozen=True)
class CustomerInfo:
    id: str
    name: str
    phone: str


def customer_not_found(customer_id: str) -> NotFound:
    return NotFound(Codes.CUSTOMER_NOT_FOUND, "error.customer_not_found", params={"id": customer_id})


class CustomerLookup(Protocol):
    def get(self, customer_id: str) -> CustomerInfo:
        """The customer as the current caller may see them; NotFound otherwise."""

    def by_phone(self, phone: str) -> CustomerInfo | None:
        """The caller's tenant's customer with exactly this phone, or None."""


class OwnerSms(Protocol):
    def own_phone(self, staff_id: str) -> str: ...

    def send_code(self, phone: str, code: str, idempotency_key: str) -> None: ...


class GrpcCustomerLookup:
    def __init__(self, address: str):
        self.client = ServiceClient(
            address,
            customers_pb2_grpc.CustomersServiceStub,
            "crm.customers.v1.CustomersService",
            idempotent=["GetCustomer", "ListCustomers"],
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


class GrpcOwnerSms:
    def __init__(self, identity_address: str, messaging_address: str, service_token: str):
        self.identity = ServiceClient(
            identity_address,
            identity_pb2_grpc.IdentityServiceStub,
            "crm.identity.v1.IdentityService",
            idempotent=["GetStaff"],
        )
        self.messaging = ServiceClient(
            messaging_address,
            messaging_pb2_grpc.MessagingServiceStub,
            "crm.messaging.v1.MessagingService",
            # SendSms is idempotent on idempotency_key, so gRPC may retry it when messaging blips.
            idempotent=["SendSms"],
            service_token=service_token,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> GrpcOwnerSms:
        settings.require("service_token")
        return cls(settings.peer("identity"), settings.peer("messaging"), settings.service_token)

    def own_phone(self, staff_id: str) -> str:
        return self.identity.call("GetStaff", identity_pb2.GetStaffRequest(id=staff_id)).phone

    def send_code(self, phone: str, code: str, idempotency_key: str) -> None:
        self.messaging.call(
            "SendSms",
            messaging_pb2.SendSmsRequest(
                phone=phone, template=CODE_TEMPLATE, params={"code": code}, idempotency_key=idempotency_key
            ),
            as_service=True,
        )

    def close(self) -> None:
        self.identity.close()
        self.messaging.close()


class Unwired:
    """Stands in for a peer whose address is not configured (a migrations-only or test build):
    any use fails loudly with the setting to provide, never with a made-up answer."""

    def __init__(self, setting: str):
        self.setting = setting

    def __getattr__(self, name: str):
        def fail(*args, **kwargs):
            raise Unavailable("PEER_NOT_CONFIGURED", "error.unavailable", params={"setting": self.setting})

        return fail


def peers_from_settings(
    settings: Settings, customers: CustomerLookup | None, owner_sms: OwnerSms | None
) -> tuple[CustomerLookup, OwnerSms, list]:
    closers = []
    if customers is None:
        if "customers" in settings.peers:
            lookup = GrpcCustomerLookup(settings.peer("customers"))
            closers.append(lookup.close)
            customers = lookup
        else:
            customers = Unwired("CUSTOMERS_ADDR")
    if owner_sms is None:
        if {"identity", "messaging"} <= set(settings.peers) and settings.service_token:
            sms = GrpcOwnerSms.from_settings(settings)
            closers.append(sms.close)
            owner_sms = sms
        else:
            owner_sms = Unwired("IDENTITY_ADDR, MESSAGING_ADDR, SERVICE_TOKEN")
    return customers, owner_sms, closers
