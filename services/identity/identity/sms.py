"""The port through which login codes leave the service, and its adapter to messaging."""

from __future__ import annotations

from typing import Protocol

from crm.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from crmkit.grpc_client import ServiceClient
from crmkit.settings import Settings

LOGIN_TEMPLATE = "login_code"


class CodeSender(Protocol):
    def send_login_code(self, phone: str, code: str, idempotency_key: str) -> None: ...


class MessagingCodeSender:
    """Sends through the messaging service (which owns SMS providers, templates and quotas)."""

    def __init__(self, client: ServiceClient):
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> MessagingCodeSender:
        settings.require("service_token")
        client = ServiceClient(
            settings.peer("messaging"),
            messaging_pb2_grpc.MessagingServiceStub,
            "crm.messaging.v1.MessagingService",
            service_token=settings.service_token,
        )
        return cls(client)

    def send_login_code(self, phone: str, code: str, idempotency_key: str) -> None:
        self._client.call(
            "SendSms",
            messaging_pb2.SendSmsRequest(
                phone=phone, template=LOGIN_TEMPLATE, params={"code": code}, idempotency_key=idempotency_key
            ),
            as_service=True,
        )

    def close(self) -> None:
        self._client.close()


class RecordingCodeSender:
    """Keeps every code it was asked to send (tests, and the embedded demo's log of codes)."""

    def __init__(self):
        self.sent: list[tuple[str, str, str]] = []

    def send_login_code(self, phone: str, code: str, idempotency_key: str) -> None:
        self.sent.append((phone, code, idempotency_key))

    def last_code(self, phone: str) -> str | None:
        codes = [code for p, code, _ in self.sent if p == phone]
        return codes[-1] if codes else None
