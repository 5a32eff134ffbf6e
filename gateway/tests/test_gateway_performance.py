"""B9-B11 over HTTP: the gateway's performance routes against a fake PerformanceService on the
orders address: the gRPC request built, the JSON made of the answer, edge checks and errors."""

from __future__ import annotations

import pytest

from crm.orders.v1 import performance_pb2 as pb
from crmkit.errors import InvalidInput, NotFound, PermissionDenied

PERFORMANCE_PATHS = {
    ("put", "/api/v1/sales-targets/{staff_id}/{month}"),
    ("get", "/api/v1/sales-targets"),
    ("get", "/api/v1/commission-rules"),
    ("post", "/api/v1/commission-rules"),
    ("delete", "/api/v1/commission-rules/{rule_id}"),
    ("get", "/api/v1/performance"),
    ("get", "/api/v1/performance/commissions"),
    ("get", "/api/v1/performance/ranking"),
    ("get", "/api/v1/dashboard/stores"),
    ("get", "/api/v1/reports/product-ranking"),
}


def error_fields(response) -> dict:
    return response.get_json()["error"]["fields"]


def test_b9_sales_target_is_set_in_fen_for_a_checked_month(client, fakes, auth):
    response = client.put("/api/v1/sales-targets/s-2/2026-03", json={"amount_fen": 2_000_000}, headers=auth)

    assert (response.status_code, response.get_json()) == (
        200,
        {"staff_id": "s-2", "month": "2026-03", "amount_fen": 2_000_000},
    )
    sent = fakes["performance"].rec.named("SetSalesTarget")[0].request
    assert (sent.staff_id, sent.month, sent.amount.fen) == ("s-2", "2026-03", 2_000_000)

    english = {**auth, "Accept-Language": "en"}
    bad = client.put("/api/v1/sales-targets/s-2/2026-13", json={"amount_fen": 1}, headers=english)
    assert (bad.status_code, error_fields(bad)) == (400, {"month": "Invalid month, expected YYYY-MM"})
    for body in ({"amount_fen": -1}, {"amount_fen": 1.5}, {}):
        response = client.put("/api/v1/sales-targets/s-2/2026-03", json=body, headers=auth)
        assert response.status_code == 400 and "amount_fen" in error_fields(response), body
    assert len(fakes["performance"].rec.named("SetSalesTarget")) == 1


def test_r4_b9_target_for_staff_the_caller_cannot_find_is_404_and_not_written(client, fakes, auth):
    # Given a staff id identity does not know in the caller's tenant (another tenant's)
    fakes["identity"].rec.fail["GetStaff"] = NotFound("STAFF_NOT_FOUND", "error.staff_not_found")

    response = client.put("/api/v1/sales-targets/s-other/2026-03", json={"amount_fen": 1}, headers=auth)

    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "STAFF_NOT_FOUND")
    assert fakes["identity"].rec.named("GetStaff")[0].request.id == "s-other"
    assert fakes["performance"].rec.named("SetSalesTarget") == []


def test_b9_sales_targets_are_listed_for_the_month(client, fakes, auth):
    response = client.get("/api/v1/sales-targets?month=2026-01", headers=auth)

    assert response.get_json() == {"targets": [{"staff_id": "s-2", "month": "2026-01", "amount_fen": 5}]}
    assert fakes["performance"].rec.named("ListSalesTargets")[0].request.month == "2026-01"
    bad = client.get("/api/v1/sales-targets?month=2026-1", headers=auth)
    assert bad.status_code == 400 and "month" in error_fields(bad)


def test_b9_commission_rules_are_listed_with_enum_words(client, fakes, auth):
    rules = client.get("/api/v1/commission-rules", headers=auth).get_json()["rules"]

    assert rules == [
        {
            "id": "rule-1",
            "scope": "brand",
            "target": "青岛啤酒",
            "kind": "fixed_per_unit",
            "rate_bp": 0,
            "amount_per_unit_fen": 50,
        },
        {
            "id": "rule-2",
            "scope": "product",
            "target": "p-1",
            "kind": "percent",
            "rate_bp": 250,
            "amount_per_unit_fen": 0,
        },
    ]


