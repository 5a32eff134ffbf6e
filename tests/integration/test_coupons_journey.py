"""Coupons over HTTP (E1-E6, B7), every service a real process: a template with rules, direct
send to a customer and a public claim, the holder's coupon, redemption refused below the minimum
spend with the reason, redeemed once, refused the second time, reminders by the job, statistics
with the counts; a physical batch made, exported, handed to a store and redeemed at the counter."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

from client import eventually
from journey import phone
from openpyxl import load_workbook


def test_e1_e2_e4_e5_e6_coupon_journey(platform, world):
    owner, manager, sales = world["owner"], world["manager"], world["sales_b"]
    anon, other = world["anon"], world["other_owner"]
    customer = sales.post(
        "/api/v1/customers", json={"name": "券客超市", "phone": phone(), "fields": {"shop_type": "超市"}}
    ).json()

    # E1: a cash coupon with rules; a salesperson may not create one; bad input names the field.
    template = {
        "name": "满100减20",
        "kind": "cash",
        "colour": "#D32F2F",
        "value_fen": 2000,
        "valid_days": 3,
        "min_spend_fen": 10000,
        "category_ids": ["drinks"],
        "per_order_limit": 1,
        "total_quantity": 3,
        "per_person_limit": 1,
        "remind_days_before": 2,
        "convertible_to_stored_value": True,
        "conversion_value_fen": 1500,
    }
    assert sales.post("/api/v1/coupon-templates", json=template).status_code == 403
    bad = owner.post("/api/v1/coupon-templates", json={**template, "kind": "pickup"})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"pickup_product_ids"}
    made = manager.post("/api/v1/coupon-templates", json=template)
    assert made.status_code == 201, made.text
    tpl = made.json()
    assert other.get(f"/api/v1/coupon-templates/{tpl['id']}").status_code == 404

    # E2: direct send to the customer, then a public claim through the link (no token).
    sent = sales.post(f"/api/v1/coupon-templates/{tpl['id']}/send", json={"customer_ids": [customer["id"]]})
    assert sent.status_code == 201, sent.text
    coupon = sent.json()["coupons"][0]
    again = sales.post(f"/api/v1/coupon-templates/{tpl['id']}/send", json={"customer_ids": [customer["id"]]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "COUPON_PER_PERSON_LIMIT"
    page = anon.get(tpl["claim_path"].removesuffix("/claim"))
    assert page.status_code == 200 and (page.json()["name"], page.json()["remaining"]) == ("满100减20", 2)
    claimer = phone()
    claimed = anon.post(tpl["claim_path"], json={"phone": claimer})
    assert claimed.status_code == 201, claimed.text
    assert claimed.json()["channel"] == "claim"
    assert anon.post(tpl["claim_path"], json={"phone": claimer}).status_code == 409

    # The holder's coupons.
    held = owner.get("/api/v1/coupons", params={"customer_id": customer["id"]}).json()["coupons"]
    assert [(c["code"], c["status"]) for c in held] == [(coupon["code"], "active")]
    looked = manager.get("/api/v1/coupons/lookup", params={"code": coupon["qr_payload"]})
    assert looked.status_code == 200 and looked.json()["id"] == coupon["id"]

    # E4: below the minimum spend of the eligible category: refused with the reason and amount.
    lines = [
        {"product_id": "cola", "category_id": "drinks", "quantity": 2, "amount_fen": 7000},
        {"product_id": "soap", "category_id": "household", "quantity": 1, "amount_fen": 9000},
    ]
    refused = manager.post("/api/v1/coupons/redeem", json={"code": coupon["code"], "order_id": "XS-1", "lines": lines})
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "COUPON_BELOW_MIN_SPEND" and "30.00" in error["message"]

    # Redeemed on an order with enough eligible spend (typed with spaces, as a clerk would).
    lines[0]["amount_fen"] = 12000
    typed = f"{coupon['code'][:8]} {coupon['code'][8:]}"
    done = manager.post("/api/v1/coupons/redeem", json={"code": typed, "order_id": "XS-2", "lines": lines})
    assert done.status_code == 200, done.text
    assert (done.json()["discount_fen"], done.json()["order_id"]) == (2000, "XS-2")
    # The same code typed again on another order is refused; the same order gets its answer back.
    twice = manager.post("/api/v1/coupons/redeem", json={"code": coupon["code"], "order_id": "XS-3", "lines": lines})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "COUPON_ALREADY_REDEEMED"
    same = manager.post("/api/v1/coupons/redeem", json={"code": coupon["code"], "order_id": "XS-2", "lines": lines})
    assert same.status_code == 200 and same.json()["redeemed_at"] == done.json()["redeemed_at"]
    held = owner.get("/api/v1/coupons", params={"customer_id": customer["id"]}).json()["coupons"]
    assert (held[0]["status"], held[0]["order_id"]) == ("redeemed", "XS-2")

    # E5: the scheduled job reminds the claimed coupon (still active) once, 2 days before expiry.
    at = (datetime.fromisoformat(claimed.json()["valid_until"]) - timedelta(days=1)).isoformat()
    first = platform.run_job("coupons", "remind-expiring", "--now", at)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["reminded"] == 1
    rerun = platform.run_job("coupons", "remind-expiring", "--now", at)
    assert json.loads(rerun.stdout)["reminded"] == 0

    # E6: statistics show the counts.
    stats = owner.get(f"/api/v1/coupon-templates/{tpl['id']}/stats")
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert (body["issued"], body["claimed"], body["redeemed"], body["redemption_rate_bp"]) == (2, 1, 1, 5000)
    assert sum(d["issued"] for d in body["days"]) == 2
    assert sales.get(f"/api/v1/coupon-templates/{tpl['id']}/stats").status_code == 403


def test_e3_physical_batch_made_exported_handed_to_a_store_and_redeemed_at_the_counter(world):
    owner, manager, sales = world["owner"], world["manager"], world["sales_b"]
    tpl = owner.post(
        "/api/v1/coupon-templates",
        json={"name": "生日蛋糕券", "kind": "cash", "value_fen": 12500, "valid_days": 30, "total_quantity": 0},
    ).json()
    made = owner.post("/api/v1/coupon-batches", json={"template_id": tpl["id"], "quantity": 50})
    assert made.status_code == 201, made.text
    batch = made.json()
    assert batch["status"] == "making"
    assert sales.post("/api/v1/coupon-batches", json={"template_id": tpl["id"], "quantity": 5}).status_code == 403
    # The coupons worker writes the codes (ADR 0009).
    assert eventually(lambda: owner.get(f"/api/v1/coupon-batches/{batch['id']}").json()["status"] == "made")

    export = owner.get(f"/api/v1/coupon-batches/{batch['id']}/export")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 50 and len({r[1] for r in rows}) == 50

    assert owner.post(f"/api/v1/coupon-batches/{batch['id']}/issue").status_code == 200
    handed = owner.post(
        f"/api/v1/coupon-batches/{batch['id']}/hand-out", json={"store_id": world["store_id"], "quantity": 20}
    )
    assert handed.status_code == 200, handed.text
    sold = owner.post(f"/api/v1/coupon-batches/{batch['id']}/sell", json={"buyer": "中国银行", "quantity": 10})
    assert sold.status_code == 200, sold.text

    # One printed code redeemed at the counter (scanned QR payload), once.
    lines = [{"product_id": "cake", "category_id": "cakes", "quantity": 1, "amount_fen": 15000}]
    scanned = rows[0][2]
    done = manager.post("/api/v1/coupons/redeem", json={"code": scanned, "order_id": "MD-1", "lines": lines})
    assert done.status_code == 200, done.text
    assert done.json()["discount_fen"] == 12500
    again = manager.post("/api/v1/coupons/redeem", json={"code": scanned, "order_id": "MD-2", "lines": lines})
    assert again.status_code == 409 and again.json()["error"]["code"] == "COUPON_ALREADY_REDEEMED"
    # A code still in the batch's stock is not usable yet.
    stocked = manager.post("/api/v1/coupons/redeem", json={"code": rows[49][1], "order_id": "MD-3", "lines": lines})
    assert stocked.status_code == 409 and stocked.json()["error"]["code"] == "COUPON_NOT_RELEASED"

    ledger = owner.get(f"/api/v1/coupon-batches/{batch['id']}").json()
    counts = {k: ledger[k] for k in ("made", "issued", "handed_out", "sold", "redeemed", "in_stock")}
    assert counts == {"made": 50, "issued": 50, "handed_out": 20, "sold": 10, "redeemed": 1, "in_stock": 20}
