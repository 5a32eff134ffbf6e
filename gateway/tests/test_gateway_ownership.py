"""C1 C2 C3 C5 C12 over HTTP: the gateway's routes against fake customers, ownership and orders
services: the gRPC request built, the JSON made of the answer, public routes without a token,
edge checks and error statuses."""

from __future__ import annotations

import base64

from crm.customers.v1 import ownership_pb2 as pb
from crmkit.errors import Conflict, QuotaExceeded, Unavailable

OWNERSHIP_PUBLIC = {"/api/v1/public/registrations/{token}"}
OWNERSHIP_PATHS = {
    ("get", "/api/v1/customer-tags"),
    ("post", "/api/v1/customer-tags"),
    ("put", "/api/v1/customer-tags/{tag_id}"),
    ("delete", "/api/v1/customer-tags/{tag_id}"),
    ("post", "/api/v1/customer-tags/apply"),
    ("post", "/api/v1/customer-tags/remove"),
    ("get", "/api/v1/customers/{customer_id}/record"),
    ("patch", "/api/v1/customers/{customer_id}"),
    ("get", "/api/v1/customer-settings"),
    ("put", "/api/v1/customer-settings"),
    ("get", "/api/v1/registration-qr"),
    ("get", "/api/v1/registration-qr.png"),
    ("get", "/api/v1/public/registrations/{token}"),
    ("post", "/api/v1/public/registrations/{token}"),
    ("get", "/api/v1/registration-applications"),
    ("post", "/api/v1/registration-applications/{application_id}/approve"),
    ("post", "/api/v1/registration-applications/{application_id}/reject"),
    ("post", "/api/v1/customers/{customer_id}/release"),
    ("post", "/api/v1/customers/{customer_id}/claim"),
    ("post", "/api/v1/customers/{customer_id}/transfer"),
    ("put", "/api/v1/customers/{customer_id}/lock"),
    ("get", "/api/v1/customers/{customer_id}/ownership-history"),
    ("get", "/api/v1/customer-pool"),
    ("get", "/api/v1/customers/nearby"),
}


def error(response) -> dict:
    return response.get_json()["error"]


def test_c12_tags_listed_created_and_applied_in_bulk(client, fakes, auth):
    assert client.get("/api/v1/customer-tags", headers=auth).get_json() == {
        "tags": [{"id": "tag-1", "name": "大客户", "colour": "#FF0000", "customer_count": 3}]
    }
    created = client.post("/api/v1/customer-tags", json={"name": "欠款", "colour": "#00ff00"}, headers=auth)
    assert created.status_code == 201 and created.get_json()["name"] == "欠款"
    bad = client.post("/api/v1/customer-tags", json={"name": "", "colour": "red"}, headers=auth)
    assert bad.status_code == 400 and set(error(bad)["fields"]) == {"name", "colour"}
    applied = client.post(
        "/api/v1/customer-tags/apply", json={"tag_ids": ["tag-1"], "customer_ids": ["c-1", "c-2"]}, headers=auth
    )
    assert applied.get_json() == {"changed": 2}
    sent = fakes["ownership"].rec.named("TagCustomers")[0].request
    assert (list(sent.tag_ids), list(sent.customer_ids)) == (["tag-1"], ["c-1", "c-2"])
    assert client.delete("/api/v1/customer-tags/tag-1", headers=auth).status_code == 204
    assert client.get("/api/v1/customer-tags").status_code == 401


def test_c12_customer_list_filters_by_tag(client, fakes, auth):
    client.get("/api/v1/customers?tag_id=tag-1", headers=auth)
    assert fakes["customers"].rec.named("ListCustomers")[0].request.tag_id == "tag-1"


