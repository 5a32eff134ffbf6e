"""G1 G2 G4 G5 at the gateway: printer and queue routes call the printing service on the caller's
behalf, bad input is refused naming the field before any call, the service's field names come back
as the JSON's."""

from __future__ import annotations

from crmkit.errors import InvalidInput, NotFound

PRINTING_PATHS = {
    ("get", "/api/v1/printers"),
    ("post", "/api/v1/printers"),
    ("get", "/api/v1/printers/{printer_id}"),
    ("put", "/api/v1/printers/{printer_id}"),
    ("delete", "/api/v1/printers/{printer_id}"),
    ("post", "/api/v1/printers/{printer_id}/test"),
    ("get", "/api/v1/printers/settings"),
    ("put", "/api/v1/printers/settings"),
    ("get", "/api/v1/printers/product-routes"),
    ("put", "/api/v1/printers/product-routes"),
    ("post", "/api/v1/print-jobs"),
    ("get", "/api/v1/print-jobs"),
    ("post", "/api/v1/print-jobs/{job_id}/reprint"),
}
PRINTER = {"store_id": "st-1", "name": "前台", "kind": "network", "role": "counter", "paper_mm": 80, "host": "10.0.0.9"}
TICKET = {
    "store_id": "st-1",
    "order_id": "o-1",
    "order_no": "TA001",
    "kind": "takeaway",
    "placed_at": "2026-03-08T04:30:00Z",
    "lines": [{"product_id": "p-1", "category_id": "c-hot", "name": "宫保鸡丁", "quantity": 2, "amount_fen": 3600}],
    "subtotal_fen": 3600,
    "paid_fen": 3600,
    "note": "少辣",
}


def test_g1_printers_are_added_listed_changed_and_removed_for_the_caller(client, auth, fakes):
    made = client.post("/api/v1/printers", json={**PRINTER, "category_ids": ["c-1"]}, headers=auth)
    assert made.status_code == 201, made.text
    assert made.json["name"] == "前台" and "feie_key" not in made.json
    (call,) = fakes["printing"].rec.named("CreatePrinter")
    assert call.actor.staff_id == "s-1" and call.request.port == 9100 and call.request.enabled
    assert list(call.request.category_ids) == ["c-1"]
    listed = client.get("/api/v1/printers?store_id=st-1", headers=auth)
    assert [p["id"] for p in listed.json["printers"]] == ["pr-1", "pr-2"]
    assert fakes["printing"].rec.named("ListPrinters")[0].request.store_id == "st-1"
    one = client.get("/api/v1/printers/pr-9", headers=auth).json
    assert (one["online"], one["waiting_jobs"], one["offline_since"]) == (False, 2, "2026-01-01T00:00:00+00:00")
    changed = client.put("/api/v1/printers/pr-9", json={**PRINTER, "name": "前台二号"}, headers=auth)
    assert changed.status_code == 200 and changed.json["name"] == "前台二号"
    assert client.delete("/api/v1/printers/pr-9", headers=auth).status_code == 204
    test = client.post("/api/v1/printers/pr-9/test", headers=auth)
    assert test.status_code == 201 and test.json["variant"] == "test"


def test_g1_bad_printer_input_is_refused_before_any_call(client, auth, fakes):
    bad = {**PRINTER, "kind": "usb", "paper_mm": 76, "port": 70000, "name": ""}
    resp = client.post("/api/v1/printers", json=bad, headers=auth)
    assert resp.status_code == 400
    assert set(resp.json["error"]["fields"]) == {"kind", "paper_mm", "port", "name"}
    assert not fakes["printing"].rec.calls
    assert client.get("/api/v1/printers").status_code == 401


