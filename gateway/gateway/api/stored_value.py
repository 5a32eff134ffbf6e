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
from gateway.api.common import SECURED, page_out, utc_text
from gateway.api.stored_value_schemas import (
    AccountOut,
    ActiveIn,
    BulkTopUpIn,
    CodeSentOut,
    ConfirmIn,
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
    PrechargeFileIn,
    PrechargeOut,
    PrechargeQuery,
    RechargeIn,
    RechargeOut,
    RechargeRuleIn,
    RechargeRuleOut,
    RechargeRulesOut,
    RuleQuery,
)
from gateway.api.uploads import accepts_upload, problems_out, read_xlsx
from gateway.auth import staff_only
from gateway.idempotency import HEADER, idempotent

bp = APIBlueprint("stored_value", __name__, tag="Stored value", url_prefix="/api/v1")
READ_ERRORS = [400, 401, 403, 404, 429, 503]
WRITE_ERRORS = [400, 401, 403, 404, 409, 429, 503]


def _key() -> str:
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


def _gifts(items) -> list[dict]:
    return [{"product_id": g.product_id, "quantity": g.quantity} for g in items]


def rule_dict(r: pb.RechargeRule) -> dict:
    return {
        "id": r.id,
        "name": r.rule.name,
        "member_type": r.rule.member_type,
        "pay_fen": r.rule.pay.fen,
        "bonus_fen": r.rule.bonus.fen,
        "coupon_template_ids": list(r.rule.coupon_template_ids),
        "gift_products": _gifts(r.rule.gift_products),
        "instalments": r.rule.instalments,
        "first_recharge_only": r.rule.first_recharge_only,
        "active": r.active,
        "created_at": utc_text(r, "created_at"),
    }


