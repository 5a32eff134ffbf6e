"""B6 B7 B8 B12 F4 A1 at the gateway, the merchant's side: storefront orders listed, summarised,
placed at the counter, stepped, verified, refunds decided, takeaways handed to delivery and an
order's change log read, all
through the StorefrontService with the staff member's token; bad input is a 400 naming the field
before any call; a customer token is 403 on every one of them."""

from __future__ import annotations

from crmkit.errors import Conflict, NotFound, PermissionDenied

STOREFRONT_PATHS = {
    ("get", "/api/v1/storefront/orders"),
    ("post", "/api/v1/storefront/orders"),
    ("get", "/api/v1/storefront/orders/{order_id}"),
    ("get", "/api/v1/storefront/orders/{order_id}/changes"),
    ("get", "/api/v1/storefront/summary"),
    ("post", "/api/v1/storefront/orders/{order_id}/actions/{action}"),
    ("post", "/api/v1/storefront/verify"),
    ("post", "/api/v1/storefront/orders/{order_id}/refunds/{refund_id}/approve"),
    ("post", "/api/v1/storefront/orders/{order_id}/refunds/{refund_id}/reject"),
    ("post", "/api/v1/storefront/orders/{order_id}/delivery"),
}
COUNTER_ORDER = {
    "store_id": "st-1",
    "kind": "in_store",
    "customer_id": "c-3",
    "lines": [{"product_id": "p-1", "quantity": 1}],
    "note": "堂食",
}


def test_b6_f4_the_workbench_lists_and_summarises_my_stores_orders(client, auth, fakes):
    listed = client.get(
        "/api/v1/storefront/orders?store_id=st-1&kind=takeaway&state=paid&day=2026-12-05&refund_pending=true",
        headers=auth,
    )
    everything = client.get("/api/v1/storefront/orders", headers=auth)
    summary = client.get("/api/v1/storefront/summary?store_id=st-1&day=2026-12-05", headers=auth)

    assert listed.status_code == 200 and listed.json["total"] == 7 and len(listed.json["items"]) == 2
    assert everything.status_code == 200
    assert summary.status_code == 200
    assert summary.json == {
        "store_id": "st-1",
        "day": "2026-12-05",
        "orders": 4,
        "paid_fen": 11000,
        "refunds_pending": 1,
        "counts": [
            {"kind": "takeaway", "state": "paid", "count": 3, "paid_fen": 9000},
            {"kind": "in_store", "state": "done", "count": 1, "paid_fen": 2000},
        ],
    }
    first, second = fakes["storefront"].rec.named("ListOrders")
    r = first.request
    assert (r.store_id, r.kind, r.state, r.day, r.refund_pending) == ("st-1", "takeaway", "paid", "2026-12-05", True)
    r = second.request
    assert (r.store_id, r.kind, r.state, r.day, r.refund_pending, r.page.page, r.page.page_size) == (
        "",
        "",
        "",
        "",
        False,
        1,
        20,
    )
    (day,) = fakes["storefront"].rec.named("SummarizeDay")
    assert (day.request.store_id, day.request.day, day.actor.staff_id) == ("st-1", "2026-12-05", "s-1")


def test_b6_bad_list_and_summary_queries_name_the_field(client, auth, fakes):
    listed = client.get("/api/v1/storefront/orders?kind=wholesale&day=2026-13-01&refund_pending=maybe", headers=auth)
    summary = client.get("/api/v1/storefront/summary?day=yesterday", headers=auth)

    assert set(listed.json["error"]["fields"]) == {"kind", "day", "refund_pending"}
    assert set(summary.json["error"]["fields"]) == {"store_id", "day"}
    assert not fakes["storefront"].rec.calls


def test_b6_staff_place_an_order_for_a_customer_once_per_key(client, auth, fakes):
    headers = {**auth, "Idempotency-Key": "counter-1"}
    placed = client.post("/api/v1/storefront/orders", json=COUNTER_ORDER, headers=headers)
    again = client.post("/api/v1/storefront/orders", json=COUNTER_ORDER, headers=headers)
    no_customer = client.post(
        "/api/v1/storefront/orders", json={**COUNTER_ORDER, "customer_id": ""}, headers={**auth, "Idempotency-Key": "x"}
    )

    assert placed.status_code == 201 and again.json == placed.json
    assert placed.json["customer_id"] == "c-3" and placed.json["kind"] == "in_store"
    assert set(no_customer.json["error"]["fields"]) == {"customer_id"}
    (call,) = fakes["storefront"].rec.named("PlaceOrder")
    assert (call.request.customer_id, call.request.idempotency_key, call.request.note) == ("c-3", "counter-1", "堂食")
    assert call.actor.staff_id == "s-1"


