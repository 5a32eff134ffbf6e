"""H1: rate limits in Redis: per client IP on public auth endpoints, per staff member elsewhere."""

from __future__ import annotations

import time
import uuid

from crmkit.redis_client import Keys
from crmkit.testing import delete_redis_prefix
from gateway.ratelimit import RateLimiter

LOGIN = {"phone": "13800000001", "password": "secret123"}


def fresh_window():
    # The limits count per clock minute: do not start a burst in a minute's last seconds.
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.1)


def test_h1_public_login_over_limit_is_429_with_retry_after(make_app, fakes):
    client = make_app(rate_limit_public_per_min=2).test_client()
    fresh_window()

    answers = [client.post("/api/v1/auth/login/password", json=LOGIN) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    limited = answers[2]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.get_json()["error"]["code"] == "RATE_LIMITED"
    assert limited.get_json()["error"]["message"].startswith("请求过于频繁")
    assert len(fakes["identity"].rec.named("LoginWithPassword")) == 2


def test_h1_public_limit_is_per_client_ip(make_app):
    client = make_app(rate_limit_public_per_min=1).test_client()
    fresh_window()

    first = client.post("/api/v1/auth/sms-codes", json={"phone": "13800000001"})
    same_ip = client.post("/api/v1/auth/sms-codes", json={"phone": "13800000002"})
    other_ip = client.post(
        "/api/v1/auth/sms-codes", json={"phone": "13800000003"}, environ_base={"REMOTE_ADDR": "10.0.0.7"}
    )

    assert (first.status_code, same_ip.status_code, other_ip.status_code) == (202, 429, 202)


def test_h1_actor_limit_counts_per_staff_member(make_app, token):
    client = make_app(rate_limit_actor_per_min=3).test_client()
    me = {"Authorization": f"Bearer {token(staff_id='s-1')}"}
    colleague = {"Authorization": f"Bearer {token(staff_id='s-2')}"}
    fresh_window()

    mine = [client.get("/api/v1/me", headers=me).status_code for _ in range(4)]
    theirs = client.get("/api/v1/me", headers=colleague)

    assert mine == [200, 200, 200, 429]
    assert theirs.status_code == 200


def test_h1_ops_endpoints_are_not_rate_limited(make_app):
    client = make_app(rate_limit_actor_per_min=1, rate_limit_public_per_min=1).test_client()

    assert {client.get("/healthz").status_code for _ in range(5)} == {200}


def test_h1_rate_window_resets_and_keys_expire(redis_client):
    prefix = f"gwtest-{uuid.uuid4().hex[:10]}:"
    now = [6_000_020.0]  # 20 s into a window (6_000_000 is a multiple of 60)
    limiter = RateLimiter(redis_client, Keys(prefix, "gateway"), clock=lambda: now[0])
    try:
        verdicts = [limiter.hit("ip:1.2.3.4", 2) for _ in range(3)]
        now[0] += 40  # the next window
        after = limiter.hit("ip:1.2.3.4", 2)

        assert [v.allowed for v in verdicts] == [True, True, False]
        assert verdicts[2].retry_after == 40
        assert after.allowed and after.count == 1
        keys = list(redis_client.scan_iter(match=f"{prefix}*"))
        assert len(keys) == 2 and all(0 < redis_client.ttl(k) <= 120 for k in keys)
    finally:
        delete_redis_prefix(redis_client, prefix)
