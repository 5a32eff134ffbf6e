"""Receivables (B4): who owes what, credit terms, proof images, filing collections and finance's
approval. The order detail stays GetOrder; "collect from an order" (B5) lists that order's
customer's debt orders here."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Response

from crm.orders.v1 import receivables_pb2 as pb
from crmkit.protos import fen_of, money
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, STEP_ERRORS, PageQuery, page_out, page_request
from gateway.api.order_schemas import IdempotencyKeyHeader
from gateway.api.receivable_schemas import (
    COLLECTION_STATUSES,
    METHODS,
    TERM_STATES,
    CollectionIn,
    CollectionOut,
    CollectionQuery,
    CollectionReasonIn,
    CollectionsOut,
    CreditTermIO,
    CustomerCreditOut,
    DebtOrdersOut,
    DebtorQuery,
    DebtorsOut,
    ProofFileIn,
    ProofOut,
    collection_dict,
    customer_credit_dict,
    debt_order_dict,
    debtor_dict,
)
from gateway.api.uploads import accepts_upload, read_upload
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("receivables", __name__, tag="Receivables", url_prefix="/api/v1")
# A proof image travels each way in one message: more time than a form gets.
PROOF_TIMEOUT = 30.0


@bp.get("/debtors")
@bp.doc(operation_id="listDebtors", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(DebtorQuery, location="query", arg_name="query")
@bp.output(DebtorsOut)
def list_debtors(query):
    """Customers with debt, most owed first

    `q` is part of the customer's name, the start of their phone or an order number;
    `term_state` is `due`, `not_yet_due` or `no_term`. A salesperson sees their own customers.
    """
    request = pb.ListDebtorsRequest(
        page=page_request(query), query=query["q"].strip(), term_state=TERM_STATES.get(query["term_state"] or "", 0)
    )
    reply = call("receivables", "ListDebtors", request)
    return {"debtors": [debtor_dict(d) for d in reply.debtors], "page": page_out(reply.page)}


@bp.get("/customers/<string:customer_id>/debt-orders")
@bp.doc(operation_id="listDebtOrders", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(DebtOrdersOut)
def list_debt_orders(customer_id, query):
    """A customer's orders with debt, oldest first, with what pending collections claim"""
    reply = call(
        "receivables", "ListDebtOrders", pb.ListDebtOrdersRequest(customer_id=customer_id, page=page_request(query))
    )
    return {"orders": [debt_order_dict(o) for o in reply.orders], "page": page_out(reply.page)}


@bp.put("/customers/<string:customer_id>/credit-term")
@bp.doc(operation_id="setCreditTerm", security=SECURED, responses=[400, 401, 403, 429, 503])
@staff_only
@bp.input(CreditTermIO, arg_name="body")
@bp.output(CreditTermIO)
def set_credit_term(customer_id, body):
    """Set the customer's credit term (days after approval; 0 removes it) and credit limit (null
    removes it) (owner, store manager, finance)"""
    request = pb.SetCreditTermRequest(customer_id=customer_id, days=body["days"])
    if body["credit_limit_fen"] is not None:
        request.credit_limit.fen = body["credit_limit_fen"]
    reply = call("receivables", "SetCreditTerm", request)
    return {
        "customer_id": reply.customer_id,
        "days": reply.days,
        "credit_limit_fen": fen_of(reply, "credit_limit"),
    }


