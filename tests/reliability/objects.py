"""One object of each kind a path parameter names, made for a tenant through the API, and the
map from an operation's path parameter to the kind of object it takes.

The map is by parameter name, with the few names two areas share (`rule_id`, `batch_id`,
`application_id`) told apart by the path they appear in. Both the cross-tenant matrix (R4) and
the fuzzer (R3, to reach real objects as well as made-up ids) use it.
"""

from __future__ import annotations

import io
import time
import uuid

from openpyxl import Workbook
from people import Tenant, ok, phone
from PIL import Image

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (path fragment, parameter) -> kind, checked before the parameter alone.
SHARED_NAMES = {
    ("/commission-rules/", "rule_id"): "commission_rule",
    ("/recharge-rules/", "rule_id"): "recharge_rule",
    ("/coupon-batches/", "batch_id"): "coupon_batch",
    ("/precharges/", "batch_id"): "precharge",
    ("/stores/applications/", "application_id"): "store_application",
    ("/registration-applications/", "application_id"): "registration_application",
    ("/collections/", "key"): "proof_key",
    # B6: a storefront order, not a wholesale one; the shop's are reached with a customer token
    # only, which the staff people here never hold (no object of that kind is made).
    ("/storefront/orders/", "order_id"): "storefront_order",
    ("/shop/orders/", "order_id"): "shop_order",
}
KIND_OF_PARAMETER = {
    "customer_id": "customer",
    "product_id": "product",
    "store_id": "store",
    "staff_id": "staff",
    "order_id": "order",
    "return_id": "return",
    "collection_id": "collection",
    "template_id": "coupon_template",
    "tag_id": "tag",
    "lead_id": "lead",
    "segment_id": "segment",
    "task_id": "visit",
    "recharge_id": "recharge",
    "send_id": "coupon_send",
    "duplicate_id": "duplicate",
    "category_id": "article_category",
    "article_id": "article",
    "visitor_id": "visitor",
    "material_id": "material",
    "image_id": "poster_image",
    "poster_id": "poster",
    "printer_id": "printer",
    "job_id": "print_job",
    "refund_id": "storefront_refund",
}


def kind_of(path: str, parameter: str) -> str | None:
    for (fragment, name), kind in SHARED_NAMES.items():
        if name == parameter and fragment in path:
            return kind
    return KIND_OF_PARAMETER.get(parameter)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def precharge_sheet(customer_phone: str) -> bytes:
    book = Workbook()
    for row in (["手机号", "金额", "备注"], [customer_phone, "100", "员工福利"]):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def registration_application(tenant: Tenant) -> str:
    """A customer scans a salesperson's QR (C2) and fills the form: an application to review."""
    seller = tenant.apis["salesperson"]
    qr = ok(seller.get("/api/v1/registration-qr"))
    form = {"name": "扫码客户", "phone": phone(), "fields": {}}
    ok(seller.as_(None).post(f"/api/v1/public/registrations/{qr['token']}", json=form), 201)
    [application] = ok(tenant.owner.get("/api/v1/registration-applications"))["applications"]
    return application["id"]


def duplicate(tenant: Tenant, customer_phone: str) -> str:
    """A lead with an existing customer's phone, converted (C9): a duplicate pair to review."""
    owner = tenant.owner
    lead = ok(owner.post("/api/v1/leads", json={"name": "重复线索", "phone": customer_phone}), 201)["lead"]
    ok(owner.post(f"/api/v1/leads/{lead['id']}/claim"))
    return ok(owner.post(f"/api/v1/leads/{lead['id']}/convert", json={}))["duplicate"]["id"]


