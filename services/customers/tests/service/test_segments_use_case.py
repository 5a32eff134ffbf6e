"""C4 against PostgreSQL: the buying-behaviour read model fed by orders events (idempotent),
and segments compiled to one query, evaluated within the caller's visibility."""

import uuid
from datetime import timedelta

import pytest
from customer_testkit import NOW, phone, staff
from sqlalchemy import select, update

from crmkit.auth import SERVICE, Actor
from crmkit.errors import AlreadyExists, Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.events import Event
from crmkit.paging import Page
from customers import service
from customers.domain.fields import CHOICE, NUMBER
from customers.domain.registration import RegisterCustomer
from customers.domain.segments import FieldCondition, SegmentFilter, sleeping_members
from customers.handlers import on_order_approved, on_return_refunded
from customers.models import CustomerRow, CustomerTagRow, PurchaseDayRow, SegmentRow
from customers.service import segment_members, segments
from customers.service.fields import DefineCustomerField
from customers.service.segments import SaveSegment

DAY = timedelta(days=1)


def register(db, actor, *, days_ago=100, level="", fields=None, owner=""):
    cmd = RegisterCustomer(
        name=f"C{uuid.uuid4().hex[:6]}",
        phone=phone(uuid.uuid4().int % 10000),
        fields=fields or {},
        level=level,
        owner_staff_id=owner,
    )
    return service.register_customer(db.uow(), actor, cmd, now=NOW - days_ago * DAY)


def order(db, tenant, customer_id, total, *, days_ago, lines=(), event_id=None):
    evt = Event(
        type="order_approved",
        source="orders",
        tenant_id=tenant,
        data={
            "order_id": uuid.uuid4().hex,
            "customer_id": customer_id,
            "total_fen": total,
            "approved_at": (NOW - days_ago * DAY).isoformat(),
            "lines": [
                {"product_id": p, "brand": b, "quantity": 1, "amount_fen": total, "category_id": ""} for p, b in lines
            ],
        },
        **({"event_id": event_id} if event_id else {}),
    )
    return on_order_approved(db.uow(), evt)


def ids(db, actor, f=None, *, segment_id="", as_of=NOW, page=Page(1, 100)):
    result = segment_members.evaluate_segment(db.uow(), actor, page, segment_id=segment_id, filter=f, as_of=as_of)
    assert result.total == len(result.members) or page.page_size < result.total
    return {m.id for m in result.members}


def svc(tenant):
    return Actor(kind=SERVICE, subject_id="marketing", tenant_id=tenant)


def test_c4_order_event_feeds_the_read_model_once(db, tenant):
    owner = staff(tenant, "owner")
    c = register(db, owner)
    event_id = uuid.uuid4().hex
    assert order(db, tenant, c.id, 5000, days_ago=3, lines=[("p1", "康师傅")], event_id=event_id) is True
    # H3: the same event again changes nothing.
    assert order(db, tenant, c.id, 5000, days_ago=3, lines=[("p1", "康师傅")], event_id=event_id) is False
    # An older order arriving late never moves the last purchase back.
    order(db, tenant, c.id, 700, days_ago=10)
    with db.uow() as uow:
        last = uow.session.scalar(select(CustomerRow.last_order_at).where(CustomerRow.id == c.id))
        days = uow.session.execute(
            select(PurchaseDayRow.day, PurchaseDayRow.order_count, PurchaseDayRow.amount_fen)
            .where(PurchaseDayRow.tenant_id == tenant)
            .order_by(PurchaseDayRow.day)
        ).all()
    assert last == NOW - 3 * DAY
    assert [(n, a) for _, n, a in days] == [(1, 700), (1, 5000)]


def test_c4_refund_nets_out_of_the_amount_but_not_the_count(db, tenant):
    owner = staff(tenant, "owner")
    c = register(db, owner)
    order(db, tenant, c.id, 5000, days_ago=3)
    refund = Event(
        type="return_refunded",
        source="orders",
        tenant_id=tenant,
        data={"return_id": "r1", "customer_id": c.id, "total_fen": 2000, "refunded_at": (NOW - DAY).isoformat()},
    )
    assert on_return_refunded(db.uow(), refund) is True
    assert on_return_refunded(db.uow(), refund) is False
    spent_4000 = SegmentFilter(min_amount_fen=4000, period_days=30)
    spent_3000 = SegmentFilter(min_amount_fen=3000, min_order_count=1, period_days=30)
    assert ids(db, owner, spent_4000) == set()
    assert ids(db, owner, spent_3000) == {c.id}