def test_g4_g5_settings_and_product_routes(client, auth, fakes):
    got = client.get("/api/v1/printers/settings?store_id=st-1", headers=auth)
    assert got.status_code == 200 and got.json["stale_after_minutes"] == 30
    put = client.put(
        "/api/v1/printers/settings",
        json={"store_id": "st-1", "stale_after_minutes": 10, "auto_print": False, "auto_accept": True},
        headers=auth,
    )
    assert put.status_code == 200 and put.json == {
        "store_id": "st-1",
        "stale_after_minutes": 10,
        "offline_after_failures": 3,
        "auto_print": False,
        "auto_accept": True,
    }
    assert fakes["printing"].rec.named("UpdatePrintSettings")[0].request.auto_accept is True
    # G3: left out, auto-accept is off (the merchant turns it on).
    client.put("/api/v1/printers/settings", json={"store_id": "st-1"}, headers=auth)
    assert fakes["printing"].rec.named("UpdatePrintSettings")[1].request.auto_accept is False
    assert (
        client.put(
            "/api/v1/printers/settings", json={"store_id": "st-1", "stale_after_minutes": 0}, headers=auth
        ).status_code
        == 400
    )
    assert client.get("/api/v1/printers/settings", headers=auth).status_code == 400
    routes = client.get("/api/v1/printers/product-routes?store_id=st-1", headers=auth).json["products"]
    assert routes == [{"store_id": "st-1", "product_id": "p-1", "printer_ids": ["pr-2"]}]
    set_ = client.put(
        "/api/v1/printers/product-routes",
        json={"store_id": "st-1", "product_id": "p-1", "printer_ids": ["pr-2"]},
        headers=auth,
    )
    assert set_.status_code == 200 and set_.json["printer_ids"] == ["pr-2"]


def test_g2_a_ticket_is_printed_and_the_queue_listed_and_reprinted(client, auth, fakes):
    resp = client.post("/api/v1/print-jobs", json=TICKET, headers=auth)
    assert resp.status_code == 201, resp.text
    assert resp.json["jobs"][0]["order_id"] == "o-1" and resp.json["replayed"] is False
    (call,) = fakes["printing"].rec.named("PrintTicket")
    ticket = call.request
    assert (ticket.paid.fen, ticket.lines[0].amount.fen, ticket.lines[0].name) == (3600, 3600, "宫保鸡丁")
    assert ticket.placed_at.seconds == 1772944200 and ticket.kind == "takeaway"
    listed = client.get("/api/v1/print-jobs?state=stale&printer_id=pr-1", headers=auth)
    assert listed.status_code == 200 and listed.json["jobs"][0]["state"] == "stale"
    request = fakes["printing"].rec.named("ListJobs")[0].request
    assert (request.state, request.printer_id, request.page.page) == ("stale", "pr-1", 1)
    again = client.post("/api/v1/print-jobs/job-1/reprint", headers=auth)
    assert again.status_code == 201 and again.json["reprint_of"] == "job-1"
    assert client.get("/api/v1/print-jobs?state=lost", headers=auth).status_code == 400


def test_g2_bad_tickets_name_the_json_field(client, auth, fakes):
    bad = {
        **TICKET,
        "kind": "wholesale",
        "paid_fen": -1,
        "lines": [{"product_id": "p", "name": "x", "quantity": 0, "amount_fen": 1.5}],
    }
    resp = client.post("/api/v1/print-jobs", json=bad, headers=auth)
    assert resp.status_code == 400 and not fakes["printing"].rec.calls
    # What only the service can tell comes back under the JSON's names (`*_fen`).
    fakes["printing"].rec.fail["PrintTicket"] = InvalidInput(
        "PRINTING_INPUT_INVALID",
        fields={"paid": "validation.invalid_amount", "lines.0.amount": "validation.invalid_amount"},
    )
    resp = client.post("/api/v1/print-jobs", json=TICKET, headers=auth)
    assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {"paid_fen", "lines.0.amount_fen"}


def test_g1_another_stores_or_tenants_printer_is_not_found(client, auth, fakes):
    fakes["printing"].rec.fail["GetPrinter"] = NotFound("PRINTER_NOT_FOUND", "error.printer_not_found")
    resp = client.get("/api/v1/printers/pr-x", headers=auth)
    assert resp.status_code == 404 and resp.json["error"]["code"] == "PRINTER_NOT_FOUND"
    assert resp.json["error"]["message"] == "打印机不存在"
