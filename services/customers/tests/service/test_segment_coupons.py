"""C4 coupon behaviour against PostgreSQL: the read model fed by the coupons service's events
(idempotent, right whatever order they arrive in) and the coupon conditions of a segment,
alone, with other conditions, as of a time and within one tenant."""

import uuid
from datetime import timedelta

import pytest
from customer_testkit import NOW, phone, staff
from sqlalchemy import select

from crmkit.events import Event
from crmkit.paging import Page
from customers import service
from customers.domain.registration import RegisterCustomer
from customers.domain.segments import SegmentFilter
from customers.handlers import (
    on_coupon_expiring,
    on_coupon_issued,
    on_coupon_redeemed,
    on_coupon_redemption_released,
)
from customers.models import CustomerCouponRow
from customers.service import segment_members, segments

DAY = timedelta(days=1)


def register(db, actor, *, level=""):
    cmd = RegisterCustomer(
        name=f"C{uuid.uuid4().hex[:6]}", phone=phone(uuid.uuid4().int % 10000), fields={}, level=level
    )
    return service.register_customer(db.uow(), actor, cmd, now=NOW - 100 * DAY)


def event(tenant, type, data, *, at=NOW):
    return Event(type=type, source="coupons", tenant_id=tenant, data=data, occurred_at=at)


def issued(tenant, coupon_id, customer_id, *, template="tpl-a", days_ago=10, valid_days=30):
    at = NOW - days_ago * DAY
    data = {
        "coupon_id": coupon_id,
        "code": "C" + coupon_id[:8],
        "template_id": template,
        "template_name": "满100减10",
        "customer_id": customer_id,
        "phone": "13800000000",
        "channel": "send",
        "valid_until": (at + valid_days * DAY).isoformat(),
    }
    return event(tenant, "coupon_issued", data, at=at)


def redeemed(tenant, coupon_id, customer_id, *, template="tpl-a", days_ago=1, order_id=None):
    data = {
        "coupon_id": coupon_id,
        "code": "C" + coupon_id[:8],
        "template_id": template,
        "customer_id": customer_id,
        "order_id": order_id if order_id is not None else uuid.uuid4().hex,
        "store_id": "store-1",
        "discount_fen": 1000,
    }
    return event(tenant, "coupon_redeemed", data, at=NOW - days_ago * DAY)


def released(tenant, coupon_id, order_id, *, template="tpl-a", days_ago=0.5):
    data = {"coupon_id": coupon_id, "code": "C" + coupon_id[:8], "template_id": template, "order_id": order_id}
    return event(tenant, "coupon_redemption_released", data, at=NOW - days_ago * DAY)


def give(db, tenant, customer_id, **kw) -> str:
    coupon_id = uuid.uuid4().hex
    assert on_coupon_issued(db.uow(), issued(tenant, coupon_id, customer_id, **kw)) is True
    return coupon_id


def ids(db, actor, f, *, as_of=NOW):
    return {
        m.id for m in segment_members.evaluate_segment(db.uow(), actor, Page(1, 100), filter=f, as_of=as_of).members
    }


def row(db, tenant, coupon_id):
    with db.uow() as uow:
        k = CustomerCouponRow
        return uow.session.execute(
            select(k.customer_id, k.template_id, k.issued_at, k.valid_until, k.redeemed_at, k.redeemed_order_id).where(
                k.tenant_id == tenant, k.coupon_id == coupon_id
            )
        ).one()


UNUSED = SegmentFilter(coupons_unused_min=1)
REDEEMED_30 = SegmentFilter(coupon_redeemed_within_days=30)


def test_c4_coupon_events_feed_the_read_model_once(db, tenant):
    owner = staff(tenant, "owner")
    c = register(db, owner)
    coupon_id = uuid.uuid4().hex
    evt = issued(tenant, coupon_id, c.id)
    assert on_coupon_issued(db.uow(), evt) is True
    # H3: a redelivery changes nothing (and says so).
    assert on_coupon_issued(db.uow(), evt) is False
    use = redeemed(tenant, coupon_id, c.id, order_id="o-1")
    assert on_coupon_redeemed(db.uow(), use) is True
    assert on_coupon_redeemed(db.uow(), use) is False
    stored = row(db, tenant, coupon_id)
    assert (stored.customer_id, stored.template_id, stored.redeemed_order_id) == (c.id, "tpl-a", "o-1")
    assert stored.issued_at == NOW - 10 * DAY and stored.valid_until == NOW + 20 * DAY
    assert stored.redeemed_at == NOW - DAY
    assert ids(db, owner, UNUSED) == set()
    assert ids(db, owner, REDEEMED_30) == {c.id}


