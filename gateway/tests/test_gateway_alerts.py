"""F4 (ADR 0016): GET /api/v1/alerts answers a staff member's own real-time alerts from Redis
alone: a cursor to start from, then what came after it, titles in the caller's language; nobody
else's, no service asked, bad cursors named, its own rate-limit bucket."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
import redis

from crmkit.alerts import AlertDraft, AlertFeed

AT = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


def opened(staff_id="s-1", tenant_id="t-1", n=1, **params) -> AlertDraft:
    return AlertDraft(
        tenant_id=tenant_id,
        staff_id=staff_id,
        notification_id=f"n-{n}",
        kind="article_opened",
        title_key="notification.article_opened_forwarded",
        params={"visitor": "老王", "title": f"春季订货会{n}", **params},
        subject=f"article:a-{n}",
        created_at=AT,
    )


@pytest.fixture
def feed(app) -> AlertFeed:
    """The streams as messaging writes them: the app's own Redis and prefix."""
    return app.extensions["gateway"].alerts


def poll(client, auth, after=None, **headers):
    url = "/api/v1/alerts" if after is None else f"/api/v1/alerts?after={after}"
    return client.get(url, headers={**auth, **headers})


def test_f4_an_app_starts_from_now_then_reads_what_came_after(client, auth, feed, fakes):
    feed.push([opened(n=1)])
    start = poll(client, auth)
    assert start.status_code == 200, start.get_json()
    body = start.get_json()
    # what happened before the app opened is in the inbox, not replayed as alerts
    assert body["alerts"] == []
    cursor = body["cursor"]

    ids = feed.push([opened(n=2), opened(n=3)])
    answer = poll(client, auth, cursor).get_json()
    assert [a["id"] for a in answer["alerts"]] == ids
    assert answer["cursor"] == ids[-1]
    first = answer["alerts"][0]
    assert first == {
        "id": ids[0],
        "notification_id": "n-2",
        "kind": "article_opened",
        "title": "「老王」通过转发查看了您分享的文章《春季订货会2》",
        "params": {"visitor": "老王", "title": "春季订货会2"},
        "subject": "article:a-2",
        "created_at": "2026-05-01T08:30:00+00:00",
    }
    # nothing new: the same cursor comes back
    assert poll(client, auth, ids[-1]).get_json() == {"alerts": [], "cursor": ids[-1]}
    # answered from Redis alone
    assert all(not fake.rec.calls for fake in fakes.values())


def test_f4_an_empty_stream_starts_at_zero(client, auth):
    assert poll(client, auth).get_json() == {"alerts": [], "cursor": "0-0"}
    assert poll(client, auth, "0-0").get_json() == {"alerts": [], "cursor": "0-0"}


def test_f4_titles_follow_accept_language_and_unknown_keys_never_leak(client, auth, feed):
    feed.push([opened(n=1)])
    feed.push([AlertDraft("t-1", "s-1", "n-9", "future_kind", "notification.not_yet_known", {}, "", AT)])
    english = poll(client, auth, "0-0", **{"Accept-Language": "en"}).get_json()["alerts"]
    assert [a["title"] for a in english] == [
        "老王 opened the article you shared, through a forward: 春季订货会1",
        "You have a new notification",
    ]


def test_f4_each_person_reads_only_their_own_alerts(client, token, feed):
    feed.push([opened(staff_id="s-2", n=1), opened(tenant_id="t-2", n=2), opened(n=3)])
    mine = poll(client, {"Authorization": f"Bearer {token()}"}, "0-0").get_json()["alerts"]
    colleague = poll(client, {"Authorization": f"Bearer {token(staff_id='s-2')}"}, "0-0").get_json()["alerts"]
    elsewhere = poll(client, {"Authorization": f"Bearer {token(tenant_id='t-2')}"}, "0-0").get_json()["alerts"]
    assert [a["notification_id"] for a in mine] == ["n-3"]
    assert [a["notification_id"] for a in colleague] == ["n-1"]
    assert [a["notification_id"] for a in elsewhere] == ["n-2"]


def test_f4_a_long_way_behind_reads_twenty_at_a_time(client, auth, feed):
    ids = feed.push([opened(n=n) for n in range(25)])
    first = poll(client, auth, "0-0").get_json()
    assert len(first["alerts"]) == 20 and first["cursor"] == ids[19]
    rest = poll(client, auth, first["cursor"]).get_json()
    assert [a["id"] for a in rest["alerts"]] == ids[20:]


@pytest.mark.parametrize("bad", ["abc", "1-", "12", "1-2-3", "9" * 20 + "-0", "-1-0"])
def test_f4_a_bad_cursor_is_named(client, auth, bad):
    response = poll(client, auth, bad)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["fields"]) == ("INVALID_INPUT", {"after": "内容无效"})


def test_f4_alerts_are_for_staff_with_a_valid_token(client, issuer):
    assert client.get("/api/v1/alerts").status_code == 401
    customer = issuer.issue(kind="customer", subject_id="c-1", tenant_id="t-1", ttl=timedelta(minutes=5))[0]
    refused = client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {customer}"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "STAFF_ONLY"


def test_f4_polling_has_its_own_rate_limit_bucket(make_app, auth):
    client = make_app(rate_limit_alerts_per_min=3, rate_limit_actor_per_min=5).test_client()
    assert [poll(client, auth).status_code for _ in range(3)] == [200, 200, 200]
    limited = poll(client, auth)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    # the person's work is not held up by their polling
    assert client.get("/api/v1/notifications", headers=auth).status_code == 200


def test_f4_redis_down_is_a_503_to_retry(make_app, auth, redis_client):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = AlertFeed(redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2), "gw-down:")
    client = make_app(alerts=down).test_client()
    response = poll(client, auth, "0-0")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "SERVICE_UNAVAILABLE"
