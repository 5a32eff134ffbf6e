"""C11 over HTTP with every service a real process: a manager gives several members one level
in bulk (all or none), and the next order for one of them is priced at that level's price (B2)."""

from __future__ import annotations

from journey import phone


def test_c11_bulk_level_change_prices_the_next_order_at_the_level(platform, world):
    owner, sales, other = world["owner"], world["sales_b"], world["other_owner"]
    members = [
        sales.post("/api/v1/customers", json={"name": f"会员店{i}", "phone": phone(), "fields": {"shop_type": "超市"}})
        for i in range(3)
    ]
    assert all(m.status_code == 201 for m in members), [m.text for m in members]
    ids = [m.json()["id"] for m in members]
    tea = owner.post(
        "/api/v1/products",
        json={
            "name": "绿茶",
            "unit": "箱",
            "wholesale_price_fen": 3000,
            "level_prices": [{"level": "金卡", "price_fen": 2500}],
            "kind": "goods",
            "listed": True,
        },
    )
    assert tea.status_code == 201, tea.text

    # A salesperson may not; another tenant's customer makes the whole change refused.
    assert sales.post("/api/v1/customers/levels", json={"customer_ids": ids, "level": "金卡"}).status_code == 403
    stranger = other.post("/api/v1/customers/levels", json={"customer_ids": ids, "level": "金卡"})
    assert stranger.status_code == 404, stranger.text
    bad = owner.post("/api/v1/customers/levels", json={"customer_ids": ids, "level": "金卡 会员!"})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"level"}, bad.text

    done = owner.post("/api/v1/customers/levels", json={"customer_ids": ids, "level": "金卡"})
    assert done.status_code == 200 and done.json() == {"changed": 3}, done.text
    assert {owner.get(f"/api/v1/customers/{i}").json()["level"] for i in ids} == {"金卡"}

    order = sales.post(
        "/api/v1/orders", json={"customer_id": ids[0], "lines": [{"product_id": tea.json()["id"], "quantity": 2}]}
    )
    assert order.status_code == 201, order.text
    line = order.json()["lines"][0]
    assert (line["unit_price_fen"], line["price_source"], order.json()["total_fen"]) == (2500, "level", 5000)
