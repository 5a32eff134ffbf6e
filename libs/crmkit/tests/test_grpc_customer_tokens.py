"""B6: a shop customer's token is an actor only on the methods a registration lists for
customers; on every other method of every service it is refused (PERMISSION_DENIED), whatever
the method itself checks, while public methods still answer whoever calls."""

from datetime import timedelta

import pytest

from crm.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from crmkit.auth import CUSTOMER, STAFF, Actor, TokenIssuer, TokenVerifier, generate_keypair, require_actor
from crmkit.errors import PermissionDenied
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import ServiceRegistration, build_server

PRIVATE, PUBLIC = generate_keypair()
ISSUER = TokenIssuer(PRIVATE)


class Servicer(messaging_pb2_grpc.MessagingServiceServicer):
    """ListNotifications: any actor of the tenant (the careless check the guard protects);
    MarkNotificationsRead: listed for customers; SendSms: public."""

    def ListNotifications(self, request, context):
        actor = require_actor()
        return messaging_pb2.ListNotificationsResponse(unread_count=len(actor.subject_id))

    def MarkNotificationsRead(self, request, context):
        actor = require_actor()
        return messaging_pb2.MarkNotificationsReadResponse(unread_count=1 if actor.customer_id == "c-1" else 0)

    def SendSms(self, request, context):
        return messaging_pb2.SendSmsResponse(provider="public")


@pytest.fixture(scope="module")
def client():
    registration = ServiceRegistration(
        messaging_pb2_grpc.add_MessagingServiceServicer_to_server,
        Servicer(),
        "crm.messaging.v1.MessagingService",
        customer_methods=frozenset({"MarkNotificationsRead"}),
    )
    server, port, _ = build_server("kit", [registration], verifier=TokenVerifier(PUBLIC), port=0, host="127.0.0.1")
    server.start()
    c = ServiceClient(f"127.0.0.1:{port}", messaging_pb2_grpc.MessagingServiceStub, "crm.messaging.v1.MessagingService")
    yield c
    c.close()
    server.stop(0)


def token(kind: str, subject: str) -> str:
    return ISSUER.issue(kind=kind, subject_id=subject, tenant_id="t-1", ttl=timedelta(minutes=5))[0]


def test_b6_customer_actor_names_the_customer_and_no_staff():
    actor = Actor(kind=CUSTOMER, subject_id="c-1", tenant_id="t-1")
    staff = Actor(kind=STAFF, subject_id="s-1", tenant_id="t-1")

    assert (actor.customer_id, actor.staff_id, actor.is_customer, actor.is_service) == ("c-1", None, True, False)
    assert (staff.customer_id, staff.staff_id, staff.is_customer) == (None, "s-1", False)


def test_b6_customer_token_is_refused_on_a_method_not_listed_for_customers(client):
    with pytest.raises(PermissionDenied) as err:
        client.call("ListNotifications", messaging_pb2.ListNotificationsRequest(), token=token(CUSTOMER, "c-1"))

    assert err.value.code == "STAFF_ONLY"


def test_b6_staff_token_still_works_on_that_method(client):
    reply = client.call("ListNotifications", messaging_pb2.ListNotificationsRequest(), token=token(STAFF, "s-12"))

    assert reply.unread_count == 4


def test_b6_customer_token_is_the_actor_on_a_listed_method(client):
    request = messaging_pb2.MarkNotificationsReadRequest()
    reply = client.call("MarkNotificationsRead", request, token=token(CUSTOMER, "c-1"))

    assert reply.unread_count == 1


def test_b6_public_method_answers_a_caller_holding_a_customer_token(client):
    reply = client.call("SendSms", messaging_pb2.SendSmsRequest(), token=token(CUSTOMER, "c-1"))

    assert reply.provider == "public"