def test_c4_redemption_before_its_issue_still_ends_redeemed(db, tenant):
    owner = staff(tenant, "owner")
    c = register(db, owner)
    coupon_id = uuid.uuid4().hex
    assert on_coupon_redeemed(db.uow(), redeemed(tenant, coupon_id, c.id, order_id="o-1")) is True
    assert on_coupon_issued(db.uow(), issued(tenant, coupon_id, c.id)) is True
    stored = row(db, tenant, coupon_id)
    assert stored.redeemed_at == NOW - DAY and stored.valid_until == NOW + 20 * DAY
    assert ids(db, owner, UNUSED) == set()
    assert ids(db, owner, REDEEMED_30) == {c.id}


def test_c4_released_redemption_makes_the_coupon_unused_again_in_any_order(db, tenant):
    owner = staff(tenant, "owner")
    in_order, release_first, late_old = (register(db, owner) for _ in range(3))
    # In order: issued, redeemed on o-1, released (o-1 never placed).
    a = give(db, tenant, in_order.id)
    on_coupon_redeemed(db.uow(), redeemed(tenant, a, in_order.id, order_id="o-1"))
    assert on_coupon_redemption_released(db.uow(), released(tenant, a, "o-1")) is True
    # The release arrives before the redemption it gives back, and before the issue.
    b = uuid.uuid4().hex
    assert on_coupon_redemption_released(db.uow(), released(tenant, b, "o-2")) is True
    on_coupon_redeemed(db.uow(), redeemed(tenant, b, release_first.id, order_id="o-2"))
    on_coupon_issued(db.uow(), issued(tenant, b, release_first.id))
    # Redeemed on o-3, released, redeemed again on o-4; the events of o-3 arrive last.
    d = give(db, tenant, late_old.id)
    on_coupon_redeemed(db.uow(), redeemed(tenant, d, late_old.id, order_id="o-4", days_ago=0.25))
    on_coupon_redemption_released(db.uow(), released(tenant, d, "o-3", days_ago=0.5))
    on_coupon_redeemed(db.uow(), redeemed(tenant, d, late_old.id, order_id="o-3", days_ago=1))
    assert (row(db, tenant, d).redeemed_order_id, row(db, tenant, d).redeemed_at) == ("o-4", NOW - 0.25 * DAY)
    assert ids(db, owner, UNUSED) == {in_order.id, release_first.id}
    assert ids(db, owner, REDEEMED_30) == {late_old.id}


def test_c4_coupons_without_a_customer_and_malformed_events_are_acknowledged(db, tenant):
    by_phone = issued(tenant, uuid.uuid4().hex, "")
    assert on_coupon_issued(db.uow(), by_phone) is False
    printed = redeemed(tenant, uuid.uuid4().hex, None)
    assert on_coupon_redeemed(db.uow(), printed) is False
    bad = event(tenant, "coupon_issued", {"coupon_id": "x", "customer_id": "c", "template_id": "t"})
    assert on_coupon_issued(db.uow(), bad) is False  # no valid_until
    naive = issued(tenant, uuid.uuid4().hex, "c-1")
    naive.data["valid_until"] = "2026-02-01T00:00:00"
    assert on_coupon_issued(db.uow(), naive) is False
    with db.uow() as uow:
        assert uow.session.scalars(select(CustomerCouponRow).where(CustomerCouponRow.tenant_id == tenant)).all() == []