def test_c4_malformed_event_is_acknowledged_and_ignored(db, tenant):
    evt = Event(type="order_approved", source="orders", tenant_id=tenant, data={"total_fen": 1})
    assert on_order_approved(db.uow(), evt) is False


def test_c4_sleeping_members_are_exactly_those_without_a_purchase_in_n_days(db, tenant):
    owner = staff(tenant, "owner")
    recent, old, never, newcomer = (register(db, owner) for _ in range(4))
    with db.uow() as uow:
        # A customer registered 5 days ago has had no chance to buy yet: new, not asleep.
        uow.session.execute(update(CustomerRow).where(CustomerRow.id == newcomer.id).values(created_at=NOW - 5 * DAY))
        uow.commit()
    order(db, tenant, recent.id, 1000, days_ago=2)
    order(db, tenant, old.id, 1000, days_ago=45)
    assert ids(db, owner, sleeping_members(30)) == {old.id, never.id}
    # As of 60 days later everybody is asleep, the newcomer too.
    assert ids(db, owner, sleeping_members(30), as_of=NOW + 60 * DAY) == {recent.id, old.id, never.id, newcomer.id}


def test_c4_spend_and_count_over_a_period(db, tenant):
    owner = staff(tenant, "owner")
    big, small, lapsed, never = (register(db, owner) for _ in range(4))
    order(db, tenant, big.id, 60000, days_ago=10)
    order(db, tenant, big.id, 50000, days_ago=40)
    order(db, tenant, small.id, 20000, days_ago=5)
    order(db, tenant, lapsed.id, 900000, days_ago=400)
    assert ids(db, owner, SegmentFilter(min_amount_fen=100000, period_days=90)) == {big.id}
    assert ids(db, owner, SegmentFilter(min_amount_fen=50000, period_days=30)) == {big.id}
    assert ids(db, owner, SegmentFilter(min_order_count=2, period_days=90)) == {big.id}
    # Upper bounds keep customers who bought nothing in the period (count 0).
    assert ids(db, owner, SegmentFilter(max_order_count=1, period_days=90)) == {small.id, lapsed.id, never.id}
    everything = SegmentFilter(min_amount_fen=100000)
    assert ids(db, owner, everything) == {big.id, lapsed.id}
    from_to = SegmentFilter(min_order_count=1, period_from=(NOW - 41 * DAY).date(), period_to=(NOW - 39 * DAY).date())
    assert ids(db, owner, from_to) == {big.id}
    # "Sleeping and spent over X": the P3 segment.
    sleeping_spenders = SegmentFilter(no_purchase_days=30, min_amount_fen=100000, period_days=730)
    assert ids(db, owner, sleeping_spenders) == {lapsed.id}


def test_c4_products_brands_tags_levels_regions_and_fields(db, tenant):
    owner = staff(tenant, "owner")
    define = DefineCustomerField
    service.define_customer_field(
        db.uow(), owner, define(key="shop_type", label="类型", kind=CHOICE, options=("超市", "便利店")), now=NOW
    )
    service.define_customer_field(db.uow(), owner, define(key="area", label="面积", kind=NUMBER), now=NOW)
    a = register(db, owner, level="gold", fields={"shop_type": "超市", "area": "120"})
    b = register(db, owner, level="silver", fields={"shop_type": "便利店", "area": "30"})
    order(db, tenant, a.id, 100, days_ago=2, lines=[("milk", "伊利")])
    order(db, tenant, b.id, 100, days_ago=200, lines=[("noodle", "康师傅")])
    with db.uow() as uow:
        uow.session.execute(update(CustomerRow).where(CustomerRow.id == a.id).values(region="310104"))
        uow.session.execute(update(CustomerRow).where(CustomerRow.id == b.id).values(region="320102"))
        uow.session.add(CustomerTagRow(tenant_id=tenant, customer_id=b.id, tag_id="tag-vip", created_at=NOW))
        uow.commit()
    assert ids(db, owner, SegmentFilter(brands=("康师傅",))) == {b.id}
    assert ids(db, owner, SegmentFilter(brands=("康师傅",), period_days=30)) == set()
    assert ids(db, owner, SegmentFilter(product_ids=("milk", "other"))) == {a.id}
    assert ids(db, owner, SegmentFilter(tag_ids=("tag-vip",))) == {b.id}
    assert ids(db, owner, SegmentFilter(levels=("gold",))) == {a.id}
    assert ids(db, owner, SegmentFilter(region_prefixes=("3101", "33"))) == {a.id}
    assert ids(db, owner, SegmentFilter(fields=(FieldCondition("shop_type", "eq", ("便利店",)),))) == {b.id}
    assert ids(db, owner, SegmentFilter(fields=(FieldCondition("area", "gte", ("100",)),))) == {a.id}
    assert ids(db, owner, SegmentFilter(last_purchase_after=NOW - 30 * DAY)) == {a.id}
    assert ids(db, owner, SegmentFilter(last_purchase_before=NOW - 30 * DAY)) == {b.id}