def test_b6_b7_steps_go_to_the_service_with_what_they_need(client, auth, fakes):
    shipped = client.post(
        "/api/v1/storefront/orders/sf-1/actions/ship", json={"carrier": "顺丰", "tracking_no": "SF123"}, headers=auth
    )
    accepted = client.post("/api/v1/storefront/orders/sf-1/actions/accept", json={}, headers=auth)
    failed = client.post(
        "/api/v1/storefront/orders/sf-1/actions/delivery_failed", json={"reason": "联系不上"}, headers=auth
    )
    verified = client.post(
        "/api/v1/storefront/verify", json={"code": "CRMSF:12345678", "store_id": "st-1"}, headers=auth
    )

    assert shipped.status_code == 200 and (shipped.json["carrier"], shipped.json["tracking_no"]) == ("顺丰", "SF123")
    assert accepted.status_code == failed.status_code == 200
    assert verified.status_code == 200 and verified.json["state"] == "done"
    steps = [
        (c.request.action, c.request.carrier, c.request.reason) for c in fakes["storefront"].rec.named("TakeAction")
    ]
    assert steps == [("ship", "顺丰", ""), ("accept", "", ""), ("delivery_failed", "", "联系不上")]
    (verify,) = fakes["storefront"].rec.named("VerifyByCode")
    assert (verify.request.code, verify.request.store_id) == ("CRMSF:12345678", "st-1")


def test_b6_a_step_without_what_it_needs_or_unknown_is_refused_naming_it(client, auth, fakes):
    ship = client.post("/api/v1/storefront/orders/sf-1/actions/ship", json={"carrier": " "}, headers=auth)
    verify = client.post("/api/v1/storefront/orders/sf-1/actions/verify", json={}, headers=auth)
    unknown = client.post("/api/v1/storefront/orders/sf-1/actions/pay", json={}, headers=auth)
    customers_step = client.post("/api/v1/storefront/orders/sf-1/actions/confirm_receipt", json={}, headers=auth)
    too_long = client.post(
        "/api/v1/storefront/orders/sf-1/actions/delivery_failed", json={"reason": "长" * 201}, headers=auth
    )
    no_code = client.post("/api/v1/storefront/verify", json={}, headers=auth)

    assert set(ship.json["error"]["fields"]) == {"carrier", "tracking_no"}
    assert set(verify.json["error"]["fields"]) == {"code"}
    assert set(unknown.json["error"]["fields"]) == set(customers_step.json["error"]["fields"]) == {"action"}
    assert set(too_long.json["error"]["fields"]) == {"reason"}
    assert set(no_code.json["error"]["fields"]) == {"code"}
    assert not fakes["storefront"].rec.calls


def test_b8_refunds_are_approved_for_an_amount_or_rejected_with_a_reason(client, auth, fakes):
    approved = client.post(
        "/api/v1/storefront/orders/sf-1/refunds/rf-1/approve", json={"amount_fen": 800}, headers=auth
    )
    asked = client.post("/api/v1/storefront/orders/sf-1/refunds/rf-1/approve", json={}, headers=auth)
    rejected = client.post(
        "/api/v1/storefront/orders/sf-1/refunds/rf-1/reject", json={"reason": "已出餐"}, headers=auth
    )
    no_reason = client.post("/api/v1/storefront/orders/sf-1/refunds/rf-1/reject", json={}, headers=auth)
    negative = client.post("/api/v1/storefront/orders/sf-1/refunds/rf-1/approve", json={"amount_fen": -1}, headers=auth)

    assert approved.json["refunds"][0] == {**approved.json["refunds"][0], "state": "approved", "approved_fen": 800}
    assert rejected.json["refunds"][0]["reject_reason"] == "已出餐"
    assert asked.status_code == 200
    assert set(no_reason.json["error"]["fields"]) == {"reason"} and set(negative.json["error"]["fields"]) == {
        "amount_fen"
    }
    decided = [
        (c.request.refund_id, c.request.approve, c.request.amount.fen, c.request.reason)
        for c in fakes["storefront"].rec.named("DecideRefund")
    ]
    assert decided == [("rf-1", True, 800, ""), ("rf-1", True, 0, ""), ("rf-1", False, 0, "已出餐")]