@bp.get("/customers/<string:customer_id>/credit")
@bp.doc(operation_id="getCustomerCredit", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(CustomerCreditOut)
def get_customer_credit(customer_id):
    """The customer's credit position while an order is taken (B2): limit, debt, orders awaiting
    approval, overdue debt, what is still available, and whether the tenant warns or blocks"""
    reply = call("receivables", "GetCustomerCredit", pb.GetCustomerCreditRequest(customer_id=customer_id))
    return customer_credit_dict(reply)


@bp.post("/collection-proofs")
@bp.doc(operation_id="uploadCollectionProof", security=SECURED, responses=[400, 401, 403, 413, 429, 503])
@staff_only
@accepts_upload
@bp.input(ProofFileIn, location="files", arg_name="files")
@bp.output(ProofOut, status_code=201)
def upload_proof(files):
    """Upload a proof image (multipart field `file`: JPEG, PNG or WebP, at most 5 MB)

    The returned `key` goes into `proof_keys` of a collection filed by the same person.
    """
    upload = files["file"]
    data = read_upload(upload)
    request = pb.UploadProofRequest(data=data, content_type=upload.mimetype or "")
    reply = call("receivables", "UploadProof", request, timeout=PROOF_TIMEOUT)
    return {"key": reply.key, "content_type": reply.content_type, "size": reply.size}


@bp.post("/collections")
@bp.doc(operation_id="fileCollection", security=SECURED, responses=[400, 401, 403, 404, 409, 422, 429, 503])
@staff_only
@idempotent
@bp.input(IdempotencyKeyHeader, location="headers", arg_name="headers")
@bp.input(CollectionIn, arg_name="body")
@bp.output(CollectionOut, status_code=201)
def file_collection(headers, body):
    """File a collection against a customer's orders (Idempotency-Key required)

    Each `amount_fen` at most the order's debt less what pending collections claim; finance
    approves it before the debt goes down.
    """
    request = pb.FileCollectionRequest(
        customer_id=body["customer_id"],
        allocations=[pb.Allocation(order_id=a["order_id"], amount=money(a["amount_fen"])) for a in body["allocations"]],
        method=METHODS[body["method"]],
        proof_keys=body["proof_keys"],
        note=body["note"],
        idempotency_key=headers["idempotency_key"],
    )
    return collection_dict(call("receivables", "FileCollection", request))


@bp.post("/collections/<string:collection_id>/approve")
@bp.doc(operation_id="approveCollection", security=SECURED, responses=STEP_ERRORS)
@staff_only
@bp.output(CollectionOut)
def approve_collection(collection_id):
    """Approve a pending collection: each order's debt goes down (finance, owner, or the switch)

    409 `COLLECTION_EXCEEDS_DEBT` when an order now owes less than its allocation; nothing applied.
    """
    return collection_dict(call("receivables", "ApproveCollection", pb.CollectionActionRequest(id=collection_id)))


@bp.post("/collections/<string:collection_id>/reject")
@bp.doc(operation_id="rejectCollection", security=SECURED, responses=[400, *STEP_ERRORS])
@staff_only
@bp.input(CollectionReasonIn, arg_name="body")
@bp.output(CollectionOut)
def reject_collection(collection_id, body):
    """Reject a pending collection, with the reason"""
    request = pb.RejectCollectionRequest(id=collection_id, reason=body["reason"])
    return collection_dict(call("receivables", "RejectCollection", request))


@bp.get("/collections/<string:collection_id>")
@bp.doc(operation_id="getCollection", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(CollectionOut)
def get_collection(collection_id):
    """Get one collection"""
    return collection_dict(call("receivables", "GetCollection", pb.GetCollectionRequest(id=collection_id)))


@bp.get("/collections")
@bp.doc(operation_id="listCollections", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(CollectionQuery, location="query", arg_name="query")
@bp.output(CollectionsOut)
def list_collections(query):
    """List collections, newest first (`status` may repeat)"""
    request = pb.ListCollectionsRequest(
        page=page_request(query),
        statuses=[COLLECTION_STATUSES[s] for s in query.get("status", [])],
        customer_id=query["customer_id"],
    )
    reply = call("receivables", "ListCollections", request)
    return {"collections": [collection_dict(c) for c in reply.collections], "page": page_out(reply.page)}


@bp.get("/collections/<string:collection_id>/proofs/<path:key>")
@bp.doc(operation_id="getCollectionProof", security=SECURED, responses=[401, 403, 404, 429, 503])
@staff_only
def get_collection_proof(collection_id, key):
    """The bytes of one of a collection's proof images, whatever store holds them"""
    reply = call(
        "receivables", "ReadProof", pb.GetProofUrlRequest(collection_id=collection_id, key=key), timeout=PROOF_TIMEOUT
    )
    response = Response(reply.data, mimetype=reply.content_type)
    # Proofs are private: the browser may keep one for the session, no shared cache may.
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