def test_c4_unknown_field_and_bad_values_are_named(db, tenant):
    owner = staff(tenant, "owner")
    bad = SegmentFilter(
        fields=(FieldCondition("nope", "eq", ("x",)),), no_purchase_days=0, min_order_count=3, max_order_count=1
    )
    with pytest.raises(InvalidInput) as err:
        segments.create_segment(db.uow(), owner, SaveSegment("坏的", bad), now=NOW)
    assert err.value.fields == {
        "filter.fields.nope": "validation.unknown_field",
        "filter.no_purchase_days": "validation.invalid",
        "filter.min_order_count": "validation.invalid",
    }
    with pytest.raises(InvalidInput) as err:
        segment_members.evaluate_segment(db.uow(), owner, Page(), filter=bad, as_of=NOW)
    assert "filter.fields.nope" in err.value.fields
    with pytest.raises(InvalidInput) as err:
        segments.create_segment(db.uow(), owner, SaveSegment(" ", SegmentFilter()), now=NOW)
    assert err.value.fields == {"name": "validation.required"}
    assert segments.list_segments(db.uow(), owner) == []


@pytest.mark.parametrize("name", ["min_order_count", "max_order_count"])
def test_h1_c4_order_count_past_what_the_read_model_holds_is_named_not_a_500(db, tenant, name):
    # Given a count the proto's int64 carries but the read model's int4 sum cannot compare with
    # (found by the R3 fuzzer: PostgreSQL's "integer out of range", a 500)
    owner = staff(tenant, "owner")
    register(db, owner)
    f = SegmentFilter(**{name: 302_242_989_350})

    # When it is evaluated, Then it is refused naming the field
    with pytest.raises(InvalidInput) as err:
        segment_members.evaluate_segment(db.uow(), owner, Page(), filter=f, as_of=NOW)
    assert err.value.fields == {f"filter.{name}": "validation.invalid"}
    # And the largest count allowed runs on PostgreSQL
    assert ids(db, owner, SegmentFilter(**{name: 1_000_000})) is not None


def test_h1_c4_a_segment_whose_filter_does_not_read_hides_no_other_and_can_be_mended(db, tenant):
    # Given two saved segments, one of whose stored filter no longer reads (an older release's)
    owner = staff(tenant, "owner")
    good = segments.create_segment(db.uow(), owner, SaveSegment("好的", SegmentFilter(no_purchase_days=30)), now=NOW)
    bad = segments.create_segment(db.uow(), owner, SaveSegment("坏的", SegmentFilter(period_days=7)), now=NOW)
    with db.uow() as uow:
        uow.session.execute(
            update(SegmentRow).where(SegmentRow.id == bad.id).values(filter={"period_from": "not a day"})
        )
        uow.commit()

    # Then the list still answers, with the readable one
    assert [s.id for s in segments.list_segments(db.uow(), owner)] == [good.id]
    # And the unreadable one, asked for by id, is a Conflict naming it, never a crash
    with pytest.raises(Conflict) as err:
        segments.get_segment(db.uow(), owner, bad.id)
    assert (err.value.code, err.value.params) == ("SEGMENT_UNREADABLE", {"id": bad.id})
    with pytest.raises(Conflict):
        segment_members.evaluate_segment(db.uow(), owner, Page(), segment_id=bad.id, as_of=NOW)
    # And it can be saved anew
    mended = segments.update_segment(db.uow(), owner, bad.id, SaveSegment("坏的", SegmentFilter()), now=NOW)
    assert segments.get_segment(db.uow(), owner, mended.id).filter == SegmentFilter()


