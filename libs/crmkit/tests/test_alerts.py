"""F4 / ADR 0016: the alert stream of one staff member, on real Redis and on the embedded mode's
stand-in (the journaled fakeredis) alike: ids increase, reads are exclusive of the cursor, the
stream is bounded and expires, each person and tenant reads only their own key."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
import redis

from crmkit import testing
from crmkit.alerts import START, AlertDraft, AlertFeed, is_cursor
from crmkit.local_redis import journaled_server

AT = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


@pytest.fixture(params=["redis", "stand-in"])
def client(request, tmp_path):
    if request.param == "redis":
        real = redis.Redis.from_url(testing.REDIS_URL, decode_responses=True)
        yield real
        real.close()
    else:
        import fakeredis

        yield fakeredis.FakeRedis(server=journaled_server(tmp_path / "redis.journal"), decode_responses=True)


@pytest.fixture
def feed(client):
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    yield AlertFeed(client, prefix, max_length=5, ttl_seconds=60)
    testing.delete_redis_prefix(client, prefix)


def draft(n: int, *, tenant="t1", staff="s1") -> AlertDraft:
    return AlertDraft(
        tenant_id=tenant,
        staff_id=staff,
        notification_id=f"n{n}",
        kind="article_opened",
        title_key="notification.article_opened",
        params={"visitor": "小王", "title": f"文章{n}"},
        subject=f"article:a{n}",
        created_at=AT,
    )


def test_f4_alerts_after_a_cursor_come_in_order_and_exclude_it(feed):
    assert feed.latest("t1", "s1") == START
    first, second, third = feed.push([draft(1), draft(2), draft(3)])
    assert all(is_cursor(i) for i in (first, second, third))
    alerts = feed.after("t1", "s1", START)
    assert [a.id for a in alerts] == [first, second, third]
    assert alerts[0].params == {"visitor": "小王", "title": "文章1"}
    assert (alerts[0].notification_id, alerts[0].subject, alerts[0].created_at) == ("n1", "article:a1", AT)
    assert [a.notification_id for a in feed.after("t1", "s1", first)] == ["n2", "n3"]
    assert feed.after("t1", "s1", third) == []
    assert feed.latest("t1", "s1") == third
    assert [a.notification_id for a in feed.after("t1", "s1", START, limit=2)] == ["n1", "n2"]


def test_f4_each_person_reads_only_their_own_stream(feed):
    feed.push([draft(1, staff="s1"), draft(2, staff="s2"), draft(3, tenant="t2", staff="s1")])
    assert [a.notification_id for a in feed.after("t1", "s1", START)] == ["n1"]
    assert [a.notification_id for a in feed.after("t1", "s2", START)] == ["n2"]
    assert [a.notification_id for a in feed.after("t2", "s1", START)] == ["n3"]


def test_f4_the_stream_is_bounded_and_expires(feed, client):
    ids = feed.push([draft(n) for n in range(8)])
    kept = feed.after("t1", "s1", START)
    assert [a.id for a in kept] == ids[-5:]
    ttl = client.ttl(feed.key("t1", "s1"))
    assert 0 < ttl <= 60
    # An old cursor still reads what is left after it.
    assert [a.id for a in feed.after("t1", "s1", ids[0])] == ids[-5:]


def test_f4_a_restarted_stream_stays_after_old_cursors(feed, client):
    (old,) = feed.push([draft(1)])
    client.delete(feed.key("t1", "s1"))  # what its TTL does, an hour after the last alert
    # A new stream's first id is the clock's millisecond: an expired stream's is long past (here
    # a few milliseconds stand for the hour).
    time.sleep(0.005)
    (new,) = feed.push([draft(2)])
    assert [a.id for a in feed.after("t1", "s1", old)] == [new]


def test_f4_a_cursor_must_be_a_stream_id(feed):
    for bad in ("", "abc", "1-", "-1", "1-2-3", "99999999999999999999999-0"):
        assert not is_cursor(bad)
        with pytest.raises(ValueError):
            feed.after("t1", "s1", bad)
