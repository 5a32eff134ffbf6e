"""A1 change logs over HTTP (customers, products, orders, returns, coupon templates) and the C1
customer record when the coupons service is down, in front of the fake peers."""

from __future__ import annotations

import pytest

CHANGES_PATHS = {
    ("get", "/api/v1/customers/{customer_id}/changes"),
    ("get", "/api/v1/products/{product_id}/changes"),
    ("get", "/api/v1/orders/{order_id}/changes"),
    ("get", "/api/v1/returns/{return_id}/changes"),
    ("get", "/api/v1/coupon-templates/{template_id}/changes"),
}


@pytest.mark.parametrize(
    ("path", "peer", "method"),
    [
        ("/api/v1/customers/c-1/changes", "customers", "ListCustomerChanges"),
        ("/api/v1/products/p-1/changes", "orders", "ListProductChanges"),
        ("/api/v1/orders/o-1/changes", "orders", "ListOrderChanges"),
        ("/api/v1/returns/r-1/changes", "orders", "ListReturnChanges"),
        ("/api/v1/coupon-templates/tpl-1/changes", "coupons", "ListTemplateChanges"),
    ],
)
def test_a1_change_log_is_read_from_the_owning_service_paged_with_before_and_after(
    client, fakes, auth, path, peer, method
):
    # When staff read an object's change log, page 2 of 5
    response = client.get(f"{path}?page=2&page_size=5", headers=auth)
    # Then the owning service was asked for that object and page, with the caller's token
    assert response.status_code == 200, response.get_data(as_text=True)
    (sent,) = fakes[peer].rec.named(method)
    object_id = path.split("/")[4]
    assert (sent.request.object_id, sent.request.page.page, sent.request.page.page_size) == (object_id, 2, 5)
    assert sent.actor.subject_id == "s-1"
    # and each entry says who, when, which fields, before and after
    body = response.get_json()
    assert body["page"] == {"page": 2, "page_size": 5, "total": 2}
    updated, created = body["changes"]
    assert updated == {
        "id": "ch-2",
        "action": "updated",
        "actor_kind": "staff",
        "actor_id": "s-1",
        "at": "2026-01-01T00:00:00+00:00",
        "fields": ["price_fen"],
        "before": {"price_fen": 300},
        "after": {"price_fen": 350},
    }
    assert (created["before"], created["fields"]) == (None, ["name", "price_fen"])


def test_a1_change_log_of_an_object_outside_the_scope_is_404(client, auth):
    response = client.get("/api/v1/orders/missing-1/changes", headers=auth)
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["page=0", "page_size=101", "page=x"])
def test_a1_change_log_paging_is_checked_at_the_edge(client, fakes, auth, query):
    response = client.get(f"/api/v1/customers/c-1/changes?{query}", headers=auth)
    assert response.status_code == 400
    assert fakes["customers"].rec.named("ListCustomerChanges") == []


def test_a1_change_log_needs_a_staff_token(client):
    assert client.get("/api/v1/products/p-1/changes").status_code == 401


def test_c1_record_opens_with_coupons_figures_unavailable_when_the_coupons_service_is_down(
    make_app, fakes, auth, closed_port
):
    # Given the coupons service down (nothing listens on its address)
    client = make_app(peers={"coupons": closed_port}).test_client()
    created = client.post("/api/v1/customers", json={"name": "王记", "phone": "13800000001"}, headers=auth).get_json()
    # When staff open the customer record
    response = client.get(f"/api/v1/customers/{created['id']}/record", headers=auth)
    # Then the record opens: profile, owner and trade history as usual, and each coupons part
    # says it is unavailable rather than showing zeros
    assert response.status_code == 200, response.get_data(as_text=True)
    record = response.get_json()
    assert record["customer"]["id"] == created["id"] and record["trade_history"]["available"] is True
    unavailable = {"available": False, "reason": "service_unavailable"}
    assert record["points"] == {**unavailable, "points": None}
    assert record["balance"] == {**unavailable, "balance_fen": None}
    assert record["coupons"] == {**unavailable, "coupons": [], "total": None}
