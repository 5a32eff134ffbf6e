"""B6 B7 B8 at the gateway, the customer's side: the shop's SMS login through identity, the
tenant's stores and listed products read as the gateway for the token's tenant, and the
customer's own orders through the StorefrontService with the customer's token; bad input is a
400 naming the field before any call; staff tokens are 403 here."""

from __future__ import annotations

from crmkit.errors import Conflict, InvalidInput, NotFound

SHOP_PATHS = {
    ("post", "/api/v1/shop/login/code"),
    ("post", "/api/v1/shop/login"),
    ("post", "/api/v1/shop/logout"),
    ("get", "/api/v1/shop/stores"),
    ("get", "/api/v1/shop/products"),
    ("post", "/api/v1/shop/orders"),
    ("get", "/api/v1/shop/orders"),
    ("get", "/api/v1/shop/orders/{order_id}"),
    ("post", "/api/v1/shop/orders/{order_id}/pay"),
    ("post", "/api/v1/shop/orders/{order_id}/actions/{action}"),
    ("post", "/api/v1/shop/orders/{order_id}/refunds"),
}
SHOP_PUBLIC = {"/api/v1/shop/login/code", "/api/v1/shop/login"}
TAKEAWAY = {
    "store_id": "st-1",
    "kind": "takeaway",
    "lines": [{"product_id": "p-1", "quantity": 2, "spec": "少辣"}],
    "contact_name": "张三",
    "contact_phone": "13912345678",
    "address": "人民路 1 号",
    "coupon_codes": ["CP123"],
}


def key(value: str = "k-1") -> dict:
    return {"Idempotency-Key": value}


def test_b6_login_code_and_login_go_to_identity_for_the_client_address(client, fakes):
    sent = client.post("/api/v1/shop/login/code", json={"tenant_id": "t-1", "phone": "13912345678"})
    logged = client.post("/api/v1/shop/login", json={"tenant_id": "t-1", "phone": "13912345678", "code": "246810"})

    assert sent.status_code == 202 and sent.json == {"expires_in_seconds": 300, "resend_after_seconds": 60}
    assert logged.status_code == 200
    assert logged.json == {"access_token": "customer.jwt", "expires_in": 604800, "customer_id": "c-9"}
    (asked,) = fakes["identity"].rec.named("RequestCustomerCode")
    (login,) = fakes["identity"].rec.named("LoginCustomer")
    assert (asked.request.tenant_id, asked.request.phone, asked.client_address) == ("t-1", "13912345678", "127.0.0.1")
    assert (login.request.code, login.client_address) == ("246810", "127.0.0.1")


def test_b6_shop_login_errors_name_the_field_or_pass_through(client, fakes):
    bad = client.post("/api/v1/shop/login/code", json={"tenant_id": "", "phone": "12345"})
    short = client.post("/api/v1/shop/login", json={"tenant_id": "t-1", "phone": "13912345678", "code": "12"})
    unknown = client.post("/api/v1/shop/login/code", json={"tenant_id": "t-missing", "phone": "13912345678"})
    wrong = client.post("/api/v1/shop/login", json={"tenant_id": "t-1", "phone": "13912345678", "code": "111111"})

    assert bad.status_code == 400 and set(bad.json["error"]["fields"]) == {"tenant_id", "phone"}
    assert short.status_code == 400 and set(short.json["error"]["fields"]) == {"code"}
    assert (unknown.status_code, unknown.json["error"]["code"]) == (404, "TENANT_NOT_FOUND")
    assert (wrong.status_code, wrong.json["error"]["code"]) == (401, "INVALID_CODE")
    assert [c.method for c in fakes["identity"].rec.calls] == ["RequestCustomerCode", "LoginCustomer"]


def test_b6_shop_login_is_limited_per_address(make_app, fakes):
    client = make_app(rate_limit_public_per_min=2).test_client()
    body = {"tenant_id": "t-1", "phone": "13912345678"}

    statuses = [client.post("/api/v1/shop/login/code", json=body).status_code for _ in range(3)]

    assert statuses == [202, 202, 429]
    assert len(fakes["identity"].rec.named("RequestCustomerCode")) == 2