def make_objects(tenant: Tenant) -> dict[str, str]:
    """kind -> id of a fresh object of that kind in `tenant` (an approved, shipped order with a
    pending collection and a submitted return among them)."""
    owner = tenant.owner
    made: dict[str, str] = {"store": tenant.store_id, "staff": tenant.staff_ids["salesperson"]}
    customer = ok(owner.post("/api/v1/customers", json={"name": "甲客户", "phone": phone()}), 201)
    made["customer"] = customer["id"]
    product = ok(owner.post("/api/v1/products", json={"name": "可乐", "wholesale_price_fen": 500, "listed": True}), 201)
    made["product"] = product["id"]
    ok(owner.put(f"/api/v1/products/{product['id']}/stock/{tenant.store_id}", json={"quantity": 100, "reason": "期初"}))
    order = ok(
        owner.post(
            "/api/v1/orders",
            json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": 4}]},
        ),
        201,
    )
    made["order"] = order["id"]
    for step in ("approve", "pick", "ship"):
        ok(owner.post(f"/api/v1/orders/{order['id']}/{step}", json={}))
    proof = owner.request("POST", "/api/v1/collection-proofs", files={"file": ("slip.png", png_bytes(), "image/png")})
    made["proof_key"] = ok(proof, 201)["key"]
    collection = {
        "customer_id": customer["id"],
        "method": "wechat",
        "proof_keys": [made["proof_key"]],
        "allocations": [{"order_id": order["id"], "amount_fen": 100}],
    }
    made["collection"] = ok(owner.post("/api/v1/collections", json=collection), 201)["id"]
    ret = {"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": 1}]}
    made["return"] = ok(owner.post("/api/v1/returns", json=ret), 201)["id"]
    rule = {"scope": "brand", "target": "可口可乐", "kind": "percent", "rate_bp": 500}
    made["commission_rule"] = ok(owner.post("/api/v1/commission-rules", json=rule), 201)["id"]
    template = {"name": "满100减20", "kind": "cash", "value_fen": 2000, "min_spend_fen": 10000, "valid_days": 30}
    made["coupon_template"] = ok(owner.post("/api/v1/coupon-templates", json=template), 201)["id"]
    batch = {"template_id": made["coupon_template"], "quantity": 5}
    made["coupon_batch"] = ok(owner.post("/api/v1/coupon-batches", json=batch), 201)["id"]
    recharge_rule = {"name": "充500送50", "member_type": "online", "pay_fen": 50000, "bonus_fen": 5000}
    made["recharge_rule"] = ok(owner.post("/api/v1/recharge-rules", json=recharge_rule), 201)["id"]
    recharge = ok(
        owner.post(f"/api/v1/customers/{customer['id']}/recharges", json={"paid_fen": 50000, "member_type": "online"}),
        201,
    )
    made["recharge"] = recharge["id"]
    made["tag"] = ok(owner.post("/api/v1/customer-tags", json={"name": f"重点{uuid.uuid4().hex[:4]}"}), 201)["id"]
    made["lead"] = ok(owner.post("/api/v1/leads", json={"name": "线索", "phone": phone()}), 201)["lead"]["id"]
    segment = {"name": "一月买过", "filter": {"period_from": "2026-01-01", "period_to": "2026-01-31"}}
    made["segment"] = ok(owner.post("/api/v1/segments", json=segment), 201)["id"]
    send = {"segment_id": made["segment"], "send_key": uuid.uuid4().hex}
    sent = owner.post(f"/api/v1/coupon-templates/{made['coupon_template']}/send-to-segment", json=send)
    made["coupon_send"] = ok(sent)["send_id"]
    sheet = {"file": ("precharge.xlsx", precharge_sheet(customer["phone"]), XLSX)}
    precharge = owner.request("POST", "/api/v1/precharges", params={"client_name": "中国银行"}, files=sheet)
    made["precharge"] = ok(precharge, 201)["id"]
    made["visit"] = ok(owner.post("/api/v1/visits", json={"customer_id": customer["id"]}), 201)["id"]
    made["registration_application"] = registration_application(tenant)
    made["duplicate"] = duplicate(tenant, customer["phone"])
    application = {"store_name": "分店", "contact_name": "王经理", "phone": phone(), "address": "中山路 8 号"}
    made["store_application"] = ok(owner.post("/api/v1/stores/applications", json=application), 201)["id"]
    made.update(article_objects(tenant))
    made.update(printing_objects(tenant))
    made.update(storefront_objects(tenant, customer, product["id"]))
    return made


