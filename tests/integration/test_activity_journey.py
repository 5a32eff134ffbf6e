"""The salesperson's day over HTTP (C6 C7 C8 C9), every service a real process: a leads sheet
with bad rows, assign / follow / convert, follow-up lists, visit check-ins and today's route,
a same-owner duplicate merged, a collision (撞单) told to both owners through messaging and
released by one of them, and another tenant that sees none of it."""

from __future__ import annotations

import io
import uuid

from client import eventually
from journey import PASSWORD, create_staff, login, notifications, phone
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def leads_xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    book.active.append(["姓名", "手机号", "微信unionID", "公司", "标签"])
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(api, data: bytes, *, dry_run: bool):
    return api.http.post(
        f"{api.base_url}/api/v1/leads/import",
        params={"dry_run": str(dry_run).lower()},
        files={"file": ("leads.xlsx", data, XLSX)},
        headers={"Authorization": f"Bearer {api.token}"},
        timeout=30,
    )


def ok(resp, status=200) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json()


def lead_by_phone(api, number: str) -> dict:
    leads = ok(api.get("/api/v1/leads", params={"scope": "all", "page_size": 100}))["leads"]
    return next(lead for lead in leads if lead["phone"] == number)


def register(api, name: str, number: str) -> dict:
    return ok(api.post("/api/v1/customers", json={"name": name, "phone": number, "fields": {"shop_type": "超市"}}), 201)


def visit(api, customer_id: str) -> dict:
    return ok(api.post("/api/v1/visits", json={"customer_id": customer_id}), 201)


def check_in(api, task_id: str, lat: float, lng: float, note: str = "") -> dict:
    return ok(api.post(f"/api/v1/visits/{task_id}/check-in", json={"latitude": lat, "longitude": lng, "note": note}))


