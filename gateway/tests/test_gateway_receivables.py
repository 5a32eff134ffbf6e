"""B4 over HTTP: the gateway's receivables routes against a fake ReceivablesService on the
orders address: the gRPC request built, the JSON made of the answer, errors and uploads."""

from __future__ import annotations

import io

import pytest
from receivables_fakes import PROOF_BYTES

from crm.orders.v1 import receivables_pb2 as pb
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied

RECEIVABLES_PATHS = {
    ("get", "/api/v1/debtors"),
    ("get", "/api/v1/customers/{customer_id}/debt-orders"),
    ("put", "/api/v1/customers/{customer_id}/credit-term"),
    ("get", "/api/v1/customers/{customer_id}/credit"),
    ("post", "/api/v1/collection-proofs"),
    ("post", "/api/v1/collections"),
    ("get", "/api/v1/collections"),
    ("get", "/api/v1/collections/{collection_id}"),
    ("post", "/api/v1/collections/{collection_id}/approve"),
    ("post", "/api/v1/collections/{collection_id}/reject"),
    ("get", "/api/v1/collections/{collection_id}/proofs/{key}"),
}


def test_b4_debtors_query_and_term_state_reach_the_service(client, fakes, auth):
    response = client.get("/api/v1/debtors?q=%20王记%20&term_state=due&page=2&page_size=5", headers=auth)

    assert response.status_code == 200
    body = response.get_json()
    assert body["debtors"][0] == {
        "customer_id": "c-1",
        "customer_name": "王记批发",
        "customer_phone": "13800000000",
        "salesperson_id": "s-1",
        "debt_fen": 120000,
        "open_orders": 2,
        "earliest_due_at": "2026-01-01T00:00:00+00:00",
        "term_state": "due",
        "credit_term_days": 30,
    }
    sent = fakes["receivables"].rec.named("ListDebtors")[0].request
    assert (sent.query, sent.term_state, sent.page.page, sent.page.page_size) == ("王记", pb.TERM_STATE_DUE, 2, 5)
    assert client.get("/api/v1/debtors?term_state=overdue", headers=auth).status_code == 400


def test_b4_debt_orders_and_credit_term(client, fakes, auth):
    orders = client.get("/api/v1/customers/c-1/debt-orders", headers=auth).get_json()["orders"]
    assert orders[0]["pending_fen"] == 30000 and orders[0]["due_at"] is None
    assert orders[0]["term_state"] == "no_term"
    assert fakes["receivables"].rec.named("ListDebtOrders")[0].request.customer_id == "c-1"

    response = client.put("/api/v1/customers/c-1/credit-term", json={"days": 30}, headers=auth)
    assert (response.status_code, response.get_json()) == (
        200,
        {"customer_id": "c-1", "days": 30, "credit_limit_fen": None},
    )
    assert not fakes["receivables"].rec.named("SetCreditTerm")[0].request.HasField("credit_limit")
    assert client.put("/api/v1/customers/c-1/credit-term", json={"days": -1}, headers=auth).status_code == 400


def test_b2_credit_limit_set_and_the_position_shown(client, fakes, auth):
    body = {"days": 30, "credit_limit_fen": 500000}
    response = client.put("/api/v1/customers/c-1/credit-term", json=body, headers=auth)
    assert response.get_json()["credit_limit_fen"] == 500000
    assert fakes["receivables"].rec.named("SetCreditTerm")[0].request.credit_limit.fen == 500000
    bad = client.put("/api/v1/customers/c-1/credit-term", json={"days": 0, "credit_limit_fen": -5}, headers=auth)
    assert bad.status_code == 400 and "credit_limit_fen" in bad.get_json()["error"]["fields"]

    got = client.get("/api/v1/customers/c-1/credit", headers=auth)
    assert (got.status_code, got.get_json()) == (
        200,
        {
            "customer_id": "c-1",
            "term_days": 30,
            "credit_limit_fen": 500000,
            "debt_fen": 420000,
            "pending_fen": 100000,
            "overdue_fen": 20000,
            "available_fen": -20000,
            "credit_control": "block",
        },
    )


def test_b4_proof_upload_passes_the_bytes_and_refuses_over_5mb(client, fakes, auth):
    data = {"file": (io.BytesIO(PROOF_BYTES), "receipt.png", "image/png")}
    response = client.post("/api/v1/collection-proofs", data=data, headers=auth, content_type="multipart/form-data")

    assert response.status_code == 201
    assert response.get_json() == {
        "key": "t-1/collections/2026/01/ab/f.png",
        "content_type": "image/png",
        "size": len(PROOF_BYTES),
    }
    assert fakes["receivables"].rec.named("UploadProof")[0].request.data == PROOF_BYTES

    big = {"file": (io.BytesIO(b"\x89PNG" + b"0" * (5 * 1024 * 1024)), "big.png", "image/png")}
    response = client.post("/api/v1/collection-proofs", data=big, headers=auth, content_type="multipart/form-data")
    assert response.status_code == 413
    assert len(fakes["receivables"].rec.named("UploadProof")) == 1