def test_b12_a_takeaway_is_handed_to_delivery(client, auth, fakes):
    handed = client.post("/api/v1/storefront/orders/sf-1/delivery", headers=auth)

    assert handed.status_code == 200
    assert handed.json["delivery"]["provider"] == "dada" and handed.json["state"] == "delivering"
    assert fakes["storefront"].rec.named("HandToDelivery")[0].request.id == "sf-1"


def test_a1_a_storefront_orders_change_log_is_read_paged_from_the_storefront_service(client, auth, fakes):
    response = client.get("/api/v1/storefront/orders/sf-1/changes?page=2&page_size=5", headers=auth)
    default = client.get("/api/v1/storefront/orders/sf-1/changes", headers=auth)
    missing = client.get("/api/v1/storefront/orders/missing-1/changes", headers=auth)
    bad_page = client.get("/api/v1/storefront/orders/sf-1/changes?page_size=101", headers=auth)

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["page"] == {"page": 2, "page_size": 5, "total": 2}
    updated, placed = body["changes"]
    assert (updated["action"], updated["actor_kind"], updated["actor_id"]) == ("updated", "staff", "s-1")
    assert (updated["fields"], updated["before"], updated["after"]) == (
        ["price_fen"],
        {"price_fen": 300},
        {"price_fen": 350},
    )
    assert (placed["before"], placed["fields"]) == (None, ["name", "price_fen"])
    assert default.status_code == 200
    assert missing.status_code == 404 and set(bad_page.json["error"]["fields"]) == {"page_size"}
    sent = fakes["storefront"].rec.named("ListStorefrontOrderChanges")
    assert [(c.request.object_id, c.request.page.page, c.request.page.page_size) for c in sent] == [
        ("sf-1", 2, 5),
        ("sf-1", 1, 20),
        ("missing-1", 1, 20),
    ]
    assert sent[0].actor.staff_id == "s-1"


def test_b6_the_services_refusals_pass_through_with_their_status(client, auth, fakes):
    rec = fakes["storefront"].rec
    rec.fail["GetOrder"] = NotFound("STOREFRONT_ORDER_NOT_FOUND", "error.not_found")
    rec.fail["TakeAction"] = Conflict("STOREFRONT_STATE_INVALID", "error.state_invalid", params={"status": "paid"})
    rec.fail["HandToDelivery"] = PermissionDenied("STOREFRONT_ACTION_DENIED", "error.permission_denied")

    missing = client.get("/api/v1/storefront/orders/sf-elsewhere", headers=auth)
    wrong_state = client.post("/api/v1/storefront/orders/sf-1/actions/deliver", json={}, headers=auth)
    denied = client.post("/api/v1/storefront/orders/sf-1/delivery", headers=auth)

    assert (missing.status_code, missing.json["error"]["code"]) == (404, "STOREFRONT_ORDER_NOT_FOUND")
    assert (wrong_state.status_code, wrong_state.json["error"]["code"]) == (409, "STOREFRONT_STATE_INVALID")
    assert (denied.status_code, denied.json["error"]["code"]) == (403, "STOREFRONT_ACTION_DENIED")


def test_b6_a_customer_token_is_refused_on_every_merchant_endpoint(client, customer_auth, fakes):
    calls = [
        ("get", "/api/v1/storefront/orders"),
        ("get", "/api/v1/storefront/orders/sf-1"),
        ("get", "/api/v1/storefront/orders/sf-1/changes"),
        ("get", "/api/v1/storefront/summary?store_id=st-1"),
        ("post", "/api/v1/storefront/orders/sf-1/actions/accept"),
        ("post", "/api/v1/storefront/verify"),
        ("post", "/api/v1/storefront/orders/sf-1/refunds/rf-1/approve"),
        ("post", "/api/v1/storefront/orders/sf-1/refunds/rf-1/reject"),
        ("post", "/api/v1/storefront/orders/sf-1/delivery"),
    ]
    for method, path in calls:
        response = getattr(client, method)(path, headers=customer_auth(), json={} if method == "post" else None)
        assert (response.status_code, response.json["error"]["code"]) == (403, "STAFF_ONLY"), path
    placed = client.post(
        "/api/v1/storefront/orders", json=COUNTER_ORDER, headers={**customer_auth(), "Idempotency-Key": "k"}
    )
    assert placed.status_code == 403
    assert not fakes["storefront"].rec.calls
