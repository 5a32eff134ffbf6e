"""D2 F4 + H3: a reader opening a salesperson's shared article becomes one inbox notification and
one real-time alert for that salesperson, however often the broker delivers the event; the alert
is in the salesperson's own stream of their own tenant (real PostgreSQL, real Redis)."""

import json
import threading

import redis
from messaging_testkit import ref
from prometheus_client import REGISTRY
from sqlalchemy import select

from crmkit.alerts import START, AlertFeed
from crmkit.events import Event
from messaging.handlers import on_article_opened
from messaging.models import Notification
from messaging.subscriptions import subscriptions


def opened(tenant_id, *, sharer="s1", nickname="", depth=0, first_visit=True, article_id=None):
    data = {
        "article_id": article_id or ref("a"),
        "title": "春季订货会邀请",
        "share_id": ref("sh"),
        "sharer_staff_id": sharer,
        "method": "link",
        "depth": depth,
        "forwarded_by_visitor_id": "",
        "visitor_id": ref("v"),
        "nickname": nickname,
        "first_visit": first_visit,
        "view_id": ref("w"),
    }
    return Event(type="article_opened", source="marketing", tenant_id=tenant_id, data=data)


def inbox(db, tenant_id):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Notification).where(Notification.tenant_id == tenant_id)).all()
        return [(r.id, r.recipient_staff_id, r.kind, r.title_key, r.subject, json.loads(r.params)) for r in rows]


def alerts_failed() -> float:
    return REGISTRY.get_sample_value("crm_messaging_alerts_total", {"outcome": "failed"}) or 0.0


def test_d2_an_opened_article_makes_one_notification_and_one_alert_even_when_delivered_twice(db, alerts):
    tenant = ref("t")
    evt = opened(tenant, nickname="老王", depth=1, article_id="a1")
    # the broker delivers the event, then delivers it again
    assert on_article_opened(db.uow(), evt, alerts=alerts) == 1
    assert on_article_opened(db.uow(), evt, alerts=alerts) == 0
    [(notification_id, who, kind, title_key, subject, params)] = inbox(db, tenant)
    assert (who, kind, title_key, subject) == (
        "s1",
        "article_opened",
        "notification.article_opened_forwarded",
        "article:a1",
    )
    assert (params["visitor"], params["title"], params["depth"]) == ("老王", "春季订货会邀请", "1")
    [alert] = alerts.after(tenant, "s1", START)
    assert (alert.notification_id, alert.kind, alert.title_key, alert.subject) == (
        notification_id,
        "article_opened",
        "notification.article_opened_forwarded",
        "article:a1",
    )
    assert alert.params == params


def test_h3_concurrent_deliveries_alert_once(db, alerts):
    tenant = ref("t")
    evt = opened(tenant)
    barrier = threading.Barrier(5)
    written = []

    def handle():
        barrier.wait()
        written.append(on_article_opened(db.uow(), evt, alerts=alerts))

    threads = [threading.Thread(target=handle) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(written) == [0, 0, 0, 0, 1]
    assert len(inbox(db, tenant)) == 1
    assert len(alerts.after(tenant, "s1", START)) == 1


def test_d2_only_the_sharer_of_that_tenant_hears_of_it(db, alerts):
    tenant, other = ref("t"), ref("t")
    on_article_opened(db.uow(), opened(tenant, sharer="s1"), alerts=alerts)
    assert [a.kind for a in alerts.after(tenant, "s1", START)] == ["article_opened"]
    assert alerts.after(tenant, "s2", START) == []
    assert alerts.after(other, "s1", START) == []


def test_d2_without_redis_the_notification_still_reaches_the_inbox(db):
    # a Redis nobody listens on: the alert cannot be written, the event is handled all the same
    # (it is claimed with its notification; a redelivery would change nothing)
    down = AlertFeed(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2), "test-down:")
    tenant = ref("t")
    failed_before = alerts_failed()
    assert on_article_opened(db.uow(), opened(tenant), alerts=down) == 1
    assert len(inbox(db, tenant)) == 1
    assert alerts_failed() == failed_before + 1


def test_d2_a_malformed_event_is_acknowledged_without_effect(db, alerts):
    tenant = ref("t")
    evt = Event(type="article_opened", source="marketing", tenant_id=tenant, data={"title": "x"})
    assert on_article_opened(db.uow(), evt, alerts=alerts) == 0
    assert inbox(db, tenant) == []


def test_d2_article_opened_is_subscribed(db, alerts):
    routes = subscriptions(db, identity_client=None, customers_client=None, alerts=alerts)
    tenant = ref("t")
    routes[("marketing", "article_opened")](opened(tenant, sharer="s7"))
    assert [row[1] for row in inbox(db, tenant)] == ["s7"]
    assert [a.kind for a in alerts.after(tenant, "s7", START)] == ["article_opened"]