def precharge_dict(b: pb.PrechargeBatch) -> dict:
    return {
        "id": b.id,
        "client_name": b.client_name,
        "status": b.status,
        "rows": [
            {
                "row": r.row,
                "phone": r.phone,
                "customer_id": r.customer_id,
                "customer_name": r.customer_name,
                "amount_fen": r.amount.fen,
            }
            for r in b.rows
        ],
        "problems": problems_out(b.problems),
        "total_fen": b.total.fen,
        "created_by": b.created_by,
        "created_at": utc_text(b, "created_at"),
        "applied_at": utc_text(b, "applied_at"),
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
        idempotency_key=_key(),
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
    request = pb.BulkTopUpRequest(note=body["note"], idempotency_key=_key())
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


@bp.post("/recharge-rules")
@bp.doc(operation_id="createRechargeRule", security=SECURED, responses=[400, 401, 403, 429, 503])
@staff_only
@bp.input(RechargeRuleIn, arg_name="body")
@bp.output(RechargeRuleOut, status_code=201)
def create_rule(body):
    """A recharge rule (E7): pay `pay_fen` get `bonus_fen`, coupons and (in store) products, at
    once or in monthly `instalments`, optionally for the first recharge only (owner, store manager)"""
    request = pb.RechargeRuleInput(
        name=body["name"],
        member_type=body["member_type"],
        pay=money(body["pay_fen"]),
        bonus=money(body["bonus_fen"]),
        coupon_template_ids=body["coupon_template_ids"],
        instalments=body["instalments"],
        first_recharge_only=body["first_recharge_only"],
    )
    for g in body["gift_products"]:
        request.gift_products.add(product_id=g["product_id"], quantity=g["quantity"])
    return rule_dict(call("stored_value", "CreateRechargeRule", request))


@bp.get("/recharge-rules")
@bp.doc(operation_id="listRechargeRules", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.input(RuleQuery, location="query", arg_name="query")
@bp.output(RechargeRulesOut)
def list_rules(query):
    """The tenant's recharge rules (active and paused), by threshold"""
    reply = call("stored_value", "ListRechargeRules", pb.ListRechargeRulesRequest(member_type=query["member_type"]))
    return {"rules": [rule_dict(r) for r in reply.rules]}


@bp.put("/recharge-rules/<string:rule_id>/active")
@bp.doc(operation_id="setRechargeRuleActive", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(ActiveIn, arg_name="body")
@bp.output(RechargeRuleOut)
def set_rule_active(rule_id, body):
    """Pause or resume a recharge rule"""
    return rule_dict(
        call(
            "stored_value", "SetRechargeRuleActive", pb.SetRechargeRuleActiveRequest(id=rule_id, active=body["active"])
        )
    )


@bp.post("/customers/<string:customer_id>/recharges")
@bp.doc(operation_id="recordRecharge", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@idempotent
@bp.input(RechargeIn, arg_name="body")
@bp.output(RechargeOut, status_code=201)
def record_recharge(customer_id, body):
    """Record a member's payment (E7): the best matching rule adds its bonus and gifts; the paid
    amount and the bonus are separate ledger entries"""
    request = pb.RechargeRequest(
        customer_id=customer_id,
        paid=money(body["paid_fen"]),
        member_type=body["member_type"],
        note=body["note"],
        idempotency_key=_key(),
    )
    return recharge_dict(call("stored_value", "RecordRecharge", request))


@bp.get("/recharges/<string:recharge_id>")
@bp.doc(operation_id="getRecharge", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(RechargeOut)
def get_recharge(recharge_id):
    """One recharge with its instalments, ledger entries and what became of each gift (E7):
    coupons issued or skipped, products handed out from the store's stock, pending or refused"""
    return recharge_dict(call("stored_value", "GetRecharge", pb.GetRechargeRequest(id=recharge_id)))


def _outcome_dict(o: pb.RechargeGiftOutcome, language: str) -> dict:
    return {
        "instalment": o.instalment,
        "kind": o.kind,
        "item_id": o.item_id,
        "quantity": o.quantity,
        "status": o.status,
        "status_text": i18n.render(
            f"recharge_gift.status.{o.status}", {}, language=language, fallback="recharge_gift.status.other"
        ),
        "reason": o.reason,
        "reason_text": i18n.render(
            f"recharge_gift.reason.{o.reason}", {}, language=language, fallback="recharge_gift.reason.other"
        )
        if o.reason
        else "",
        "updated_at": utc_text(o, "updated_at"),
    }


def recharge_dict(r: pb.Recharge) -> dict:
    language = i18n.pick_language(http_request.headers.get("Accept-Language"))
    return {
        "id": r.id,
        "customer_id": r.customer_id,
        "paid_fen": r.paid.fen,
        "member_type": r.member_type,
        "rule_id": r.rule_id,
        "bonus_fen": r.bonus.fen,
        "instalments": [
            {
                "seq": i.seq,
                "due_at": utc_text(i, "due_at"),
                "bonus_fen": i.bonus.fen,
                "coupon_template_ids": list(i.coupon_template_ids),
                "gift_products": _gifts(i.gift_products),
                "released_at": utc_text(i, "released_at"),
            }
            for i in r.instalments
        ],
        "entries": [entry_dict(e) for e in r.entries],
        "created_at": utc_text(r, "created_at"),
        "gift_outcomes": [_outcome_dict(o, language) for o in r.gift_outcomes],
    }


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


@bp.post("/precharges")
@bp.doc(operation_id="uploadPrecharge", security=SECURED, responses=[400, 401, 403, 413, 429, 503])
@staff_only
@accepts_upload
@bp.input(PrechargeQuery, location="query", arg_name="query")
@bp.input(PrechargeFileIn, location="files", arg_name="files")
@bp.output(PrechargeOut, status_code=201)
def upload_precharge(query, files):
    """Upload a corporate client's pre-charge sheet (E8, multipart field `file`; owner, finance)

    Checked row by row: with problems the status is `invalid` and nothing is stored; otherwise
    the batch is `pending` until the owner confirms it with an SMS code.
    """
    data = read_xlsx(files["file"])
    reply = call(
        "stored_value", "UploadPrecharge", pb.UploadPrechargeRequest(client_name=query["client_name"], xlsx=data)
    )
    return precharge_dict(reply)


@bp.get("/precharges/<string:batch_id>")
@bp.doc(operation_id="getPrecharge", security=SECURED, responses=READ_ERRORS)
@staff_only
@bp.output(PrechargeOut)
def get_precharge(batch_id):
    """A pre-charge batch and its rows"""
    return precharge_dict(call("stored_value", "GetPrecharge", pb.GetPrechargeRequest(id=batch_id)))


@bp.post("/precharges/<string:batch_id>/code")
@bp.doc(operation_id="requestPrechargeCode", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.output(CodeSentOut, status_code=202)
def request_code(batch_id):
    """Send the owner an SMS code to confirm the batch (owner only; a new code replaces the old)"""
    reply = call("stored_value", "RequestPrechargeCode", pb.RequestPrechargeCodeRequest(batch_id=batch_id))
    return {"sent_to": reply.sent_to, "expires_at": utc_text(reply, "expires_at")}


@bp.post("/precharges/<string:batch_id>/confirm")
@bp.doc(operation_id="confirmPrecharge", security=SECURED, responses=WRITE_ERRORS)
@staff_only
@bp.input(ConfirmIn, arg_name="body")
@bp.output(PrechargeOut)
def confirm_precharge(batch_id, body):
    """Apply the batch with the owner's SMS code: every row credited once; a wrong code is refused"""
    reply = call("stored_value", "ConfirmPrecharge", pb.ConfirmPrechargeRequest(batch_id=batch_id, code=body["code"]))
    return precharge_dict(reply)
