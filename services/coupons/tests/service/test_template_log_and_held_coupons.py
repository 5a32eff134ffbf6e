"""A1 change log of coupon templates, and C1 "coupons held" of one customer (asked with the
caller's token, so the customers service's scope decides), over the real gRPC server."""

from __future__ import annotations

import json

import pytest
from coupons_testkit import Caller, line, template

from crm.common.v1 import common_pb2
from crm.coupons.v1 import coupons_pb2 as pb
from crmkit.errors import NotFound


@pytest.fixture
def caller(issuer, client, tenant):
    return Caller(issuer, client, tenant)


def test_a1_creating_a_template_is_logged_with_who_and_the_whole_template(caller, issuer, client, tenant):
    # Given a template created by the owner
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template(name="新客礼")))
    # When a salesperson reads its change log
    reply = caller.as_role("salesperson", "ListTemplateChanges", common_pb2.ListChangesRequest(object_id=made.id))
    # Then it names the creation, by a staff member, with the template as it was made
    assert reply.page.total == 1
    change = reply.changes[0]
    assert (change.object_type, change.object_id, change.action, change.actor_kind) == (
        "coupon_template",
        made.id,
        "created",
        "staff",
    )
    after = json.loads(change.after_json)
    assert (change.before_json, after["name"], after["value_fen"], after["valid_days"]) == ("", "新客礼", 2000, 30)
    # and another tenant's staff find no such template
    other = Caller(issuer, client, "t-someone-else")
    with pytest.raises(NotFound):
        other.owner("ListTemplateChanges", common_pb2.ListChangesRequest(object_id=made.id))


def test_c1_coupons_held_are_the_customers_usable_ones(caller):
    made = caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template(per_person_limit=3)))
    send = pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-1", "c-2"])
    used = next(c for c in caller.owner("SendCoupons", send).coupons if c.customer_id == "c-1")
    kept = next(c for c in caller.owner("SendCoupons", send).coupons if c.customer_id == "c-1")
    caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=used.code, order_id="o-1", lines=[line(amount=20000)]))
    every = caller.owner("ListCoupons", pb.ListCouponsRequest(customer_id="c-1"))
    held = caller.owner("ListCoupons", pb.ListCouponsRequest(customer_id="c-1", held_only=True))
    assert every.page.total == 2 and held.page.total == 1
    assert [c.id for c in held.coupons] == [kept.id]


def test_a1_coupons_of_a_customer_the_caller_may_not_see_are_not_found(caller):
    with pytest.raises(NotFound) as err:
        caller.owner("ListCoupons", pb.ListCouponsRequest(customer_id="not-visible", held_only=True))
    assert err.value.code == "CUSTOMER_NOT_FOUND"
