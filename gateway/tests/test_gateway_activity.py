"""C6-C9 over HTTP: the gateway's lead, follow-up, visit and duplicate routes against a fake
ActivityService on the customers address: the gRPC request built, the JSON made of the answer,
edge checks and errors."""

from __future__ import annotations

import io

from openpyxl import Workbook

from crmkit.errors import Conflict, PermissionDenied

ACTIVITY_PATHS = {
    ("post", "/api/v1/leads"),
    ("post", "/api/v1/leads/import"),
    ("get", "/api/v1/leads"),
    ("get", "/api/v1/leads/{lead_id}"),
    ("post", "/api/v1/leads/{lead_id}/assign"),
    ("post", "/api/v1/leads/{lead_id}/claim"),
    ("post", "/api/v1/leads/{lead_id}/release"),
    ("post", "/api/v1/leads/{lead_id}/convert"),
    ("post", "/api/v1/leads/{lead_id}/followups"),
    ("get", "/api/v1/leads/{lead_id}/followups"),
    ("post", "/api/v1/customers/{customer_id}/followups"),
    ("get", "/api/v1/customers/{customer_id}/followups"),
    ("get", "/api/v1/followup-customers"),
    ("post", "/api/v1/customers/{customer_id}/eliminate"),
    ("post", "/api/v1/customers/{customer_id}/restore"),
    ("post", "/api/v1/visits"),
    ("get", "/api/v1/visits"),
    ("get", "/api/v1/visits/route"),
    ("post", "/api/v1/visits/{task_id}/check-in"),
    ("get", "/api/v1/duplicates"),
    ("post", "/api/v1/duplicates/{duplicate_id}/merge"),
    ("post", "/api/v1/duplicates/{duplicate_id}/release"),
}
KEY = {"Idempotency-Key": "k-1"}


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["姓名", "手机号"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_c7_lead_entry_is_sent_and_joined_lead_answered(client, fakes, auth):
    body = {"name": "王芳", "phone": "13800001111", "tags": ["大客户"]}
    response = client.post("/api/v1/leads", json=body, headers={**auth, **KEY})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["merged"] is True and data["lead"]["tags"] == ["大客户"] and data["lead"]["staff_id"] == "s-1"
    sent = fakes["activity"].rec.named("CreateLead")[0].request
    assert (sent.name, sent.phone, list(sent.tags), sent.union_id) == ("王芳", "13800001111", ["大客户"], "")


def test_c7_import_renders_problems_in_the_callers_language(client, fakes, auth):
    files = {"file": (io.BytesIO(xlsx()), "leads.xlsx")}
    response = client.post("/api/v1/leads/import?dry_run=true", data=files, headers=auth)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert (data["created"], data["merged"], data["dry_run"]) == (2, 1, True)
    assert data["problems"] == [{"row": 3, "column": "手机号", "message": "手机号格式不正确"}]
    assert fakes["activity"].rec.named("ImportLeads")[0].request.dry_run is True
    bad = client.post("/api/v1/leads/import", data={"file": (io.BytesIO(b"a,b"), "leads.csv")}, headers=auth)
    assert bad.status_code == 400
    assert bad.get_json()["error"]["fields"] == {"file": "请上传 .xlsx 格式的 Excel 文件"}


def test_c9_convert_answers_the_duplicate(client, fakes, auth):
    response = client.post("/api/v1/leads/l-7/convert", json={"fields": {"shop": "超市"}}, headers={**auth, **KEY})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["customer_id"] == "" and data["duplicate"]["kind"] == "collision"
    sent = fakes["activity"].rec.named("ConvertLead")[0].request
    assert (sent.lead_id, dict(sent.fields)) == ("l-7", {"shop": "超市"})


def test_c8_followup_needs_a_known_status_and_sends_the_next_time(client, fakes, auth):
    bad = client.post(
        "/api/v1/customers/c-1/followups", json={"status": "maybe", "content": ""}, headers={**auth, **KEY}
    )
    assert bad.status_code in (400, 422)
    assert set(bad.get_json()["error"]["fields"]) == {"status", "content"}
    assert fakes["activity"].rec.named("RecordFollowup") == []
    body = {"status": "interested", "content": "要报价", "next_followup_at": "2026-01-06T02:00:00Z"}
    response = client.post("/api/v1/customers/c-1/followups", json=body, headers={**auth, "Idempotency-Key": "k-2"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["next_followup_at"].startswith("2026-01-06T02:00:00")
    sent = fakes["activity"].rec.named("RecordFollowup")[0].request
    assert (sent.customer_id, sent.status, sent.next_followup_at.seconds) == ("c-1", "interested", 1_767_664_800)


def test_c8_eliminated_list_and_move_errors(client, fakes, auth):
    listed = client.get("/api/v1/followup-customers?list=eliminated", headers=auth)
    assert listed.status_code == 200 and listed.get_json()["customers"][0]["eliminated"] is True
    assert fakes["activity"].rec.named("ListFollowupCustomers")[0].request.eliminated is True
    no_reason = client.post("/api/v1/customers/c-1/eliminate", json={}, headers=auth)
    assert no_reason.status_code in (400, 422) and "reason" in no_reason.get_json()["error"]["fields"]


def test_c6_route_keeps_unlocated_stops_without_coordinates(client, fakes, auth):
    response = client.get("/api/v1/visits/route?latitude=31.23&longitude=121.47", headers=auth)
    assert response.status_code == 200, response.get_json()
    stops = response.get_json()["stops"]
    assert [(s["visit"]["id"], s["distance_m"], s["visit"]["customer_latitude"]) for s in stops] == [
        ("v-1", 120, 31.23),
        ("v-2", -1, None),
    ]
    sent = fakes["activity"].rec.named("PlanRoute")[0].request
    assert (sent.latitude, sent.longitude) == (31.23, 121.47)
    bad = client.get("/api/v1/visits/route?latitude=95&longitude=121", headers=auth)
    assert bad.status_code in (400, 422) and "latitude" in bad.get_json()["error"]["fields"]


def test_c6_check_in_sends_the_position(client, fakes, auth):
    response = client.post("/api/v1/visits/v-3/check-in", json={"latitude": 31.2, "longitude": 121.4}, headers=auth)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["status"], response.get_json()["check_in_latitude"]) == ("done", 31.2)


def test_c9_service_errors_become_http_errors(client, fakes, auth):
    fakes["activity"].rec.fail["CreateLead"] = PermissionDenied("ACTIVITY_DENIED", "error.permission_denied")
    denied = client.post("/api/v1/leads", json={"name": "x", "phone": "13800001111"}, headers={**auth, **KEY})
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "ACTIVITY_DENIED"
    fakes["activity"].rec.fail.pop("CreateLead")
    fakes["activity"].rec.fail["ConvertLead"] = Conflict("LEAD_CLOSED", "error.lead_closed")
    closed = client.post("/api/v1/leads/l-1/convert", json={}, headers={**auth, "Idempotency-Key": "k-9"})
    assert closed.status_code == 409 and closed.get_json()["error"]["message"] == "该线索已转为客户或已合并"