def storefront_objects(tenant: Tenant, customer: dict, product_id: str) -> dict[str, str]:
    """A takeaway order the customer paid from the balance recharged above, with a refund request
    waiting for the merchant (B6 B8). Printed by hand only: a ticket printing by itself while B
    tries A's objects would change what A reads back."""
    settings = {"store_id": tenant.store_id, "stale_after_minutes": 30, "offline_after_failures": 3}
    ok(tenant.owner.put("/api/v1/printers/settings", json={**settings, "auto_print": False, "auto_accept": False}))
    shopper = tenant.shop_customer(customer["phone"])
    body = {
        "store_id": tenant.store_id,
        "kind": "takeaway",
        "lines": [{"product_id": product_id, "quantity": 1}],
        "contact_name": "甲客户",
        "contact_phone": customer["phone"],
        "address": "中山路 9 号",
    }
    order = ok(shopper.post("/api/v1/shop/orders", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}), 201)
    ok(shopper.post(f"/api/v1/shop/orders/{order['id']}/pay", json={"method": "stored_value"}))
    asked = ok(shopper.post(f"/api/v1/shop/orders/{order['id']}/refunds", json={"amount_fen": 100, "reason": "少了"}))
    return {"storefront_order": order["id"], "storefront_refund": asked["refunds"][0]["id"]}


def printing_objects(tenant: Tenant) -> dict[str, str]:
    """A cloud printer of the head store (the cluster's fake FeieYun) and a ticket's job on it,
    waited for until printed: afterwards nothing in the background changes either."""
    owner = tenant.owner
    body = {"store_id": tenant.store_id, "name": "前台", "kind": "feieyun", "role": "counter", "paper_mm": 58}
    sn = str(uuid.uuid4().int)[:9]
    printer = ok(owner.post("/api/v1/printers", json={**body, "feie_sn": sn, "feie_key": "k3y9"}), 201)
    ticket = {
        "store_id": tenant.store_id,
        "order_id": uuid.uuid4().hex,
        "order_no": "TA001",
        "kind": "takeaway",
        "lines": [{"product_id": "p-1", "name": "宫保鸡丁", "quantity": 1, "amount_fen": 1800}],
        "paid_fen": 1800,
    }
    [job] = ok(owner.post("/api/v1/print-jobs", json=ticket), 201)["jobs"]
    deadline = time.monotonic() + 30
    while ok(owner.get(f"/api/v1/printers/{printer['id']}"))["waiting_jobs"] and time.monotonic() < deadline:
        time.sleep(0.3)
    return {"printer": printer["id"], "print_job": job["id"]}


def article_objects(tenant: Tenant) -> dict[str, str]:
    """A category, an article in it that is on, and a visitor who read the salesperson's share."""
    owner = tenant.owner
    category = ok(owner.post("/api/v1/article-categories", json={"name": f"资讯{uuid.uuid4().hex[:4]}"}), 201)
    article = {"title": "新品上市", "body_html": "<p>正文</p>", "category_id": category["id"]}
    made = ok(owner.post("/api/v1/articles", json=article), 201)
    ok(owner.put(f"/api/v1/articles/{made['id']}/active", json={"active": True}))
    share = ok(tenant.apis["salesperson"].post(f"/api/v1/articles/{made['id']}/shares", json={}), 201)
    page = owner.http.get(share["url"], timeout=10)
    assert page.status_code == 200, page.text
    (visitor,) = ok(owner.get("/api/v1/visitors"))["visitors"]
    # D6: a material with a file (a small PDF), on, so its file, shares and recipients are reachable.
    material = owner.request(
        "POST",
        "/api/v1/materials/upload",
        files={"file": ("手册.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        data={"title": "产品手册", "kind": "document"},
    )
    material_id = ok(material, 201)["id"]
    ok(owner.put(f"/api/v1/materials/{material_id}/active", json={"active": True}))
    return {
        "article_category": category["id"],
        "article": made["id"],
        "visitor": visitor["id"],
        "material": material_id,
        **poster_objects(tenant),
    }


def poster_objects(tenant: Tenant) -> dict[str, str]:
    """The owner's poster template (D4) and the salesperson's poster made from it."""
    upload = {"file": ("template.png", png_bytes(), "image/png")}
    template = tenant.owner.request(
        "POST", "/api/v1/poster-images", params={"purpose": "template", "theme": "festival"}, files=upload
    )
    image_id = ok(template, 201)["id"]
    seller = tenant.apis["salesperson"]
    drawn = seller.post("/api/v1/my-posters", json={"image_id": image_id})
    assert drawn.status_code == 200, drawn.text
    (poster,) = [p for p in ok(seller.get("/api/v1/my-posters"))["posters"] if p["poster_id"]]
    return {"poster_image": image_id, "poster": poster["poster_id"]}
