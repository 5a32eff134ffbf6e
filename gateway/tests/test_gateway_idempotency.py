"""H1: Idempotency-Key on creating POSTs: a retry gets the first answer, never a second object."""

from __future__ import annotations

import threading
import time

import redis

from crmkit.errors import InvalidInput, Unavailable

STORE = {"name": "西湖分店"}


def post_store(client, auth, key, body=STORE):
    return client.post("/api/v1/stores", json=body, headers={**auth, "Idempotency-Key": key})


def test_h1_idempotent_replay_returns_first_response_and_calls_service_once(client, auth, fakes):
    first = post_store(client, auth, "k-1")
    # Same JSON value, different key order and spacing: still the same request.
    second = client.post(
        "/api/v1/stores",
        data='{ "name" : "西湖分店" }',
        content_type="application/json",
        headers={**auth, "Idempotency-Key": "k-1"},
    )

    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(fakes["identity"].rec.named("CreateStore")) == 1


def test_h1_idempotency_key_with_different_body_is_422(client, auth, fakes):
    post_store(client, auth, "k-2")

    response = post_store(client, auth, "k-2", {"name": "另一家店"})

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(fakes["identity"].rec.named("CreateStore")) == 1


def test_h1_idempotency_key_while_first_still_processing_is_409(make_app, auth, fakes):
    app = make_app()
    release = threading.Event()
    fakes["identity"].rec.hold["CreateStore"] = release
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", post_store(app.test_client(), auth, "k-3")))
    first.start()
    try:
        deadline = time.monotonic() + 5
        while not fakes["identity"].rec.named("CreateStore") and time.monotonic() < deadline:
            time.sleep(0.01)

        second = post_store(app.test_client(), auth, "k-3")
    finally:
        release.set()
        first.join(10)

    assert second.status_code == 409
    assert second.get_json()["error"]["code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert results["first"].status_code == 201
    assert post_store(app.test_client(), auth, "k-3").headers["Idempotent-Replayed"] == "true"


def test_h1_failed_5xx_attempt_releases_the_key(client, auth, fakes):
    fakes["identity"].rec.fail["CreateStore"] = Unavailable("SERVICE_UNAVAILABLE", "error.service_unavailable")
    failed = post_store(client, auth, "k-4")
    del fakes["identity"].rec.fail["CreateStore"]

    retried = post_store(client, auth, "k-4")

    assert failed.status_code == 503
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers
    assert len(fakes["identity"].rec.named("CreateStore")) == 2


def test_h1_4xx_answer_is_stored_and_replayed(client, auth, fakes):
    fakes["identity"].rec.fail["CreateStore"] = InvalidInput(
        "STORE_INPUT_INVALID", fields={"name": "validation.invalid"}
    )
    first = post_store(client, auth, "k-5")
    del fakes["identity"].rec.fail["CreateStore"]

    second = post_store(client, auth, "k-5")

    assert first.status_code == second.status_code == 400
    assert second.get_json()["error"]["code"] == "STORE_INPUT_INVALID"
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(fakes["identity"].rec.named("CreateStore")) == 1


def test_h1_idempotency_keys_are_scoped_by_actor(client, token, fakes):
    mine = post_store(client, {"Authorization": f"Bearer {token(staff_id='s-1')}"}, "k-6")
    theirs = post_store(client, {"Authorization": f"Bearer {token(staff_id='s-9', tenant_id='t-9')}"}, "k-6")

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["tenant_id"] == "t-9"
    assert len(fakes["identity"].rec.named("CreateStore")) == 2


def test_h1_public_sign_up_is_idempotent_per_client_ip(client, fakes):
    body = {
        "tenant_name": "杭州茶叶",
        "owner_name": "王老板",
        "owner_phone": "13800000001",
        "owner_password": "secret123",
        "head_store_name": "总店",
        "sms_code": "123456",
    }

    first = client.post("/api/v1/tenants", json=body, headers={"Idempotency-Key": "signup-1"})
    second = client.post("/api/v1/tenants", json=body, headers={"Idempotency-Key": "signup-1"})

    assert first.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(fakes["identity"].rec.named("CreateTenant")) == 1


def test_h1_without_the_header_each_post_creates(client, auth, fakes):
    client.post("/api/v1/stores", json=STORE, headers=auth)
    client.post("/api/v1/stores", json=STORE, headers=auth)

    assert len(fakes["identity"].rec.named("CreateStore")) == 2


def test_h1_redis_down_makes_keyed_post_503_not_500(make_app, auth, fakes):
    app = make_app()
    # A Redis nothing listens on, as when the server is down.
    app.extensions["gateway"].redis = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)

    keyed = post_store(app.test_client(), auth, "k-7")

    assert keyed.status_code == 503
    assert keyed.get_json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert fakes["identity"].rec.named("CreateStore") == []


def test_h1_a_processing_marker_lapses_so_a_dead_gateways_key_is_not_refused_forever(make_app, auth, fakes):
    """The marker of a request still running lives only as long as a request can: were its
    gateway killed, a retry could claim the key after that instead of 24 h later."""
    app = make_app(idempotency_processing_seconds=7)
    cfg = app.extensions["gateway"]
    release = threading.Event()
    fakes["identity"].rec.hold["CreateStore"] = release
    first = threading.Thread(target=lambda: post_store(app.test_client(), auth, "k-lease"))
    first.start()
    try:
        deadline = time.monotonic() + 5
        while not fakes["identity"].rec.named("CreateStore") and time.monotonic() < deadline:
            time.sleep(0.01)
        (marker,) = list(cfg.redis.scan_iter(match=cfg.keys("idem", "*")))
        assert 0 < cfg.redis.ttl(marker) <= 7
    finally:
        release.set()
        first.join(10)
    assert cfg.redis.ttl(marker) > 7  # the stored answer lives the full day


def test_h1_the_embedded_gateway_releases_markers_of_its_previous_life(make_app, auth, fakes):
    from gateway.idempotency import release_abandoned

    app = make_app()
    cfg = app.extensions["gateway"]
    cfg.redis.set(cfg.keys("idem", "abandoned"), '{"state": "processing", "fingerprint": "x"}')
    done = post_store(app.test_client(), auth, "k-kept")
    assert release_abandoned(cfg.redis, cfg.keys) == 1
    assert post_store(app.test_client(), auth, "k-kept").get_json() == done.get_json()
