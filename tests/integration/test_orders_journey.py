"""Wholesale ordering on site over HTTP (B1 B2 B3 B4), every service a real process: catalogue
import, price tracking, idempotent submit, back-office states, stock, collections with proof
images, returns and visibility."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone

from client import eventually
from journey import PASSWORD, create_staff, login, phone
from openpyxl import Workbook
from PIL import Image

CHINA = timezone(timedelta(hours=8))
HEADERS = ["条码", "名称", "一级分类", "二级分类", "品牌", "单位", "批发价", "等级价:A", "商品类型", "上架"]


def catalogue_xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def png_bytes() -> bytes:
    """A real (tiny) photo of a bank transfer slip: the service checks the bytes, not the name."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def barcode() -> str:
    return "69" + str(uuid.uuid4().int)[:11]


def upload(api, data: bytes, *, dry_run: bool):
    return api.http.post(
        f"{api.base_url}/api/v1/catalogue/import",
        params={"dry_run": str(dry_run).lower()},
        files={"file": ("catalogue.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        headers={"Authorization": f"Bearer {api.token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )


def stock_of(api, product_id: str, store_id: str) -> int:
    product = api.get(f"/api/v1/products/{product_id}").json()
    return next((s["quantity"] for s in product["stock"] if s["store_id"] == store_id), 0)


def advance(api, order_id: str, *steps: str) -> dict:
    body = None
    for step in steps:
        resp = api.post(f"/api/v1/orders/{order_id}/{step}", json={})
        assert resp.status_code == 200, resp.text
        body = resp.json()
    return body


def test_b1_b2_b3_order_journey(platform, world):
    owner, manager, store_id = world["owner"], world["manager"], world["store_id"]
    barcode_a, barcode_b = barcode(), barcode()

    # B1: the admin imports a catalogue; a bad row is reported by row and column, the good ones land.
    sheet = catalogue_xlsx(
        [
            [barcode_a, "可乐 330ml×24", "饮料", "碳酸饮料", "可口可乐", "箱", 48.5, 46, "商品", "是"],
            [barcode_b, "矿泉水 550ml×24", "饮料", "", "农夫山泉", "箱", 24, None, "商品", "是"],
            ["bad", "", "饮料", "", "", "箱", "abc", None, "商品", "是"],
        ]
    )
    dry = upload(owner, sheet, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert owner.get("/api/v1/products", params={"barcode": barcode_a}).json()["page"]["total"] == 0
    resp = upload(owner, sheet, dry_run=False)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["created"] == 2
    assert {(p["row"], p["column"]) for p in report["problems"]} >= {(4, "名称"), (4, "批发价")}
    products = {p["barcode"]: p for p in owner.get("/api/v1/products", params={"q": "ml×24"}).json()["products"]}
    cola, water = products[barcode_a], products[barcode_b]
    assert cola["wholesale_price_fen"] == 4850
    for product in (cola, water):
        resp = owner.put(f"/api/v1/products/{product['id']}/stock/{store_id}", json={"quantity": 100, "reason": "期初"})
        assert resp.status_code == 200, resp.text

    # A salesperson with the price switch and an own customer of level A.
    seller = create_staff(owner, "周业务", ["salesperson"], store_id, password=PASSWORD, permissions=["change_price"])
    sales = world["anon"].as_(login(world["anon"], seller["phone"]))
    # B9: 5% commission on the cola brand, and a monthly target for this salesperson.
    month = datetime.now(CHINA).strftime("%Y-%m")
    rule = owner.post(
        "/api/v1/commission-rules", json={"scope": "brand", "target": "可口可乐", "kind": "percent", "rate_bp": 500}
    )
    assert rule.status_code == 201, rule.text
    target = owner.put(f"/api/v1/sales-targets/{seller['id']}/{month}", json={"amount_fen": 200000})
    assert target.status_code == 200, target.text
    customer = sales.post(
        "/api/v1/customers", json={"name": "万家超市", "phone": phone(), "level": "A", "fields": {"shop_type": "超市"}}
    ).json()

    # B2: with no history the default is the level price (A: 46.00) for cola, wholesale for water.
    quote = sales.post(
        "/api/v1/orders/quote", json={"customer_id": customer["id"], "product_ids": [cola["id"], water["id"]]}
    )
    assert quote.status_code == 200, quote.text
    defaults = {q["product_id"]: (q["default_price_fen"], q["default_source"]) for q in quote.json()["quotes"]}
    assert defaults == {cola["id"]: (4600, "level"), water["id"]: (2400, "wholesale")}

    first = sales.post(
        "/api/v1/orders",
        json={
            "customer_id": customer["id"],
            "lines": [
                {"product_id": cola["id"], "quantity": 10, "price_source": "manual", "price_fen": 4500},
                {"product_id": water["id"], "quantity": 5},
            ],
        },
    )
    assert first.status_code == 201, first.text
    order1 = first.json()
    assert order1["salesperson_id"] == seller["id"] and order1["total_fen"] == 10 * 4500 + 5 * 2400
    shipped = advance(manager, order1["id"], "approve", "pick", "ship")
    assert shipped["status"] == "shipped" and shipped["debt_fen"] == order1["total_fen"]
    assert stock_of(owner, cola["id"], store_id) == 90

    # Copy the last order: prices now default to the tracked last price paid (45.00 for cola).
    last = sales.get(f"/api/v1/customers/{customer['id']}/last-order").json()
    assert [line["product_id"] for line in last["lines"]] == [cola["id"], water["id"]]
    quote = sales.post("/api/v1/orders/quote", json={"customer_id": customer["id"], "product_ids": [cola["id"]]})
    assert (quote.json()["quotes"][0]["default_price_fen"], quote.json()["quotes"][0]["default_source"]) == (
        4500,
        "last",
    )
    key = uuid.uuid4().hex
    body = {
        "customer_id": customer["id"],
        "lines": [{"product_id": line["product_id"], "quantity": line["quantity"]} for line in last["lines"]],
    }
    second = sales.post("/api/v1/orders", json=body, idempotency_key=key)
    repeat = sales.post("/api/v1/orders", json=body, idempotency_key=key)
    assert second.status_code == repeat.status_code == 201, second.text
    assert repeat.json()["id"] == second.json()["id"]
    order2 = second.json()
    assert [line["unit_price_fen"] for line in order2["lines"]] == [4500, 2400]
    listed = sales.get("/api/v1/orders", params={"customer_id": customer["id"]}).json()
    assert listed["page"]["total"] == 2
    advance(manager, order2["id"], "approve", "pick", "ship")
    assert stock_of(owner, cola["id"], store_id) == 80

    # B4: a partial collection on the first order with a photographed proof; finance approves
    # and the debt falls by exactly that amount. More than the debt is refused, naming the field.
    proof = sales.http.post(
        f"{sales.base_url}/api/v1/collection-proofs",
        files={"file": ("transfer.png", png_bytes(), "image/png")},
        headers={"Authorization": f"Bearer {sales.token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert proof.status_code == 201, proof.text
    too_much = sales.post(
        "/api/v1/collections",
        json={
            "customer_id": customer["id"],
            "method": "wechat",
            "allocations": [{"order_id": order1["id"], "amount_fen": order1["total_fen"] + 1}],
        },
    )
    assert too_much.status_code == 400, too_much.text
    assert any(f.startswith("allocations.0") for f in too_much.json()["error"]["fields"]), too_much.text
    filed = sales.post(
        "/api/v1/collections",
        json={
            "customer_id": customer["id"],
            "method": "wechat",
            "proof_keys": [proof.json()["key"]],
            "allocations": [{"order_id": order1["id"], "amount_fen": 20000}],
        },
    )
    assert filed.status_code == 201, filed.text
    collection = filed.json()
    assert sales.post(f"/api/v1/collections/{collection['id']}/approve", json={}).status_code == 403
    finance_staff = create_staff(owner, "钱会计", ["finance"], store_id, password=PASSWORD)
    finance = world["anon"].as_(login(world["anon"], finance_staff["phone"]))
    image = finance.get(f"/api/v1/collections/{collection['id']}/proofs/{proof.json()['key']}")
    assert image.status_code == 200 and image.content == png_bytes(), image.text[:200]
    approved = finance.post(f"/api/v1/collections/{collection['id']}/approve", json={})
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    assert finance.post(f"/api/v1/collections/{collection['id']}/approve", json={}).status_code == 409
    order1 = sales.get(f"/api/v1/orders/{order1['id']}").json()
    assert order1["debt_fen"] == order1["total_fen"] - 20000

    # A wrong state is a 409 naming the state.
    resp = manager.post(f"/api/v1/orders/{order2['id']}/approve", json={})
    assert resp.status_code == 409, resp.text

    # B3: a return of 2 cola at the tracked price reduces the debt (oldest order first) and
    # puts the stock back.
    ret = sales.post(
        "/api/v1/returns", json={"customer_id": customer["id"], "lines": [{"product_id": cola["id"], "quantity": 2}]}
    )
    assert ret.status_code == 201, ret.text
    ret_id = ret.json()["id"]
    for step in ("approve", "receive"):
        assert manager.post(f"/api/v1/returns/{ret_id}/{step}", json={}).status_code == 200
    refunded = manager.post(f"/api/v1/returns/{ret_id}/refund", json={"method": "reduce_debt"})
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["debt_reduced_fen"] == 2 * 4500
    assert stock_of(owner, cola["id"], store_id) == 82
    order1_now = sales.get(f"/api/v1/orders/{order1['id']}").json()
    assert order1_now["debt_fen"] == order1["debt_fen"] - 2 * 4500
    # B5: the order's detail lists what paid it, oldest first: the collection, then the return.
    credits = [(c["kind"], c["amount_fen"]) for c in order1_now["credits"]]
    assert credits == [("collection", 20000), ("return", 2 * 4500)]
    assert order1_now["total_fen"] - sum(a for _, a in credits) == order1_now["debt_fen"]

    # B9: "my performance" nets the return out of the sales; commission per line follows the
    # brand rule; the monthly ranking (fed by the orders worker through RabbitMQ) agrees.
    sales_total = order1["total_fen"] + order2["total_fen"]
    returned = 2 * 4500
    perf = sales.get("/api/v1/performance", params={"month": month}).json()
    assert (perf["sales_fen"], perf["returns_fen"], perf["net_sales_fen"]) == (
        sales_total,
        returned,
        sales_total - returned,
    )
    assert perf["completion_bp"] == (sales_total - returned) * 10000 // 200000
    cola_amount = 10 * 4500 + 10 * 4500  # both orders' cola lines; the return takes back 2
    assert perf["commission_fen"] == round(cola_amount * 0.05) - round(returned * 0.05)
    details = sales.get("/api/v1/performance/commissions", params={"month": month}).json()
    assert details["total_commission_fen"] == perf["commission_fen"]
    assert {d["kind"] for d in details["details"]} == {"order", "return"}

    def ranked():
        body = sales.get("/api/v1/performance/ranking", params={"month": month}).json()
        mine = [e for e in body["entries"] if e["staff_id"] == seller["id"]]
        return mine if mine and mine[0]["net_sales_fen"] == sales_total - returned else None

    assert eventually(ranked, timeout=30), sales.get("/api/v1/performance/ranking", params={"month": month}).text

    # B10, B11: the store's takings today and the product ranking show the same figures.
    today = datetime.now(CHINA).strftime("%Y-%m-%d")
    board = manager.get("/api/v1/dashboard/stores", params={"date_from": today, "date_to": today}).json()
    assert board["total_takings_fen"] >= sales_total - returned
    top = manager.get(
        "/api/v1/reports/product-ranking", params={"date_from": today, "date_to": today, "by": "quantity"}
    ).json()["entries"]
    assert any(e["product_id"] == cola["id"] and e["quantity"] >= 18 for e in top), top

    # Visibility: another salesperson and another tenant see none of it.
    assert world["sales_b"].get(f"/api/v1/orders/{order1['id']}").status_code == 404
    assert world["sales_b"].get("/api/v1/orders", params={"customer_id": customer["id"]}).json()["page"]["total"] == 0
    assert world["other_owner"].get(f"/api/v1/orders/{order1['id']}").status_code == 404
    assert world["other_owner"].get(f"/api/v1/returns/{ret_id}").status_code == 404


def test_b2_price_typed_without_the_switch_is_403_and_writes_nothing(platform, world):
    sales = world["sales_b"]
    customer = sales.post(
        "/api/v1/customers", json={"name": "小卖部", "phone": phone(), "fields": {"shop_type": "便利店"}}
    ).json()
    product = (
        world["owner"]
        .post(
            "/api/v1/products",
            json={"name": "饼干", "unit": "箱", "wholesale_price_fen": 3000, "kind": "goods", "listed": True},
        )
        .json()
    )
    resp = sales.post(
        "/api/v1/orders",
        json={
            "customer_id": customer["id"],
            "lines": [{"product_id": product["id"], "quantity": 1, "price_source": "manual", "price_fen": 100}],
        },
    )
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"]["code"] == "PRICE_CHANGE_NOT_ALLOWED"
    assert sales.get("/api/v1/orders", params={"customer_id": customer["id"]}).json()["page"]["total"] == 0
    bad = sales.post(
        "/api/v1/orders", json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": -3}]}
    )
    assert bad.status_code == 400 and "lines.0.quantity" in bad.json()["error"]["fields"], bad.text


def test_b2_credit_limit_shown_while_ordering_and_enforced_when_the_tenant_blocks(platform, world):
    owner, sales = world["owner"], world["sales_b"]
    customer = sales.post(
        "/api/v1/customers", json={"name": "赊账超市", "phone": phone(), "fields": {"shop_type": "超市"}}
    ).json()
    product = owner.post(
        "/api/v1/products",
        json={"name": "啤酒", "unit": "箱", "wholesale_price_fen": 3000, "kind": "goods", "listed": True},
    ).json()
    term = owner.put(f"/api/v1/customers/{customer['id']}/credit-term", json={"days": 30, "credit_limit_fen": 5000})
    assert term.status_code == 200, term.text
    shown = sales.get(f"/api/v1/customers/{customer['id']}/credit").json()
    assert (shown["credit_limit_fen"], shown["available_fen"], shown["credit_control"]) == (5000, 5000, "warn")

    def order(quantity: int):
        body = {"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": quantity}]}
        return sales.post("/api/v1/orders", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})

    warned = order(2)  # 6000 > 5000: taken, marked for the back office
    assert warned.status_code == 201 and warned.json()["credit_warnings"] == ["over_limit"], warned.text
    settings = owner.put("/api/v1/order-settings", json={"allow_negative_stock": False, "credit_control": "block"})
    assert settings.status_code == 200, settings.text
    try:
        refused = order(1)
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "CREDIT_BLOCKED" and "信用额度 50.00 元" in error["message"], error
        assert sales.get("/api/v1/orders", params={"customer_id": customer["id"]}).json()["page"]["total"] == 1
        shown = sales.get(f"/api/v1/customers/{customer['id']}/credit").json()
        assert (shown["pending_fen"], shown["available_fen"], shown["credit_control"]) == (6000, -1000, "block")
    finally:
        owner.put("/api/v1/order-settings", json={"allow_negative_stock": False, "credit_control": "warn"})
