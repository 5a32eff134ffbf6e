"""Domain errors shared by every service, and their one mapping to gRPC status codes.

A use case raises one of these with a stable `code` (clients switch on it) and a `message_key`
(an i18n key the gateway renders in Chinese). Field problems travel as {field: i18n key}.
Each service spells its codes once, in its `errors.py`, as an `ErrorCodeEnum` whose members
carry their message key: `raise NotFound(ErrorCode.ORDER_NOT_FOUND, params=...)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import grpc


class ErrorCodeEnum(StrEnum):
    """Base of a service's one enumeration of error codes. A member is its wire code (the value
    clients switch on, ErrorInfo.reason) and knows the i18n key of its message, declared side
    by side so the two cannot drift apart: `ORDER_NOT_FOUND = "ORDER_NOT_FOUND", "error.order_not_found"`."""

    message_key: str

    def __new__(cls, code: str, message_key: str) -> ErrorCodeEnum:
        member = str.__new__(cls, code)
        member._value_ = code
        member.message_key = message_key
        return member


class DomainError(Exception):
    grpc_status: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION
    default_code = "FAILED_PRECONDITION"
    default_message_key = "error.failed_precondition"

    def __init__(
        self,
        code: str | None = None,
        message_key: str | None = None,
        *,
        fields: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ):
        # A code of a service's ErrorCodeEnum brings its own key; a plain str leaves the state as
        # every peer and the gateway see it after the wire (crmkit.grpc_errors).
        self.code = str(code) if code else self.default_code
        self.message_key = message_key or getattr(code, "message_key", None) or self.default_message_key
        self.fields = dict(fields or {})
        self.params = {k: str(v) for k, v in (params or {}).items()}
        super().__init__(f"{self.code}: {self.message_key} {self.fields or ''}".strip())


class InvalidInput(DomainError):
    """Input that can never succeed as sent: names the fields."""

    grpc_status = grpc.StatusCode.INVALID_ARGUMENT
    default_code = "INVALID_INPUT"
    default_message_key = "error.invalid_input"


class Unauthenticated(DomainError):
    grpc_status = grpc.StatusCode.UNAUTHENTICATED
    default_code = "UNAUTHENTICATED"
    default_message_key = "error.unauthenticated"


class PermissionDenied(DomainError):
    grpc_status = grpc.StatusCode.PERMISSION_DENIED
    default_code = "PERMISSION_DENIED"
    default_message_key = "error.permission_denied"


class NotFound(DomainError):
    """Missing, or another tenant's: the two must look the same from outside."""

    grpc_status = grpc.StatusCode.NOT_FOUND
    default_code = "NOT_FOUND"
    default_message_key = "error.not_found"


class Conflict(DomainError):
    """The object is in the wrong state for this command."""

    grpc_status = grpc.StatusCode.FAILED_PRECONDITION
    default_code = "CONFLICT"
    default_message_key = "error.conflict"


class AlreadyExists(DomainError):
    grpc_status = grpc.StatusCode.ALREADY_EXISTS
    default_code = "ALREADY_EXISTS"
    default_message_key = "error.already_exists"


class QuotaExceeded(DomainError):
    grpc_status = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_code = "QUOTA_EXCEEDED"
    default_message_key = "error.quota_exceeded"


class Unavailable(DomainError):
    """A dependency (provider, peer service) cannot answer now; worth retrying later."""

    grpc_status = grpc.StatusCode.UNAVAILABLE
    default_code = "UNAVAILABLE"
    default_message_key = "error.unavailable"


ERROR_CLASSES: dict[grpc.StatusCode, type[DomainError]] = {
    cls.grpc_status: cls
    for cls in (InvalidInput, Unauthenticated, PermissionDenied, NotFound, AlreadyExists, QuotaExceeded, Unavailable)
}
ERROR_CLASSES[grpc.StatusCode.FAILED_PRECONDITION] = Conflict