def test_c4_expiry_reminder_makes_an_earlier_coupon_known(db, tenant):
    """Coupons issued before the read model existed are learnt from their expiry reminder."""
    owner = staff(tenant, "owner")
    c = register(db, owner)
    coupon_id = uuid.uuid4().hex
    data = {
        "coupon_id": coupon_id,
        "code": "X1",
        "template_id": "tpl-old",
        "template_name": "老券",
        "customer_id": c.id,
        "phone": "13800000000",
        "valid_until": (NOW + 3 * DAY).isoformat(),
    }
    assert on_coupon_expiring(db.uow(), event(tenant, "coupon_expiring", data)) is True
    assert ids(db, owner, UNUSED) == {c.id}
    # A reminder never undoes what the issue said.
    other = give(db, tenant, c.id, valid_days=5)
    data.update(coupon_id=other, valid_until=(NOW + 99 * DAY).isoformat())
    on_coupon_expiring(db.uow(), event(tenant, "coupon_expiring", data))
    assert row(db, tenant, other).valid_until == NOW - 5 * DAY
    assert row(db, tenant, other).template_id == "tpl-a"


def test_c4_holds_at_least_n_unused_coupons_of_some_templates(db, tenant):
    owner = staff(tenant, "owner")
    two, one, expired, used, none = (register(db, owner) for _ in range(5))
    give(db, tenant, two.id)
    give(db, tenant, two.id, template="tpl-b")
    give(db, tenant, one.id, template="tpl-b")
    give(db, tenant, expired.id, days_ago=40, valid_days=30)  # ran out 10 days ago
    spent = give(db, tenant, used.id)
    on_coupon_redeemed(db.uow(), redeemed(tenant, spent, used.id))
    assert ids(db, owner, UNUSED) == {two.id, one.id}
    assert ids(db, owner, SegmentFilter(coupons_unused_min=2)) == {two.id}
    assert ids(db, owner, SegmentFilter(coupons_unused_min=1, coupon_template_ids=("tpl-a",))) == {two.id}
    assert ids(db, owner, SegmentFilter(coupons_unused_min=2, coupon_template_ids=("tpl-b",))) == set()
    # As of 15 days earlier: the expired one was still valid, the redeemed one not yet used,
    # and the coupons issued 10 days ago did not exist yet.
    assert ids(db, owner, UNUSED, as_of=NOW - 15 * DAY) == {expired.id}
    assert ids(db, owner, UNUSED, as_of=NOW - 5 * DAY) == {two.id, one.id, used.id}
    assert none.id not in ids(db, owner, UNUSED, as_of=NOW - 5 * DAY)


def test_c4_redeemed_within_and_none_redeemed_within_n_days(db, tenant):
    owner = staff(tenant, "owner")
    recent, old, never, holder = (register(db, owner) for _ in range(4))
    a = give(db, tenant, recent.id)
    on_coupon_redeemed(db.uow(), redeemed(tenant, a, recent.id, days_ago=3))
    b = give(db, tenant, old.id, days_ago=100, valid_days=90, template="tpl-b")
    on_coupon_redeemed(db.uow(), redeemed(tenant, b, old.id, days_ago=60, template="tpl-b"))
    give(db, tenant, holder.id)
    assert ids(db, owner, REDEEMED_30) == {recent.id}
    assert ids(db, owner, SegmentFilter(coupon_redeemed_within_days=90)) == {recent.id, old.id}
    assert ids(db, owner, SegmentFilter(coupon_redeemed_within_days=90, coupon_template_ids=("tpl-b",))) == {old.id}
    assert ids(db, owner, SegmentFilter(no_coupon_redeemed_within_days=30)) == {old.id, never.id, holder.id}
    # Redeemed within 90 days but not within the last 30: lapsed coupon users.
    lapsed = SegmentFilter(coupon_redeemed_within_days=90, no_coupon_redeemed_within_days=30)
    assert ids(db, owner, lapsed) == {old.id}
    # Coupon-insensitive: holds an unused coupon, redeemed none in 30 days.
    insensitive = SegmentFilter(coupons_unused_min=1, no_coupon_redeemed_within_days=30)
    assert ids(db, owner, insensitive) == {holder.id}
    # A redemption after `as_of` is not "within the last N days" of it.
    assert ids(db, owner, REDEEMED_30, as_of=NOW - 10 * DAY) == set()


