"""Schemas of orders and returns (B2, B3), and what the orders areas' schemas share: the proto
enums' JSON words, order lines and credit."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates_schema

from crm.orders.v1 import orders_pb2 as pb
from crmkit.limits import MAX_LINES, MAX_QUANTITY
from crmkit.protos import datetime_of, fen_of, money
from gateway.api.common import PageOut, PageQuery
from gateway.api.fields import choice, fen, ident, text, word
from gateway.idempotency import HEADER

# The service deduplicates on at most this many characters of Idempotency-Key.
MAX_IDEMPOTENCY_KEY = 64

# JSON words of the proto enums: the enum's names without the prefix, lower case.
PRICE_SOURCES = {
    "last": pb.PRICE_SOURCE_LAST,
    "customer": pb.PRICE_SOURCE_CUSTOMER,
    "level": pb.PRICE_SOURCE_LEVEL,
    "wholesale": pb.PRICE_SOURCE_WHOLESALE,
    "manual": pb.PRICE_SOURCE_MANUAL,
}
ORDER_STATUSES = {
    "submitted": pb.ORDER_STATUS_SUBMITTED,
    "approved": pb.ORDER_STATUS_APPROVED,
    "rejected": pb.ORDER_STATUS_REJECTED,
    "picked": pb.ORDER_STATUS_PICKED,
    "shipped": pb.ORDER_STATUS_SHIPPED,
}
RETURN_STATUSES = {
    "submitted": pb.RETURN_STATUS_SUBMITTED,
    "approved": pb.RETURN_STATUS_APPROVED,
    "rejected": pb.RETURN_STATUS_REJECTED,
    "received": pb.RETURN_STATUS_RECEIVED,
    "refunded": pb.RETURN_STATUS_REFUNDED,
}
REFUND_METHODS = {"reduce_debt": pb.REFUND_METHOD_REDUCE_DEBT, "paid_back": pb.REFUND_METHOD_PAID_BACK}


CREDIT_CONTROLS = ("off", "warn", "block")


class IdempotencyKeyHeader(Schema):
    """Required here, not optional as elsewhere: a double-tapped order costs real goods."""

    idempotency_key = String(data_key=HEADER, required=True, validate=Length(min=1, max=MAX_IDEMPOTENCY_KEY))


# --- lines ---


class LineIn(Schema):
    product_id = ident(required=True)
    quantity = Integer(strict=True, required=True, validate=Range(min=1, max=MAX_QUANTITY))
    price_source = choice(PRICE_SOURCES, metadata={"description": "Omit for the tracked default price"})
    price_fen = fen(metadata={"description": "Only with price_source manual (needs change_price)"})

    @validates_schema
    def manual_price(self, data, **kwargs):
        # A typed price without "manual" (or "manual" without a price) is ambiguous: refuse it here.
        manual = data.get("price_source") == "manual"
        if manual and "price_fen" not in data:
            raise ValidationError("validation.required", field_name="price_fen")
        if not manual and "price_fen" in data:
            raise ValidationError("validation.invalid", field_name="price_fen")


class LineOut(Schema):
    product_id = String(required=True)
    product_name = String()
    barcode = String()
    unit = String()
    quantity = Integer()
    unit_price_fen = Integer()
    price_source = String(allow_none=True, metadata={"enum": list(PRICE_SOURCES)})
    amount_fen = Integer()


def lines_pb(lines: list[dict]) -> list[pb.LineInput]:
    return [
        pb.LineInput(
            product_id=line["product_id"],
            quantity=line["quantity"],
            price_source=PRICE_SOURCES.get(line.get("price_source", ""), pb.PRICE_SOURCE_UNSPECIFIED),
            price=money(line["price_fen"]) if "price_fen" in line else None,
        )
        for line in lines
    ]


def line_dict(line) -> dict:
    return {
        "product_id": line.product_id,
        "product_name": line.product_name,
        "barcode": line.barcode,
        "unit": line.unit,
        "quantity": line.quantity,
        "unit_price_fen": line.unit_price.fen,
        "price_source": word(PRICE_SOURCES, line.price_source),
        "amount_fen": line.amount.fen,
    }


class DocumentIn(Schema):
    """An order or a return as the salesperson submits it on site."""

    customer_id = ident(required=True)
    store_id = String(validate=Length(max=64), metadata={"description": "Defaults to the customer's store"})
    lines = List(Nested(LineIn), required=True, validate=Length(min=1, max=MAX_LINES))
    note = text(200, load_default="")


class OrderIn(DocumentIn):
    coupon_codes = List(
        String(validate=Length(min=1, max=200)),
        load_default=list,
        validate=Length(max=10),
        metadata={
            "description": "Coupons to use (E4): typed codes or scanned QR payloads; any refusal refuses "
            "the order with the reason and names the code"
        },
    )


class VerifyIn(Schema):
    code = String(
        required=True,
        validate=Length(min=1, max=64),
        metadata={"description": "The order's verification code, typed or the scanned QR payload"},
    )


class ReasonIn(Schema):
    reason = text(200, required=True)


# --- B2 orders ---


class QuoteIn(Schema):
    customer_id = ident(required=True)
    product_ids = List(ident(), required=True, validate=Length(min=1, max=MAX_LINES))


class QuoteOut(Schema):
    product_id = String(required=True)
    last_price_fen = Integer(allow_none=True)
    customer_price_fen = Integer(allow_none=True)
    level_price_fen = Integer(allow_none=True)
    wholesale_price_fen = Integer(allow_none=True)
    default_price_fen = Integer(allow_none=True)
    default_source = String(allow_none=True, metadata={"enum": list(PRICE_SOURCES)[:4]})


class QuotesOut(Schema):
    quotes = List(Nested(QuoteOut))


def quote_dict(quote) -> dict:
    return {
        "product_id": quote.product_id,
        **{f"{name}_fen": fen_of(quote, name) for name in ("last_price", "customer_price", "level_price")},
        "wholesale_price_fen": fen_of(quote, "wholesale_price"),
        "default_price_fen": fen_of(quote, "default_price"),
        "default_source": word(PRICE_SOURCES, quote.default_source),
    }


class OrderCreditOut(Schema):
    kind = String(metadata={"enum": ["collection", "return"]})
    document_id = String(metadata={"description": "The collection's or the return's id"})
    number = String(metadata={"description": "e.g. SK20261123-0001 or TH20261123-0001"})
    amount_fen = Integer()
    at = DateTime(allow_none=True, metadata={"description": "When it was applied to the debt"})


class OrderCouponOut(Schema):
    code = String()
    coupon_id = String()
    discount_fen = Integer()
    pickup_product_ids = List(String(), metadata={"description": "A pickup coupon: products handed over"})


class OrderOut(Schema):
    id = String(required=True)
    number = String(metadata={"description": "e.g. XS20261123-0001"})
    customer_id = String()
    customer_name = String()
    salesperson_id = String()
    submitted_by_staff_id = String()
    store_id = String()
    status = String(metadata={"enum": list(ORDER_STATUSES)})
    lines = List(Nested(LineOut))
    total_fen = Integer(metadata={"description": "What is owed: goods_total_fen - discount_fen"})
    goods_total_fen = Integer(metadata={"description": "The lines' sum"})
    discount_fen = Integer(metadata={"description": "What the coupons took off"})
    coupons = List(Nested(OrderCouponOut))
    verification_code = String(metadata={"description": "B7: the one-time code the customer shows to collect it"})
    verification_qr = String(metadata={"description": "What the collection QR code carries"})
    verified_at = DateTime(allow_none=True)
    debt_fen = Integer(metadata={"description": "Still owed: total less collections and returns"})
    note = String()
    reject_reason = String(allow_none=True)
    submitted_at = DateTime(allow_none=True)
    approved_at = DateTime(allow_none=True)
    shipped_at = DateTime(allow_none=True)
    credit_warnings = List(
        String(),
        metadata={"description": "Credit warnings it was taken with (B2): over_limit, overdue"},
    )
    credits = List(
        Nested(OrderCreditOut),
        metadata={
            "description": "Approved collections and refunded returns paid on it, oldest first "
            "(the order detail only; empty in lists)"
        },
    )


class OrderQuery(PageQuery):
    status = List(choice(ORDER_STATUSES), metadata={"description": "Repeat for several: status=a&status=b"})
    customer_id = String(load_default="", validate=Length(max=64))
    date_from = Date(metadata={"description": "Submitted on or after, YYYY-MM-DD (China time)"})
    date_to = Date(metadata={"description": "Submitted on or before, YYYY-MM-DD (China time)"})
    q = String(load_default="", validate=Length(max=64), metadata={"description": "Number, customer name or phone"})

    @validates_schema
    def date_order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("validation.invalid", field_name="date_to")


class OrderListOut(Schema):
    orders = List(Nested(OrderOut))
    page = Nested(PageOut)


def order_dict(order) -> dict:
    return {
        "id": order.id,
        "number": order.number,
        "customer_id": order.customer_id,
        "customer_name": order.customer_name,
        "salesperson_id": order.salesperson_id,
        "submitted_by_staff_id": order.submitted_by_staff_id,
        "store_id": order.store_id,
        "status": word(ORDER_STATUSES, order.status),
        "lines": [line_dict(line) for line in order.lines],
        "total_fen": order.total.fen,
        "goods_total_fen": order.goods_total.fen,
        "discount_fen": order.discount.fen,
        "coupons": [
            {
                "code": c.code,
                "coupon_id": c.coupon_id,
                "discount_fen": c.discount.fen,
                "pickup_product_ids": list(c.pickup_product_ids),
            }
            for c in order.coupons
        ],
        "verification_code": order.verification_code,
        "verification_qr": order.verification_qr,
        "verified_at": datetime_of(order, "verified_at"),
        "debt_fen": order.debt.fen,
        "note": order.note,
        "reject_reason": order.reject_reason or None,
        "submitted_at": datetime_of(order, "submitted_at"),
        "approved_at": datetime_of(order, "approved_at"),
        "shipped_at": datetime_of(order, "shipped_at"),
        "credits": [credit_dict(c) for c in order.credits],
        "credit_warnings": list(order.credit_warnings),
    }


def credit_dict(credit) -> dict:
    return {
        "kind": credit.kind,
        "document_id": credit.document_id,
        "number": credit.number,
        "amount_fen": credit.amount.fen,
        "at": datetime_of(credit, "at"),
    }


class OrderSettingsIO(Schema):
    allow_negative_stock = Boolean(required=True, metadata={"description": "Shipping may take stock below zero"})
    credit_control = String(
        load_default="",
        validate=OneOf(["", *CREDIT_CONTROLS], error="validation.invalid_choice"),
        metadata={
            "description": "Orders over the credit limit or with overdue debt (B2): off, warn (taken, marked) "
            "or block (refused, 409 CREDIT_BLOCKED); omitted keeps the current mode"
        },
    )
