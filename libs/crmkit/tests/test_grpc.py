"""H2: every server maps tokens to an Actor and domain errors to statuses with field violations;
the client factory turns them back into the same domain errors."""

from datetime import UTC, datetime, timedelta

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from crm.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from crmkit import context as ctx
from crmkit.auth import STAFF, TokenIssuer, TokenVerifier, generate_keypair, require_actor
from crmkit.errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import ServiceRegistration, build_server

PRIVATE, PUBLIC = generate_keypair()
ISSUER = TokenIssuer(PRIVATE)


class Servicer(messaging_pb2_grpc.MessagingServiceServicer):
    def ListNotifications(self, request, context):
        actor = require_actor()
        if request.unread_only:
            raise InvalidInput(fields={"page.page_size": "validation.too_large"})
        return messaging_pb2.ListNotificationsResponse(unread_count=len(actor.roles))

    def MarkNotificationsRead(self, request, context):
        raise NotFound("NOTIFICATION_NOT_FOUND", "error.notification_not_found", params={"id": "n1"})

    def SendSms(self, request, context):
        return messaging_pb2.SendSmsResponse(provider=ctx.request_id.get())


@pytest.fixture(scope="module")
def client():
    server, port, _ = build_server(
        "kit",
        [
            ServiceRegistration(
                messaging_pb2_grpc.add_MessagingServiceServicer_to_server,
                Servicer(),
                "crm.messaging.v1.MessagingService",
            )
        ],
        verifier=TokenVerifier(PUBLIC),
        port=0,
        host="127.0.0.1",
    )
    server.start()
    c = ServiceClient(
        f"127.0.0.1:{port}",
        messaging_pb2_grpc.MessagingServiceStub,
        "crm.messaging.v1.MessagingService",
    )
    yield c
    c.close()
    server.stop(0)


def staff_token(**kw):
    return ISSUER.issue(
        kind=STAFF, subject_id="s1", tenant_id="t1", roles=["owner", "finance"], ttl=timedelta(minutes=5), **kw
    )[0]


def test_h2_token_becomes_actor(client):
    resp = client.call("ListNotifications", messaging_pb2.ListNotificationsRequest(), token=staff_token())
    assert resp.unread_count == 2


def test_h2_missing_token_is_unauthenticated(client):
    with pytest.raises(Unauthenticated) as err:
        client.call("ListNotifications", messaging_pb2.ListNotificationsRequest())
    assert err.value.code == "TOKEN_MISSING"


def test_h2_forged_token_is_unauthenticated(client):
    other_issuer = TokenIssuer(generate_keypair()[0])
    forged = other_issuer.issue(kind=STAFF, subject_id="s1", tenant_id="t1", ttl=timedelta(minutes=5))[0]
    with pytest.raises(Unauthenticated) as err:
        client.call("ListNotifications", messaging_pb2.ListNotificationsRequest(), token=forged)
    assert err.value.code == "TOKEN_INVALID"


def test_a3_token_of_expired_seat_is_refused(client):
    token = staff_token(seat_until=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(PermissionDenied) as err:
        client.call("ListNotifications", messaging_pb2.ListNotificationsRequest(), token=token)
    assert err.value.code == "SEAT_EXPIRED"


def test_h2_field_violations_cross_the_wire(client):
    with pytest.raises(InvalidInput) as err:
        client.call("ListNotifications", messaging_pb2.ListNotificationsRequest(unread_only=True), token=staff_token())
    assert err.value.fields == {"page.page_size": "validation.too_large"}


def test_h2_error_code_key_and_params_cross_the_wire(client):
    with pytest.raises(NotFound) as err:
        client.call("MarkNotificationsRead", messaging_pb2.MarkNotificationsReadRequest(), token=staff_token())
    assert (err.value.code, err.value.message_key, err.value.params) == (
        "NOTIFICATION_NOT_FOUND",
        "error.notification_not_found",
        {"id": "n1"},
    )


def test_h2_request_id_is_propagated(client):
    token = ctx.request_id.set("req-123")
    try:
        resp = client.call("SendSms", messaging_pb2.SendSmsRequest())
    finally:
        ctx.request_id.reset(token)
    assert resp.provider == "req-123"


def test_h2_health_and_reflection_are_served(client):
    health = health_pb2_grpc.HealthStub(client.channel)
    status = health.Check(health_pb2.HealthCheckRequest(service="crm.messaging.v1.MessagingService"))
    assert status.status == health_pb2.HealthCheckResponse.SERVING


def test_h2_unreachable_peer_is_unavailable():
    c = ServiceClient(
        "127.0.0.1:1", messaging_pb2_grpc.MessagingServiceStub, "crm.messaging.v1.MessagingService", timeout=0.5
    )
    from crmkit.errors import Unavailable

    with pytest.raises(Unavailable):
        c.call("SendSms", messaging_pb2.SendSmsRequest())
