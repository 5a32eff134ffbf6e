"""B1-B3 over HTTP: catalogue, orders and returns endpoints build the right OrdersService request
and answer snake_case JSON with integer fen and lowercase enum words; Idempotency-Key is required
where an order or return is created; spreadsheets travel as bytes both ways."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from orders_fakes import EXPORT_BYTES, XLSX_MIME

from crm.orders.v1 import orders_pb2 as pb
from crmkit.errors import Conflict
from gateway.api.uploads import MAX_UPLOAD

ORDER = {"customer_id": "c-1", "lines": [{"product_id": "p-1", "quantity": 10}]}

ORDERS_PATHS = {
    ("get", "/api/v1/categories"),
    ("post", "/api/v1/categories"),
    ("get", "/api/v1/products"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products/{product_id}"),
    ("put", "/api/v1/products/{product_id}"),
    ("delete", "/api/v1/products/{product_id}"),
    ("post", "/api/v1/products/{product_id}/listing"),
    ("put", "/api/v1/products/{product_id}/stock/{store_id}"),
    ("put", "/api/v1/customers/{customer_id}/prices/{product_id}"),
    ("post", "/api/v1/catalogue/import"),
    ("get", "/api/v1/catalogue/export"),
    ("post", "/api/v1/orders/quote"),
    ("get", "/api/v1/customers/{customer_id}/last-order"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders"),
    ("get", "/api/v1/orders/{order_id}"),
    ("post", "/api/v1/orders/{order_id}/approve"),
    ("post", "/api/v1/orders/{order_id}/reject"),
    ("post", "/api/v1/orders/{order_id}/pick"),
    ("post", "/api/v1/orders/{order_id}/ship"),
    ("post", "/api/v1/orders/verify"),
    ("post", "/api/v1/returns"),
    ("get", "/api/v1/returns"),
    ("get", "/api/v1/returns/{return_id}"),
    ("post", "/api/v1/returns/{return_id}/approve"),
    ("post", "/api/v1/returns/{return_id}/reject"),
    ("post", "/api/v1/returns/{return_id}/receive"),
    ("post", "/api/v1/returns/{return_id}/refund"),
    ("get", "/api/v1/order-settings"),
    ("put", "/api/v1/order-settings"),
}


def keyed(auth, key="k-1"):
    return {**auth, "Idempotency-Key": key}


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, auth, data: bytes, *, name="catalogue.xlsx", dry_run="true", **headers):
    return client.post(
        f"/api/v1/catalogue/import?dry_run={dry_run}",
        data={"file": (io.BytesIO(data), name, XLSX_MIME)},
        content_type="multipart/form-data",
        headers={**auth, **headers},
    )


# --- B1 catalogue ---


def test_b1_categories_create_and_list(client, fakes, auth):
    created = client.post("/api/v1/categories", json={"name": "碳酸饮料", "parent_id": "cat-1"}, headers=auth)
    listed = client.get("/api/v1/categories", headers=auth)

    assert created.status_code == 201
    assert created.get_json() == {"id": "cat-new", "name": "碳酸饮料", "parent_id": "cat-1"}
    assert listed.get_json()["categories"][0] == {"id": "cat-1", "name": "饮料", "parent_id": None}
    assert fakes["orders"].rec.named("CreateCategory")[0].request.parent_id == "cat-1"


def test_b1_create_product_sends_fen_and_kind_and_answers_fen(client, fakes, auth):
    body = {
        "name": "饼干",
        "barcode": "6900000000001",
        "unit": "箱",
        "wholesale_price_fen": 3000,
        "level_prices": [{"level": "A", "price_fen": 2800}],
        "kind": "in_store",
        "listed": True,
    }

    response = client.post("/api/v1/products", json=body, headers=auth)

    assert response.status_code == 201
    product = response.get_json()
    assert product["wholesale_price_fen"] == 3000 and isinstance(product["wholesale_price_fen"], int)
    assert product["kind"] == "in_store" and product["listed"] is True
    assert product["stock"] == [{"store_id": "st-1", "quantity": 100}]
    assert product["created_at"] == "2026-01-01T00:00:00+00:00"
    sent = fakes["orders"].rec.named("CreateProduct")[0].request.product
    assert (sent.wholesale_price.fen, sent.kind, sent.level_prices[0].price.fen) == (
        3000,
        pb.PRODUCT_KIND_IN_STORE,
        2800,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "饼干", "wholesale_price_fen": 30.5}, "wholesale_price_fen"),
        ({"name": "饼干", "wholesale_price_fen": -1}, "wholesale_price_fen"),
        ({"name": "", "wholesale_price_fen": 1}, "name"),
        ({"name": "饼干", "wholesale_price_fen": 1, "kind": "service"}, "kind"),
        (
            {"name": "饼干", "wholesale_price_fen": 1, "level_prices": [{"level": "A", "price_fen": -5}]},
            "level_prices.0.price_fen",
        ),
    ],
)
def test_b1_product_input_is_checked_at_the_edge(client, fakes, auth, body, field):
    response = client.post("/api/v1/products", json=body, headers=auth)

    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert not fakes["orders"].rec.named("CreateProduct")


def test_b1_product_read_search_update_listing_and_delete(client, fakes, auth):
    listed = client.get(
        "/api/v1/products?q=可乐&barcode=690&category_id=cat-2&listed_only=true&page_size=5", headers=auth
    )
    one = client.get("/api/v1/products/p-9", headers=auth)
    updated = client.put("/api/v1/products/p-9", json={"name": "新名字", "wholesale_price_fen": 1}, headers=auth)
    unlisted = client.post("/api/v1/products/p-9/listing", json={"listed": False}, headers=auth)
    deleted = client.delete("/api/v1/products/p-9", headers=auth)
    archived = client.delete("/api/v1/products/p-ordered", headers=auth)

    request = fakes["orders"].rec.named("ListProducts")[0].request
    assert (request.query, request.barcode, request.category_id, request.listed_only) == ("可乐", "690", "cat-2", True)
    assert listed.get_json()["page"] == {"page": 1, "page_size": 5, "total": 1}
    assert one.get_json()["id"] == "p-9"
    assert updated.get_json()["name"] == "新名字"
    assert fakes["orders"].rec.named("UpdateProduct")[0].request.product.kind == pb.PRODUCT_KIND_GOODS
    assert unlisted.get_json()["listed"] is False
    assert deleted.status_code == 200 and deleted.get_json() == {"archived": False}
    assert archived.get_json() == {"archived": True}


def test_b1_stock_and_customer_price(client, fakes, auth):
    stock = client.put("/api/v1/products/p-1/stock/st-1", json={"quantity": 80, "reason": "盘点"}, headers=auth)
    price = client.put("/api/v1/customers/c-1/prices/p-1", json={"price_fen": 4400}, headers=auth)
    negative = client.put("/api/v1/products/p-1/stock/st-1", json={"quantity": -1, "reason": "盘点"}, headers=auth)

    assert stock.get_json() == {"product_id": "p-1", "store_id": "st-1", "quantity": 80}
    assert fakes["orders"].rec.named("SetStock")[0].request.reason == "盘点"
    assert price.get_json() == {"customer_id": "c-1", "product_id": "p-1", "price_fen": 4400}
    assert negative.status_code == 400 and "quantity" in negative.get_json()["error"]["fields"]


def test_b1_import_passes_the_bytes_and_renders_problems_in_chinese(client, fakes, auth):
    data = xlsx([["条码", "名称", "批发价"], ["bad", "", "abc"]])
    fakes["orders"].import_reply.problems.extend(
        [
            pb.ImportProblem(row=2, column="名称", message_key="validation.required"),
            pb.ImportProblem(row=1, column="颜色", message_key="import.unknown_column"),
            pb.ImportProblem(row=2, column="条码", message_key="import.not_yet_translated"),
        ]
    )

    response = upload(client, auth, data, dry_run="true")

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "created": 2,
        "updated": 1,
        "dry_run": True,
        "problems": [
            {"row": 2, "column": "名称", "message": "此项为必填项"},
            {"row": 1, "column": "颜色", "message": "无法识别的列：颜色"},
            {"row": 2, "column": "条码", "message": "内容无效"},
        ],
    }
    (call,) = fakes["orders"].rec.named("ImportCatalogue")
    assert call.request.xlsx == data and call.request.dry_run is True


def test_b1_import_problems_follow_accept_language(client, fakes, auth):
    fakes["orders"].import_reply.problems.append(
        pb.ImportProblem(row=2, column="名称", message_key="validation.required")
    )

    response = upload(client, auth, xlsx([["名称"]]), dry_run="false", **{"Accept-Language": "en"})

    assert response.get_json()["dry_run"] is False
    assert response.get_json()["problems"][0]["message"] == "This field is required"


@pytest.mark.parametrize("size", [MAX_UPLOAD + 1, 6 * 1024 * 1024])
def test_b1_import_refuses_a_file_over_5_mb_with_413(client, fakes, auth, size):
    # Just over: the file itself is measured; far over: the body is cut off before it is parsed.
    response = upload(client, auth, b"PK\x03\x04" + b"0" * (size - 4))

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "FILE_TOO_LARGE"
    assert "5 MB" in response.get_json()["error"]["message"]
    assert not fakes["orders"].rec.named("ImportCatalogue")


def test_b1_import_accepts_a_file_above_the_json_body_limit(client, fakes, auth):
    # 2 MB: over the app's 1 MB limit for JSON, under the 5 MB allowed for a sheet.
    response = upload(client, auth, b"PK\x03\x04" + b"0" * (2 * 1024 * 1024))

    assert response.status_code == 200, response.get_json()
    assert len(fakes["orders"].rec.named("ImportCatalogue")[0].request.xlsx) == 2 * 1024 * 1024 + 4


@pytest.mark.parametrize(("data", "name"), [(b"a,b\n1,2\n", "catalogue.csv"), (b"not a zip", "catalogue.xlsx")])
def test_b1_import_refuses_what_is_not_xlsx(client, fakes, auth, data, name):
    response = upload(client, auth, data, name=name)

    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"file": "请上传 .xlsx 格式的 Excel 文件"}
    assert not fakes["orders"].rec.named("ImportCatalogue")


def test_b1_import_without_a_file_names_the_field(client, auth):
    response = client.post("/api/v1/catalogue/import", data={}, content_type="multipart/form-data", headers=auth)

    assert response.status_code == 400
    assert "file" in response.get_json()["error"]["fields"]


def test_b1_export_downloads_the_xlsx_as_an_attachment(client, auth):
    response = client.get("/api/v1/catalogue/export", headers=auth)

    assert response.status_code == 200
    assert response.mimetype == XLSX_MIME
    assert response.get_data() == EXPORT_BYTES
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and ".xlsx" in disposition
    assert "filename*=UTF-8''" in disposition


# --- B2 orders ---


def test_b2_quote_answers_fen_or_null_and_the_default_source_word(client, fakes, auth):
    response = client.post("/api/v1/orders/quote", json={"customer_id": "c-1", "product_ids": ["p-1"]}, headers=auth)

    assert response.status_code == 200
    assert response.get_json() == {
        "quotes": [
            {
                "product_id": "p-1",
                "last_price_fen": None,
                "customer_price_fen": None,
                "level_price_fen": 4600,
                "wholesale_price_fen": 4850,
                "default_price_fen": 4600,
                "default_source": "level",
            }
        ]
    }
    assert list(fakes["orders"].rec.named("QuotePrices")[0].request.product_ids) == ["p-1"]


def test_b2_quote_needs_at_least_one_product(client, auth):
    response = client.post("/api/v1/orders/quote", json={"customer_id": "c-1", "product_ids": []}, headers=auth)

    assert response.status_code == 400 and "product_ids" in response.get_json()["error"]["fields"]


def test_b2_submit_order_maps_lines_and_passes_the_key(client, fakes, auth):
    body = {
        "customer_id": "c-1",
        "note": "下午送",
        "lines": [
            {"product_id": "p-1", "quantity": 10, "price_source": "manual", "price_fen": 4500},
            {"product_id": "p-2", "quantity": 5},
            {"product_id": "p-3", "quantity": 1, "price_source": "customer"},
        ],
    }

    response = client.post("/api/v1/orders", json=body, headers=keyed(auth, "order-key-1"))

    assert response.status_code == 201
    order = response.get_json()
    assert order["status"] == "submitted" and order["number"] == "XS20260101-0001"
    assert order["total_fen"] == 10 * 4500 + 5 * 2400 + 2400 and order["debt_fen"] == order["total_fen"]
    assert [line["price_source"] for line in order["lines"]] == ["manual", "wholesale", "customer"]
    assert order["lines"][0]["unit_price_fen"] == 4500 and order["lines"][0]["amount_fen"] == 45000
    assert order["reject_reason"] is None and order["shipped_at"] is None
    request = fakes["orders"].rec.named("SubmitOrder")[0].request
    assert request.idempotency_key == "order-key-1" and request.note == "下午送"
    sources = [(line.price_source, line.HasField("price")) for line in request.lines]
    assert sources == [
        (pb.PRICE_SOURCE_MANUAL, True),
        (pb.PRICE_SOURCE_UNSPECIFIED, False),
        (pb.PRICE_SOURCE_CUSTOMER, False),
    ]
    assert request.lines[0].price.fen == 4500


def test_b2_submit_order_requires_idempotency_key(client, fakes, auth):
    response = client.post("/api/v1/orders", json=ORDER, headers=auth)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["error"]["fields"]
    assert not fakes["orders"].rec.named("SubmitOrder")


def test_b2_submit_order_replay_returns_the_first_order_and_calls_once(client, fakes, auth):
    first = client.post("/api/v1/orders", json=ORDER, headers=keyed(auth, "again"))
    second = client.post("/api/v1/orders", json=ORDER, headers=keyed(auth, "again"))

    assert first.status_code == second.status_code == 201
    assert second.get_json()["id"] == first.get_json()["id"] == "o-1"
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(fakes["orders"].rec.named("SubmitOrder")) == 1


def test_b2_idempotency_key_longer_than_the_service_keeps_is_refused(client, fakes, auth):
    response = client.post("/api/v1/orders", json=ORDER, headers=keyed(auth, "k" * 65))

    assert response.status_code == 400 and "Idempotency-Key" in response.get_json()["error"]["fields"]
    assert not fakes["orders"].rec.named("SubmitOrder")


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"product_id": "p-1", "quantity": 0}], "lines.0.quantity"),
        ([{"product_id": "p-1", "quantity": -3}], "lines.0.quantity"),
        ([{"product_id": "p-1", "quantity": 1.5}], "lines.0.quantity"),
        ([{"product_id": "p-1", "quantity": 1}, {"product_id": "", "quantity": 1}], "lines.1.product_id"),
        ([{"product_id": "p-1", "quantity": 1, "price_source": "manual"}], "lines.0.price_fen"),
        ([{"product_id": "p-1", "quantity": 1, "price_fen": 100}], "lines.0.price_fen"),
        ([{"product_id": "p-1", "quantity": 1, "price_source": "manual", "price_fen": -1}], "lines.0.price_fen"),
        ([{"product_id": "p-1", "quantity": 1, "price_source": "cheapest"}], "lines.0.price_source"),
        ([], "lines"),
        ([{"product_id": "p-1", "quantity": 1}] * 201, "lines"),
    ],
)
def test_b2_order_lines_are_checked_and_named(client, fakes, auth, lines, field):
    response = client.post("/api/v1/orders", json={"customer_id": "c-1", "lines": lines}, headers=keyed(auth))

    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert not fakes["orders"].rec.named("SubmitOrder")


def test_b2_back_office_steps_answer_the_status_word(client, fakes, auth):
    words = [client.post(f"/api/v1/orders/o-1/{step}", json={}, headers=auth) for step in ("approve", "pick", "ship")]
    rejected = client.post("/api/v1/orders/o-2/reject", json={"reason": "缺货"}, headers=auth)
    no_reason = client.post("/api/v1/orders/o-2/reject", json={}, headers=auth)

    assert [r.get_json()["status"] for r in words] == ["approved", "picked", "shipped"]
    assert words[2].get_json()["shipped_at"] == "2026-01-01T00:00:00+00:00"
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["reject_reason"] == "缺货"
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["error"]["fields"]
    assert [c.request.id for c in fakes["orders"].rec.named("ShipOrder")] == ["o-1"]


def test_b2_wrong_state_is_409_with_the_services_code(client, fakes, auth):
    fakes["orders"].rec.fail["ApproveOrder"] = Conflict(
        "ORDER_STATE_INVALID", "error.order_state_invalid", params={"status": "shipped"}
    )

    response = client.post("/api/v1/orders/o-1/approve", json={}, headers=auth)

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "ORDER_STATE_INVALID"
    assert response.get_json()["error"]["message"] == "订单当前状态不允许此操作"


def test_b2_insufficient_stock_names_the_product(client, fakes, auth):
    fakes["orders"].rec.fail["ShipOrder"] = Conflict(
        "INSUFFICIENT_STOCK", "error.insufficient_stock", params={"product_name": "可乐"}
    )

    response = client.post("/api/v1/orders/o-1/ship", json={}, headers=auth)

    assert response.status_code == 409 and response.get_json()["error"]["message"] == "库存不足：可乐"


def test_b2_get_last_order_and_list_orders_with_filters(client, fakes, auth):
    last = client.get("/api/v1/customers/c-1/last-order", headers=auth)
    one = client.get("/api/v1/orders/o-7", headers=auth)
    listed = client.get(
        "/api/v1/orders?status=approved&status=shipped&customer_id=c-1&date_from=2026-01-01&date_to=2026-01-31&q=XS",
        headers=auth,
    )

    assert last.get_json()["status"] == "shipped" and last.get_json()["lines"][0]["product_id"] == "p-1"
    assert fakes["orders"].rec.named("GetLastOrder")[0].request.customer_id == "c-1"
    assert one.get_json()["id"] == "o-7"
    assert [o["status"] for o in listed.get_json()["orders"]] == ["approved", "shipped"]
    request = fakes["orders"].rec.named("ListOrders")[0].request
    assert list(request.statuses) == [pb.ORDER_STATUS_APPROVED, pb.ORDER_STATUS_SHIPPED]
    assert (request.customer_id, request.date_from, request.date_to, request.query) == (
        "c-1",
        "2026-01-01",
        "2026-01-31",
        "XS",
    )


def test_b5_order_detail_shows_its_credits_and_lists_an_empty_list(client, fakes, auth):
    one = client.get("/api/v1/orders/o-7", headers=auth).get_json()
    listed = client.get("/api/v1/orders", headers=auth).get_json()

    assert one["credits"] == [
        {
            "kind": "collection",
            "document_id": "col-1",
            "number": "SK20260101-0001",
            "amount_fen": 20000,
            "at": "2026-01-01T00:00:00+00:00",
        },
        {
            "kind": "return",
            "document_id": "r-1",
            "number": "TH20260101-0001",
            "amount_fen": 9000,
            "at": "2026-01-01T00:00:00+00:00",
        },
    ]
    assert one["total_fen"] - sum(c["amount_fen"] for c in one["credits"]) == one["debt_fen"] == 16000
    assert [o["credits"] for o in listed["orders"]] == [[], []]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status.0"),
        ("date_from=2026-13-01", "date_from"),
        ("date_from=2026-02-01&date_to=2026-01-01", "date_to"),
    ],
)
def test_b2_list_orders_filters_are_checked(client, fakes, auth, query, field):
    response = client.get(f"/api/v1/orders?{query}", headers=auth)

    assert response.status_code == 400 and field in response.get_json()["error"]["fields"], response.get_json()
    assert not fakes["orders"].rec.named("ListOrders")


def test_b2_order_settings_read_and_change(client, fakes, auth):
    before = client.get("/api/v1/order-settings", headers=auth)
    changed = client.put("/api/v1/order-settings", json={"allow_negative_stock": True}, headers=auth)

    blocking = client.put(
        "/api/v1/order-settings", json={"allow_negative_stock": True, "credit_control": "block"}, headers=auth
    )
    bad = client.put("/api/v1/order-settings", json={"allow_negative_stock": True, "credit_control": "x"}, headers=auth)

    assert before.get_json() == {"allow_negative_stock": False, "credit_control": "warn"}
    assert changed.get_json() == {"allow_negative_stock": True, "credit_control": "warn"}
    assert blocking.get_json() == {"allow_negative_stock": True, "credit_control": "block"}
    assert bad.status_code == 400 and "credit_control" in bad.get_json()["error"]["fields"]


def test_b2_service_field_names_come_back_as_json_names(client, fakes, auth):
    from crmkit.errors import InvalidInput

    fakes["orders"].rec.fail["CreateProduct"] = InvalidInput(
        "CATALOGUE_INPUT_INVALID", "error.invalid_input", fields={"product.wholesale_price": "validation.invalid"}
    )

    response = client.post("/api/v1/products", json={"name": "饼干", "wholesale_price_fen": 1}, headers=auth)

    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"wholesale_price_fen": "内容无效"}


# --- B3 returns ---


def test_b3_submit_return_requires_idempotency_key(client, fakes, auth):
    response = client.post("/api/v1/returns", json=ORDER, headers=auth)

    assert response.status_code == 400 and "Idempotency-Key" in response.get_json()["error"]["fields"]
    assert not fakes["orders"].rec.named("SubmitReturn")


def test_b3_return_submit_steps_and_refund_words(client, fakes, auth):
    submitted = client.post("/api/v1/returns", json=ORDER, headers=keyed(auth, "ret-1"))
    again = client.post("/api/v1/returns", json=ORDER, headers=keyed(auth, "ret-1"))
    approved = client.post("/api/v1/returns/r-1/approve", json={}, headers=auth)
    received = client.post("/api/v1/returns/r-1/receive", json={}, headers=auth)
    refunded = client.post("/api/v1/returns/r-1/refund", json={"method": "reduce_debt"}, headers=auth)
    paid = client.post("/api/v1/returns/r-2/refund", json={"method": "paid_back"}, headers=auth)
    bad = client.post("/api/v1/returns/r-2/refund", json={"method": "cash"}, headers=auth)
    rejected = client.post("/api/v1/returns/r-3/reject", json={"reason": "已过期"}, headers=auth)

    assert submitted.status_code == 201 and submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["refund_method"] is None
    assert again.get_json()["id"] == submitted.get_json()["id"]
    assert len(fakes["orders"].rec.named("SubmitReturn")) == 1
    assert fakes["orders"].rec.named("SubmitReturn")[0].request.idempotency_key == "ret-1"
    assert approved.get_json()["status"] == "approved" and received.get_json()["status"] == "received"
    assert refunded.get_json()["refund_method"] == "reduce_debt" and refunded.get_json()["debt_reduced_fen"] == 9000
    assert paid.get_json()["paid_back_fen"] == 9000 and paid.get_json()["debt_reduced_fen"] == 0
    methods = [c.request.method for c in fakes["orders"].rec.named("RefundReturn")]
    assert methods == [pb.REFUND_METHOD_REDUCE_DEBT, pb.REFUND_METHOD_PAID_BACK]
    assert bad.status_code == 400 and "method" in bad.get_json()["error"]["fields"]
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["reject_reason"] == "已过期"


def test_b3_get_and_list_returns(client, fakes, auth):
    one = client.get("/api/v1/returns/r-5", headers=auth)
    listed = client.get("/api/v1/returns?status=received&status=refunded&customer_id=c-1", headers=auth)

    assert one.get_json()["id"] == "r-5" and one.get_json()["total_fen"] == 9000
    assert listed.get_json()["page"]["total"] == 1
    request = fakes["orders"].rec.named("ListReturns")[0].request
    assert list(request.statuses) == [pb.RETURN_STATUS_RECEIVED, pb.RETURN_STATUS_REFUNDED]
    assert request.customer_id == "c-1"


# --- all areas ---


def test_b1_b2_b3_endpoints_need_a_token(client, fakes):
    for path in ("/api/v1/products", "/api/v1/orders", "/api/v1/returns", "/api/v1/catalogue/export"):
        assert client.get(path).status_code == 401, path
    assert not fakes["orders"].rec.calls


def test_b1_b2_b3_openapi_lists_the_new_paths_with_tags(client):
    spec = client.get("/openapi.json").get_json()

    listed = {(method, path) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    assert listed >= ORDERS_PATHS
    tags = {op["tags"][0] for path, item in spec["paths"].items() for op in item.values() if "tags" in op}
    assert {"Catalogue", "Orders", "Returns"} <= tags
    submit = spec["paths"]["/api/v1/orders"]["post"]
    header = next(p for p in submit["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is True
    export = spec["paths"]["/api/v1/catalogue/export"]["get"]["responses"]["200"]["content"]
    assert XLSX_MIME in export
    upload_body = spec["paths"]["/api/v1/catalogue/import"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