def test_c1_record_shows_trade_history_points_balance_and_coupons_held(client, fakes, auth):
    created = client.post("/api/v1/customers", json={"name": "王记", "phone": "13800000001"}, headers=auth).get_json()
    record = client.get(f"/api/v1/customers/{created['id']}/record", headers=auth).get_json()
    assert record["customer"]["id"] == created["id"]
    assert record["owner"] == {"id": "s-1", "name": "王店长"}
    assert record["trade_history"]["available"] is True
    assert [o["id"] for o in record["trade_history"]["orders"]] == ["o-1", "o-2"]
    assert record["trade_history"]["orders"][0]["status"] == "approved"
    assert fakes["orders"].rec.named("ListOrders")[0].request.customer_id == created["id"]
    assert record["points"] == {"available": True, "reason": "", "points": 88}
    assert record["balance"] == {"available": True, "reason": "", "balance_fen": 12_345}
    assert (record["coupons"]["available"], record["coupons"]["total"]) == (True, 1)
    assert record["coupons"]["coupons"][0]["customer_id"] == created["id"]
    # Asked of the coupons service with the caller's token: it applies the caller's scope.
    (held,) = fakes["coupons"].rec.named("ListCoupons")
    assert (held.request.customer_id, held.request.held_only, held.actor.subject_id) == (created["id"], True, "s-1")
    assert fakes["stored_value"].rec.named("GetAccount")[0].request.customer_id == created["id"]
    # The orders service down: the record still opens, trade history marked unavailable.
    fakes["orders"].rec.fail["ListOrders"] = Unavailable()
    down = client.get(f"/api/v1/customers/{created['id']}/record", headers=auth).get_json()
    assert (down["trade_history"]["available"], down["trade_history"]["reason"]) == (False, "service_unavailable")
    assert client.get("/api/v1/customers/nope/record", headers=auth).status_code == 404


def test_c1_update_sends_only_the_given_keys(client, fakes, auth):
    created = client.post("/api/v1/customers", json={"name": "王记", "phone": "13800000001"}, headers=auth).get_json()
    body = {"name": "王记二店", "latitude": 31.2, "longitude": 121.4}
    updated = client.patch(f"/api/v1/customers/{created['id']}", json=body, headers=auth)
    assert updated.status_code == 200, updated.get_json()
    assert (updated.get_json()["latitude"], updated.get_json()["name"]) == (31.2, "王记二店")
    sent = fakes["customers"].rec.named("UpdateCustomer")[0].request
    assert sent.HasField("name") and not sent.HasField("phone") and not sent.HasField("region")
    bad = client.patch(f"/api/v1/customers/{created['id']}", json={"latitude": 91}, headers=auth)
    assert bad.status_code == 400 and "latitude" in error(bad)["fields"]


def test_c2_qr_json_and_png_encode_a_public_link(client, fakes, auth):
    qr = client.get("/api/v1/registration-qr?valid_days=7", headers=auth).get_json()
    assert qr["url"] == "http://localhost/join/tok"  # the page (gateway.customer_pages), not the JSON
    assert base64.b64decode(qr["png_base64"]).startswith(b"\x89PNG")
    assert fakes["ownership"].rec.named("IssueRegistrationQr")[0].request.valid_days == 7
    image = client.get("/api/v1/registration-qr.png", headers=auth)
    assert (image.status_code, image.mimetype, image.data[:4]) == (200, "image/png", b"\x89PNG")
    assert client.get("/api/v1/registration-qr?valid_days=400", headers=auth).status_code == 400


def test_c2_public_form_and_application_need_no_token(client, fakes):
    form = client.get("/api/v1/public/registrations/tok").get_json()
    assert [f["key"] for f in form["fields"]] == ["shop"]
    applied = client.post(
        "/api/v1/public/registrations/tok", json={"name": "王老板", "phone": "13900000000", "fields": {"shop": "王记"}}
    )
    assert (applied.status_code, applied.get_json()) == (201, {"status": "pending"})
    sent = fakes["ownership"].rec.named("ApplyForRegistration")[0]
    assert (sent.request.token, sent.actor) == ("tok", None)
    bad = client.post("/api/v1/public/registrations/tok", json={"name": "王"})
    assert bad.status_code == 400 and "phone" in error(bad)["fields"]


