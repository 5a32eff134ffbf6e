"""Recharges (E7): the tenant's recharge rules per member type, a member's recharge with its
bonus, instalments and gifts, and what each gift came to."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import request as http_request

from crm.coupons.v1 import stored_value_pb2 as pb
from crmkit.protos import money
from gateway import i18n
from gateway.api.calls import call
from gateway.api.common import READ_ERRORS, SECURED, WRITE_ERRORS, utc_text
from gateway.api.stored_value import entry_dict, service_key
from gateway.api.stored_value_schemas import (
    ActiveIn,
    RechargeIn,
    RechargeOut,
    RechargeRuleIn,
    RechargeRuleOut,
    RechargeRulesOut,
    RuleQuery,
)
from gateway.auth import staff_only
from gateway.idempotency import idempotent

bp = APIBlueprint("recharges", __name__, tag="Stored value", url_prefix="/api/v1")


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
        idempotency_key=service_key(),
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