def test_b6_stores_and_products_are_the_tokens_tenants_read_as_the_gateway(client, customer_auth, fakes):
    stores = client.get("/api/v1/shop/stores", headers=customer_auth(tenant_id="t-7"))
    products = client.get(
        "/api/v1/shop/products?store_id=st-1&query=%20可乐%20", headers=customer_auth(tenant_id="t-7")
    )
    elsewhere = client.get("/api/v1/shop/products?store_id=st-9", headers=customer_auth(tenant_id="t-7"))

    assert stores.status_code == 200
    assert stores.json == {
        "items": [
            {"id": "st-1", "name": "总店", "address": ""},
            {"id": "st-2", "name": "分店", "address": "人民路 8 号"},
        ]
    }
    assert products.status_code == 200
    assert products.json == {
        "items": [
            {
                "id": "p-1",
                "name": "可乐 330ml×24",
                "category_id": "cat-2",
                "unit": "箱",
                "price_fen": 4850,
                "stock": 100,
            }
        ],
        "total": 1,
    }
    assert elsewhere.json["items"][0]["stock"] is None
    (listed, _) = fakes["orders"].rec.named("ListProducts")
    assert (listed.request.query, listed.request.listed_only) == ("可乐", True)
    (store_call,) = fakes["identity"].rec.named("ListStores")
    for call in (store_call, listed):
        assert (call.actor.kind, call.actor.subject_id, call.actor.tenant_id) == ("service", "gateway", "t-7")


def test_b6_the_owner_says_where_a_new_store_is_for_the_shop(client, auth, fakes):
    made = client.post("/api/v1/stores", json={"name": "东店", "address": "人民路 8 号"}, headers=auth)
    long = client.post("/api/v1/stores", json={"name": "西店", "address": "长" * 201}, headers=auth)

    assert made.status_code == 201 and made.json["address"] == "人民路 8 号"
    assert set(long.json["error"]["fields"]) == {"address"}
    assert [c.request.address for c in fakes["identity"].rec.named("CreateStore")] == ["人民路 8 号"]


def test_b6_the_owner_says_where_the_head_store_is(client, auth, fakes):
    moved = client.put("/api/v1/stores/st-1", json={"name": "总店", "address": "解放路 1 号"}, headers=auth)
    nameless = client.put("/api/v1/stores/st-1", json={"address": "解放路 1 号"}, headers=auth)
    missing = client.put("/api/v1/stores/st-missing", json={"name": "X"}, headers=auth)

    assert moved.status_code == 200 and (moved.json["id"], moved.json["address"]) == ("st-1", "解放路 1 号")
    assert nameless.status_code == 400 and set(nameless.json["error"]["fields"]) == {"name"}
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "STORE_NOT_FOUND")
    assert [(c.request.id, c.request.name) for c in fakes["identity"].rec.named("UpdateStore")] == [
        ("st-1", "总店"),
        ("st-missing", "X"),
    ]


def test_b6_a_customer_places_their_order_once_per_key(client, customer_auth, fakes):
    placed = client.post("/api/v1/shop/orders", json=TAKEAWAY, headers={**customer_auth(), **key("k-1")})
    again = client.post("/api/v1/shop/orders", json=TAKEAWAY, headers={**customer_auth(), **key("k-1")})

    assert placed.status_code == 201, placed.text
    assert again.status_code == 201 and again.json == placed.json
    (call,) = fakes["storefront"].rec.named("PlaceOrder")
    assert call.actor.customer_id == "c-1" and call.actor.tenant_id == "t-1"
    r = call.request
    assert (r.store_id, r.kind, r.idempotency_key, r.customer_id, r.address) == (
        "st-1",
        "takeaway",
        "k-1",
        "",
        "人民路 1 号",
    )
    assert [(x.product_id, x.quantity, x.spec) for x in r.lines] == [("p-1", 2, "少辣")]
    assert list(r.coupon_codes) == ["CP123"] and not r.HasField("amount") and not r.HasField("reserved_for")
    assert not r.HasField("latitude") and not r.HasField("longitude")
    order = placed.json
    assert (order["total_fen"], order["goods_total_fen"], order["discount_fen"], order["delivery_fee_fen"]) == (
        3500,
        3600,
        500,
        400,
    )
    assert order["lines"] == [
        {
            "product_id": "p-1",
            "category_id": "cat-hot",
            "name": "宫保鸡丁",
            "quantity": 2,
            "unit_price_fen": 1800,
            "amount_fen": 3600,
            "spec": "少辣",
        }
    ]
    assert (order["delivery"], order["refunds"], order["paid_at"]) == (None, [], None)
    assert order["placed_at"] == "2026-01-01T00:00:00+00:00" and order["actions"] == ["cancel"]


def test_b6_a_takeaways_point_on_the_map_goes_to_the_service(client, customer_auth, fakes):
    located = {**TAKEAWAY, "latitude": 31.2304, "longitude": 121.4737}
    placed = client.post("/api/v1/shop/orders", json=located, headers={**customer_auth(), **key("k-point")})
    assert placed.status_code == 201, placed.text
    (call,) = fakes["storefront"].rec.named("PlaceOrder")
    assert (call.request.latitude, call.request.longitude) == (31.2304, 121.4737)
    assert (placed.json["latitude"], placed.json["longitude"]) == (None, None)  # the fake's order has none