def test_b9_commission_rule_is_created_from_words(client, fakes, auth):
    body = {"scope": "product", "target": " p-1 ", "kind": "percent", "rate_bp": 300}
    response = client.post("/api/v1/commission-rules", json=body, headers={**auth, "Idempotency-Key": "rule-k1"})

    assert response.status_code == 201
    assert response.get_json() == {
        "id": "rule-9",
        "scope": "product",
        "target": "p-1",
        "kind": "percent",
        "rate_bp": 300,
        "amount_per_unit_fen": 0,
    }
    sent = fakes["performance"].rec.named("CreateCommissionRule")[0].request.rule
    assert (sent.scope, sent.target, sent.kind, sent.rate_bp) == (
        pb.COMMISSION_SCOPE_PRODUCT,
        "p-1",
        pb.COMMISSION_KIND_PERCENT,
        300,
    )
    replay = client.post("/api/v1/commission-rules", json=body, headers={**auth, "Idempotency-Key": "rule-k1"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert len(fakes["performance"].rec.named("CreateCommissionRule")) == 1

    fixed = {"scope": "brand", "target": "青岛啤酒", "kind": "fixed_per_unit", "amount_per_unit_fen": 80}
    created = client.post("/api/v1/commission-rules", json=fixed, headers=auth).get_json()
    assert (created["kind"], created["amount_per_unit_fen"]) == ("fixed_per_unit", 80)
    assert fakes["performance"].rec.named("CreateCommissionRule")[1].request.rule.amount_per_unit.fen == 80


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rate_bp": 10_001}, "rate_bp"),
        ({"rate_bp": -1}, "rate_bp"),
        ({"rate_bp": None}, "rate_bp"),
        ({"kind": "percent", "rate_bp": 100, "amount_per_unit_fen": 5}, "amount_per_unit_fen"),
        ({"kind": "fixed_per_unit", "rate_bp": 100}, "amount_per_unit_fen"),
        ({"kind": "fixed_per_unit", "amount_per_unit_fen": -1}, "amount_per_unit_fen"),
        ({"scope": "category"}, "scope"),
        ({"kind": "bonus"}, "kind"),
        ({"target": ""}, "target"),
    ],
)
def test_b9_commission_rule_input_is_checked_at_the_edge(client, fakes, auth, change, field):
    body = {"scope": "brand", "target": "青岛啤酒", "kind": "percent", "rate_bp": 100, **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post("/api/v1/commission-rules", json=body, headers=auth)

    assert response.status_code == 400
    assert field in error_fields(response)
    assert not fakes["performance"].rec.named("CreateCommissionRule")


def test_b9_commission_rule_delete_is_204_and_errors_pass_through(client, fakes, auth):
    response = client.delete("/api/v1/commission-rules/rule-1", headers=auth)
    assert (response.status_code, response.data) == (204, b"")
    assert fakes["performance"].rec.named("DeleteCommissionRule")[0].request.id == "rule-1"

    fakes["performance"].rec.fail["DeleteCommissionRule"] = NotFound("COMMISSION_RULE_NOT_FOUND")
    response = client.delete("/api/v1/commission-rules/rule-x", headers=auth)
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "COMMISSION_RULE_NOT_FOUND")
    fakes["performance"].rec.fail["CreateCommissionRule"] = PermissionDenied("PERFORMANCE_DENIED")
    body = {"scope": "brand", "target": "青岛啤酒", "kind": "percent", "rate_bp": 100}
    response = client.post("/api/v1/commission-rules", json=body, headers=auth)
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "PERFORMANCE_DENIED")


def test_b9_performance_shows_net_sales_and_completion(client, fakes, auth):
    response = client.get("/api/v1/performance?month=2026-01&staff_id=s-2", headers=auth)

    assert response.status_code == 200
    assert response.get_json() == {
        "staff_id": "s-2",
        "month": "2026-01",
        "sales_fen": 1_000_000,
        "returns_fen": 50_000,
        "net_sales_fen": 950_000,
        "target_fen": 2_000_000,
        "completion_bp": 4750,
        "commission_fen": 19_000,
        "orders": 12,
    }
    sent = fakes["performance"].rec.named("GetPerformance")[0].request
    assert (sent.month, sent.staff_id) == ("2026-01", "s-2")
    # Without parameters: the caller's own current month, decided by the service.
    mine = client.get("/api/v1/performance", headers=auth).get_json()
    assert mine["staff_id"] == "s-1"
    assert fakes["performance"].rec.named("GetPerformance")[1].request.month == ""


def test_b9_performance_refuses_a_bad_month_and_passes_denials(client, fakes, auth):
    for month in ("2026-00", "26-01", "2026-01-05", "january"):
        response = client.get(f"/api/v1/performance?month={month}", headers=auth)
        assert response.status_code == 400 and set(error_fields(response)) == {"month"}, month
    assert not fakes["performance"].rec.named("GetPerformance")

    fakes["performance"].rec.fail["GetPerformance"] = PermissionDenied("PERFORMANCE_DENIED")
    response = client.get("/api/v1/performance?staff_id=s-2", headers=auth)
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "PERFORMANCE_DENIED")


def test_b9_commission_details_are_paged_with_the_total(client, fakes, auth):
    response = client.get("/api/v1/performance/commissions?month=2026-01&staff_id=s-2&page=2&page_size=5", headers=auth)

    body = response.get_json()
    assert body["details"][1] == {
        "order_id": "r-1",
        "order_number": "TH20260106-0001",
        "kind": "return",
        "product_id": "p-1",
        "product_name": "青岛啤酒 500ml",
        "quantity": 2,
        "amount_fen": 8_000,
        "rule_id": "rule-1",
        "commission_fen": -100,
    }
    assert body["details"][0]["kind"] == "order"
    assert (body["page"], body["total_commission_fen"]) == ({"page": 2, "page_size": 5, "total": 2}, 1_100)
    sent = fakes["performance"].rec.named("ListCommissionDetails")[0].request
    assert (sent.month, sent.staff_id, sent.page.page, sent.page.page_size) == ("2026-01", "s-2", 2, 5)
    assert client.get("/api/v1/performance/commissions?page_size=101", headers=auth).status_code == 400


