"""E1 E2 E4 E6 B7 over HTTP: the gateway's coupon routes against a fake CouponsService: the gRPC
request built, the JSON made of the answer, the public claim without a token, errors rendered."""

from __future__ import annotations

from crmkit.errors import Conflict, InvalidInput

COUPONS_PUBLIC = {"/api/v1/public/coupons/{claim_token}/claim", "/api/v1/public/coupons/{claim_token}"}
COUPONS_PATHS = {
    ("post", "/api/v1/coupon-templates"),
    ("get", "/api/v1/coupon-templates"),
    ("get", "/api/v1/coupon-templates/{template_id}"),
    ("post", "/api/v1/coupon-templates/{template_id}/send"),
    ("get", "/api/v1/coupon-templates/{template_id}/stats"),
    ("post", "/api/v1/coupon-templates/{template_id}/send-to-segment"),
    ("get", "/api/v1/coupon-sends/{send_id}/stats"),
    ("get", "/api/v1/coupons"),
    ("get", "/api/v1/coupons/lookup"),
    ("post", "/api/v1/coupons/redeem"),
    ("post", "/api/v1/public/coupons/{claim_token}/claim"),
    ("get", "/api/v1/public/coupons/{claim_token}"),
    ("post", "/api/v1/coupon-batches"),
    ("get", "/api/v1/coupon-batches/{batch_id}"),
    ("get", "/api/v1/coupon-batches/{batch_id}/export"),
    ("post", "/api/v1/coupon-batches/{batch_id}/issue"),
    ("post", "/api/v1/coupon-batches/{batch_id}/hand-out"),
    ("post", "/api/v1/coupon-batches/{batch_id}/sell"),
}


def test_e1_template_json_becomes_the_grpc_template_and_back(client, fakes, auth):
    body = {
        "name": "满100减20",
        "kind": "cash",
        "value_fen": 2000,
        "valid_days": 30,
        "min_spend_fen": 10000,
        "product_ids": ["p-1"],
        "convertible_to_stored_value": True,
        "conversion_value_fen": 1500,
        "total_quantity": 100,
    }
    response = client.post("/api/v1/coupon-templates", json=body, headers=auth)

    assert response.status_code == 201, response.get_json()
    sent = fakes["coupons"].rec.named("CreateTemplate")[0].request.template
    assert (sent.value.fen, sent.min_spend.fen, sent.conversion_value.fen, list(sent.product_ids)) == (
        2000,
        10000,
        1500,
        ["p-1"],
    )
    out = response.get_json()
    assert out["claim_path"] == "/api/v1/public/coupons/tok-1/claim"
    assert out["claim_url"] == "http://localhost/q/tok-1"  # the page customers open
    assert (out["value_fen"], out["min_spend_fen"], out["total_quantity"]) == (2000, 10000, 100)


def test_e1_service_field_names_are_turned_into_json_names(client, fakes, auth):
    fakes["coupons"].rec.fail["CreateTemplate"] = InvalidInput(fields={"value": "validation.invalid"})
    response = client.post("/api/v1/coupon-templates", json={"name": "x", "kind": "cash"}, headers=auth)

    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"value_fen"}


def test_e2_public_claim_needs_no_token_and_checks_the_phone(client, fakes):
    response = client.post("/api/v1/public/coupons/tok-1/claim", json={"phone": "13900000001"})

    assert response.status_code == 201
    assert response.get_json()["phone"] == "13900000001"
    call = fakes["coupons"].rec.named("ClaimCoupon")[0]
    assert call.request.claim_token == "tok-1" and "authorization" not in call.metadata
    bad = client.post("/api/v1/public/coupons/tok-1/claim", json={"phone": "123"})
    assert bad.status_code == 400 and "phone" in bad.get_json()["error"]["fields"]


def test_e2_send_to_customers(client, fakes, auth):
    response = client.post("/api/v1/coupon-templates/tpl-1/send", json={"customer_ids": ["c-1", "c-2"]}, headers=auth)

    assert response.status_code == 201
    assert [c["customer_id"] for c in response.get_json()["coupons"]] == ["c-1", "c-2"]