def test_c6_c7_c8_c9_activity_journey(platform, world):
    owner, manager, anon, store_id = world["owner"], world["manager"], world["anon"], world["store_id"]
    qian_staff = create_staff(owner, "钱业务", ["salesperson"], store_id, password=PASSWORD)
    sun_staff = create_staff(owner, "孙业务", ["salesperson"], store_id, password=PASSWORD)
    qian, sun = anon.as_(login(anon, qian_staff["phone"])), anon.as_(login(anon, sun_staff["phone"]))
    qian_id, sun_id = qian_staff["id"], sun_staff["id"]
    p_new, p_same, p_clash = phone(), phone(), phone()
    union = "oUnion_" + uuid.uuid4().hex[:12]

    # C7: the manager imports a sheet; bad rows are reported by row and column, good ones land.
    sheet = leads_xlsx(
        [
            ["王芳", p_new, union, "芳芳超市", "大客户"],
            ["", "12345", "", "", ""],
            ["李雷(展会)", p_same, "", "", "展会"],
            ["周杰", p_clash, "", "", ""],
            ["王芳(重复)", p_new, "", "", ""],
        ]
    )
    dry = ok(upload(manager, sheet, dry_run=True))
    assert (dry["created"], dry["merged"], dry["dry_run"]) == (3, 1, True)
    assert [(p["row"], p["column"], p["message"]) for p in dry["problems"]] == [
        (3, "姓名", "此项为必填项"),
        (3, "手机号", "手机号格式不正确"),
    ]
    assert ok(manager.get("/api/v1/leads", params={"scope": "pool"}))["page"]["total"] == 0
    done = ok(upload(manager, sheet, dry_run=False))
    assert (done["created"], done["merged"], len(done["problems"])) == (3, 1, 2)
    pool = ok(qian.get("/api/v1/leads", params={"scope": "pool"}))["leads"]
    assert {lead["phone"] for lead in pool} == {p_new, p_same, p_clash}
    # The same person entered by hand joins the imported lead (unionID).
    joined = ok(qian.post("/api/v1/leads", json={"name": "王芳", "union_id": union}), 201)
    assert joined["merged"] and joined["lead"]["phone"] == p_new and joined["lead"]["staff_id"] == ""

    # C7: assigned by the manager, followed up by the assignee only, converted to a customer.
    lead = lead_by_phone(manager, p_new)
    ok(manager.post(f"/api/v1/leads/{lead['id']}/assign", json={"staff_id": qian_id}))
    assert sun.post(f"/api/v1/leads/{lead['id']}/claim").status_code == 409
    fu = {"status": "interested", "content": "想要样品"}
    assert sun.post(f"/api/v1/leads/{lead['id']}/followups", json=fu).status_code == 404
    ok(qian.post(f"/api/v1/leads/{lead['id']}/followups", json=fu), 201)
    converted = ok(qian.post(f"/api/v1/leads/{lead['id']}/convert", json={"fields": {"shop_type": "便利店"}}))
    customer_id = converted["customer_id"]
    assert converted["duplicate"] is None and converted["lead"]["status"] == "converted"
    customer = ok(qian.get(f"/api/v1/customers/{customer_id}"))
    assert (customer["phone"], customer["owner_staff_id"]) == (p_new, qian_id)

    # C8: follow-ups on the customer (the lead's came along), the active and eliminated lists.
    nxt = {"status": "negotiating", "content": "谈价格", "next_followup_at": "2099-01-01T02:00:00Z"}
    ok(qian.post(f"/api/v1/customers/{customer_id}/followups", json=nxt), 201)
    history = ok(qian.get(f"/api/v1/customers/{customer_id}/followups"))["followups"]
    assert [f["status"] for f in history] == ["negotiating", "interested"]
    assert sun.post(f"/api/v1/customers/{customer_id}/followups", json=fu).status_code == 404
    active = ok(qian.get("/api/v1/followup-customers", params={"list": "active"}))["customers"]
    assert [c["status"] for c in active if c["customer_id"] == customer_id] == ["negotiating"]
    ok(qian.post(f"/api/v1/customers/{customer_id}/eliminate", json={"reason": "暂停合作"}))
    eliminated = ok(qian.get("/api/v1/followup-customers", params={"list": "eliminated"}))["customers"]
    assert [c["customer_id"] for c in eliminated] == [customer_id]
    assert qian.post(f"/api/v1/customers/{customer_id}/followups", json=fu).status_code == 409
    ok(qian.post(f"/api/v1/customers/{customer_id}/restore", json={"reason": "重新合作"}))

    # C6: first visits pin the shops; today's route goes nearest-first, the unlocated one last.
    shops = {
        customer_id: (31.2310, 121.4700),
        register(qian, "远店", phone())["id"]: (31.3000, 121.4700),
        register(qian, "中店", phone())["id"]: (31.2500, 121.4700),
    }
    unlocated = register(qian, "无址店", phone())["id"]
    for cid, (lat, lng) in shops.items():
        task = visit(qian, cid)
        assert check_in(qian, task["id"], lat, lng, note="首次到店")["status"] == "done"
    pinned = ok(qian.get(f"/api/v1/customers/{customer_id}/followups"))["followups"][0]
    assert (pinned["kind"], pinned["content"]) == ("visit", "首次到店")
    tasks = {cid: visit(qian, cid)["id"] for cid in [unlocated, *shops]}
    due = ok(qian.get("/api/v1/visits", params={"which": "due"}))
    assert due["page"]["total"] == 4
    assert ok(qian.get("/api/v1/visits", params={"which": "overdue"}))["page"]["total"] == 0
    route = ok(qian.get("/api/v1/visits/route", params={"latitude": 31.2300, "longitude": 121.4700}))["stops"]
    near, far, mid = shops
    assert [s["visit"]["customer_id"] for s in route] == [near, mid, far, unlocated]
    assert [s["distance_m"] > 0 for s in route[:3]] == [True] * 3 and route[3]["distance_m"] == -1
    assert (
        sun.post(f"/api/v1/visits/{tasks[near]}/check-in", json={"latitude": 31.2, "longitude": 121.4}).status_code
        == 404
    )

    # C9: a lead with the phone of the same salesperson's customer is merged into it.
    same_customer = register(qian, "李雷", p_same)["id"]
    ok(qian.post(f"/api/v1/customers/{same_customer}/followups", json=fu), 201)
    same_lead = lead_by_phone(manager, p_same)
    ok(qian.post(f"/api/v1/leads/{same_lead['id']}/claim"))
    ok(
        qian.post(f"/api/v1/leads/{same_lead['id']}/followups", json={"status": "contacted", "content": "展会认识"}),
        201,
    )
    dup = ok(qian.post(f"/api/v1/leads/{same_lead['id']}/convert", json={}))["duplicate"]
    assert (dup["kind"], dup["customer_id"]) == ("mergeable", same_customer)
    merged = ok(qian.post(f"/api/v1/duplicates/{dup['id']}/merge"))
    assert (merged["status"], merged["followups_moved"], merged["tags_added"]) == ("merged", 1, ["展会"])
    kept = ok(qian.get(f"/api/v1/customers/{same_customer}/followups"))["followups"]
    assert [f["content"] for f in kept] == ["展会认识", "想要样品"]
    assert ok(qian.get(f"/api/v1/leads/{same_lead['id']}"))["status"] == "merged"

    # C9: a lead with the phone of another salesperson's customer collides; both are told.
    clash_customer = register(sun, "周杰", p_clash)["id"]
    clash_lead = lead_by_phone(manager, p_clash)
    ok(manager.post(f"/api/v1/leads/{clash_lead['id']}/assign", json={"staff_id": qian_id}))
    clash = ok(qian.post(f"/api/v1/leads/{clash_lead['id']}/convert", json={}))["duplicate"]
    assert (clash["kind"], clash["customer_owner_staff_id"], clash["lead_staff_id"]) == ("collision", sun_id, qian_id)

    def told(api):
        return [n for n in notifications(api) if n["subject"] == f"duplicate:{clash['id']}"]

    for side in (qian, sun):
        alert = eventually(lambda side=side: told(side), timeout=60)
        assert alert[0]["kind"] == "duplicate_collision" and p_clash in alert[0]["title"]
    assert told(manager) == []
    assert qian.post(f"/api/v1/duplicates/{clash['id']}/merge").status_code == 409
    assert [d["id"] for d in ok(sun.get("/api/v1/duplicates"))["duplicates"]] == [clash["id"]]
    released = ok(sun.post(f"/api/v1/duplicates/{clash['id']}/release"))
    assert (released["kind"], released["status"]) == ("mergeable", "open")
    assert sun.get(f"/api/v1/customers/{clash_customer}").status_code == 404  # no longer sun's
    ok(qian.post(f"/api/v1/duplicates/{clash['id']}/merge"))
    assert ok(qian.get(f"/api/v1/customers/{clash_customer}"))["owner_staff_id"] == qian_id

    # Another tenant sees none of it.
    other = world["other_owner"]
    assert ok(other.get("/api/v1/leads", params={"scope": "all"}))["page"]["total"] == 0
    assert other.get(f"/api/v1/leads/{lead['id']}").status_code == 404
    assert ok(other.get("/api/v1/duplicates", params={"open_only": "false"}))["page"]["total"] == 0
    assert other.get(f"/api/v1/customers/{customer_id}/followups").status_code == 404
    assert other.post(f"/api/v1/duplicates/{clash['id']}/release").status_code == 404
    assert [n for n in notifications(other) if n["kind"] == "duplicate_collision"] == []
