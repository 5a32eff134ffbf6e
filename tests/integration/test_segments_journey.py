"""C4 over HTTP with every service a real process: orders placed and shipped through the orders
service feed the customers worker's read model; saved segments ("no purchase in 30 days",
"spent more than X in a period") return exactly the expected customers, within each caller's
visibility; another tenant sees nothing. Time is injected through `as_of`, never slept."""

from __future__ import annotations

from datetime import datetime, timedelta

from client import eventually
from journey import PASSWORD, create_staff, login, phone, sign_up

BOX_FEN = 5000


def ok(resp, status=200):
    assert resp.status_code == status, resp.text
    return resp.json()


def sell(sales, manager, customer_id: str, product_id: str, boxes: int) -> dict:
    order = ok(
        sales.post(
            "/api/v1/orders",
            json={"customer_id": customer_id, "lines": [{"product_id": product_id, "quantity": boxes}]},
        ),
        201,
    )
    for step in ("approve", "pick", "ship"):
        ok(manager.post(f"/api/v1/orders/{order['id']}/{step}", json={}))
    return order


def member_ids(api, path: str, **params) -> set[str]:
    body = ok(api.get(path, params={"page_size": 100, **params}))
    assert body["page"]["total"] == len(body["members"])
    return {m["id"] for m in body["members"]}


def evaluate(api, filter: dict, **extra) -> set[str]:
    body = ok(api.post("/api/v1/segments/evaluate", json={"filter": filter, "page_size": 100, **extra}))
    return {m["id"] for m in body["members"]}


def test_c4_segments_journey(platform, world):
    anon = world["anon"]
    # A tenant of its own: "exactly these customers" must not meet other journeys' customers.
    signed = sign_up(anon, "四号商贸")
    owner = anon.as_(login(anon, signed["owner_phone"]))
    store_id = signed["head_store"]["id"]
    manager_staff = create_staff(owner, "吴店长", ["store_manager"], store_id, password=PASSWORD)
    manager = anon.as_(login(anon, manager_staff["phone"]))
    seller = anon.as_(login(anon, create_staff(owner, "郑业务", ["salesperson"], store_id, password=PASSWORD)["phone"]))
    colleague = anon.as_(
        login(anon, create_staff(owner, "冯业务", ["salesperson"], store_id, password=PASSWORD)["phone"])
    )
    milk = ok(
        owner.post(
            "/api/v1/products",
            json={
                "name": "纯牛奶 250ml×24",
                "brand": "伊利",
                "unit": "箱",
                "wholesale_price_fen": BOX_FEN,
                "listed": True,
            },
        ),
        201,
    )
    ok(owner.put(f"/api/v1/products/{milk['id']}/stock/{store_id}", json={"quantity": 100, "reason": "期初"}))

    def customer(api, name):
        return ok(api.post("/api/v1/customers", json={"name": name, "phone": phone()}), 201)["id"]

    lapsed, recent, never = customer(seller, "老客户"), customer(seller, "新近客户"), customer(seller, "从未下单")
    theirs = customer(colleague, "同事的客户")

    # Orders through the orders service, in this order: the colleague's customer, the lapsed
    # one, then the recent one (approval times strictly increase).
    sell(colleague, manager, theirs, milk["id"], 1)
    sell(seller, manager, lapsed, milk["id"], 2)
    sell(seller, manager, recent, milk["id"], 10)

    # The customers worker records the approvals from the orders service's events.
    bought = eventually(lambda: len(evaluate(manager, {"min_order_count": 1})) == 3)
    assert bought, platform.logs()
    members = ok(manager.post("/api/v1/segments/evaluate", json={"filter": {"brands": ["伊利"]}, "page_size": 100}))
    last_order = {m["id"]: datetime.fromisoformat(m["last_order_at"]) for m in members["members"]}
    assert set(last_order) == {lapsed, recent, theirs}
    assert last_order[theirs] < last_order[lapsed] < last_order[recent]

    # "No purchase in 30 days", evaluated 30 days after the lapsed customer's order: the lapsed,
    # the never-buying (registered before that) and the colleague's are asleep; the recent is not.
    saved = ok(manager.post("/api/v1/segments", json={"name": "30天未购", "filter": {"no_purchase_days": 30}}), 201)
    as_of = (last_order[lapsed] + timedelta(days=30, milliseconds=1)).isoformat()
    path = f"/api/v1/segments/{saved['id']}/members"
    assert member_ids(manager, path, as_of=as_of) == {lapsed, never, theirs}
    # A salesperson evaluates the same segment over own customers only.
    assert member_ids(seller, path, as_of=as_of) == {lapsed, never}
    # As of now nobody has been a customer for 30 days.
    assert member_ids(manager, path) == set()

    # "Spent more than X in the period".
    assert evaluate(manager, {"min_amount_fen": 10 * BOX_FEN, "period_days": 30}) == {recent}
    assert evaluate(manager, {"min_amount_fen": BOX_FEN + 1, "period_days": 30}) == {recent, lapsed}
    sleeping_spenders = {"no_purchase_days": 30, "min_amount_fen": BOX_FEN + 1, "period_days": 365}
    assert evaluate(manager, sleeping_spenders, as_of=as_of) == {lapsed}
    assert evaluate(seller, {"max_order_count": 0}) == {never}

    # A filter on an unknown field names it.
    bad = manager.post(
        "/api/v1/segments", json={"name": "坏", "filter": {"fields": [{"key": "ghost", "op": "eq", "values": ["x"]}]}}
    )
    assert bad.status_code == 400 and "filter.fields.ghost" in bad.json()["error"]["fields"], bad.text
    presets = ok(manager.get("/api/v1/segment-presets"))["presets"]
    assert presets[0]["key"] == "sleeping_members" and presets[0]["name"] == "沉睡会员"

    # Another tenant sees nothing: not the segment, not the customers.
    other = world["other_owner"]
    assert other.get(f"/api/v1/segments/{saved['id']}").status_code == 404
    assert other.get(path, params={"as_of": as_of}).status_code == 404
    assert evaluate(other, {"brands": ["伊利"]}) == set()
    assert [s["name"] for s in ok(other.get("/api/v1/segments"))["segments"]] == []