def test_e2_e10_send_to_segment_passes_the_key_and_answers_the_counts(client, fakes, auth):
    body = {"segment_id": "seg-1", "send_key": "k-1"}
    response = client.post("/api/v1/coupon-templates/tpl-1/send-to-segment", json=body, headers=auth)

    assert response.status_code == 200, response.get_json()
    sent = fakes["coupons"].rec.named("SendCouponsToSegment")[0].request
    assert (sent.template_id, sent.segment_id, sent.send_key) == ("tpl-1", "seg-1", "k-1")
    assert response.get_json() == {
        "send_id": "send-1",
        "send_key": "k-1",
        "template_id": "tpl-1",
        "segment_id": "seg-1",
        "issued": 3,
        "skipped": {"sold_out": 2},
        "finished": True,
    }
    missing = client.post("/api/v1/coupon-templates/tpl-1/send-to-segment", json={"segment_id": "s"}, headers=auth)
    assert missing.status_code == 400 and "send_key" in missing.get_json()["error"]["fields"]


def test_e2_send_key_reused_is_409_in_chinese(client, fakes, auth):
    fakes["coupons"].rec.fail["SendCouponsToSegment"] = Conflict(
        "COUPON_SEND_KEY_REUSED", "error.coupon_send_key_reused"
    )
    body = {"segment_id": "seg-1", "send_key": "k-1"}
    response = client.post("/api/v1/coupon-templates/tpl-1/send-to-segment", json=body, headers=auth)

    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "该发送编号已用于另一次发券"


def test_e4_refusal_is_409_with_the_code_and_the_missing_amount_in_chinese(client, fakes, auth):
    fakes["coupons"].rec.fail["RedeemCoupon"] = Conflict(
        "COUPON_BELOW_MIN_SPEND",
        "error.coupon_below_min_spend",
        params={"missing": "5000", "missing_yuan": "50.00", "min_spend": "10000", "min_spend_yuan": "100.00"},
    )
    body = {"code": "1234", "order_id": "o-1", "lines": [{"product_id": "p", "quantity": 1, "amount_fen": 5000}]}
    response = client.post("/api/v1/coupons/redeem", json=body, headers=auth)

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "COUPON_BELOW_MIN_SPEND"
    assert "50.00" in error["message"] and "100.00" in error["message"]


def test_e4_redeem_builds_lines_in_fen(client, fakes, auth):
    body = {
        "code": "CRMCPN:1234567890123452",
        "order_id": "o-1",
        "store_id": "st-1",
        "lines": [{"product_id": "p", "category_id": "c", "quantity": 2, "amount_fen": 12000}],
    }
    response = client.post("/api/v1/coupons/redeem", json=body, headers=auth)

    assert response.status_code == 200
    assert response.get_json()["discount_fen"] == 2000
    sent = fakes["coupons"].rec.named("RedeemCoupon")[0].request
    assert (sent.code, sent.store_id, sent.lines[0].amount.fen, sent.lines[0].quantity) == (
        "CRMCPN:1234567890123452",
        "st-1",
        12000,
        2,
    )


def test_e6_stats_json(client, fakes, auth):
    response = client.get("/api/v1/coupon-templates/tpl-1/stats?date_from=2026-11-01", headers=auth)

    assert response.status_code == 200
    assert response.get_json()["redemption_rate_bp"] == 2500
    assert fakes["coupons"].rec.named("GetTemplateStats")[0].request.date_from == "2026-11-01"


def test_e3_batch_routes_build_requests_and_return_the_ledger(client, fakes, auth):
    made = client.post("/api/v1/coupon-batches", json={"template_id": "tpl-1", "quantity": 500}, headers=auth)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["in_stock"] == 0
    assert fakes["coupons"].rec.named("MakeBatch")[0].request.quantity == 500
    sold = client.post("/api/v1/coupon-batches/b-1/sell", json={"buyer": "中国银行", "quantity": 10}, headers=auth)
    assert sold.status_code == 200 and sold.get_json()["sold"] == 10
    assert fakes["coupons"].rec.named("SellCoupons")[0].request.buyer == "中国银行"
    export = client.get("/api/v1/coupon-batches/b-1/export", headers=auth)
    assert export.status_code == 200 and export.data == b"PK-xlsx"
    assert export.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    too_many = client.post("/api/v1/coupon-batches", json={"template_id": "t", "quantity": 100_001}, headers=auth)
    assert too_many.status_code == 400 and "quantity" in too_many.get_json()["error"]["fields"]


def test_e2_claim_page_is_public(client, fakes):
    response = client.get("/api/v1/public/coupons/tok-1")

    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["remaining"]) == ("满100减20", 7)
