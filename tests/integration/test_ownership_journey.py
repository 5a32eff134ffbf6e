"""C1 C2 C3 C5 C12 over HTTP, every service a real process: a customer scans a salesperson's
registration QR and applies -> reviewed and bound -> the pool job (its own process, time
injected with --now, never slept) warns, then returns the idle customer to the pool -> another
salesperson claims it and the holding cap refuses one more -> tags applied and the list
filtered by tag -> "near me" in distance order -> the record -> another tenant sees nothing.

Own tenants (not the shared `world`): the pool job moves every idle customer of a tenant."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

from client import Api, eventually
from journey import PASSWORD, create_staff, login, notifications, phone, sign_up
from PIL import Image

# People's Square, Shanghai; shops north of it at known distances (1 m ~ 1/111195 degree).
HERE = (31.2304, 121.4737)


def north(metres: float) -> dict:
    return {"latitude": HERE[0] + metres / 111_195, "longitude": HERE[1]}


def ok(resp, status: int = 200) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else {}


def error_code(resp, status: int) -> str:
    assert resp.status_code == status, resp.text
    return resp.json()["error"]["code"]


def kinds(api: Api, customer_id: str) -> set[str]:
    return {n["kind"] for n in notifications(api) if n["params"].get("customer_id") == customer_id}


def sweep(platform, now: datetime) -> None:
    proc = platform.run_job("customers", "pool-sweep", "--now", now.isoformat())
    assert proc.returncode == 0, proc.stderr


def test_c2_c3_c5_c12_ownership_journey(platform):
    anon = Api(platform.gateway_url)
    tenant = sign_up(anon, "三号商贸")
    owner = anon.as_(login(anon, tenant["owner_phone"]))
    store_id = tenant["head_store"]["id"]
    people = {
        name: create_staff(owner, label, roles, store_id, password=PASSWORD)
        for name, label, roles in (
            ("manager", "钱店长", ["store_manager"]),
            ("a", "孙业务", ["salesperson"]),
            ("b", "周业务", ["salesperson"]),
        )
    }
    manager, sales_a, sales_b = (anon.as_(login(anon, people[n]["phone"])) for n in ("manager", "a", "b"))
    ok(
        owner.put(
            "/api/v1/customer-fields/shop_type",
            json={"label": "门店类型", "kind": "choice", "required": True, "options": ["超市", "便利店"]},
        )
    )
    rules = {"pool_followup_days": 30, "pool_warning_days": 3, "max_customers_held": 2}
    assert ok(manager.put("/api/v1/customer-settings", json=rules))["auto_approve_registrations"] is False
    assert error_code(sales_a.put("/api/v1/customer-settings", json=rules), 403) == "CUSTOMER_MANAGERS_ONLY"

    # C2: salesperson A's QR is a real PNG of a public link with a signed token.
    qr = ok(sales_a.get("/api/v1/registration-qr"))
    image = Image.open(io.BytesIO(base64.b64decode(qr["png_base64"])))
    assert image.format == "PNG" and image.size[0] > 100
    link = urlparse(qr["url"])
    assert link.path == f"/join/{qr['token']}"  # the form page (gateway.customer_pages)
    png = sales_a.get("/api/v1/registration-qr.png")
    assert png.headers["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")

    # The customer scans it: no login, a page of the form (C2) ...
    page = anon.get(link.path)
    assert page.status_code == 200 and 'data-field="shop_type"' in page.text and "门店类型" in page.text
    api = f"/api/v1/public/registrations/{qr['token']}"
    assert f'data-api="{api}"' in page.text
    # ... whose API asks for the tenant's fields.
    form = ok(anon.get(api))
    assert (form["salesperson_id"], [f["key"] for f in form["fields"]]) == (people["a"]["id"], ["shop_type"])
    forged = qr["token"][:-3] + ("AAA" if not qr["token"].endswith("AAA") else "BBB")
    assert error_code(anon.get(f"/api/v1/public/registrations/{forged}"), 400) == "REGISTRATION_TOKEN_INVALID"
    bad = anon.post(api, json={"name": "王老板", "phone": phone(), "fields": {}})
    assert bad.status_code == 400 and "fields.shop_type" in bad.json()["error"]["fields"]
    customer_phone = phone()
    body = {"name": "王老板", "phone": customer_phone, "fields": {"shop_type": "超市"}}
    assert ok(anon.post(api, json=body), 201) == {"status": "pending"}

    # Reviewed: salesperson A sees it in the queue, the manager approves, A owns the customer.
    [application] = ok(sales_a.get("/api/v1/registration-applications"))["applications"]
    assert application["phone"] == customer_phone
    assert ok(sales_b.get("/api/v1/registration-applications"))["applications"] == []
    approved = ok(manager.post(f"/api/v1/registration-applications/{application['id']}/approve", json={}))
    customer_id = approved["customer_id"]
    bound = ok(sales_a.get(f"/api/v1/customers/{customer_id}"))
    assert (bound["owner_staff_id"], bound["fields"]) == (people["a"]["id"], {"shop_type": "超市"})
    assert eventually(lambda: "customer_registered" in kinds(sales_a, customer_id))
    # A second application, rejected with a reason, creates nothing.
    other = {"name": "李四", "phone": phone(), "fields": {"shop_type": "便利店"}}
    ok(anon.post(api, json=other), 201)
    [second] = ok(manager.get("/api/v1/registration-applications"))["applications"]
    rejected = ok(manager.post(f"/api/v1/registration-applications/{second['id']}/reject", json={"reason": "非本区域"}))
    assert (rejected["status"], rejected["reject_reason"]) == ("rejected", "非本区域")

    # Salesperson B has a customer of their own, locked by the manager (exempt from the rules);
    # the manager puts one more customer in the pool.
    kept = ok(
        sales_b.post(
            "/api/v1/customers", json={"name": "周记", "phone": phone(), "fields": {"shop_type": "超市"}, **north(800)}
        ),
        201,
    )
    assert ok(manager.put(f"/api/v1/customers/{kept['id']}/lock", json={"locked": True}))["locked"] is True
    spare = ok(
        manager.post("/api/v1/customers", json={"name": "闲置客户", "phone": phone(), "fields": {"shop_type": "超市"}}),
        201,
    )
    assert error_code(manager.post(f"/api/v1/customers/{spare['id']}/release", json={}), 400) == "INVALID_INPUT"
    assert (
        ok(manager.post(f"/api/v1/customers/{spare['id']}/release", json={"reason": "无人跟进"}))["owner_staff_id"]
        is None
    )

    # C3: the pool job, a real process with time injected. Day 28: A is warned, nothing moves.
    start = datetime.now(UTC)
    sweep(platform, start + timedelta(days=28))
    assert ok(manager.get(f"/api/v1/customers/{customer_id}"))["owner_staff_id"] == people["a"]["id"]
    assert eventually(lambda: "pool_return_warning" in kinds(sales_a, customer_id))
    # Day 31 without a follow-up: back to the pool; the locked customer stays with B.
    sweep(platform, start + timedelta(days=31))
    assert ok(manager.get(f"/api/v1/customers/{customer_id}"))["owner_staff_id"] is None
    assert ok(manager.get(f"/api/v1/customers/{kept['id']}"))["owner_staff_id"] == people["b"]["id"]
    pool_ids = {c["id"] for c in ok(sales_b.get("/api/v1/customer-pool"))["customers"]}
    assert pool_ids == {customer_id, spare["id"]}
    assert eventually(lambda: "customer_returned_to_pool" in kinds(sales_a, customer_id))
    assert ok(sales_a.get("/api/v1/customers"))["page"]["total"] == 0

    # B claims it (now holding 2 = the cap); one more claim is refused with a clear code.
    claimed = ok(sales_b.post(f"/api/v1/customers/{customer_id}/claim", json={}))
    assert claimed["owner_staff_id"] == people["b"]["id"]
    assert error_code(sales_a.post(f"/api/v1/customers/{customer_id}/claim", json={}), 409) == "CUSTOMER_NOT_IN_POOL"
    assert (
        error_code(sales_b.post(f"/api/v1/customers/{spare['id']}/claim", json={}), 429)
        == "CUSTOMER_HOLD_LIMIT_REACHED"
    )
    history = ok(manager.get(f"/api/v1/customers/{customer_id}/ownership-history"))["changes"]
    # History is ordered by time; the job ran "31 days later" while the claim ran now, so
    # compare the entries, not their order.
    assert sorted((h["action"], h["to_staff_id"] or "") for h in history) == [
        ("claimed", people["b"]["id"]),
        ("registered", people["a"]["id"]),
        ("returned_to_pool", ""),
    ]
    assert eventually(lambda: "customer_claimed" in kinds(manager, customer_id))

    # A manager hands the spare pool customer to A; a made-up colleague is refused.
    bad_transfer = manager.post(f"/api/v1/customers/{spare['id']}/transfer", json={"to_staff_id": "nobody"})
    assert bad_transfer.status_code == 400 and bad_transfer.json()["error"]["fields"] == {"to_staff_id": "内容无效"}
    moved = ok(manager.post(f"/api/v1/customers/{spare['id']}/transfer", json={"to_staff_id": people["a"]["id"]}))
    assert moved["owner_staff_id"] == people["a"]["id"]
    assert eventually(lambda: "customer_transferred" in kinds(sales_a, spare["id"]))

    # C12: the manager defines a tag, B tags the claimed customer, the list filters by it.
    tag = ok(manager.post("/api/v1/customer-tags", json={"name": "重点客户", "colour": "#ff6600"}), 201)
    assert ok(
        sales_b.post("/api/v1/customer-tags/apply", json={"tag_ids": [tag["id"]], "customer_ids": [customer_id]})
    ) == {"changed": 1}
    tagged = ok(sales_b.get("/api/v1/customers", params={"tag_id": tag["id"]}))
    assert [c["id"] for c in tagged["customers"]] == [customer_id]
    assert tagged["customers"][0]["tags"] == [{"id": tag["id"], "name": "重点客户", "colour": "#FF6600"}]
    assert ok(sales_b.get("/api/v1/customers"))["page"]["total"] == 2

    # C5: locations set, "near me" nearest first with call and navigation links.
    ok(sales_b.request("PATCH", f"/api/v1/customers/{customer_id}", json=north(300)))
    ok(manager.request("PATCH", f"/api/v1/customers/{spare['id']}", json=north(100)))
    params = {"lat": HERE[0], "lng": HERE[1], "radius_m": 2000}
    near_b = ok(sales_b.get("/api/v1/customers/nearby", params=params))["customers"]
    assert [(n["customer"]["id"], n["distance_m"]) for n in near_b] == [(customer_id, 300), (kept["id"], 800)]
    assert near_b[0]["call_url"] == f"tel:{customer_phone}"
    assert near_b[0]["amap_url"].startswith("https://uri.amap.com/marker?position=121.473700,")
    near_all = ok(manager.get("/api/v1/customers/nearby", params=params))["customers"]
    assert [n["customer"]["id"] for n in near_all] == [spare["id"], customer_id, kept["id"]]
    assert (
        ok(manager.get("/api/v1/customers/nearby", params={**params, "radius_m": 500}))["customers"][-1]["distance_m"]
        == 300
    )

    # C1: the record shows profile, tags, owner, (real, empty) trade history and coupons held.
    record = ok(sales_b.get(f"/api/v1/customers/{customer_id}/record"))
    assert record["customer"]["owner_staff_id"] == people["b"]["id"]
    assert record["owner"] == {"id": people["b"]["id"], "name": "周业务"}
    assert [t["name"] for t in record["customer"]["tags"]] == ["重点客户"]
    assert record["trade_history"] == {"available": True, "reason": "", "orders": [], "total": 0}
    assert record["coupons"] == {"available": True, "reason": "", "coupons": [], "total": 0}
    assert record["balance"] == {"available": True, "reason": "", "balance_fen": 0}

    # Another tenant sees nothing of it.
    other_tenant = sign_up(anon, "四号商贸")
    stranger = anon.as_(login(anon, other_tenant["owner_phone"]))
    assert stranger.get(f"/api/v1/customers/{customer_id}").status_code == 404
    assert stranger.get(f"/api/v1/customers/{customer_id}/record").status_code == 404
    assert stranger.post(f"/api/v1/customers/{spare['id']}/claim", json={}).status_code == 404
    assert ok(stranger.get("/api/v1/customer-pool"))["page"]["total"] == 0
    to_self = {"to_staff_id": other_tenant["owner"]["id"]}
    assert stranger.post(f"/api/v1/customers/{customer_id}/transfer", json=to_self).status_code == 404
    assert ok(stranger.get("/api/v1/customers/nearby", params=params))["customers"] == []
    assert ok(stranger.get("/api/v1/customers", params={"tag_id": tag["id"]}))["page"]["total"] == 0
    assert ok(stranger.get("/api/v1/registration-applications", params={"status": "approved"}))["applications"] == []
