"""E2 E10: a template's coupons sent to every member of a saved segment, the members streamed
from a fake customers SegmentsService over real gRPC with the coupons service token; PostgreSQL
and real Redis behind the real coupons gRPC server."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from coupons_testkit import Caller, line, template
from sqlalchemy import select

from coupons.models import Outbox
from coupons.models_coupons import CouponRow
from crm.coupons.v1 import coupons_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied


@pytest.fixture
def caller(issuer, client, tenant):
    return Caller(issuer, client, tenant)


def staff(issuer, tenant, role, subject_id=None):
    return issuer.issue(
        kind="staff",
        subject_id=subject_id or f"s-{uuid.uuid4().hex[:8]}",
        tenant_id=tenant,
        roles=(role,),
        store_ids=("store-1",),
        ttl=timedelta(minutes=10),
    )[0]


def send(client, token, template_id, segment_id, key):
    req = pb.SendCouponsToSegmentRequest(template_id=template_id, segment_id=segment_id, send_key=key)
    return client.call("SendCouponsToSegment", req, token=token, timeout=60)


def coupons_of(db, template_id):
    with db.uow() as uow:
        rows = uow.session.scalars(select(CouponRow).where(CouponRow.template_id == template_id)).all()
        return [(r.customer_id, r.channel) for r in rows]


def issued_events(db, tenant):
    with db.uow() as uow:
        rows = uow.session.scalars(
            select(Outbox).where(Outbox.tenant_id == tenant, Outbox.type == "coupon_issued")
        ).all()
        return [json.loads(r.payload)["data"] for r in rows]


def members(n, owner="s-a"):
    return [(f"m-{i}", f"1390000{i:04d}", owner) for i in range(n)]


def test_e2_segment_send_issues_one_coupon_per_member_and_a_retry_issues_nothing(
    caller, client, issuer, segments, db, tenant
):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template(total_quantity=100)))
    segments.save(tenant, "seg-1", members(7))
    owner = staff(issuer, tenant, "owner")
    first = send(client, owner, made.id, "seg-1", "key-1")
    assert (first.issued, dict(first.skipped), first.finished) == (7, {}, True)
    again = send(client, owner, made.id, "seg-1", "key-1")
    assert (again.send_id, again.issued, dict(again.skipped)) == (first.send_id, 7, {})
    rows = coupons_of(db, made.id)
    assert sorted(c for c, _ in rows) == [f"m-{i}" for i in range(7)]
    assert {ch for _, ch in rows} == {"send"}
    assert sorted(e["customer_id"] for e in issued_events(db, tenant)) == [f"m-{i}" for i in range(7)]


def test_e2_concurrent_retries_of_one_send_issue_each_member_once(caller, client, issuer, segments, db, tenant):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template(per_person_limit=5)))
    segments.save(tenant, "seg-c", members(20))
    manager = staff(issuer, tenant, "store_manager")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: send(client, manager, made.id, "seg-c", "same-key"), range(4)))
    assert len({r.send_id for r in results}) == 1
    assert len(coupons_of(db, made.id)) == 20
    assert send(client, manager, made.id, "seg-c", "same-key").issued == 20


def test_e2_segment_send_skips_members_at_limit_and_when_out_of_stock(caller, client, issuer, segments, db, tenant):
    made = caller.owner(
        "CreateTemplate", pb.CreateTemplateRequest(template=template(total_quantity=4, per_person_limit=1))
    )
    segments.save(tenant, "seg-s", members(6))
    owner = staff(issuer, tenant, "owner")
    first = send(client, owner, made.id, "seg-s", "k-a")
    assert (first.issued, dict(first.skipped)) == (4, {"sold_out": 2})
    bigger = caller.owner(
        "CreateTemplate", pb.CreateTemplateRequest(template=template(total_quantity=10, per_person_limit=1))
    )
    send(client, owner, bigger.id, "seg-s", "k-b")
    second = send(client, owner, bigger.id, "seg-s", "k-c")
    assert (second.issued, dict(second.skipped)) == (0, {"per_person_limit": 6})
    assert len(coupons_of(db, bigger.id)) == 6


def test_e10_salesperson_pushes_only_to_own_customers_of_the_segment(caller, client, issuer, segments, db, tenant):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template()))
    segments.save(tenant, "seg-mixed", members(3, owner="s-alice") + [("b-1", "13800000001", "s-bob"), ("p-1", "", "")])
    alice = staff(issuer, tenant, "salesperson", subject_id="s-alice")
    result = send(client, alice, made.id, "seg-mixed", "push-1")
    assert result.issued == 3
    assert sorted(c for c, _ in coupons_of(db, made.id)) == ["m-0", "m-1", "m-2"]
    # The same key from a manager (who would reach everybody) is another send: refused.
    with pytest.raises(Conflict) as err:
        send(client, staff(issuer, tenant, "owner"), made.id, "seg-mixed", "push-1")
    assert err.value.code == "COUPON_SEND_KEY_REUSED"


def test_a4_a_store_manager_reaches_the_members_of_their_stores_only(caller, client, issuer, segments, db, tenant):
    # Given a segment with members of the head store and of a sub-store
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template()))
    segments.save(
        tenant,
        "seg-stores",
        [("h-1", "13800000011", "s-h", "store-head"), ("s-1", "13800000012", "s-s", "store-sub")],
    )
    sub_manager = issuer.issue(
        kind="staff",
        subject_id="s-sub-manager",
        tenant_id=tenant,
        roles=("store_manager",),
        store_ids=("store-sub",),
        ttl=timedelta(minutes=10),
    )[0]
    # When the sub-store's manager sends to it, then only the sub-store's member gets a coupon
    assert send(client, sub_manager, made.id, "seg-stores", "stores-1").issued == 1
    assert coupons_of(db, made.id) == [("s-1", "send")]
    # while the owner reaches every member
    assert send(client, staff(issuer, tenant, "owner"), made.id, "seg-stores", "stores-2").issued == 1
    assert sorted(c for c, _ in coupons_of(db, made.id)) == ["h-1", "s-1"]


def test_e2_segment_send_refusals(caller, client, issuer, segments, db, tenant):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template()))
    segments.save(tenant, "seg-r", members(2))
    owner = staff(issuer, tenant, "owner")
    with pytest.raises(PermissionDenied):
        send(client, staff(issuer, tenant, "cashier"), made.id, "seg-r", "r-1")
    with pytest.raises(PermissionDenied):
        client.call(
            "SendCouponsToSegment",
            pb.SendCouponsToSegmentRequest(template_id=made.id, segment_id="seg-r", send_key="r-2"),
            token=issuer.service_token("orders"),
            tenant_id=tenant,
        )
    with pytest.raises(InvalidInput) as err:
        send(client, owner, made.id, "", "")
    assert err.value.fields == {"segment_id": "validation.required", "send_key": "validation.required"}
    with pytest.raises(NotFound) as err:
        send(client, owner, made.id, "no-such-segment", "r-3")
    assert err.value.code == "SEGMENT_NOT_FOUND"
    # Another tenant sees neither the template nor the segment.
    other = f"t-{uuid.uuid4().hex[:12]}"
    with pytest.raises(NotFound) as err:
        send(client, staff(issuer, other, "owner"), made.id, "seg-r", "r-4")
    assert err.value.code == "COUPON_TEMPLATE_NOT_FOUND"
    with pytest.raises(Conflict) as err:
        send(client, owner, made.id, "seg-other", "r-3")
    assert err.value.code == "COUPON_SEND_KEY_REUSED"
    assert coupons_of(db, made.id) == []


def test_e6_campaign_statistics_count_what_one_send_issued_and_what_was_redeemed(
    caller, client, issuer, segments, db, tenant
):
    made = caller.owner(
        "CreateTemplate", pb.CreateTemplateRequest(template=template(total_quantity=5, per_person_limit=1))
    )
    segments.save(tenant, "seg-stats", members(3, owner="s-alice"))
    segments.save(tenant, "seg-more", members(7, owner="s-alice"))
    owner = staff(issuer, tenant, "owner")
    first = send(client, owner, made.id, "seg-stats", "spring")
    second = send(client, owner, made.id, "seg-more", "summer")  # m-0..2 at the limit; 2 left in stock
    assert (second.issued, dict(second.skipped)) == (2, {"per_person_limit": 3, "sold_out": 2})
    code = next(
        c.code
        for c in caller.owner("ListCoupons", pb.ListCouponsRequest(template_id=made.id)).coupons
        if c.customer_id == "m-0"
    )
    caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=code, order_id="o-1", lines=[line(amount=20000)]))

    def stats(token, send_id):
        return client.call("GetSendStats", pb.GetSendStatsRequest(send_id=send_id), token=token, timeout=30)

    spring = stats(owner, first.send_id)
    assert (spring.send_key, spring.segment_id, spring.stats.template_id) == ("spring", "seg-stats", made.id)
    assert (spring.stats.issued, spring.stats.redeemed, spring.stats.redemption_rate_bp) == (3, 1, 3333)
    assert sum(d.issued for d in spring.stats.days) == 3 and dict(spring.skipped) == {}
    summer = stats(owner, second.send_id)
    assert (summer.stats.issued, summer.stats.redeemed) == (2, 0)
    assert dict(summer.skipped) == {"per_person_limit": 3, "sold_out": 2}
    # A salesperson sees their own pushes only; another tenant sees nothing.
    alice = staff(issuer, tenant, "salesperson", subject_id="s-alice")
    with pytest.raises(NotFound):
        stats(alice, first.send_id)
    pushed = send(client, alice, made.id, "seg-stats", "alice-push")
    assert stats(alice, pushed.send_id).stats.issued == 0
    with pytest.raises(NotFound):
        stats(staff(issuer, "t-other", "owner"), first.send_id)
