"""E1 E2 E4 E5 E6 B7 over the real gRPC server on PostgreSQL and real Redis."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from coupons_testkit import Caller, claims_written, line, money, template
from sqlalchemy import func, select

from coupons.models import Outbox
from coupons.models_coupons import CouponClaimRow, CouponRow
from coupons.service import coupons_claims
from coupons.service.coupons_reminders import remind_expiring
from coupons.service.coupons_stock import ClaimStock
from crm.coupons.v1 import coupons_pb2 as pb
from crmkit.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from crmkit.protos import datetime_of, timestamp


def at(text: str):
    return timestamp(datetime.fromisoformat(text))


@pytest.fixture
def caller(issuer, client, tenant):
    return Caller(issuer, client, tenant)


def events(db, tenant, type_):
    with db.uow() as uow:
        rows = uow.session.scalars(select(Outbox).where(Outbox.tenant_id == tenant, Outbox.type == type_)).all()
        return [json.loads(r.payload)["data"] for r in rows]


def create(caller, **overrides):
    return caller.owner("CreateTemplate", pb.CreateTemplateRequest(template=template(**overrides)))


def test_e1_owner_creates_a_template_with_rules(caller):
    made = create(
        caller,
        product_ids=["p-1", "p-2"],
        category_ids=["cat-9"],
        store_ids=["store-1"],
        per_order_limit=2,
        convertible_to_stored_value=True,
        conversion_value=money(1500),
    )
    got = caller.as_role("salesperson", "GetTemplate", pb.GetTemplateRequest(id=made.id))
    assert got == made
    t = got.template
    assert (t.kind, t.value.fen, t.min_spend.fen, t.per_order_limit) == ("cash", 2000, 10000, 2)
    assert (list(t.product_ids), list(t.category_ids), list(t.store_ids)) == (["p-1", "p-2"], ["cat-9"], ["store-1"])
    assert t.convertible_to_stored_value and t.conversion_value.fen == 1500
    assert len(made.claim_token) >= 20
    listed = caller.owner("ListTemplates", pb.ListTemplatesRequest())
    assert [x.id for x in listed.templates] == [made.id] and listed.page.total == 1


def test_e1_pickup_and_discount_templates_with_fixed_dates(caller):
    pickup = create(
        caller,
        kind="pickup",
        value=money(0),
        pickup_product_ids=["cake-1", "cake-2"],
        valid_days=0,
        valid_from=at("2026-12-01T00:00:00Z"),
        valid_until=at("2026-12-31T16:00:00Z"),
    )
    assert list(pickup.template.pickup_product_ids) == ["cake-1", "cake-2"]
    assert pickup.template.valid_until == at("2026-12-31T16:00:00Z")
    discount = create(caller, kind="discount", value=money(0), percent_off=15)
    assert discount.template.percent_off == 15


def test_e1_bad_template_names_each_field(caller):
    with pytest.raises(InvalidInput) as err:
        create(caller, name="", kind="voucher", colour="red", valid_days=0)
    assert err.value.fields == {
        "name": "validation.required",
        "kind": "validation.invalid_choice",
        "colour": "validation.invalid",
        "valid_days": "validation.required",
    }
    with pytest.raises(InvalidInput) as err:
        create(caller, valid_days=0, valid_from=at("2026-12-02T00:00:00Z"), valid_until=at("2026-12-01T00:00:00Z"))
    assert err.value.fields == {"valid_until": "validation.invalid_date"}
    with pytest.raises(InvalidInput) as err:
        create(caller, kind="pickup")
    assert err.value.fields == {"pickup_product_ids": "validation.required"}


def test_e1_only_managers_create_and_tenants_are_apart(caller, issuer, client):
    with pytest.raises(PermissionDenied):
        caller.as_role("salesperson", "CreateTemplate", pb.CreateTemplateRequest(template=template()))
    made = create(caller)
    other = Caller(issuer, client, f"t-{uuid.uuid4().hex[:12]}")
    with pytest.raises(NotFound):
        other.owner("GetTemplate", pb.GetTemplateRequest(id=made.id))
    assert other.owner("ListTemplates", pb.ListTemplatesRequest()).templates == []


def test_e2_staff_send_to_named_customers_every_holder_gets_an_event(caller, db, tenant):
    made = create(caller, total_quantity=3)
    sent = caller.as_role(
        "salesperson", "SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-1", "c-2"])
    )
    assert [(c.customer_id, c.phone) for c in sent.coupons] == [("c-1", "13800000001"), ("c-2", "13800000002")]
    assert all(c.status == "active" and c.channel == "send" and len(c.code) == 16 for c in sent.coupons)
    assert sent.coupons[0].qr_payload == "CRMCPN:" + sent.coupons[0].code
    issued = events(db, tenant, "coupon_issued")
    assert sorted(e["customer_id"] for e in issued) == ["c-1", "c-2"]
    # Per person 1: c-1 again is refused, and nothing of the send is written.
    with pytest.raises(Conflict) as err:
        caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-3", "c-1"]))
    assert err.value.code == "COUPON_PER_PERSON_LIMIT"
    # Stock 3: one left, so two recipients are refused as a whole; one passes.
    with pytest.raises(Conflict) as err:
        caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-4", "c-5"]))
    assert err.value.code == "COUPON_SOLD_OUT"
    caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-4"]))
    holders = caller.owner("ListCoupons", pb.ListCouponsRequest(template_id=made.id))
    assert sorted(c.customer_id for c in holders.coupons) == ["c-1", "c-2", "c-4"]


def test_e2_send_refuses_unknown_or_other_tenants_customers_as_a_whole(caller, issuer, client):
    made = create(caller)
    other = Caller(issuer, client, f"t-{uuid.uuid4().hex[:12]}")
    with pytest.raises(NotFound) as err:
        other.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-1"]))
    assert err.value.code == "COUPON_TEMPLATE_NOT_FOUND"
    with pytest.raises(NotFound) as err:
        caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-1", "gone"]))
    assert err.value.code == "CUSTOMER_NOT_FOUND"
    assert caller.owner("ListCoupons", pb.ListCouponsRequest(template_id=made.id)).coupons == []
    with pytest.raises(InvalidInput) as err:
        caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id))
    assert err.value.fields == {"customer_ids": "validation.required"}


def test_e2_public_claim_by_link_checks_phone_and_limit(caller, client):
    made = create(caller, per_person_limit=2)
    first = client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13900000001"))
    assert (first.phone, first.channel, first.template_id) == ("13900000001", "claim", made.id)
    client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13900000001"))
    with pytest.raises(Conflict) as err:
        client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13900000001"))
    assert err.value.code == "COUPON_PER_PERSON_LIMIT"
    with pytest.raises(InvalidInput) as err:
        client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="12345"))
    assert err.value.fields == {"phone": "validation.phone_invalid"}
    with pytest.raises(NotFound):
        client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token="nope", phone="13900000001"))
    page = client.call("GetClaimPage", pb.GetClaimPageRequest(claim_token=made.claim_token))
    assert (page.name, page.value.fen, page.remaining, page.per_person_limit) == ("满100减20", 2000, 98, 2)
    with pytest.raises(NotFound):
        client.call("GetClaimPage", pb.GetClaimPageRequest(claim_token=""))


def test_e2_1000_concurrent_claims_of_stock_100_issue_exactly_100(caller, db, runtime):
    made = create(caller, total_quantity=100, per_person_limit=2)
    stock = runtime.registrations[0].servicer.stock
    phones = [f"139{i:08d}" for i in range(300)]
    start = threading.Barrier(50)
    now = datetime.now(UTC)

    def claim(i):
        if i < 50:
            start.wait()
        try:
            return coupons_claims.claim_coupon(db.uow, stock, made.claim_token, phones[i % 300], now=now).code
        except Conflict as err:
            return err.code

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(claim, range(1000)))
    codes = [r for r in results if not r.startswith("COUPON_")]
    assert len(codes) == 100 and len(set(codes)) == 100
    assert set(results) - set(codes) <= {"COUPON_SOLD_OUT", "COUPON_PER_PERSON_LIMIT"}
    # Answered from Redis; the claim writer writes them behind the answers (ADR 0021).
    claims_written(runtime)
    with db.uow() as uow:
        assert set(uow.session.scalars(select(CouponRow.code).where(CouponRow.template_id == made.id))) == set(codes)
        per_holder = uow.session.execute(
            select(CouponRow.holder, func.count()).where(CouponRow.template_id == made.id).group_by(CouponRow.holder)
        ).all()
        claims = uow.session.scalar(
            select(func.count()).select_from(CouponClaimRow).where(CouponClaimRow.template_id == made.id)
        )
    assert sum(n for _, n in per_holder) == 100 == claims
    assert max(n for _, n in per_holder) <= 2


def test_e2_counters_reload_from_the_database_when_redis_lost_them(caller, db, runtime, client):
    made = create(caller, total_quantity=2, per_person_limit=1)
    client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13700000001"))
    stock: ClaimStock = runtime.registrations[0].servicer.stock
    stock.redis.delete(*stock._keys(made.id))
    with pytest.raises(Conflict) as err:
        client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13700000001"))
    assert err.value.code == "COUPON_PER_PERSON_LIMIT"
    client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13700000002"))
    with pytest.raises(Conflict) as err:
        client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13700000003"))
    assert err.value.code == "COUPON_SOLD_OUT"


def test_e2_every_holder_is_reloaded_at_once_and_a_new_phone_then_needs_no_database_count(caller, runtime, client):
    made = create(caller, total_quantity=10, per_person_limit=2)
    claim = pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13700000011")
    client.call("ClaimCoupon", claim)
    stock: ClaimStock = runtime.registrations[0].servicer.stock
    stock.redis.delete(*stock._keys(made.id))  # Redis lost the counters
    client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13700000012"))
    stock_key, held_key, loaded_key = stock._keys(made.id)
    # The first claim after the loss loaded every holder from the database and marked it.
    assert stock.redis.exists(loaded_key) and int(stock.redis.hget(held_key, "p:13700000011")) == 1
    client.call("ClaimCoupon", claim)  # the second of two allowed
    with pytest.raises(Conflict) as err:
        client.call("ClaimCoupon", claim)
    assert err.value.code == "COUPON_PER_PERSON_LIMIT"
    assert int(stock.redis.get(stock_key)) == 10 - 3


def _one_coupon(caller, **overrides):
    made = create(caller, **overrides)
    sent = caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-1"]))
    return made, sent.coupons[0]


def test_e4_below_minimum_spend_is_refused_with_the_missing_amount(caller):
    _, coupon = _one_coupon(caller)
    with pytest.raises(Conflict) as err:
        caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=coupon.code, order_id="o-1", lines=[line()]))
    assert err.value.code == "COUPON_BELOW_MIN_SPEND"
    assert err.value.params["missing"] == "5000" and err.value.params["missing_yuan"] == "50.00"


def test_e4_redeem_once_records_the_order_and_is_idempotent_on_order_and_code(caller, db, tenant):
    _, coupon = _one_coupon(caller)
    request = pb.RedeemCouponRequest(code=coupon.code, order_id="o-7", lines=[line(amount=12000)])
    done = caller.service("RedeemCoupon", request)
    assert (done.order_id, done.discount.fen, done.code) == ("o-7", 2000, coupon.code)
    assert caller.service("RedeemCoupon", request) == done
    with pytest.raises(Conflict) as err:
        caller.service(
            "RedeemCoupon", pb.RedeemCouponRequest(code=coupon.code, order_id="o-8", lines=[line(amount=12000)])
        )
    assert err.value.code == "COUPON_ALREADY_REDEEMED"
    got = caller.owner("GetCoupon", pb.GetCouponRequest(code=coupon.qr_payload))
    assert (got.status, got.order_id) == ("redeemed", "o-7")
    assert [e["order_id"] for e in events(db, tenant, "coupon_redeemed")] == ["o-7"]


def test_e4_a_coupon_held_by_another_customer_is_refused_on_their_order(caller):
    _, coupon = _one_coupon(caller)  # held by c-1
    request = pb.RedeemCouponRequest(code=coupon.code, order_id="o-1", customer_id="c-2", lines=[line(amount=12000)])
    with pytest.raises(Conflict) as err:
        caller.service("RedeemCoupon", request)
    assert err.value.code == "COUPON_NOT_HOLDERS"
    mine = pb.RedeemCouponRequest(code=coupon.code, order_id="o-1", customer_id="c-1", lines=[line(amount=12000)])
    assert caller.service("RedeemCoupon", mine).discount.fen == 2000


def test_e4_an_order_not_placed_gives_its_coupons_back_once(caller, db, tenant):
    _, first = _one_coupon(caller)
    _, second = _one_coupon(caller)
    for coupon in (first, second):
        caller.service(
            "RedeemCoupon", pb.RedeemCouponRequest(code=coupon.code, order_id="o-gone", lines=[line(amount=12000)])
        )
    released = caller.service("ReleaseOrderCoupons", pb.ReleaseOrderCouponsRequest(order_id="o-gone"))
    assert sorted(released.codes) == sorted([first.code, second.code])
    assert caller.service("ReleaseOrderCoupons", pb.ReleaseOrderCouponsRequest(order_id="o-gone")).codes == []
    got = caller.owner("GetCoupon", pb.GetCouponRequest(code=first.code))
    assert (got.status, got.order_id) == ("active", "")
    assert len(events(db, tenant, "coupon_redemption_released")) == 2
    # Back in the holder's hands: usable on the order that is placed after all.
    again = pb.RedeemCouponRequest(code=first.code, order_id="o-real", lines=[line(amount=12000)])
    assert caller.service("RedeemCoupon", again).order_id == "o-real"


def test_e4_only_redemptions_by_the_orders_service_are_checked_against_orders_later(caller, db):
    _, by_orders = _one_coupon(caller)
    _, at_counter = _one_coupon(caller)
    lines = [line(amount=12000)]
    caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=by_orders.code, order_id="o-s", lines=lines))
    caller.as_role(
        "store_manager", "RedeemCoupon", pb.RedeemCouponRequest(code=at_counter.code, order_id="MD-1", lines=lines)
    )
    with db.uow() as uow:
        due = dict(
            uow.session.execute(
                select(CouponRow.code, CouponRow.order_check_due_at).where(
                    CouponRow.code.in_([by_orders.code, at_counter.code])
                )
            ).all()
        )
    assert due[at_counter.code] is None
    assert due[by_orders.code] is not None


def test_e4_only_a_service_releases_an_orders_coupons(caller):
    with pytest.raises(PermissionDenied):
        caller.owner("ReleaseOrderCoupons", pb.ReleaseOrderCouponsRequest(order_id="o-1"))
    with pytest.raises(InvalidInput) as err:
        caller.service("ReleaseOrderCoupons", pb.ReleaseOrderCouponsRequest(order_id=" "))
    assert err.value.fields == {"order_id": "validation.required"}


def test_b7_same_code_from_10_clients_at_once_succeeds_once(caller):
    _, coupon = _one_coupon(caller)
    start = threading.Barrier(10)

    def redeem(i):
        start.wait()
        try:
            caller.as_role(
                "store_manager",
                "RedeemCoupon",
                pb.RedeemCouponRequest(code=coupon.code, order_id=f"o-{i}", lines=[line(amount=20000)]),
            )
            return "ok"
        except DomainError as err:
            return err.code

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(redeem, range(10)))
    assert results.count("ok") == 1
    assert results.count("COUPON_ALREADY_REDEEMED") == 9


def test_e4_rules_products_stores_per_order_and_bad_codes(caller):
    made, coupon = _one_coupon(caller, product_ids=["p-9"], min_spend=money(0), store_ids=["store-2"])
    with pytest.raises(Conflict) as err:
        caller.service(
            "RedeemCoupon",
            pb.RedeemCouponRequest(code=coupon.code, order_id="o-1", store_id="store-2", lines=[line("p-1")]),
        )
    assert err.value.code == "COUPON_NO_ELIGIBLE_ITEMS"
    with pytest.raises(Conflict) as err:
        caller.service(
            "RedeemCoupon",
            pb.RedeemCouponRequest(code=coupon.code, order_id="o-1", store_id="store-1", lines=[line("p-9")]),
        )
    assert err.value.code == "COUPON_STORE_NOT_ALLOWED"
    with pytest.raises(InvalidInput) as err:
        caller.service("RedeemCoupon", pb.RedeemCouponRequest(code="1234", order_id="o-1", lines=[line()]))
    assert err.value.fields == {"code": "validation.coupon_code_invalid"}
    with pytest.raises(InvalidInput) as err:
        caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=coupon.code))
    assert err.value.fields == {"order_id": "validation.required", "lines": "validation.required"}
    with pytest.raises(PermissionDenied):
        caller.as_role("warehouse", "RedeemCoupon", pb.RedeemCouponRequest(code=coupon.code, order_id="o"))


def test_e4_per_order_limit_counts_coupons_of_the_template_on_the_order(caller):
    made = create(caller, min_spend=money(0), per_person_limit=3)
    sent = [
        caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-1"])).coupons[0]
        for _ in range(2)
    ]
    caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=sent[0].code, order_id="o-1", lines=[line()]))
    with pytest.raises(Conflict) as err:
        caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=sent[1].code, order_id="o-1", lines=[line()]))
    assert err.value.code == "COUPON_PER_ORDER_LIMIT"


def test_e6_statistics_count_issued_claimed_redeemed_by_day(caller, client):
    made = create(caller, min_spend=money(0), total_quantity=10)
    caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-1", "c-2", "c-3"]))
    claimed = client.call("ClaimCoupon", pb.ClaimCouponRequest(claim_token=made.claim_token, phone="13600000001"))
    caller.service("RedeemCoupon", pb.RedeemCouponRequest(code=claimed.code, order_id="o-1", lines=[line()]))
    stats = caller.owner("GetTemplateStats", pb.GetTemplateStatsRequest(template_id=made.id))
    assert (stats.issued, stats.claimed, stats.redeemed, stats.redemption_rate_bp) == (4, 1, 1, 2500)
    assert len(stats.days) == 30
    assert sum(d.issued for d in stats.days) == 4 and sum(d.redeemed for d in stats.days) == 1
    with pytest.raises(PermissionDenied):
        caller.as_role("salesperson", "GetTemplateStats", pb.GetTemplateStatsRequest(template_id=made.id))
    with pytest.raises(InvalidInput) as err:
        caller.owner("GetTemplateStats", pb.GetTemplateStatsRequest(template_id=made.id, date_from="x"))
    assert err.value.fields == {"date_from": "validation.invalid_date"}


def test_e5_expiring_coupons_are_reminded_once(caller, db, tenant):
    made = create(caller, valid_days=5, remind_days_before=2)
    sent = caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-1"])).coupons[0]
    valid_until = datetime_of(sent, "valid_until")
    remind_expiring(db.uow, valid_until - timedelta(days=3))
    assert events(db, tenant, "coupon_expiring") == []
    remind_expiring(db.uow, valid_until - timedelta(days=1))
    remind_expiring(db.uow, valid_until - timedelta(hours=1))
    reminded = events(db, tenant, "coupon_expiring")
    assert [(e["code"], e["customer_id"]) for e in reminded] == [(sent.code, "c-1")]


def test_e5_remind_job_runs_as_its_own_process(caller, database_url, db, tenant):
    import os
    import subprocess
    import sys

    made = create(caller, valid_days=3, remind_days_before=2)
    sent = caller.owner("SendCoupons", pb.SendCouponsRequest(template_id=made.id, customer_ids=["c-9"])).coupons[0]
    at = (datetime_of(sent, "valid_until") - timedelta(days=1)).isoformat()
    env = {**os.environ, "DATABASE_URL": database_url}
    run = subprocess.run(
        [sys.executable, "-m", "coupons.jobs", "remind-expiring", "--now", at],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "reminded" in run.stdout
    assert [e["code"] for e in events(db, tenant, "coupon_expiring")] == [sent.code]