def test_b9_ranking_has_entries_and_my_rank(client, fakes, auth):
    response = client.get("/api/v1/performance/ranking?month=2026-01&limit=10", headers=auth)

    assert response.get_json() == {
        "month": "2026-01",
        "entries": [
            {"rank": 1, "staff_id": "s-2", "net_sales_fen": 1_200_000},
            {"rank": 2, "staff_id": "s-1", "net_sales_fen": 950_000},
        ],
        "my_rank": 2,
    }
    sent = fakes["performance"].rec.named("GetSalesRanking")[0].request
    assert (sent.month, sent.limit) == ("2026-01", 10)
    client.get("/api/v1/performance/ranking", headers=auth)
    assert fakes["performance"].rec.named("GetSalesRanking")[1].request.limit == 20
    bad = client.get("/api/v1/performance/ranking?limit=101", headers=auth)
    assert bad.status_code == 400 and "limit" in error_fields(bad)


def test_b10_store_dashboard_sums_takings_per_day(client, fakes, auth):
    query = "date_from=2026-01-01&date_to=2026-01-31&store_id=st-1"
    response = client.get(f"/api/v1/dashboard/stores?{query}", headers=auth)

    assert response.get_json() == {
        "days": [
            {
                "date": "2026-01-01",
                "store_id": "st-1",
                "orders": 3,
                "sales_fen": 30_000,
                "returns_fen": 1_000,
                "takings_fen": 29_000,
            }
        ],
        "total_takings_fen": 29_000,
    }
    sent = fakes["performance"].rec.named("GetStoreDashboard")[0].request
    assert (sent.date_from, sent.date_to, sent.store_id) == ("2026-01-01", "2026-01-31", "st-1")
    # 92 days is the longest period.
    assert (
        client.get("/api/v1/dashboard/stores?date_from=2026-01-01&date_to=2026-04-02", headers=auth).status_code == 200
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_to=2026-01-31", "date_from"),
        ("date_from=2026-01-01", "date_to"),
        ("date_from=2026-13-01&date_to=2026-01-31", "date_from"),
        ("date_from=2026-01-01&date_to=2026/01/31", "date_to"),
        ("date_from=2026-02-01&date_to=2026-01-31", "date_to"),
        ("date_from=2026-01-01&date_to=2026-04-03", "date_to"),
    ],
)
def test_b10_store_dashboard_dates_are_checked_at_the_edge(client, fakes, auth, query, field):
    response = client.get(f"/api/v1/dashboard/stores?{query}", headers=auth)

    assert response.status_code == 400
    assert field in error_fields(response)
    assert not fakes["performance"].rec.named("GetStoreDashboard")


def test_b11_product_ranking_by_amount_or_quantity(client, fakes, auth):
    query = "date_from=2026-01-01&date_to=2026-01-31&by=amount&limit=5"
    response = client.get(f"/api/v1/reports/product-ranking?{query}", headers=auth)

    assert response.get_json() == {
        "entries": [
            {"rank": 1, "product_id": "p-1", "product_name": "青岛啤酒 500ml", "quantity": 240, "amount_fen": 960_000}
        ]
    }
    sent = fakes["performance"].rec.named("GetProductRanking")[0].request
    assert (sent.date_from, sent.date_to, sent.by, sent.limit) == ("2026-01-01", "2026-01-31", pb.RANK_BY_AMOUNT, 5)
    client.get("/api/v1/reports/product-ranking?date_from=2026-01-01&date_to=2026-01-02", headers=auth)
    assert fakes["performance"].rec.named("GetProductRanking")[1].request.by == pb.RANK_BY_QUANTITY
    bad = client.get("/api/v1/reports/product-ranking?date_from=2026-01-01&date_to=2026-01-02&by=profit", headers=auth)
    assert bad.status_code == 400 and "by" in error_fields(bad)


def test_b11_service_field_errors_and_missing_products_pass_through(client, fakes, auth):
    fakes["performance"].rec.fail["GetProductRanking"] = InvalidInput(
        "PERFORMANCE_INPUT_INVALID", fields={"date_from": "validation.invalid_date"}
    )
    response = client.get("/api/v1/reports/product-ranking?date_from=2026-01-01&date_to=2026-01-02", headers=auth)
    assert (response.status_code, set(error_fields(response))) == (400, {"date_from"})

    fakes["performance"].rec.fail["SetSalesTarget"] = NotFound("STAFF_NOT_FOUND")
    response = client.put("/api/v1/sales-targets/s-x/2026-01", json={"amount_fen": 1}, headers=auth)
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "STAFF_NOT_FOUND")


def test_b9_performance_needs_a_token(client, fakes):
    assert client.get("/api/v1/performance").status_code == 401
    assert not fakes["performance"].rec.calls
