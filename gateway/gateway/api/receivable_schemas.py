"""Schemas of receivables (B4): debtors, debt orders, credit terms, collections and proofs.
Money is integer fen (`*_fen`), enums lowercase words, as in the other orders areas."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, File, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from crm.orders.v1 import receivables_pb2 as pb
from crmkit.limits import MAX_FEN
from crmkit.protos import datetime_of, fen_of
from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import choice, ident, text, word

# Mirrors the orders service's cap (orders.domain.credit.MAX_LIMIT_FEN).
MAX_CREDIT_LIMIT_FEN = 10**12

TERM_STATES = {"due": pb.TERM_STATE_DUE, "not_yet_due": pb.TERM_STATE_NOT_YET_DUE, "no_term": pb.TERM_STATE_NO_TERM}
METHODS = {
    "cash": pb.COLLECTION_METHOD_CASH,
    "bank_transfer": pb.COLLECTION_METHOD_BANK_TRANSFER,
    "wechat": pb.COLLECTION_METHOD_WECHAT,
    "alipay": pb.COLLECTION_METHOD_ALIPAY,
    "other": pb.COLLECTION_METHOD_OTHER,
}
COLLECTION_STATUSES = {
    "pending": pb.COLLECTION_STATUS_PENDING,
    "approved": pb.COLLECTION_STATUS_APPROVED,
    "rejected": pb.COLLECTION_STATUS_REJECTED,
}
MAX_ALLOCATIONS = 50
MAX_PROOFS = 9


class DebtorQuery(PageQuery):
    q = String(load_default="", validate=Length(max=50))
    term_state = choice(TERM_STATES, load_default=None)


class DebtorOut(Schema):
    customer_id = String(required=True)
    customer_name = String(required=True)
    customer_phone = String(required=True)
    salesperson_id = String(required=True)
    debt_fen = Integer(required=True)
    open_orders = Integer(required=True)
    earliest_due_at = DateTime(allow_none=True)
    term_state = String(required=True)
    credit_term_days = Integer(required=True)


class DebtorsOut(Schema):
    debtors = List(Nested(DebtorOut), required=True)
    page = Nested(PageOut, required=True)


class DebtOrderOut(Schema):
    order_id = String(required=True)
    number = String(required=True)
    total_fen = Integer(required=True)
    debt_fen = Integer(required=True)
    pending_fen = Integer(required=True, metadata={"description": "claimed by collections awaiting approval"})
    approved_at = DateTime(allow_none=True)
    due_at = DateTime(allow_none=True)
    term_state = String(required=True)


class DebtOrdersOut(Schema):
    orders = List(Nested(DebtOrderOut), required=True)
    page = Nested(PageOut, required=True)


class CreditTermIO(Schema):
    customer_id = String(dump_only=True)
    days = Integer(required=True, strict=True, validate=Range(min=0, max=3650))
    credit_limit_fen = Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=Range(min=0, max=MAX_CREDIT_LIMIT_FEN),
        metadata={"description": "Most the customer may owe, orders awaiting approval included; null: no limit (B2)"},
    )


class CustomerCreditOut(Schema):
    customer_id = String(required=True)
    term_days = Integer(required=True)
    credit_limit_fen = Integer(allow_none=True, metadata={"description": "null: no limit"})
    debt_fen = Integer(required=True, metadata={"description": "Unpaid debt of approved orders"})
    pending_fen = Integer(required=True, metadata={"description": "Totals of orders waiting for approval"})
    overdue_fen = Integer(required=True, metadata={"description": "The part of the debt past its due day"})
    available_fen = Integer(
        allow_none=True, metadata={"description": "Limit - debt - pending; negative once over; null without a limit"}
    )
    credit_control = String(required=True, metadata={"description": "off, warn or block (tenant setting)"})


def customer_credit_dict(c) -> dict:
    return {
        "customer_id": c.customer_id,
        "term_days": c.term_days,
        "credit_limit_fen": fen_of(c, "credit_limit"),
        "debt_fen": c.debt.fen,
        "pending_fen": c.pending.fen,
        "overdue_fen": c.overdue.fen,
        "available_fen": fen_of(c, "available"),
        "credit_control": c.credit_control,
    }


class ProofFileIn(Schema):
    file = File(required=True)


class ProofOut(Schema):
    key = String(required=True)
    content_type = String(required=True)
    size = Integer(required=True)


class AllocationIn(Schema):
    order_id = ident(required=True)
    amount_fen = Integer(required=True, strict=True, validate=Range(min=1, max=MAX_FEN))


class CollectionIn(Schema):
    customer_id = ident(required=True)
    allocations = List(Nested(AllocationIn), required=True, validate=Length(min=1, max=MAX_ALLOCATIONS))
    method = choice(METHODS, required=True)
    proof_keys = List(String(validate=Length(min=1, max=300)), load_default=[], validate=Length(max=MAX_PROOFS))
    note = text(200, load_default="")


class CollectionReasonIn(Schema):
    reason = text(200, required=True)


class CollectionQuery(PageQuery):
    status = List(String(validate=OneOf(list(COLLECTION_STATUSES), error="validation.invalid_choice")))
    customer_id = String(load_default="", validate=Length(max=64))


class AllocationOut(Schema):
    order_id = String(required=True)
    order_number = String(required=True)
    amount_fen = Integer(required=True)


class CollectionOut(Schema):
    id = String(required=True)
    number = String(required=True)
    customer_id = String(required=True)
    customer_name = String(required=True)
    salesperson_id = String(required=True)
    filed_by_staff_id = String(required=True)
    allocations = List(Nested(AllocationOut), required=True)
    amount_fen = Integer(required=True)
    method = String(allow_none=True)
    proof_keys = List(String(), required=True)
    note = String(required=True)
    status = String(allow_none=True)
    reviewed_by_staff_id = String(required=True)
    reject_reason = String(required=True)
    filed_at = DateTime(allow_none=True)
    reviewed_at = DateTime(allow_none=True)


class CollectionsOut(Schema):
    collections = List(Nested(CollectionOut), required=True)
    page = Nested(PageOut, required=True)


def debtor_dict(d: pb.Debtor) -> dict:
    return {
        "customer_id": d.customer_id,
        "customer_name": d.customer_name,
        "customer_phone": d.customer_phone,
        "salesperson_id": d.salesperson_id,
        "debt_fen": d.debt.fen,
        "open_orders": d.open_orders,
        "earliest_due_at": datetime_of(d, "earliest_due_at"),
        "term_state": word(TERM_STATES, d.term_state),
        "credit_term_days": d.credit_term_days,
    }


def debt_order_dict(o: pb.DebtOrder) -> dict:
    return {
        "order_id": o.order_id,
        "number": o.number,
        "total_fen": o.total.fen,
        "debt_fen": o.debt.fen,
        "pending_fen": o.pending.fen,
        "approved_at": datetime_of(o, "approved_at"),
        "due_at": datetime_of(o, "due_at"),
        "term_state": word(TERM_STATES, o.term_state),
    }


def collection_dict(c: pb.Collection) -> dict:
    return {
        "id": c.id,
        "number": c.number,
        "customer_id": c.customer_id,
        "customer_name": c.customer_name,
        "salesperson_id": c.salesperson_id,
        "filed_by_staff_id": c.filed_by_staff_id,
        "allocations": [
            {"order_id": a.order_id, "order_number": a.order_number, "amount_fen": a.amount.fen} for a in c.allocations
        ],
        "amount_fen": c.amount.fen,
        "method": word(METHODS, c.method),
        "proof_keys": list(c.proof_keys),
        "note": c.note,
        "status": word(COLLECTION_STATUSES, c.status),
        "reviewed_by_staff_id": c.reviewed_by_staff_id,
        "reject_reason": c.reject_reason,
        "filed_at": datetime_of(c, "filed_at"),
        "reviewed_at": datetime_of(c, "reviewed_at"),
    }
