"""A4 over HTTP: the gateway's /api/v1/stores/... routes against a fake StoresService on the
identity address: the gRPC request built, the JSON made of the answer, edge checks and errors."""

from __future__ import annotations

from crm.identity.v1 import stores_pb2 as pb
from crmkit.errors import Conflict, PermissionDenied

STORE_NETWORK_PATHS = {
    ("post", "/api/v1/stores/applications"),
    ("get", "/api/v1/stores/applications"),
    ("get", "/api/v1/stores/applications/{application_id}"),
    ("post", "/api/v1/stores/applications/{application_id}/approve"),
    ("post", "/api/v1/stores/applications/{application_id}/reject"),
    ("get", "/api/v1/stores/switcher"),
    ("post", "/api/v1/stores/{store_id}/switch"),
    ("put", "/api/v1/stores/{store_id}/pin"),
    ("delete", "/api/v1/stores/{store_id}/pin"),
    ("delete", "/api/v1/stores/recent"),
    ("delete", "/api/v1/stores/recent/{store_id}"),
    ("get", "/api/v1/stores/figures"),
}

APPLICATION = {"store_name": "东门分店", "contact_name": "张店长", "phone": "13912340000", "address": "东门路 1 号"}


def test_a4_routes_are_documented(client):
    spec = client.get("/openapi.json").get_json()
    documented = {(method, path) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    assert documented >= STORE_NETWORK_PATHS


def test_a4_application_is_sent_and_shown_with_status_words(client, fakes, auth):
    response = client.post("/api/v1/stores/applications", json=APPLICATION, headers=auth)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["store_name"], body["store_id"], body["reject_reason"]) == (
        "pending",
        "东门分店",
        None,
        None,
    )
    sent = fakes["stores"].rec.named("ApplyForSubStore")[0].request
    assert (sent.store_name, sent.contact_name, sent.phone, sent.address) == tuple(APPLICATION.values())

    bad = client.post(
        "/api/v1/stores/applications", json={**APPLICATION, "phone": "123", "store_name": ""}, headers=auth
    )
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"phone", "store_name"}
    assert len(fakes["stores"].rec.named("ApplyForSubStore")) == 1


def test_a4_review_approve_and_reject(client, fakes, auth):
    approved = client.post("/api/v1/stores/applications/app-1/approve", headers=auth).get_json()
    assert (approved["status"], approved["store_id"]) == ("approved", "st-b")
    rejected = client.post("/api/v1/stores/applications/app-1/reject", json={"reason": "重复"}, headers=auth)
    assert rejected.get_json()["reject_reason"] == "重复"
    assert client.post("/api/v1/stores/applications/app-1/reject", json={}, headers=auth).status_code == 400
    listed = client.get("/api/v1/stores/applications?status=pending", headers=auth).get_json()
    assert listed["page"]["total"] == 1 and listed["applications"][0]["id"] == "app-1"
    assert fakes["stores"].rec.named("ListStoreApplications")[0].request.status == pb.APPLICATION_STATUS_PENDING
    assert client.get("/api/v1/stores/applications?status=maybe", headers=auth).status_code == 400

    fakes["stores"].rec.fail["ApproveStoreApplication"] = Conflict(
        "APPLICATION_DECIDED", "error.store_application_decided"
    )
    again = client.post("/api/v1/stores/applications/app-1/approve", headers=auth)
    assert (again.status_code, again.get_json()["error"]["message"]) == (409, "该申请已审核，不能再次审核")


def test_a4_switcher_switch_pin_and_history(client, fakes, auth):
    view = client.get("/api/v1/stores/switcher", headers=auth).get_json()
    assert view["current_store_id"] == "st-b"
    assert [(s["store"]["id"], s["pinned"], s["current"]) for s in view["stores"]] == [
        ("st-b", True, True),
        ("st-head", False, False),
    ]
    assert view["recent"][0]["store"]["name"] == "东门分店"
    switched = client.post("/api/v1/stores/st-b/switch", headers=auth).get_json()
    assert (switched["access_token"], switched["store"]["id"]) == ("new-access", "st-b")
    assert client.put("/api/v1/stores/st-b/pin", headers=auth).status_code == 200
    assert client.delete("/api/v1/stores/st-b/pin", headers=auth).status_code == 200
    client.delete("/api/v1/stores/recent/st-b", headers=auth)
    client.delete("/api/v1/stores/recent", headers=auth)
    assert [c.request.store_id for c in fakes["stores"].rec.named("ForgetRecentStores")] == ["st-b", ""]
    assert fakes["stores"].rec.named("PinStore")[0].request.store_id == "st-b"

    fakes["stores"].rec.fail["SwitchStore"] = PermissionDenied("STORE_NOT_SWITCHABLE", "error.store_not_switchable")
    denied = client.post("/api/v1/stores/st-c/switch", headers=auth)
    assert (denied.status_code, denied.get_json()["error"]["code"]) == (403, "STORE_NOT_SWITCHABLE")


def test_a4_figures_of_each_sub_store_over_a_checked_period(client, fakes, auth):
    response = client.get("/api/v1/stores/figures?date_from=2026-11-01&date_to=2026-11-30", headers=auth)
    assert response.get_json() == {
        "stores": [
            {
                "store": {
                    "id": "st-b",
                    "tenant_id": "t-1",
                    "name": "东门分店",
                    "parent_store_id": "st-head",
                    "is_head": False,
                    "address": "",
                    "created_at": "2026-01-01T00:00:00+00:00",
                },
                "orders": 3,
                "sales_fen": 40_000,
                "returns_fen": 5_000,
                "takings_fen": 35_000,
            }
        ],
        "total_takings_fen": 35_000,
    }
    sent = fakes["stores"].rec.named("ListSubStoreFigures")[0].request
    assert (sent.date_from, sent.date_to) == ("2026-11-01", "2026-11-30")
    bad = client.get("/api/v1/stores/figures?date_from=2026-11-30&date_to=2026-11-01", headers=auth)
    assert bad.status_code == 400 and "date_to" in bad.get_json()["error"]["fields"]
    assert client.get("/api/v1/stores/figures?date_from=2026-11-01&date_to=2026-11-02").status_code == 401