def test_b6_face_to_face_pays_an_amount_and_a_reservation_its_time(client, customer_auth, fakes):
    face = {"store_id": "st-1", "kind": "face_to_face", "amount_fen": 8800}
    booking = {**TAKEAWAY, "kind": "reservation", "reserved_for": "2026-12-06T10:30:00Z"}

    assert client.post("/api/v1/shop/orders", json=face, headers={**customer_auth(), **key("a")}).status_code == 201
    assert client.post("/api/v1/shop/orders", json=booking, headers={**customer_auth(), **key("b")}).status_code == 201

    paid, booked = fakes["storefront"].rec.named("PlaceOrder")
    assert paid.request.amount.fen == 8800 and not paid.request.lines
    assert booked.request.reserved_for.seconds == 1_796_553_000


def test_b6_bad_orders_are_refused_naming_the_field_before_any_call(client, customer_auth, fakes):
    cases = [
        ({**TAKEAWAY, "kind": "wholesale"}, {"kind"}),
        ({**TAKEAWAY, "lines": [{"product_id": "p-1", "quantity": 0}]}, {"lines.0.quantity"}),
        ({**TAKEAWAY, "lines": [{"product_id": "p-1", "quantity": 1.5}]}, {"lines.0.quantity"}),
        ({**TAKEAWAY, "lines": []}, {"lines"}),
        ({**TAKEAWAY, "amount_fen": 100}, {"amount_fen"}),
        ({"store_id": "st-1", "kind": "top_up"}, {"amount_fen"}),
        ({"store_id": "st-1", "kind": "top_up", "amount_fen": 100, "lines": TAKEAWAY["lines"]}, {"lines"}),
        ({**TAKEAWAY, "contact_phone": "555-1234"}, {"contact_phone"}),
        ({**TAKEAWAY, "store_id": ""}, {"store_id"}),
        ({**TAKEAWAY, "reserved_for": "tomorrow"}, {"reserved_for"}),
        ({**TAKEAWAY, "latitude": 91, "longitude": 121.47}, {"latitude"}),
        ({**TAKEAWAY, "latitude": 31.23, "longitude": "东经"}, {"longitude"}),
    ]
    for n, (body, fields) in enumerate(cases):
        response = client.post("/api/v1/shop/orders", json=body, headers={**customer_auth(), **key(f"bad-{n}")})
        assert response.status_code == 400, (body, response.text)
        assert set(response.json["error"]["fields"]) == fields, (body, response.json)
    missing_key = client.post("/api/v1/shop/orders", json=TAKEAWAY, headers=customer_auth())
    assert missing_key.status_code == 400 and set(missing_key.json["error"]["fields"]) == {"Idempotency-Key"}
    assert not fakes["storefront"].rec.calls


def test_b6_the_services_field_names_come_back_as_the_jsons(client, customer_auth, fakes):
    fakes["storefront"].rec.fail["PlaceOrder"] = InvalidInput(
        "STOREFRONT_INPUT_INVALID",
        fields={"amount": "validation.too_large", "lines.0.product_id": "validation.invalid"},
    )
    face = {"store_id": "st-1", "kind": "face_to_face", "amount_fen": 1}

    response = client.post("/api/v1/shop/orders", json=face, headers={**customer_auth(), **key()})

    assert response.status_code == 400
    assert set(response.json["error"]["fields"]) == {"amount_fen", "lines.0.product_id"}


def test_b6_my_orders_are_listed_read_paid_stepped_and_refunded_with_my_token(client, customer_auth, fakes):
    me = customer_auth("c-5")
    listed = client.get("/api/v1/shop/orders?state=paid&page=2&page_size=5", headers=me)
    one = client.get("/api/v1/shop/orders/sf-3", headers=me)
    paid = client.post("/api/v1/shop/orders/sf-3/pay", json={"method": "wechat", "openid": " o-1 "}, headers=me)
    stored = client.post("/api/v1/shop/orders/sf-3/pay", json={"method": "stored_value"}, headers=me)
    cancelled = client.post("/api/v1/shop/orders/sf-3/actions/cancel", json={"reason": "不要了"}, headers=me)
    received = client.post("/api/v1/shop/orders/sf-3/actions/confirm_receipt", json={}, headers=me)
    refund = client.post("/api/v1/shop/orders/sf-3/refunds", json={"amount_fen": 1200, "reason": "少了"}, headers=me)

    assert listed.status_code == 200 and listed.json["total"] == 7
    assert [o["id"] for o in listed.json["items"]] == ["sf-1", "sf-2"]
    assert one.json["refunds"][0] == {
        "id": "rf-1",
        "state": "requested",
        "requested_fen": 1000,
        "approved_fen": 0,
        "reason": "少了一份",
        "reject_reason": "",
        "requested_at": "2026-01-01T00:00:00+00:00",
        "decided_at": None,
        "refunded_at": None,
    }
    assert one.json["delivery"] == {
        "provider": "dada",
        "status": "delivering",
        "reason": "",
        "rider_name": "李骑手",
        "rider_phone": "",
        "fee_fen": 600,
        "distance_m": 1200,
        "updated_at": "2026-01-01T00:00:00+00:00",
    }
    assert (one.json["refundable"], one.json["paid_fen"], one.json["payment_method"]) == (True, 3500, "wechat")
    assert paid.status_code == 200 and paid.json["pay_params"]["package"] == "prepay_id=wx2"
    assert paid.json["order"]["id"] == "sf-3" and stored.json["pay_params"] == {}
    assert cancelled.status_code == 200 and received.status_code == 200
    assert refund.status_code == 200 and refund.json["refunds"][0]["requested_fen"] == 1200
    rec = fakes["storefront"].rec
    (lst,) = rec.named("ListOrders")
    assert (lst.request.state, lst.request.page.page, lst.request.page.page_size) == ("paid", 2, 5)
    assert lst.request.store_id == "" and lst.actor.customer_id == "c-5"
    assert [c.request.openid for c in rec.named("StartPayment")] == ["o-1", ""]
    assert [(c.request.action, c.request.reason) for c in rec.named("TakeAction")] == [
        ("cancel", "不要了"),
        ("confirm_receipt", ""),
    ]
    (asked,) = rec.named("RequestRefund")
    assert (asked.request.id, asked.request.amount.fen, asked.request.reason) == ("sf-3", 1200, "少了")
    assert all(c.actor.customer_id == "c-5" for c in rec.calls)


