"""G1 G2 G4 G5 over HTTP, every service a real process (and in the embedded mode): a store manager
adds a counter and a kitchen network printer (local TCP listeners stand in for them) and a FeieYun
cloud printer (the local fake, which checks every signature); a takeaway ticket prints its receipt
at the counter, its hot dishes in the kitchen and its drink at the cloud printer. The counter
printer goes off: the next ticket is retried with back-off, the printer is marked offline and the
store manager finds it in the inbox; back on, the waiting ticket prints exactly once. A reprint
says 补打. Another tenant sees nothing."""

from __future__ import annotations

import random
import time
import uuid

from client import eventually
from journey import notifications

from printing.escpos_reader import read
from printing.fake_printer import PrinterListener

FEIE = "printing.adapters.feieyun_fake"


def ok(resp, status=200) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json()


def ticket(store_id: str, order_no: str) -> dict:
    return {
        "store_id": store_id,
        "order_id": uuid.uuid4().hex,
        "order_no": order_no,
        "kind": "takeaway",
        "store_name": "一号小馆",
        "lines": [
            {
                "product_id": "p-chicken",
                "category_id": "c-hot",
                "name": "宫保鸡丁",
                "quantity": 2,
                "amount_fen": 3600,
                "spec": "大份",
            },
            {"product_id": "p-noodle", "category_id": "c-hot", "name": "牛肉拉面", "quantity": 1, "amount_fen": 1800},
            {"product_id": "p-tea", "category_id": "c-drink", "name": "柠檬茶", "quantity": 1, "amount_fen": 800},
        ],
        "subtotal_fen": 6200,
        "discount_fen": 500,
        "delivery_fee_fen": 400,
        "paid_fen": 6100,
        "customer_name": "王先生",
        "customer_phone": "13812348000",
        "address": "朝阳区建国路88号",
        "note": "少辣",
        "verification_code": "88421937",
    }


def network(store_id: str, name: str, port: int, role: str = "counter", **more) -> dict:
    body = {"store_id": store_id, "name": name, "kind": "network", "role": role, "paper_mm": 80}
    return {**body, "host": "127.0.0.1", "port": port, **more}


