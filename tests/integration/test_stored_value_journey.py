"""Stored value over HTTP (E7 E8 E9 C11), every service a real process: a recharge with "pay
500 get 80 + a coupon" shows the right ledger entries; a corporate pre-charge sheet waits for the
owner's SMS code (read from the fake SMS provider), a wrong code is refused, the right one
applies every row once; balances add up; a recharge's gift products leave the store's stock in
the orders service (through the coupons worker) and the recharge shows every gift's outcome;
another tenant sees nothing."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

from client import eventually
from journey import phone
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(rows: list[list]) -> bytes:
    book = Workbook()
    book.active.append(["手机号", "金额", "备注"])
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(api, client_name: str, data: bytes):
    return api.http.post(
        f"{api.base_url}/api/v1/precharges",
        params={"client_name": client_name},
        files={"file": ("precharge.xlsx", data, XLSX)},
        headers={"Authorization": f"Bearer {api.token}"},
        timeout=30,
    )


def customer(api, name: str) -> dict:
    resp = api.post("/api/v1/customers", json={"name": name, "phone": phone(), "fields": {"shop_type": "超市"}})
    assert resp.status_code == 201, resp.text
    return resp.json()


def balance(api, customer_id: str) -> int:
    resp = api.get(f"/api/v1/customers/{customer_id}/stored-value")
    assert resp.status_code == 200, resp.text
    return resp.json()["balance_fen"]


def test_stored_value_journey(platform, world):
    owner, other_owner, sales = world["owner"], world["other_owner"], world["sales_b"]
    alice, bob = customer(owner, "华联超市"), customer(owner, "万家便利")

    # E7: "pay 500 get 80 + a coupon" for in-store members, and a smaller rule it must beat.
    cake = owner.post(
        "/api/v1/coupon-templates",
        json={"name": "生日蛋糕券", "kind": "cash", "value_fen": 3_000, "valid_days": 30, "per_person_limit": 3},
    )
    assert cake.status_code == 201, cake.text
    cake_id = cake.json()["id"]
    rule = owner.post(
        "/api/v1/recharge-rules",
        json={
            "name": "充500送80",
            "member_type": "in_store",
            "pay_fen": 50_000,
            "bonus_fen": 8_000,
            "coupon_template_ids": [cake_id],
        },
    )
    assert rule.status_code == 201, rule.text
    small = {"name": "充100送5", "member_type": "in_store", "pay_fen": 10_000, "bonus_fen": 500}
    assert owner.post("/api/v1/recharge-rules", json=small).status_code == 201
    assert sales.post("/api/v1/recharge-rules", json=small).status_code == 403

    key = uuid.uuid4().hex
    paid = owner.post(f"/api/v1/customers/{alice['id']}/recharges", json={"paid_fen": 50_000}, idempotency_key=key)
    assert paid.status_code == 201, paid.text
    recharge = paid.json()
    assert recharge["rule_id"] == rule.json()["id"] and recharge["bonus_fen"] == 8_000
    assert recharge["instalments"][0]["coupon_template_ids"] == [cake_id]
    assert recharge["instalments"][0]["released_at"]
    assert [(o["kind"], o["item_id"], o["status"]) for o in recharge["gift_outcomes"]] == [
        ("coupon", cake_id, "issued")
    ]
    # The gift coupon is in alice's hands at once, valid for the template's 30 days.
    held = owner.get("/api/v1/coupons", params={"customer_id": alice["id"]})
    assert held.status_code == 200, held.text
    (gift,) = held.json()["coupons"]
    assert (gift["template_id"], gift["channel"], gift["status"]) == (cake_id, "recharge", "active")
    valid = datetime.fromisoformat(gift["valid_until"]) - datetime.fromisoformat(gift["valid_from"])
    assert valid == timedelta(days=30)
    entries = owner.get(f"/api/v1/customers/{alice['id']}/stored-value/entries").json()
    assert entries["page"]["total"] == 2
    assert [
        (e["reason"], e["reason_text"], e["amount"], e["balance_after"], e["reference"]) for e in entries["entries"]
    ] == [
        ("recharge_bonus", "充值赠送", 8_000, 58_000, recharge["id"]),
        ("recharge", "充值", 50_000, 50_000, recharge["id"]),
    ]
    # The same request again (a double tap) changes nothing.
    again = owner.post(f"/api/v1/customers/{alice['id']}/recharges", json={"paid_fen": 50_000}, idempotency_key=key)
    assert again.json()["id"] == recharge["id"]
    assert balance(owner, alice["id"]) == 58_000
    assert len(owner.get("/api/v1/coupons", params={"customer_id": alice["id"]}).json()["coupons"]) == 1

    # E9: spending more than the balance is refused whole.
    too_much = owner.post(f"/api/v1/customers/{alice['id']}/stored-value/debits", json={"amount": 58_001})
    assert too_much.status_code == 409, too_much.text
    spent = owner.post(
        f"/api/v1/customers/{alice['id']}/stored-value/debits", json={"amount": 8_000, "reason": "spend"}
    )
    assert spent.status_code == 201 and spent.json()["balance_after"] == 50_000

    # E8: a pre-charge sheet with problems is refused row by row and nothing is stored.
    bad = upload(owner, "中国银行", sheet([[alice["phone"], "100"], ["13000000000", "50"], [bob["phone"], "x"]]))
    assert bad.status_code == 201, bad.text
    assert bad.json()["status"] == "invalid"
    assert {(p["row"], p["column"]) for p in bad.json()["problems"]} == {(3, "手机号"), (4, "金额")}

    good = upload(owner, "中国银行", sheet([[alice["phone"], "100", "员工福利"], [bob["phone"], "250.50", ""]]))
    assert good.status_code == 201, good.text
    batch = good.json()
    assert (batch["status"], batch["total_fen"], len(batch["rows"])) == ("pending", 35_050, 2)
    assert balance(owner, bob["id"]) == 0  # waits for the owner

    # The owner asks for the SMS code; the fake SMS provider received it on the owner's phone.
    me = owner.get("/api/v1/me").json()
    sent = owner.post(f"/api/v1/precharges/{batch['id']}/code")
    assert sent.status_code == 202, sent.text
    assert sent.json()["sent_to"].endswith(me["phone"][-4:])
    messages = eventually(lambda: platform.sms_server.messages(phone=me["phone"]), timeout=10)
    assert messages, "the fake SMS provider received no code"
    code = messages[-1]["params"]["code"]

    wrong = owner.post(f"/api/v1/precharges/{batch['id']}/confirm", json={"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400 and "code" in wrong.json()["error"]["fields"]
    assert balance(owner, bob["id"]) == 0
    # Another tenant's owner cannot even see the batch.
    assert other_owner.post(f"/api/v1/precharges/{batch['id']}/confirm", json={"code": code}).status_code == 404

    done = owner.post(f"/api/v1/precharges/{batch['id']}/confirm", json={"code": code})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "applied"
    assert owner.post(f"/api/v1/precharges/{batch['id']}/confirm", json={"code": code}).status_code == 409

    # Balances add up: alice 500 + 80 - 80 + 100; bob 250.50.
    assert balance(owner, alice["id"]) == 60_000
    assert balance(owner, bob["id"]) == 25_050
    bob_entries = owner.get(f"/api/v1/customers/{bob['id']}/stored-value/entries").json()["entries"]
    assert [(e["reason"], e["reference"]) for e in bob_entries] == [("precharge", batch["id"])]

    # E9 points: the owner's rule, earned once per order.
    assert owner.put("/api/v1/points-rule", json={"points_per_yuan": 2}).status_code == 200
    earn = {"order_id": "order-1", "order_amount_fen": 12_345}
    first = owner.post(f"/api/v1/customers/{bob['id']}/points/earnings", json=earn)
    assert first.status_code == 201, first.text
    assert owner.post(f"/api/v1/customers/{bob['id']}/points/earnings", json=earn).json()["id"] == first.json()["id"]
    assert owner.get(f"/api/v1/customers/{bob['id']}/stored-value").json()["points"] == 246

    # E9: an approved order earns points through orders.order_approved and the coupons worker.
    product = owner.post(
        "/api/v1/products", json={"name": "可乐 330ml×24", "wholesale_price_fen": 4_850, "listed": True}
    )
    assert product.status_code == 201, product.text
    stock = owner.put(
        f"/api/v1/products/{product.json()['id']}/stock/{world['store_id']}", json={"quantity": 10, "reason": "期初"}
    )
    assert stock.status_code == 200, stock.text
    order = owner.post(
        "/api/v1/orders",
        json={"customer_id": bob["id"], "lines": [{"product_id": product.json()["id"], "quantity": 2}]},
    )
    assert order.status_code == 201, order.text
    approved = world["manager"].post(f"/api/v1/orders/{order.json()['id']}/approve", json={})
    assert approved.status_code == 200, approved.text
    points = lambda: owner.get(f"/api/v1/customers/{bob['id']}/stored-value").json()["points"]  # noqa: E731
    assert eventually(lambda: points() == 246 + 97 * 2, timeout=20), points()
    earned = owner.get(f"/api/v1/customers/{bob['id']}/stored-value/entries", params={"kind": "points"}).json()
    assert [(e["reason"], e["reference"]) for e in earned["entries"]][0] == ("order_points", order.json()["id"])

    # E7: gifts in monthly instalments: half now, half when the scheduled job runs a month later
    # (a real process, as the CronJob runs it); a second run releases nothing more.
    monthly = {
        "name": "充1000分2月送200",
        "member_type": "online",
        "pay_fen": 100_000,
        "bonus_fen": 20_000,
        "instalments": 2,
        "coupon_template_ids": [cake_id],
    }
    assert owner.post("/api/v1/recharge-rules", json=monthly).status_code == 201
    online = owner.post(f"/api/v1/customers/{bob['id']}/recharges", json={"paid_fen": 100_000, "member_type": "online"})
    assert online.status_code == 201, online.text
    assert [i["bonus_fen"] for i in online.json()["instalments"]] == [10_000, 10_000]
    assert balance(owner, bob["id"]) == 25_050 + 110_000
    later = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    for _ in range(2):
        job = platform.run_job("coupons", "release-instalments", "--now", later)
        assert job.returncode == 0, job.stderr
    assert balance(owner, bob["id"]) == 25_050 + 120_000
    # One cake coupon per instalment: the second issued by the job, once, dated from its release.
    bobs = owner.get("/api/v1/coupons", params={"customer_id": bob["id"]}).json()["coupons"]
    assert sorted(c["valid_from"][:10] for c in bobs) == sorted([datetime.now(UTC).date().isoformat(), later[:10]])

    # C11: a member coupon gift is issued at once (alice already holds the recharge's cake coupon).
    gift = {"customer_ids": [alice["id"]], "template_ids": [cake_id]}
    given = owner.post("/api/v1/stored-value/coupon-gifts", json=gift)
    assert given.status_code == 201, given.text
    alices = owner.get("/api/v1/coupons", params={"customer_id": alice["id"]}).json()["coupons"]
    assert sorted(c["channel"] for c in alices) == ["gift", "recharge"]
    assert other_owner.post("/api/v1/stored-value/coupon-gifts", json=gift).status_code == 404

    # Another tenant sees nothing of it.
    assert other_owner.get(f"/api/v1/customers/{alice['id']}/stored-value").status_code == 404
    assert other_owner.get(f"/api/v1/customers/{alice['id']}/stored-value/entries").status_code == 404
    assert other_owner.get(f"/api/v1/precharges/{batch['id']}").status_code == 404
    assert other_owner.get("/api/v1/recharge-rules").json()["rules"] == []

    # E7: a rule that gives products: the owner's store hands them out, the orders service
    # deducts them from that store's stock (coupons worker -> HandOutGiftStock), and the recharge
    # shows each gift's outcome; a product gift short of stock is refused and says why.
    store_id = world["store_id"]
    oil = owner.post("/api/v1/products", json={"name": "花生油 5L", "wholesale_price_fen": 9_900, "listed": True})
    rice = owner.post("/api/v1/products", json={"name": "大米 10kg", "wholesale_price_fen": 5_900, "listed": True})
    assert oil.status_code == 201 and rice.status_code == 201, (oil.text, rice.text)
    oil_id, rice_id = oil.json()["id"], rice.json()["id"]
    for product_id, quantity in ((oil_id, 20), (rice_id, 1)):
        level = {"quantity": quantity, "reason": "期初"}
        put = owner.put(f"/api/v1/products/{product_id}/stock/{store_id}", json=level)
        assert put.status_code == 200, put.text

    def on_hand(product_id: str) -> int:
        product = owner.get(f"/api/v1/products/{product_id}").json()
        return next((s["quantity"] for s in product["stock"] if s["store_id"] == store_id), 0)

    oil_rule = {
        "name": "充2000送油",
        "member_type": "in_store",
        "pay_fen": 200_000,
        "bonus_fen": 0,
        "gift_products": [{"product_id": oil_id, "quantity": 2}],
    }
    assert owner.post("/api/v1/recharge-rules", json=oil_rule).status_code == 201
    carol = customer(owner, "好又多超市")
    given = owner.post(f"/api/v1/customers/{carol['id']}/recharges", json={"paid_fen": 200_000})
    assert given.status_code == 201, given.text
    oil_recharge = given.json()
    assert [(o["kind"], o["item_id"], o["quantity"]) for o in oil_recharge["gift_outcomes"]] == [("product", oil_id, 2)]

    def product_outcomes(recharge_id: str) -> list[tuple]:
        shown = owner.get(f"/api/v1/recharges/{recharge_id}")
        assert shown.status_code == 200, shown.text
        return [(o["item_id"], o["status"], o["reason"], o["status_text"]) for o in shown.json()["gift_outcomes"]]

    assert eventually(lambda: product_outcomes(oil_recharge["id"])[0][1] == "handed_out", timeout=30), product_outcomes(
        oil_recharge["id"]
    )
    assert product_outcomes(oil_recharge["id"]) == [(oil_id, "handed_out", "", "已出库")]
    assert on_hand(oil_id) == 18
    assert other_owner.get(f"/api/v1/recharges/{oil_recharge['id']}").status_code == 404

    rice_rule = {
        "name": "充3000送米",
        "member_type": "in_store",
        "pay_fen": 300_000,
        "bonus_fen": 0,
        "gift_products": [{"product_id": rice_id, "quantity": 3}],
    }
    assert owner.post("/api/v1/recharge-rules", json=rice_rule).status_code == 201
    short = owner.post(f"/api/v1/customers/{carol['id']}/recharges", json={"paid_fen": 300_000})
    assert short.status_code == 201, short.text
    assert eventually(lambda: product_outcomes(short.json()["id"])[0][1] == "refused", timeout=30)
    assert product_outcomes(short.json()["id"]) == [(rice_id, "refused", "insufficient_stock", "未出库")]
    assert on_hand(rice_id) == 1 and on_hand(oil_id) == 18
    assert balance(owner, carol["id"]) == 500_000  # the money is there whatever became of the gifts