def test_c4_coupon_conditions_combine_with_profile_and_stay_in_the_tenant(db, tenant):
    owner, seller = staff(tenant, "owner"), staff(tenant, "salesperson")
    gold, silver = register(db, owner, level="gold"), register(db, owner, level="silver")
    mine = register(db, seller, level="gold")
    for c in (gold, silver, mine):
        give(db, tenant, c.id)
    gold_holders = SegmentFilter(coupons_unused_min=1, levels=("gold",))
    assert ids(db, owner, gold_holders) == {gold.id, mine.id}
    # The caller's visibility is one more condition of the same statement.
    assert ids(db, seller, gold_holders) == {mine.id}
    # Another tenant's events about the same customer ids change nothing here, and ours
    # nothing there.
    other = f"t-{uuid.uuid4().hex[:12]}"
    spent = give(db, other, silver.id)
    on_coupon_redeemed(db.uow(), redeemed(other, spent, silver.id))
    assert ids(db, owner, REDEEMED_30) == set()
    assert ids(db, staff(other, "owner"), UNUSED) == set()


def test_c4_coupon_segment_is_saved_and_streamed(db, tenant):
    from crmkit.auth import SERVICE, Actor

    owner = staff(tenant, "owner")
    holder, _ = register(db, owner), register(db, owner)
    give(db, tenant, holder.id)
    saved = segments.create_segment(
        db.uow(), owner, segments.SaveSegment("有券未用", SegmentFilter(coupons_unused_min=1)), now=NOW
    )
    assert segments.get_segment(db.uow(), owner, saved.id).filter == SegmentFilter(coupons_unused_min=1)
    svc = Actor(kind=SERVICE, subject_id="coupons", tenant_id=tenant)
    assert [m.id for m in segment_members.stream_segment_members(db.uow(), svc, segment_id=saved.id, as_of=NOW)] == [
        holder.id
    ]


def test_c4_coupon_read_model_and_conditions_run_on_sqlite(tmp_path):
    """The embedded mode keeps the read model on SQLite: same upserts, same query."""
    from crmkit.settings import Settings
    from customers import migrate
    from customers.server import build

    url = f"sqlite:///{tmp_path}/customers.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = build(Settings(service="customers", database_url=url))
    try:
        db, owner = runtime.db, staff("t1", "owner")
        holder, user, both = (register(db, owner) for _ in range(3))
        give(db, "t1", holder.id)
        give(db, "t1", both.id)
        give(db, "t1", both.id)
        spent = uuid.uuid4().hex
        # Out of order on SQLite too: released, redeemed (given back), redeemed again, issued.
        on_coupon_redemption_released(db.uow(), released("t1", spent, "o-1", days_ago=2))
        on_coupon_redeemed(db.uow(), redeemed("t1", spent, user.id, order_id="o-1", days_ago=3))
        assert row(db, "t1", spent).redeemed_at is None
        on_coupon_redeemed(db.uow(), redeemed("t1", spent, user.id, order_id="o-2", days_ago=1))
        on_coupon_issued(db.uow(), issued("t1", spent, user.id))
        assert ids(db, owner, UNUSED) == {holder.id, both.id}
        assert ids(db, owner, SegmentFilter(coupons_unused_min=2)) == {both.id}
        assert ids(db, owner, REDEEMED_30) == {user.id}
        assert ids(db, owner, SegmentFilter(coupons_unused_min=1, no_coupon_redeemed_within_days=30)) == {
            holder.id,
            both.id,
        }
    finally:
        runtime.close()


@pytest.mark.parametrize("name", ["coupon_issued", "coupon_redeemed", "coupon_redemption_released", "coupon_expiring"])
def test_c4_every_coupon_event_is_subscribed(name, db):
    from customers.subscriptions import subscriptions

    assert ("coupons", name) in subscriptions(db)


def test_c4_coupon_conditions_survive_the_grpc_filter():
    from customers.grpc_api_segments import filter_from_proto, filter_to_proto

    f = SegmentFilter(
        coupons_unused_min=3,
        coupon_template_ids=("tpl-a",),
        coupon_redeemed_within_days=60,
        no_coupon_redeemed_within_days=7,
    )
    assert filter_from_proto(filter_to_proto(f)) == f
    assert filter_from_proto(filter_to_proto(SegmentFilter())) == SegmentFilter()