def test_g1_g2_g4_g5_tickets_print_by_role_survive_an_outage_once_and_stay_the_tenants(platform, world):
    manager, other, store = world["manager"], world["other_owner"], world["store_id"]
    counter_l, kitchen_l = PrinterListener().start(), PrinterListener().start()
    feie = platform.fakes[FEIE]
    sn = str(random.randint(10**8, 10**9 - 1))
    try:
        counter = ok(manager.post("/api/v1/printers", json=network(store, "前台", counter_l.port)), 201)
        hot = network(store, "热菜", kitchen_l.port, role="kitchen", category_ids=["c-hot"])
        kitchen = ok(manager.post("/api/v1/printers", json=hot), 201)
        cloud = {"store_id": store, "name": "吧台", "kind": "feieyun", "role": "warehouse", "paper_mm": 58}
        bar = ok(
            manager.post("/api/v1/printers", json={**cloud, "feie_sn": sn, "feie_key": "k3y9", "store_default": True}),
            201,
        )
        assert bar["feie_key_set"] and "feie_key" not in bar

        first = ok(manager.post("/api/v1/print-jobs", json=ticket(store, "TA0001")), 201)
        assert {(j["printer_id"], j["variant"]) for j in first["jobs"]} == {
            (counter["id"], "receipt"),
            (kitchen["id"], "slip"),
            (bar["id"], "slip"),
        }
        assert eventually(lambda: counter_l.jobs() and kitchen_l.jobs() and feie.fake.list_orders(sn), timeout=20)
        receipt = read(counter_l.jobs()[0])
        for text in ("一号小馆", "外卖订单", "TA0001", "宫保鸡丁", "牛肉拉面", "柠檬茶", "备注：少辣", "138****8000"):
            assert text in receipt.text, text
        totals = {
            line.split()[0]: line.split()[-1]
            for line in receipt.lines
            if line.startswith(("小计", "优惠", "配送费", "实付"))
        }
        assert totals == {"小计": "62.00", "优惠": "-5.00", "配送费": "4.00", "实付": "61.00"}
        assert receipt.qr == ["88421937"] and receipt.cuts == 1
        slip = read(kitchen_l.jobs()[0]).text
        assert "宫保鸡丁" in slip and "牛肉拉面" in slip and "柠檬茶" not in slip and "61.00" not in slip
        [order] = feie.fake.list_orders(sn)
        assert "柠檬茶" in order["content"] and "宫保鸡丁" not in order["content"]

        # The counter printer goes off: retried with back-off, offline after two failures in a row,
        # the store manager is told; back on, the waiting ticket prints once.
        settings = {"store_id": store, "stale_after_minutes": 30, "offline_after_failures": 2}
        ok(manager.put("/api/v1/printers/settings", json=settings))
        counter_l.stop()
        second = ok(manager.post("/api/v1/print-jobs", json=ticket(store, "TA0002")), 201)
        [waiting] = [j for j in second["jobs"] if j["printer_id"] == counter["id"]]

        def offline():
            found = ok(manager.get(f"/api/v1/printers/{counter['id']}"))
            return not found["online"] and found

        down = eventually(offline, timeout=30)
        assert down and down["waiting_jobs"] == 1 and down["consecutive_failures"] >= 2
        jobs = ok(manager.get(f"/api/v1/print-jobs?printer_id={counter['id']}&state=queued"))["jobs"]
        assert [j["id"] for j in jobs] == [waiting["id"]] and jobs[0]["attempts"] >= 2 and jobs[0]["last_error"]
        told = eventually(lambda: [n for n in notifications(manager) if n["kind"] == "printer_offline"], timeout=30)
        assert told and told[0]["subject"] == f"printer:{counter['id']}" and "前台" in told[0]["title"]

        counter_l = PrinterListener(counter_l.port).start()
        assert eventually(lambda: len(counter_l.jobs()) == 1, timeout=40)
        time.sleep(2)
        assert len(counter_l.jobs()) == 1 and "TA0002" in read(counter_l.jobs()[0]).text
        assert eventually(lambda: ok(manager.get(f"/api/v1/printers/{counter['id']}"))["online"], timeout=10)

        # A reprint says so; the same order sent again prints nothing twice.
        receipt_job = next(j for j in first["jobs"] if j["printer_id"] == counter["id"])
        again = ok(manager.post(f"/api/v1/print-jobs/{receipt_job['id']}/reprint"), 201)
        assert again["reprint_of"] == receipt_job["id"]
        assert eventually(lambda: len(counter_l.jobs()) == 2, timeout=20)
        assert "【补打】" in read(counter_l.jobs()[1]).text
        replay = ok(
            manager.post(
                "/api/v1/print-jobs", json={**ticket(store, "TA0002"), "order_id": second["jobs"][0]["order_id"]}
            ),
            201,
        )
        assert replay["replayed"]

        # Bad input names the field; another tenant sees nothing and reaches nothing.
        bad = manager.post("/api/v1/print-jobs", json={**ticket(store, "TA0003"), "kind": "wholesale"})
        assert bad.status_code == 400 and "kind" in bad.json()["error"]["fields"]
        assert ok(other.get("/api/v1/printers"))["printers"] == []
        assert ok(other.get("/api/v1/print-jobs"))["jobs"] == []
        assert other.get(f"/api/v1/printers/{counter['id']}").status_code == 404
        assert other.post(f"/api/v1/print-jobs/{receipt_job['id']}/reprint").status_code == 404
        assert other.post(f"/api/v1/printers/{counter['id']}/test").status_code == 404
        assert ok(manager.get(f"/api/v1/printers/{counter['id']}"))["name"] == "前台"
    finally:
        counter_l.stop()
        kitchen_l.stop()