def test_b4_file_collection_needs_an_idempotency_key_and_sends_fen(client, fakes, auth):
    body = {
        "customer_id": "c-1",
        "allocations": [{"order_id": "o-1", "amount_fen": 30000}, {"order_id": "o-2", "amount_fen": 5}],
        "method": "wechat",
        "proof_keys": ["t-1/collections/2026/01/ab/f.png"],
        "note": "微信转账",
    }
    assert client.post("/api/v1/collections", json=body, headers=auth).status_code == 400

    response = client.post("/api/v1/collections", json=body, headers={**auth, "Idempotency-Key": "col-k1"})
    assert response.status_code == 201
    collection = response.get_json()
    assert (collection["status"], collection["method"], collection["amount_fen"]) == ("pending", "wechat", 30000)
    assert collection["allocations"] == [{"order_id": "o-1", "order_number": "XS20260101-0001", "amount_fen": 30000}]
    sent = fakes["receivables"].rec.named("FileCollection")[0].request
    assert [(a.order_id, a.amount.fen) for a in sent.allocations] == [("o-1", 30000), ("o-2", 5)]
    assert (sent.method, sent.idempotency_key, sent.note) == (pb.COLLECTION_METHOD_WECHAT, "col-k1", "微信转账")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"allocations": []}, "allocations"),
        ({"allocations": [{"order_id": "o-1", "amount_fen": 0}]}, "allocations.0.amount_fen"),
        ({"allocations": [{"order_id": "o-1", "amount_fen": 1.5}]}, "allocations.0.amount_fen"),
        ({"method": "cheque"}, "method"),
    ],
)
def test_b4_collection_input_is_checked_at_the_edge(client, fakes, auth, change, field):
    body = {"customer_id": "c-1", "allocations": [{"order_id": "o-1", "amount_fen": 1}], "method": "cash", **change}
    response = client.post("/api/v1/collections", json=body, headers={**auth, "Idempotency-Key": "k-edge"})

    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert not fakes["receivables"].rec.named("FileCollection")


def test_b4_collection_never_exceeds_the_debt_names_the_json_field(client, fakes, auth):
    fakes["receivables"].rec.fail["FileCollection"] = InvalidInput(
        "COLLECTION_INPUT_INVALID", fields={"allocations.0.amount": "validation.exceeds_debt"}
    )
    body = {"customer_id": "c-1", "allocations": [{"order_id": "o-1", "amount_fen": 9}], "method": "cash"}
    response = client.post("/api/v1/collections", json=body, headers={**auth, "Idempotency-Key": "k-over"})

    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"allocations.0.amount_fen"}


def test_b4_approve_reject_and_their_errors(client, fakes, auth):
    approved = client.post("/api/v1/collections/col-7/approve", headers=auth).get_json()
    assert (approved["id"], approved["status"], approved["reviewed_by_staff_id"]) == ("col-7", "approved", "s-fin")
    rejected = client.post("/api/v1/collections/col-7/reject", json={"reason": "查无此款"}, headers=auth)
    assert rejected.get_json()["reject_reason"] == "查无此款"
    assert client.post("/api/v1/collections/col-7/reject", json={"reason": ""}, headers=auth).status_code == 400

    fakes["receivables"].rec.fail["ApproveCollection"] = Conflict("COLLECTION_STATE_INVALID", "error.state_invalid")
    response = client.post("/api/v1/collections/col-7/approve", headers=auth)
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "COLLECTION_STATE_INVALID")
    fakes["receivables"].rec.fail["ApproveCollection"] = PermissionDenied("COLLECTION_ACTION_DENIED")
    assert client.post("/api/v1/collections/col-7/approve", headers=auth).status_code == 403


def test_b4_get_and_list_collections(client, fakes, auth):
    assert client.get("/api/v1/collections/col-3", headers=auth).get_json()["id"] == "col-3"
    listed = client.get("/api/v1/collections?status=pending&status=approved&customer_id=c-1", headers=auth)
    assert listed.get_json()["page"]["total"] == 1
    sent = fakes["receivables"].rec.named("ListCollections")[0].request
    assert (list(sent.statuses), sent.customer_id) == (
        [pb.COLLECTION_STATUS_PENDING, pb.COLLECTION_STATUS_APPROVED],
        "c-1",
    )
    assert client.get("/api/v1/collections?status=paid", headers=auth).status_code == 400


def test_b4_proof_image_is_streamed_with_its_content_type(client, fakes, auth):
    response = client.get("/api/v1/collections/col-1/proofs/t-1/collections/2026/01/ab/f.png", headers=auth)

    assert (response.status_code, response.data, response.mimetype) == (200, PROOF_BYTES, "image/png")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    sent = fakes["receivables"].rec.named("ReadProof")[0].request
    assert (sent.collection_id, sent.key) == ("col-1", "t-1/collections/2026/01/ab/f.png")
    fakes["receivables"].rec.fail["ReadProof"] = NotFound("PROOF_NOT_FOUND", "error.proof_not_found")
    assert client.get("/api/v1/collections/col-1/proofs/x.png", headers=auth).status_code == 404
