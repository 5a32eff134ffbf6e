"""E2 E4 E6 over HTTP with every service a real process: a template with rules sent to a saved
segment, each holder texted their code, then a salesperson's order uses a holder's coupon. The
orders service redeems it in the coupons service while placing the order: below the minimum
spend the order is refused with the reason (in Chinese, naming the code) and nothing is written;
with enough goods the order owes the rest; the same code typed on a second order is refused;
another customer's coupon is refused; the statistics of the template and of the campaign (the
send) count the redemption. The order is then collected at the store with its one-time
verification code (B7), once."""

from __future__ import annotations

from client import eventually
from journey import PASSWORD, create_staff, login, phone, sign_up


def ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json()


def test_e2_e4_e6_an_order_uses_a_coupon_sent_to_a_segment(platform, world):
    anon, other = world["anon"], world["other_owner"]
    signed = sign_up(anon, "七号商贸")
    owner = anon.as_(login(anon, signed["owner_phone"]))
    store_id = signed["head_store"]["id"]
    seller = anon.as_(login(anon, create_staff(owner, "吴业务", ["salesperson"], store_id, password=PASSWORD)["phone"]))
    phones = {name: phone() for name in ("用券超市", "街角小店")}
    shop, corner = (
        ok(seller.post("/api/v1/customers", json={"name": name, "phone": number}), 201)["id"]
        for name, number in phones.items()
    )
    cola = ok(
        owner.post(
            "/api/v1/products",
            json={"name": "可乐", "unit": "箱", "wholesale_price_fen": 3000, "kind": "goods", "listed": True},
        ),
        201,
    )

    # E1 E2: a cash coupon "100 off 20" sent to every member of a saved segment.
    template = {
        "name": "满100减20",
        "kind": "cash",
        "value_fen": 2000,
        "valid_days": 30,
        "min_spend_fen": 10000,
        "total_quantity": 10,
        "per_person_limit": 1,
    }
    tpl = ok(owner.post("/api/v1/coupon-templates", json=template), 201)
    segment = ok(owner.post("/api/v1/segments", json={"name": "全部客户", "filter": {}}), 201)
    sent = ok(
        owner.post(
            f"/api/v1/coupon-templates/{tpl['id']}/send-to-segment",
            json={"segment_id": segment["id"], "send_key": "order-journey"},
        )
    )
    assert sent["issued"] == 2
    held = ok(owner.get("/api/v1/coupons", params={"customer_id": shop}))["coupons"]
    code = held[0]["code"]
    corner_code = ok(owner.get("/api/v1/coupons", params={"customer_id": corner}))["coupons"][0]["code"]
    # Holders notified: each is texted their code once (messaging worker, coupons.coupon_issued).
    texted = {phones["用券超市"]: code, phones["街角小店"]: corner_code}

    def texts():
        return {
            number: [(m["template_code"], m["params"].get("code")) for m in platform.sms_server.messages(phone=number)]
            for number in texted
        }

    wanted = {number: [("coupon_issued", c)] for number, c in texted.items()}
    assert eventually(lambda: texts() == wanted, timeout=30), texts()

    def order(customer, quantity, codes):
        return seller.post(
            "/api/v1/orders",
            json={
                "customer_id": customer,
                "lines": [{"product_id": cola["id"], "quantity": quantity}],
                "coupon_codes": codes,
            },
        )

    # E4: 90 yuan of goods is below the minimum spend: refused with the reason, nothing written.
    below = order(shop, 3, [code])
    assert below.status_code == 409, below.text
    error = below.json()["error"]
    assert error["code"] == "COUPON_BELOW_MIN_SPEND"
    assert "还差 10.00 元" in error["message"]
    assert ok(seller.get("/api/v1/orders", params={"customer_id": shop}))["page"]["total"] == 0
    assert ok(owner.get("/api/v1/coupons/lookup", params={"code": code}))["status"] == "active"

    # Another customer's coupon is refused on this customer's order.
    theirs = order(shop, 5, [corner_code])
    assert theirs.status_code == 409 and theirs.json()["error"]["code"] == "COUPON_NOT_HOLDERS", theirs.text

    # 150 yuan of goods: the coupon takes 20 off; the order owes 130.
    placed = ok(order(shop, 5, [code]), 201)
    assert (placed["goods_total_fen"], placed["discount_fen"], placed["total_fen"]) == (15000, 2000, 13000)
    assert [(c["code"], c["discount_fen"]) for c in placed["coupons"]] == [(code, 2000)]
    used = ok(owner.get("/api/v1/coupons/lookup", params={"code": code}))
    assert (used["status"], used["order_id"]) == ("redeemed", placed["id"])
    detail = ok(seller.get(f"/api/v1/orders/{placed['id']}"))
    assert (detail["discount_fen"], detail["total_fen"]) == (2000, 13000)

    # The same code typed again on a new order: refused, and that order is not placed.
    twice = order(shop, 5, [code])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "COUPON_ALREADY_REDEEMED", twice.text
    assert ok(seller.get("/api/v1/orders", params={"customer_id": shop}))["page"]["total"] == 1
    # A malformed code names the field.
    bad = order(shop, 5, ["12"])
    assert bad.status_code == 400 and "coupon_codes.0" in bad.json()["error"]["fields"], bad.text

    # B7: the customer collects the approved order at the store with its one-time code: the
    # scanned QR hands the goods over (stock out) once; the code shown again is refused.
    stocked = owner.put(f"/api/v1/products/{cola['id']}/stock/{store_id}", json={"quantity": 20, "reason": "期初"})
    assert stocked.status_code == 200, stocked.text
    ok(owner.post(f"/api/v1/orders/{placed['id']}/approve"))
    handed = ok(owner.post("/api/v1/orders/verify", json={"code": placed["verification_qr"]}))
    assert handed["status"] == "shipped" and handed["verified_at"]
    shown_again = owner.post("/api/v1/orders/verify", json={"code": placed["verification_code"]})
    assert shown_again.status_code == 409, shown_again.text
    assert shown_again.json()["error"]["code"] == "ORDER_ALREADY_VERIFIED"
    assert "已核销" in shown_again.json()["error"]["message"]
    product = ok(owner.get(f"/api/v1/products/{cola['id']}"))
    assert next(s["quantity"] for s in product["stock"] if s["store_id"] == store_id) == 15
    assert other.post("/api/v1/orders/verify", json={"code": placed["verification_code"]}).status_code == 404

    # E6: the statistics count what was issued and redeemed; another tenant sees nothing.
    stats = ok(owner.get(f"/api/v1/coupon-templates/{tpl['id']}/stats"))
    assert (stats["issued"], stats["redeemed"], stats["redemption_rate_bp"]) == (2, 1, 5000)
    assert other.get(f"/api/v1/coupon-templates/{tpl['id']}/stats").status_code == 404
    # Per campaign: this send issued two coupons, one of them used.
    campaign = ok(owner.get(f"/api/v1/coupon-sends/{sent['send_id']}/stats"))
    assert (campaign["send_key"], campaign["issued"], campaign["redeemed"], campaign["skipped"]) == (
        "order-journey",
        2,
        1,
        {},
    )
    assert other.get(f"/api/v1/coupon-sends/{sent['send_id']}/stats").status_code == 404
