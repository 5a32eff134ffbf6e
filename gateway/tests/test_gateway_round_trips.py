"""Issue 16 (P1 P2): what a request costs the gateway in Redis round trips. The session check,
the rate limit and the Idempotency-Key claim go in one round trip before the view; storing the
answer of a keyed POST is the only other one."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis

from crmkit import testing
from crmkit.auth import TokenIssuer
from crmkit.settings import Settings
from gateway.app import create_app
from gateway.config import GatewayConfig

ORDER = {"customer_id": "c-1", "lines": [{"product_id": "p-1", "quantity": 10}]}


class RoundTrips:
    """A Redis client whose connections count what they send: one send is one round trip (a
    pipeline or a script sends once)."""

    def __init__(self):
        self.sent = 0
        counter = self

        class Counting(redis.Connection):
            def send_packed_command(self, command, check_health=True):
                counter.sent += 1
                return super().send_packed_command(command, check_health)

        self.client = redis.Redis(
            connection_pool=redis.ConnectionPool.from_url(
                testing.REDIS_URL, connection_class=Counting, decode_responses=True
            )
        )

    def during(self, request) -> tuple[int, object]:
        before = self.sent
        answer = request()
        return self.sent - before, answer


@pytest.fixture
def counted(keys, peer_addrs):
    trips = RoundTrips()
    prefix = f"gwtest-{uuid.uuid4().hex[:10]}:"
    settings = Settings(
        service="gateway",
        redis_prefix=prefix,
        jwt_public_key=keys[1],
        service_token=TokenIssuer(keys[0]).service_token("gateway"),
        peers=peer_addrs,
    )
    config = GatewayConfig.from_settings(settings, redis=trips.client)
    app = create_app(config)
    yield trips, app.test_client()
    config.close()
    testing.delete_redis_prefix(trips.client, prefix)
    trips.client.close()


def test_p1_a_keyed_order_costs_two_round_trips(counted, token):
    trips, client = counted
    # A salesperson's token of a login session: its revocation is checked on every request.
    headers = {"Authorization": f"Bearer {token(roles=('salesperson',), session_id='sess-1')}"}
    client.get("/api/v1/me", headers=headers)  # the connection's own handshake is not counted

    trips_used, answer = trips.during(
        lambda: client.post("/api/v1/orders", json=ORDER, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    )

    assert answer.status_code == 201
    # session + rate limit + key claim, then the stored answer (before: four)
    assert trips_used == 2


def test_p1_a_read_costs_one_round_trip(counted, token):
    trips, client = counted
    headers = {"Authorization": f"Bearer {token(session_id='sess-1')}"}
    client.get("/api/v1/me", headers=headers)

    trips_used, answer = trips.during(lambda: client.get("/api/v1/me", headers=headers))

    assert answer.status_code == 200
    assert trips_used == 1  # before: two, the session and the rate limit apart


def test_p2_a_public_claim_costs_one_round_trip(counted):
    trips, client = counted
    client.get("/api/v1/public/coupons/tok-1")

    trips_used, answer = trips.during(
        lambda: client.post("/api/v1/public/coupons/tok-1/claim", json={"phone": "13900000001"})
    )

    assert answer.status_code == 201
    assert trips_used == 1


STORE = {"name": "西湖分店"}


def test_h1_a_key_claimed_for_a_request_refused_before_its_view_is_released(make_app, auth, fakes):
    # Given a keyed POST whose body holds a NUL: the key is claimed in the admission round trip,
    # then the text check refuses the request before its view runs
    client = make_app().test_client()
    bad = client.post("/api/v1/stores", json={"name": "西湖\u0000分店"}, headers={**auth, "Idempotency-Key": "k-nul"})
    assert bad.status_code == 400
    # When the client corrects the body and retries with the same key
    retried = client.post("/api/v1/stores", json=STORE, headers={**auth, "Idempotency-Key": "k-nul"})
    # Then the key is free: the store is created, not refused as reused or in progress
    assert retried.status_code == 201
    assert len(fakes["identity"].rec.named("CreateStore")) == 1


def test_h1_a_request_over_its_limit_claims_no_key(make_app, auth, fakes, redis_client):
    app = make_app(rate_limit_actor_per_min=1)
    client = app.test_client()
    cfg = app.extensions["gateway"]
    client.get("/api/v1/me", headers=auth)

    limited = client.post("/api/v1/stores", json=STORE, headers={**auth, "Idempotency-Key": "k-limited"})

    assert limited.status_code == 429
    assert list(redis_client.scan_iter(match=cfg.keys("idem", "*"))) == []
    assert fakes["identity"].rec.named("CreateStore") == []


def test_r6_a_revoked_token_is_counted_and_keyed_as_no_token(make_app, token, fakes, redis_client):
    # Given a session revoked after its token was issued
    app = make_app()
    cfg = app.extensions["gateway"]
    mine = {"Authorization": f"Bearer {token(session_id='sess-9')}"}
    cfg.verifier.revoked.revoke(["sess-9"], token_ttl=timedelta(minutes=15))
    # When the token is used
    refused = app.test_client().get("/api/v1/me", headers=mine)
    # Then it is refused, and the request counted as one without a token, not in the person's bucket
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "TOKEN_REVOKED"
    counters = [k for k in redis_client.scan_iter(match=cfg.keys("rl", "*"))]
    assert len(counters) == 1 and ":rl:anon:" in counters[0]
