"""What stored value needs from other services, as ports with their gRPC adapters.

- customers: coupons.service.coupons_customers (shared with coupon sends);
- identity: the owner's own phone (GetStaff of the caller: everybody may read themselves);
- messaging: the SMS with the pre-charge confirmation code (SendSms with the service token; the
  "login_code" template, whose only parameter is the code: a verification code is a
  verification code, and messaging owns the provider's template list).
"""

from __future__ import annotations

from typing import Protocol

from coupons.errors import ErrorCode
from crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crm.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from crmkit.errors import Unavailable
from crmkit.grpc_client import ServiceClient
from crmkit.settings import Settings

CODE_TEMPLATE = "login_code"


class OwnerSms(Protocol):
    def own_phone(self, staff_id: str) -> str: ...

    def send_code(self, phone: str, code: str, idempotency_key: str) -> None: ...


class GrpcOwnerSms:
    def __init__(self, identity_address: str, messaging_address: str, service_token: str):
        self.identity = ServiceClient(
            identity_address,
            identity_pb2_grpc.IdentityServiceStub,
            "crm.identity.v1.IdentityService",
        )
        self.messaging = ServiceClient(
            messaging_address,
            messaging_pb2_grpc.MessagingServiceStub,
            "crm.messaging.v1.MessagingService",
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
            raise Unavailable(ErrorCode.PEER_NOT_CONFIGURED, params={"setting": self.setting})

        return fail


def owner_sms_from_settings(settings: Settings, owner_sms: OwnerSms | None) -> tuple[OwnerSms, list]:
    """(the owner-SMS port, closers): the given one, else identity and messaging when configured."""
    if owner_sms is not None:
        return owner_sms, []
    if {"identity", "messaging"} <= set(settings.peers) and settings.service_token:
        sms = GrpcOwnerSms.from_settings(settings)
        return sms, [sms.close]
    return Unwired("IDENTITY_ADDR, MESSAGING_ADDR, SERVICE_TOKEN"), []
