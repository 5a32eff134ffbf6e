"""Stored value, recharges, points and bulk pre-charges (E7 E8 E9) and member operations (C11):
top-ups single or bulk, coupon gifts. Level changes and groups are the customers endpoints
(PATCH /customers/{id} with `level`, POST /tags/{id}/customers)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import request as http_request

from crm.coupons.v1 import stored_value_pb2 as pb
from crmkit.protos import money
from gateway import i18n
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, page_out, utc_text
from gateway.api.stored_value_schemas import (
    AccountOut,
    BulkTopUpIn,
    CouponGiftIn,
    CouponGiftOut,
    CreditIn,
    DebitIn,
    EarnPointsIn,
    EntriesListOut,
    EntriesOut,
    EntriesQuery,
    EntryOut,
    PointsRuleIO,
)
from gateway.auth import staff_only
from gateway.idempotency import HEADER, idempotent

bp = APIBlueprint("stored_value", __name__, tag="Stored value", url_prefix="/api/v1")


def service_key() -> str:
    """The client's Idempotency-Key also becomes the service's key, so a retry after the
    gateway's stored response expired still moves no money twice."""
    return (http_request.headers.get(HEADER) or "")[:120]


def entry_dict(e: pb.Entry) -> dict:
    language = i18n.pick_language(http_request.headers.get("Accept-Language"))
    return {
        "id": e.id,
        "customer_id": e.customer_id,
        "kind": e.kind,
        "amount": e.amount,
        "balance_after": e.balance_after,
        "reason": e.reason,
        "reason_text": i18n.render(
            f"stored_value.reason.{e.reason}", {}, language=language, fallback="stored_value.reason.other"
        ),
        "note": e.note,
        "reference": e.reference,
        "created_by": e.created_by,
        "created_at": utc_text(e, "created_at"),
    }


@bp.get("/customers/<string:customer_id>/stored-value")
@bp.doc(operation_id="getStoredValueAccount", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(AccountOut)
def get_account(customer_id):
    """A customer's stored-value balance (fen), points and number of recharges"""
    a = call("stored_value", "GetAccount", pb.GetAccountRequest(customer_id=customer_id))
    return {"customer_id": a.customer_id, "balance_fen": a.balance.fen, "points": a.points, "recharges": a.recharges}


@bp.get("/customers/<string:customer_id>/stored-value/entries")
@bp.doc(operation_id="listStoredValueEntries", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(EntriesQuery, location="query", arg_name="query")
@bp.output(EntriesOut)
def list_entries(customer_id, query):
    """Ledger entries of the balance (`kind=balance`) or points (`kind=points`), newest first"""
    request = pb.ListEntriesRequest(customer_id=customer_id, kind=query["kind"])
    request.page.page, request.page.page_size = query["page"], query["page_size"]
    reply = call("stored_value", "ListEntries", request)
    return {"entries": [entry_dict(e) for e in reply.entries], "page": page_out(reply.page)}


def _ledger(customer_id: str, body: dict) -> pb.LedgerRequest:
    return pb.LedgerRequest(
        customer_id=customer_id,
        kind=body["kind"],
        amount=body["amount"],
        reason=body["reason"],
        note=body["note"],
        reference=body["reference"],
        idempotency_key=service_key(),
    )


@bp.post("/customers/<string:customer_id>/stored-value/credits")
@bp.doc(operation_id="creditStoredValue", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(CreditIn, arg_name="body")
@bp.output(EntryOut, status_code=201)
def credit(customer_id, body):
    """Top up a balance (fen) or points (owner, store manager, finance; C11)"""
    return entry_dict(call("stored_value", "Credit", _ledger(customer_id, body)))


@bp.post("/customers/<string:customer_id>/stored-value/debits")
@bp.doc(operation_id="debitStoredValue", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(DebitIn, arg_name="body")
@bp.output(EntryOut, status_code=201)
def debit(customer_id, body):
    """Spend from a balance or points; more than the balance is refused (409) and nothing changes"""
    return entry_dict(call("stored_value", "Debit", _ledger(customer_id, body)))


@bp.post("/stored-value/bulk-top-ups")
@bp.doc(operation_id="bulkTopUp", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(BulkTopUpIn, arg_name="body")
@bp.output(EntriesListOut, status_code=201)
def bulk_top_up(body):
    """Top up several members at once (C11): all of them or none"""
    request = pb.BulkTopUpRequest(note=body["note"], idempotency_key=service_key())
    for line in body["lines"]:
        request.lines.add(customer_id=line["customer_id"], amount=money(line["amount_fen"]))
    return {"entries": [entry_dict(e) for e in call("stored_value", "BulkTopUp", request).entries]}


@bp.post("/stored-value/coupon-gifts")
@bp.doc(operation_id="giftCoupons", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(CouponGiftIn, arg_name="body")
@bp.output(CouponGiftOut, status_code=201)
def gift_coupons(body):
    """Give members one coupon of each template (C11), issued at once; all or none"""
    request = pb.GiftCouponsRequest(customer_ids=body["customer_ids"], template_ids=body["template_ids"])
    return {"customers": call("stored_value", "GiftCoupons", request).customers}


@bp.get("/points-rule")
@bp.doc(operation_id="getPointsRule", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(PointsRuleIO)
def get_points_rule():
    """Points earned per whole yuan of an order (0: none)"""
    return {"points_per_yuan": call("stored_value", "GetPointsRule", pb.GetPointsRuleRequest()).points_per_yuan}


@bp.put("/points-rule")
@bp.doc(operation_id="setPointsRule", security=SECURED, responses=[400, 401, 403, 429, 503])
@staff_only
@bp.input(PointsRuleIO, arg_name="body")
@bp.output(PointsRuleIO)
def set_points_rule(body):
    """Set the points rule (owner)"""
    reply = call("stored_value", "SetPointsRule", pb.PointsRule(points_per_yuan=body["points_per_yuan"]))
    return {"points_per_yuan": reply.points_per_yuan}


@bp.post("/customers/<string:customer_id>/points/earnings")
@bp.doc(operation_id="earnPoints", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(EarnPointsIn, arg_name="body")
@bp.output(EntryOut, status_code=201)
def earn_points(customer_id, body):
    """Points for an order by the tenant's rule; once per order (a repeat returns the first entry)"""
    request = pb.EarnPointsRequest(
        customer_id=customer_id, order_id=body["order_id"], order_amount=money(body["order_amount_fen"])
    )
    return entry_dict(call("stored_value", "EarnPoints", request))