def test_c2_review_list_approve_and_reject(client, fakes, auth):
    listed = client.get("/api/v1/registration-applications", headers=auth).get_json()
    assert listed["applications"][0]["status"] == "pending"
    sent = fakes["ownership"].rec.named("ListRegistrationApplications")[0].request
    assert sent.status == pb.APPLICATION_STATUS_PENDING
    approved = client.post("/api/v1/registration-applications/a-1/approve", headers=auth).get_json()
    assert (approved["status"], approved["customer_id"]) == ("approved", "c-5")
    no_reason = client.post("/api/v1/registration-applications/a-1/reject", json={}, headers=auth)
    assert no_reason.status_code == 400
    rejected = client.post("/api/v1/registration-applications/a-1/reject", json={"reason": "重复"}, headers=auth)
    assert rejected.get_json()["reject_reason"] == "重复"


def test_c3_claim_conflicts_and_caps_keep_their_codes(client, fakes, auth):
    claimed = client.post("/api/v1/customers/c-1/claim", headers=auth)
    assert claimed.status_code == 200 and claimed.get_json()["owner_staff_id"] == "s-1"
    fakes["ownership"].rec.fail["ClaimCustomer"] = Conflict("CUSTOMER_NOT_IN_POOL", "error.customer_not_in_pool")
    taken = client.post("/api/v1/customers/c-1/claim", headers=auth)
    assert (taken.status_code, error(taken)["code"]) == (409, "CUSTOMER_NOT_IN_POOL")
    fakes["ownership"].rec.fail["ClaimCustomer"] = QuotaExceeded(
        "CUSTOMER_HOLD_LIMIT_REACHED", "error.customer_hold_limit_reached", params={"limit": "5"}
    )
    capped = client.post("/api/v1/customers/c-1/claim", headers=auth)
    assert (capped.status_code, error(capped)["code"]) == (429, "CUSTOMER_HOLD_LIMIT_REACHED")
    assert "5" in error(capped)["message"]


def test_c3_release_transfer_lock_history_and_pool(client, fakes, auth):
    assert client.post("/api/v1/customers/c-1/release", json={}, headers=auth).status_code == 400
    released = client.post("/api/v1/customers/c-1/release", json={"reason": "搬走了"}, headers=auth).get_json()
    assert released["owner_staff_id"] is None
    moved = client.post("/api/v1/customers/c-1/transfer", json={"to_staff_id": "s-2"}, headers=auth).get_json()
    assert moved["owner_staff_id"] == "s-2"
    assert client.put("/api/v1/customers/c-1/lock", json={"locked": True}, headers=auth).get_json()["locked"] is True
    history = client.get("/api/v1/customers/c-1/ownership-history", headers=auth).get_json()
    assert history["changes"][0]["action"] == "registered"
    pool = client.get("/api/v1/customer-pool?q=王", headers=auth).get_json()
    assert [c["id"] for c in pool["customers"]] == ["c-7"]
    settings = client.put("/api/v1/customer-settings", json={"pool_followup_days": 30}, headers=auth).get_json()
    assert settings["pool_followup_days"] == 30 and settings["max_customers_held"] == 0
    assert client.put("/api/v1/customer-settings", json={"pool_order_days": -1}, headers=auth).status_code == 400


def test_c5_near_me_gives_call_and_navigation_links(client, fakes, auth):
    found = client.get("/api/v1/customers/nearby?lat=31.23&lng=121.47&radius_m=500", headers=auth).get_json()
    [item] = found["customers"]
    assert (item["distance_m"], item["phone"], item["call_url"]) == (120, "13800000001", "tel:13800000001")
    assert item["amap_url"].startswith("https://uri.amap.com/marker")
    assert item["customer"]["latitude"] == 31.23
    sent = fakes["ownership"].rec.named("NearbyCustomers")[0].request
    assert (sent.radius_m, sent.limit) == (500, 20)
    bad = client.get("/api/v1/customers/nearby?lat=100&lng=121", headers=auth)
    assert bad.status_code == 400 and "lat" in error(bad)["fields"]