def test_c4_saved_segments_crud_and_who_may_change_them(db, tenant):
    owner, seller, colleague = staff(tenant, "owner"), staff(tenant, "salesperson"), staff(tenant, "salesperson")
    saved = segments.create_segment(db.uow(), seller, SaveSegment("沉睡会员", sleeping_members(30)), now=NOW)
    assert saved.filter == sleeping_members(30)
    with pytest.raises(AlreadyExists):
        segments.create_segment(db.uow(), owner, SaveSegment("沉睡会员", SegmentFilter()), now=NOW)
    with pytest.raises(PermissionDenied):
        segments.update_segment(db.uow(), colleague, saved.id, SaveSegment("x", SegmentFilter()), now=NOW)
    changed = segments.update_segment(
        db.uow(), owner, saved.id, SaveSegment("沉睡60天", sleeping_members(60)), now=NOW + DAY
    )
    assert (changed.name, changed.filter.no_purchase_days, changed.updated_at) == ("沉睡60天", 60, NOW + DAY)
    assert [s.name for s in segments.list_segments(db.uow(), colleague)] == ["沉睡60天"]
    other_tenant = staff("t-other-" + tenant, "owner")
    with pytest.raises(NotFound):
        segments.get_segment(db.uow(), other_tenant, saved.id)
    with pytest.raises(NotFound):
        segment_members.evaluate_segment(db.uow(), other_tenant, Page(), segment_id=saved.id, as_of=NOW)
    segments.delete_segment(db.uow(), seller, saved.id, now=NOW)
    with pytest.raises(NotFound):
        segments.get_segment(db.uow(), owner, saved.id)


def test_c4_salesperson_evaluates_own_customers_manager_all(db, tenant):
    owner = staff(tenant, "owner")
    seller, colleague = staff(tenant, "salesperson"), staff(tenant, "salesperson")
    mine = register(db, seller)
    theirs = register(db, colleague)
    saved = segments.create_segment(db.uow(), owner, SaveSegment("全部沉睡", sleeping_members(30)), now=NOW)
    assert ids(db, seller, segment_id=saved.id) == {mine.id}
    assert ids(db, staff(tenant, "store_manager"), segment_id=saved.id) == {mine.id, theirs.id}
    assert ids(db, staff("t-x" + tenant, "owner"), sleeping_members(30)) == set()


def test_c4_member_list_is_paginated_with_the_full_count(db, tenant):
    owner = staff(tenant, "owner")
    made = [register(db, owner, days_ago=100 - i) for i in range(5)]
    first = segment_members.evaluate_segment(db.uow(), owner, Page(1, 2), filter=sleeping_members(30), as_of=NOW)
    third = segment_members.evaluate_segment(db.uow(), owner, Page(3, 2), filter=sleeping_members(30), as_of=NOW)
    assert first.total == third.total == 5
    # Newest customers first.
    assert [m.id for m in first.members] == [made[4].id, made[3].id]
    assert [m.id for m in third.members] == [made[0].id]
    beyond = segment_members.evaluate_segment(db.uow(), owner, Page(9, 2), filter=sleeping_members(30), as_of=NOW)
    assert (beyond.members, beyond.total) == ([], 5)


def test_c4_stream_is_for_services_and_yields_every_member(db, tenant, monkeypatch):
    owner = staff(tenant, "owner")
    made = {register(db, owner).id for _ in range(5)}
    monkeypatch.setattr(segment_members, "STREAM_BATCH", 2)
    streamed = list(
        segment_members.stream_segment_members(db.uow(), svc(tenant), filter=sleeping_members(30), as_of=NOW)
    )
    assert {m.id for m in streamed} == made
    assert [m.id for m in streamed] == sorted(made)
    with pytest.raises(PermissionDenied):
        list(segment_members.stream_segment_members(db.uow(), owner, filter=SegmentFilter(), as_of=NOW))


def test_c4_read_model_and_segments_run_on_sqlite(tmp_path):
    """The embedded mode (`make run`) keeps the read model on SQLite: same upserts, same query."""
    from crmkit.settings import Settings
    from customers import migrate
    from customers.server import build

    url = f"sqlite:///{tmp_path}/customers.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = build(Settings(service="customers", database_url=url))
    try:
        owner = staff("t1", "owner")
        c = register(runtime.db, owner)
        order(runtime.db, "t1", c.id, 100, days_ago=40, lines=[("p", "伊利")])
        order(runtime.db, "t1", c.id, 200, days_ago=40, lines=[("p", "伊利")])
        f = SegmentFilter(no_purchase_days=30, min_order_count=2, min_amount_fen=300, brands=("伊利",))
        assert ids(runtime.db, owner, f) == {c.id}
        assert ids(runtime.db, owner, sleeping_members(60)) == set()
    finally:
        runtime.close()
