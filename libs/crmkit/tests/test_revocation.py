"""Issue 11 / R6: a revoked session's access tokens are refused wherever a token is verified
(every service's interceptor and the gateway), at once; tokens the session issues after the
revocation pass. Real Redis under a key prefix of the test's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
import redis

from crm.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from crmkit import context as ctx
from crmkit import testing
from crmkit.auth import STAFF, TokenIssuer, TokenVerifier, generate_keypair, require_actor
from crmkit.errors import Unauthenticated, Unavailable
from crmkit.grpc_client import ServiceClient
from crmkit.grpc_server import ServiceRegistration, build_server
from crmkit.revocation import RevokedSessions
from crmkit.runtime import verifier_from
from crmkit.settings import MissingSetting, Settings

PRIVATE, PUBLIC = generate_keypair()
ISSUER = TokenIssuer(PRIVATE)
# Tokens are verified against the real clock (expiry), so the test's moments start now.
T0 = datetime.now(UTC).replace(microsecond=0)
TTL = timedelta(minutes=15)


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> float:
        return self.moment.timestamp()


@pytest.fixture
def store():
    client = redis.Redis.from_url(testing.REDIS_URL, decode_responses=True)
    prefix = testing.unique_name("revtest") + ":"
    clock = Clock(T0)
    yield RevokedSessions(client, prefix, clock=clock), clock, client, prefix
    testing.delete_redis_prefix(client, prefix)
    client.close()


def staff_token(*, session_id: str | None = "sess-1", at: datetime = T0) -> str:
    return ISSUER.issue(kind=STAFF, subject_id="s1", tenant_id="t1", session_id=session_id, ttl=TTL, now=at)[0]


def test_r6_token_of_a_revoked_session_is_refused(store):
    # Given a token of session 1 and a verifier that checks revocations
    revoked, clock, _, _ = store
    verifier = TokenVerifier(PUBLIC, revoked=revoked)
    token = staff_token(at=T0)
    assert verifier.verify(token).session_id == "sess-1"
    # When the session is revoked a second later
    clock.moment = T0 + timedelta(seconds=1)
    revoked.revoke(["sess-1"], token_ttl=TTL)
    # Then the token is refused as revoked
    with pytest.raises(Unauthenticated) as err:
        verifier.verify(token)
    assert err.value.code == "TOKEN_REVOKED"


def test_r6_token_issued_after_the_revocation_in_the_same_second_passes(store):
    # Given a session revoked at 08:00:00.400 (a switch taken away: the person refreshes)
    revoked, clock, _, _ = store
    verifier = TokenVerifier(PUBLIC, revoked=revoked)
    before = staff_token(at=T0 + timedelta(milliseconds=100))
    clock.moment = T0 + timedelta(milliseconds=400)
    revoked.revoke(["sess-1"], token_ttl=TTL)
    # When the refresh issues a token of the same session 300 ms later
    after = staff_token(at=T0 + timedelta(milliseconds=700))
    # Then the new token passes and the old one does not
    assert verifier.verify(after).subject_id == "s1"
    with pytest.raises(Unauthenticated):
        verifier.verify(before)


def test_r6_other_sessions_and_service_tokens_are_untouched(store):
    revoked, clock, _, _ = store
    verifier = TokenVerifier(PUBLIC, revoked=revoked)
    clock.moment = T0 + timedelta(seconds=1)
    revoked.revoke(["sess-1"], token_ttl=TTL)
    assert verifier.verify(staff_token(session_id="sess-2")).session_id == "sess-2"
    assert verifier.verify(ISSUER.service_token("billing")).is_service


def test_r6_an_earlier_revocation_never_replaces_a_later_one(store):
    # Given two revocations of one session that reach Redis in the wrong order
    revoked, clock, client, prefix = store
    clock.moment = T0 + timedelta(seconds=10)
    revoked.revoke(["sess-1"], token_ttl=TTL)
    clock.moment = T0 + timedelta(seconds=5)
    revoked.revoke(["sess-1"], token_ttl=TTL)
    # Then the later cutoff stays, and the key lives no longer than the newest token could
    assert revoked.cutoff("sess-1") == (T0 + timedelta(seconds=10)).timestamp()
    assert 0 < client.ttl(f"{prefix}auth:revoked:sess-1") <= TTL.total_seconds() + 6
    verifier = TokenVerifier(PUBLIC, revoked=revoked)
    with pytest.raises(Unauthenticated):
        verifier.verify(staff_token(at=T0 + timedelta(seconds=8)))


def test_r6_unreachable_revocation_store_refuses_the_token():
    # Given a verifier whose Redis does not answer
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    verifier = TokenVerifier(PUBLIC, revoked=RevokedSessions(down, "x:"))
    # Then a staff token is not let through unchecked: the caller is told to retry
    with pytest.raises(Unavailable):
        verifier.verify(staff_token())


class Servicer(messaging_pb2_grpc.MessagingServiceServicer):
    def ListNotifications(self, request, context):
        return messaging_pb2.ListNotificationsResponse(unread_count=len(require_actor().roles))

    def SendSms(self, request, context):
        # Echo who the interceptor says the end client is.
        return messaging_pb2.SendSmsResponse(provider=ctx.client_address.get())


@pytest.fixture
def served(store):
    revoked = store[0]
    server, port, _ = build_server(
        "kit",
        [
            ServiceRegistration(
                messaging_pb2_grpc.add_MessagingServiceServicer_to_server,
                Servicer(),
                "crm.messaging.v1.MessagingService",
            )
        ],
        verifier=TokenVerifier(PUBLIC, revoked=revoked),
        port=0,
        host="127.0.0.1",
    )
    server.start()
    client = ServiceClient(
        f"127.0.0.1:{port}",
        messaging_pb2_grpc.MessagingServiceStub,
        "crm.messaging.v1.MessagingService",
        service_token=ISSUER.service_token("gateway"),
    )
    yield client, store
    client.close()
    server.stop(0)


def test_r6_revoked_token_is_refused_by_the_grpc_interceptor(served):
    client, (revoked, clock, _, _) = served
    token = staff_token(at=datetime.now(UTC))
    assert client.call("ListNotifications", messaging_pb2.ListNotificationsRequest(), token=token).unread_count == 0
    clock.moment = datetime.now(UTC) + timedelta(seconds=1)
    revoked.revoke(["sess-1"], token_ttl=TTL)
    with pytest.raises(Unauthenticated) as err:
        client.call("ListNotifications", messaging_pb2.ListNotificationsRequest(), token=token)
    assert err.value.code == "TOKEN_REVOKED"


def test_r6_only_a_service_caller_may_name_the_client_address(served):
    client = served[0]
    # The gateway (a service token) speaks for the person it serves
    vouched = client.call("SendSms", messaging_pb2.SendSmsRequest(), as_service=True, client_address="203.0.113.9")
    assert vouched.provider == "203.0.113.9"
    # A caller without one is known by its own address, whatever it claims
    claimed = client.call("SendSms", messaging_pb2.SendSmsRequest(), client_address="203.0.113.9")
    assert claimed.provider == "127.0.0.1"


@pytest.mark.parametrize(
    ("peer", "host"),
    [("ipv4:10.0.0.7:51234", "10.0.0.7"), ("ipv6:[::1]:51234", "::1"), ("unix:/tmp/s", "unix"), (None, "unknown")],
)
def test_r6_peer_host_of_grpc_peer_strings(peer, host):
    assert ctx.peer_host(peer) == host


def test_r6_a_server_process_without_redis_does_not_start():
    settings = Settings(service="orders", jwt_public_key=PUBLIC)
    with pytest.raises(MissingSetting) as err:
        verifier_from(settings)
    assert err.value.name == "REDIS_URL"
    checked = verifier_from(Settings(service="orders", jwt_public_key=PUBLIC, redis_url=testing.REDIS_URL))
    assert checked.revoked is not None


def test_r6_access_token_iat_has_microseconds_never_later_than_issue():
    at = T0 + timedelta(microseconds=123_987)
    claims = jwt.decode(staff_token(at=at), options={"verify_signature": False})
    # Not rounded to the millisecond (a refresh 0.4 ms after a revocation must pass), never later.
    assert claims["iat"] <= at.timestamp() and at.timestamp() - claims["iat"] < 2e-6
    assert claims["iat"] > T0.timestamp() + 0.1235
