"""Schemas of stored value, recharges, points and pre-charges (E7 E8 E9, C11). Money is integer
fen (`*_fen`); points are plain integers; times ISO 8601 UTC."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, File, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from crmkit.limits import MAX_FEN
from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import fen, ident, positive_fen, text
from gateway.api.uploads import ImportProblemOut

KINDS = ("balance", "points")
MEMBER_TYPES = ("online", "in_store")
CREDIT_REASONS = ("top_up", "adjustment")
DEBIT_REASONS = ("spend", "adjustment", "redeem_points")


class AccountOut(Schema):
    customer_id = String(required=True)
    balance_fen = Integer(required=True)
    points = Integer(required=True)
    recharges = Integer(required=True)


class EntryOut(Schema):
    id = String(required=True)
    customer_id = String(required=True)
    kind = String(required=True, metadata={"description": "balance (fen) or points"})
    amount = Integer(required=True, metadata={"description": "Signed: positive credits, negative debits"})
    balance_after = Integer(required=True)
    reason = String(required=True)
    reason_text = String(required=True, metadata={"description": "The reason in the caller's language"})
    note = String(required=True)
    reference = String(required=True, metadata={"description": "Recharge, pre-charge batch or order id"})
    created_by = String(required=True)
    created_at = String(required=True)


class EntriesQuery(PageQuery):
    kind = String(load_default="balance", validate=OneOf(KINDS, error="validation.invalid_choice"))


class EntriesOut(Schema):
    entries = List(Nested(EntryOut))
    page = Nested(PageOut)


class CreditIn(Schema):
    amount = Integer(strict=True, required=True, validate=Range(min=1, max=MAX_FEN))
    kind = String(load_default="balance", validate=OneOf(KINDS, error="validation.invalid_choice"))
    reason = String(load_default="", validate=OneOf((*CREDIT_REASONS, ""), error="validation.invalid_choice"))
    note = text(200, load_default="")
    reference = text(100, load_default="")


class DebitIn(CreditIn):
    reason = String(load_default="", validate=OneOf((*DEBIT_REASONS, ""), error="validation.invalid_choice"))


class TopUpLineIn(Schema):
    customer_id = ident(required=True)
    amount_fen = positive_fen(required=True)


class BulkTopUpIn(Schema):
    lines = List(Nested(TopUpLineIn), required=True, validate=Length(min=1, max=1000))
    note = text(200, load_default="")


class EntriesListOut(Schema):
    entries = List(Nested(EntryOut))


class CouponGiftIn(Schema):
    customer_ids = List(ident(), required=True, validate=Length(min=1, max=1000))
    template_ids = List(ident(), required=True, validate=Length(min=1, max=20))


class CouponGiftOut(Schema):
    customers = Integer(required=True)


class GiftProductIO(Schema):
    product_id = ident(required=True)
    quantity = Integer(strict=True, required=True, validate=Range(min=1, max=10_000))


class RechargeRuleIn(Schema):
    name = text(60, required=True)
    member_type = String(required=True, validate=OneOf(MEMBER_TYPES, error="validation.invalid_choice"))
    pay_fen = positive_fen(required=True)
    bonus_fen = fen(load_default=0)
    coupon_template_ids = List(ident(), load_default=list, validate=Length(max=20))
    gift_products = List(Nested(GiftProductIO), load_default=list, validate=Length(max=20))
    instalments = Integer(strict=True, load_default=1, validate=Range(min=1, max=24))
    first_recharge_only = Boolean(load_default=False)


class RechargeRuleOut(Schema):
    id = String(required=True)
    name = String(required=True)
    member_type = String(required=True)
    pay_fen = Integer(required=True)
    bonus_fen = Integer(required=True)
    coupon_template_ids = List(String())
    gift_products = List(Nested(GiftProductIO))
    instalments = Integer(required=True)
    first_recharge_only = Boolean(required=True)
    active = Boolean(required=True)
    created_at = String(required=True)


class RechargeRulesOut(Schema):
    rules = List(Nested(RechargeRuleOut))


class RuleQuery(Schema):
    member_type = String(load_default="", validate=OneOf((*MEMBER_TYPES, ""), error="validation.invalid_choice"))


class ActiveIn(Schema):
    active = Boolean(required=True)


class RechargeIn(Schema):
    paid_fen = positive_fen(required=True)
    member_type = String(load_default="in_store", validate=OneOf(MEMBER_TYPES, error="validation.invalid_choice"))
    note = text(200, load_default="")


class InstalmentOut(Schema):
    seq = Integer(required=True)
    due_at = String(required=True)
    bonus_fen = Integer(required=True)
    coupon_template_ids = List(String())
    gift_products = List(Nested(GiftProductIO))
    released_at = String(required=True, metadata={"description": "Empty until released"})


class GiftOutcomeOut(Schema):
    instalment = Integer(required=True)
    kind = String(required=True, metadata={"description": "coupon or product"})
    item_id = String(required=True, metadata={"description": "Coupon template id or product id"})
    quantity = Integer(required=True)
    status = String(
        required=True,
        metadata={"description": "coupon: issued or skipped; product: pending, handed_out or refused"},
    )
    status_text = String(required=True, metadata={"description": "The status in the caller's language"})
    reason = String(required=True, metadata={"description": "Why it was skipped or refused; empty otherwise"})
    reason_text = String(required=True, metadata={"description": "The reason in the caller's language"})
    updated_at = String(required=True)


class RechargeOut(Schema):
    id = String(required=True)
    customer_id = String(required=True)
    paid_fen = Integer(required=True)
    member_type = String(required=True)
    rule_id = String(required=True, metadata={"description": "Empty when no rule matched"})
    bonus_fen = Integer(required=True)
    instalments = List(Nested(InstalmentOut))
    entries = List(Nested(EntryOut))
    created_at = String(required=True)
    gift_outcomes = List(
        Nested(GiftOutcomeOut),
        metadata={"description": "What became of each gift of the released instalments (E7)"},
    )


class PointsRuleIO(Schema):
    points_per_yuan = Integer(strict=True, required=True, validate=Range(min=0, max=1000))


class EarnPointsIn(Schema):
    order_id = ident(required=True)
    order_amount_fen = positive_fen(required=True)


class PrechargeQuery(Schema):
    client_name = text(100, required=True)


class PrechargeFileIn(Schema):
    file = File(required=True, metadata={"description": ".xlsx with columns 手机号, 金额 (yuan), 备注"})


class PrechargeRowOut(Schema):
    row = Integer(required=True)
    phone = String(required=True)
    customer_id = String(required=True)
    customer_name = String(required=True)
    amount_fen = Integer(required=True)


class PrechargeOut(Schema):
    id = String(required=True, metadata={"description": "Empty when the sheet had problems"})
    client_name = String(required=True)
    status = String(required=True, metadata={"description": "pending, applied, or invalid (nothing stored)"})
    rows = List(Nested(PrechargeRowOut))
    problems = List(Nested(ImportProblemOut))
    total_fen = Integer(required=True)
    created_by = String(required=True)
    created_at = String(required=True)
    applied_at = String(required=True)


class CodeSentOut(Schema):
    sent_to = String(required=True, metadata={"description": "The owner's phone, middle digits hidden"})
    expires_at = String(required=True)


class ConfirmIn(Schema):
    code = String(required=True, validate=Length(min=1, max=10))