def test_b6_bad_steps_payments_and_refunds_name_the_field(client, customer_auth, fakes):
    me = customer_auth()

    step = client.post("/api/v1/shop/orders/sf-1/actions/accept", json={}, headers=me)
    wechat = client.post("/api/v1/shop/orders/sf-1/pay", json={"method": "wechat"}, headers=me)
    method = client.post("/api/v1/shop/orders/sf-1/pay", json={"method": "cash"}, headers=me)
    refund = client.post("/api/v1/shop/orders/sf-1/refunds", json={"amount_fen": 0}, headers=me)
    page = client.get("/api/v1/shop/orders?page_size=500&state=lost", headers=me)

    assert step.status_code == 400 and set(step.json["error"]["fields"]) == {"action"}
    assert set(wechat.json["error"]["fields"]) == {"openid"}
    assert set(method.json["error"]["fields"]) == {"method"}
    assert set(refund.json["error"]["fields"]) == {"amount_fen"}
    assert set(page.json["error"]["fields"]) == {"page_size", "state"}
    assert not fakes["storefront"].rec.calls


def test_b6_the_services_answers_pass_through(client, customer_auth, fakes):
    fakes["storefront"].rec.fail["GetOrder"] = NotFound("STOREFRONT_ORDER_NOT_FOUND", "error.not_found")
    fakes["storefront"].rec.fail["RequestRefund"] = Conflict("REFUND_NOT_ACCEPTED", "error.refund_not_accepted")

    missing = client.get("/api/v1/shop/orders/sf-other", headers=customer_auth())
    refused = client.post("/api/v1/shop/orders/sf-1/refunds", json={"amount_fen": 100}, headers=customer_auth())

    assert (missing.status_code, missing.json["error"]["code"]) == (404, "STOREFRONT_ORDER_NOT_FOUND")
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "REFUND_NOT_ACCEPTED")


def test_b6_a_customer_logs_out_with_their_own_token(client, customer_auth, fakes):
    out = client.post("/api/v1/shop/logout", headers=customer_auth())
    assert out.status_code == 204, out.text
    (call,) = fakes["identity"].rec.named("LogoutCustomer")
    assert (call.actor.customer_id, call.actor.tenant_id) == ("c-1", "t-1")


def test_b6_staff_tokens_and_no_token_are_refused_by_the_shop(client, auth, fakes):
    for method, path in (
        ("post", "/api/v1/shop/logout"),
        ("get", "/api/v1/shop/stores"),
        ("get", "/api/v1/shop/products"),
        ("get", "/api/v1/shop/orders"),
        ("get", "/api/v1/shop/orders/sf-1"),
        ("post", "/api/v1/shop/orders/sf-1/actions/cancel"),
    ):
        as_staff = getattr(client, method)(path, headers=auth, json={} if method == "post" else None)
        anonymous = getattr(client, method)(path, json={} if method == "post" else None)
        assert (as_staff.status_code, as_staff.json["error"]["code"]) == (403, "CUSTOMERS_ONLY"), path
        assert anonymous.status_code == 401, path
    staff_order = client.post("/api/v1/shop/orders", json=TAKEAWAY, headers={**auth, **key()})
    assert staff_order.status_code == 403 and staff_order.json["error"]["message"] == "仅限商城顾客登录后使用"
    assert not fakes["storefront"].rec.calls and not fakes["orders"].rec.calls
