"""Returns on site (B3): submit, approve or reject, receive the goods back, refund; read and list."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from apiflask.validators import Length

from crm.orders.v1 import orders_pb2 as pb
from crmkit.protos import datetime_of
from gateway.api.calls import call
from gateway.api.change_schemas import ChangesOut, ChangesQuery, changes_of
from gateway.api.common import READ_ERRORS, SECURED, STEP_ERRORS, PageOut, PageQuery, page_out, page_request
from gateway.api.fields import choice, word
from gateway.api.order_schemas import (
    REFUND_METHODS,
    RETURN_STATUSES,
    DocumentIn,
    IdempotencyKeyHeader,
    LineOut,
    ReasonIn,
    line_dict,
    lines_pb,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("returns", __name__, tag="Returns", url_prefix="/api/v1")


class ReturnOut(Schema):
    id = String(required=True)
    number = String()
    customer_id = String()
    customer_name = String()
    salesperson_id = String()
    store_id = String()
    status = String(metadata={"enum": list(RETURN_STATUSES)})
    lines = List(Nested(LineOut))
    total_fen = Integer()
    refund_method = String(allow_none=True, metadata={"enum": list(REFUND_METHODS)})
    debt_reduced_fen = Integer(metadata={"description": "Of the refund, what reduced the customer's debt"})
    paid_back_fen = Integer(metadata={"description": "Of the refund, what was paid back"})
    note = String()
    reject_reason = String(allow_none=True)
    submitted_at = DateTime(allow_none=True)


class ReturnQuery(PageQuery):
    status = List(choice(RETURN_STATUSES), metadata={"description": "Repeat for several: status=a&status=b"})
    customer_id = String(load_default="", validate=Length(max=64))


class ReturnListOut(Schema):
    returns = List(Nested(ReturnOut))
    page = Nested(PageOut)


class RefundIn(Schema):
    method = choice(REFUND_METHODS, required=True)


def return_dict(ret) -> dict:
    return {
        "id": ret.id,
        "number": ret.number,
        "customer_id": ret.customer_id,
        "customer_name": ret.customer_name,
        "salesperson_id": ret.salesperson_id,
        "store_id": ret.store_id,
        "status": word(RETURN_STATUSES, ret.status),
        "lines": [line_dict(line) for line in ret.lines],
        "total_fen": ret.total.fen,
        "refund_method": word(REFUND_METHODS, ret.refund_method),
        "debt_reduced_fen": ret.debt_reduced.fen,
        "paid_back_fen": ret.paid_back.fen,
        "note": ret.note,
        "reject_reason": ret.reject_reason or None,
        "submitted_at": datetime_of(ret, "submitted_at"),
    }


@bp.post("/returns")
@bp.doc(operation_id="submitReturn", security=SECURED, responses=[400, 401, 403, 404, 409, 422, 429, 503])
@staff_only
@idempotent
@bp.input(IdempotencyKeyHeader, location="headers", arg_name="headers")
@bp.input(DocumentIn, arg_name="body")
@bp.output(ReturnOut, status_code=201)
def submit_return(headers, body):
    """Submit a return for a customer (Idempotency-Key required)

    Lines price like order lines: without `price_source` the tracked price is refunded.
    """
    request = pb.SubmitReturnRequest(
        customer_id=body["customer_id"],
        store_id=body.get("store_id", ""),
        lines=lines_pb(body["lines"]),
        note=body["note"],
        idempotency_key=headers["idempotency_key"],
    )
    return return_dict(call("orders", "SubmitReturn", request))


@bp.post("/returns/<string:return_id>/approve")
@bp.doc(operation_id="approveReturn", security=SECURED, responses=STEP_ERRORS)
@staff_only
@bp.output(ReturnOut)
def approve_return(return_id):
    """Approve a submitted return"""
    return return_dict(call("orders", "ApproveReturn", pb.ReturnActionRequest(id=return_id)))


@bp.post("/returns/<string:return_id>/reject")
@bp.doc(operation_id="rejectReturn", security=SECURED, responses=[400, *STEP_ERRORS])
@staff_only
@bp.input(ReasonIn, arg_name="body")
@bp.output(ReturnOut)
def reject_return(return_id, body):
    """Reject a submitted return, with the reason"""
    return return_dict(call("orders", "RejectReturn", pb.RejectReturnRequest(id=return_id, reason=body["reason"])))


@bp.post("/returns/<string:return_id>/receive")
@bp.doc(operation_id="receiveReturn", security=SECURED, responses=STEP_ERRORS)
@staff_only
@bp.output(ReturnOut)
def receive_return(return_id):
    """The goods are back: stock comes in"""
    return return_dict(call("orders", "ReceiveReturn", pb.ReturnActionRequest(id=return_id)))


@bp.post("/returns/<string:return_id>/refund")
@bp.doc(operation_id="refundReturn", security=SECURED, responses=[400, *STEP_ERRORS])
@staff_only
@bp.input(RefundIn, arg_name="body")
@bp.output(ReturnOut)
def refund_return(return_id, body):
    """Refund a received return

    `reduce_debt` lowers what the customer owes on open orders (oldest first); `paid_back` is
    money handed back.
    """
    request = pb.RefundReturnRequest(id=return_id, method=REFUND_METHODS[body["method"]])
    return return_dict(call("orders", "RefundReturn", request))


@bp.get("/returns/<string:return_id>")
@bp.doc(operation_id="getReturn", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(ReturnOut)
def get_return(return_id):
    """Get one return"""
    return return_dict(call("orders", "GetReturn", pb.GetReturnRequest(id=return_id)))


@bp.get("/returns")
@bp.doc(operation_id="listReturns", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ReturnQuery, location="query", arg_name="query")
@bp.output(ReturnListOut)
def list_returns(query):
    """List returns, newest first"""
    request = pb.ListReturnsRequest(
        page=page_request(query),
        statuses=[RETURN_STATUSES[s] for s in query.get("status", [])],
        customer_id=query["customer_id"],
    )
    reply = call("orders", "ListReturns", request)
    return {"returns": [return_dict(r) for r in reply.returns], "page": page_out(reply.page)}


@bp.get("/returns/<string:return_id>/changes")
@bp.doc(operation_id="listReturnChanges", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(ChangesQuery, location="query", arg_name="query")
@bp.output(ChangesOut)
def list_return_changes(return_id, query):
    """Who changed the return, what and when (A1 change log)

    Newest first, paged; each entry names who (staff, service or a scheduled job), when, and the
    changed fields before and after. Scoped like the return itself: one the caller may not see is 404.
    """
    return changes_of("orders", "ListReturnChanges", return_id, query)
