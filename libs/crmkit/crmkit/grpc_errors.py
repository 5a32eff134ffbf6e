"""Domain error <-> gRPC status, both directions, in one place.

Server side: a DomainError becomes a status with google.rpc.ErrorInfo (reason = our code) and
google.rpc.BadRequest (one violation per field). Client side: the same status becomes the same
DomainError again, so the gateway maps it to HTTP exactly once.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from crmkit.errors import ERROR_CLASSES, DomainError, Unavailable


def to_status(err: DomainError, domain: str) -> grpc.Status:
    info = error_details_pb2.ErrorInfo(
        reason=err.code, domain=domain, metadata={"message_key": err.message_key, **err.params}
    )
    details = [info]
    if err.fields:
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=f, description=key)
                    for f, key in err.fields.items()
                ]
            )
        )
    packed = []
    for detail in details:
        any_msg = any_pb2.Any()
        any_msg.Pack(detail)
        packed.append(any_msg)
    code = err.grpc_status.value[0]
    return rpc_status.to_status(status_pb2.Status(code=code, message=err.code, details=packed))


def from_rpc_error(exc: grpc.RpcError) -> DomainError:
    status = rpc_status.from_call(exc) if hasattr(exc, "trailing_metadata") else None
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    if status is None:
        # Transport trouble (peer down, deadline): no details were ever attached.
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            return Unavailable("SERVICE_UNAVAILABLE", "error.service_unavailable")
        if code == grpc.StatusCode.INTERNAL or code == grpc.StatusCode.UNKNOWN:
            return Unavailable("INTERNAL", "error.internal")
        cls = ERROR_CLASSES.get(code, DomainError)
        return cls()
    reason, message_key, params, fields = None, None, {}, {}
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
            params = dict(info.metadata)
            message_key = params.pop("message_key", None)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields = {v.field: v.description for v in bad.field_violations}
    cls = ERROR_CLASSES.get(code, DomainError)
    return cls(reason, message_key, fields=fields, params=params)
