"""Proto <-> use-case values of the orders service. No rules here, only shapes and enums."""

from __future__ import annotations

from crm.orders.v1 import orders_pb2 as pb
from crmkit.protos import money, timestamp
from orders.domain import pricing, refunds, states
from orders.domain.catalogue import GOODS, ProductInput
from orders.domain.documents import ORDER_QR
from orders.domain.lines import LineRequest
from orders.service.pricing import Quote
from orders.service.views import (
    CategoryView,
    LineView,
    OrderCreditView,
    OrderView,
    ProductView,
    ReturnView,
    StockLevelView,
)

KIND_TO_PROTO = {
    GOODS: pb.PRODUCT_KIND_GOODS,
    "reservation": pb.PRODUCT_KIND_RESERVATION,
    "takeaway": pb.PRODUCT_KIND_TAKEAWAY,
    "in_store": pb.PRODUCT_KIND_IN_STORE,
    "stored_value": pb.PRODUCT_KIND_STORED_VALUE,
}
# UNSPECIFIED is the proto default: a product sent without a kind is ordinary goods.
KIND_FROM_PROTO = {v: k for k, v in KIND_TO_PROTO.items()} | {pb.PRODUCT_KIND_UNSPECIFIED: GOODS}

SOURCE_TO_PROTO = {
    pricing.LAST: pb.PRICE_SOURCE_LAST,
    pricing.CUSTOMER: pb.PRICE_SOURCE_CUSTOMER,
    pricing.LEVEL: pb.PRICE_SOURCE_LEVEL,
    pricing.WHOLESALE: pb.PRICE_SOURCE_WHOLESALE,
    pricing.MANUAL: pb.PRICE_SOURCE_MANUAL,
}
SOURCE_FROM_PROTO = {v: k for k, v in SOURCE_TO_PROTO.items()}

ORDER_STATUS_TO_PROTO = {
    states.SUBMITTED: pb.ORDER_STATUS_SUBMITTED,
    states.APPROVED: pb.ORDER_STATUS_APPROVED,
    states.REJECTED: pb.ORDER_STATUS_REJECTED,
    states.PICKED: pb.ORDER_STATUS_PICKED,
    states.SHIPPED: pb.ORDER_STATUS_SHIPPED,
}
ORDER_STATUS_FROM_PROTO = {v: k for k, v in ORDER_STATUS_TO_PROTO.items()}
RETURN_STATUS_TO_PROTO = {
    states.SUBMITTED: pb.RETURN_STATUS_SUBMITTED,
    states.APPROVED: pb.RETURN_STATUS_APPROVED,
    states.REJECTED: pb.RETURN_STATUS_REJECTED,
    states.RECEIVED: pb.RETURN_STATUS_RECEIVED,
    states.REFUNDED: pb.RETURN_STATUS_REFUNDED,
}
RETURN_STATUS_FROM_PROTO = {v: k for k, v in RETURN_STATUS_TO_PROTO.items()}
METHOD_TO_PROTO = {refunds.REDUCE_DEBT: pb.REFUND_METHOD_REDUCE_DEBT, refunds.PAID_BACK: pb.REFUND_METHOD_PAID_BACK}
METHOD_FROM_PROTO = {v: k for k, v in METHOD_TO_PROTO.items()}


def product_input(msg: pb.ProductInput) -> ProductInput:
    return ProductInput(
        name=msg.name,
        barcode=msg.barcode,
        category_id=msg.category_id,
        brand=msg.brand,
        unit=msg.unit,
        wholesale_price_fen=msg.wholesale_price.fen,
        level_prices=tuple((lp.level, lp.price.fen) for lp in msg.level_prices),
        # A kind this build does not know becomes "", which the domain refuses by name.
        kind=KIND_FROM_PROTO.get(msg.kind, ""),
        listed=msg.listed,
    )


def line_requests(lines) -> tuple[LineRequest, ...]:
    return tuple(
        LineRequest(
            product_id=line.product_id,
            quantity=line.quantity,
            # An enum value this build does not know is no price that exists: refused as price_source.
            price_source=SOURCE_FROM_PROTO.get(line.price_source, "unknown")
            if line.price_source != pb.PRICE_SOURCE_UNSPECIFIED
            else None,
            manual_price_fen=line.price.fen if line.HasField("price") else None,
        )
        for line in lines
    )


def category_to_proto(c: CategoryView) -> pb.Category:
    return pb.Category(id=c.id, name=c.name, parent_id=c.parent_id or "")


def stock_to_proto(s: StockLevelView) -> pb.StockLevel:
    return pb.StockLevel(product_id=s.product_id, store_id=s.store_id, quantity=s.quantity)


def product_to_proto(p: ProductView) -> pb.Product:
    return pb.Product(
        id=p.id,
        name=p.name,
        barcode=p.barcode or "",
        category_id=p.category_id or "",
        brand=p.brand,
        unit=p.unit,
        wholesale_price=money(p.wholesale_price_fen),
        level_prices=[pb.LevelPrice(level=k, price=money(v)) for k, v in sorted(p.level_prices.items())],
        kind=KIND_TO_PROTO[p.kind],
        listed=p.listed,
        archived=p.archived,
        stock=[stock_to_proto(s) for s in p.stock],
        created_at=timestamp(p.created_at),
    )


def quote_to_proto(q: Quote) -> pb.PriceQuote:
    o = q.options
    return pb.PriceQuote(
        product_id=q.product_id,
        last_price=money(o.last),
        customer_price=money(o.customer),
        level_price=money(o.level),
        wholesale_price=money(o.wholesale),
        default_price=money(q.default_price_fen),
        default_source=SOURCE_TO_PROTO[q.default_source],
    )


def line_to_proto(line: LineView) -> pb.OrderLine:
    return pb.OrderLine(
        product_id=line.product_id,
        product_name=line.product_name,
        barcode=line.barcode,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=money(line.unit_price_fen),
        price_source=SOURCE_TO_PROTO[line.price_source],
        amount=money(line.amount_fen),
    )


def order_to_proto(o: OrderView) -> pb.Order:
    return pb.Order(
        id=o.id,
        number=o.number,
        customer_id=o.customer_id,
        customer_name=o.customer_name,
        salesperson_id=o.salesperson_id,
        submitted_by_staff_id=o.submitted_by,
        store_id=o.store_id,
        status=ORDER_STATUS_TO_PROTO[o.status],
        lines=[line_to_proto(line) for line in o.lines],
        total=money(o.total_fen),
        debt=money(o.debt_fen),
        note=o.note,
        reject_reason=o.reject_reason,
        submitted_at=timestamp(o.submitted_at),
        approved_at=timestamp(o.approved_at),
        shipped_at=timestamp(o.shipped_at),
        credits=[credit_to_proto(c) for c in o.credits],
        credit_warnings=list(o.credit_warnings),
        goods_total=money(o.goods_fen),
        discount=money(o.discount_fen),
        coupons=[
            pb.OrderCoupon(
                code=c.code,
                coupon_id=c.coupon_id,
                discount=money(c.discount_fen),
                pickup_product_ids=list(c.pickup_product_ids),
            )
            for c in o.coupons
        ],
        verification_code=o.verification_code,
        verification_qr=ORDER_QR.payload(o.verification_code) if o.verification_code else "",
        verified_at=timestamp(o.verified_at),
    )


def credit_to_proto(c: OrderCreditView) -> pb.OrderCredit:
    return pb.OrderCredit(
        kind=c.kind, document_id=c.document_id, number=c.number, amount=money(c.amount_fen), at=timestamp(c.at)
    )


def return_to_proto(r: ReturnView) -> pb.ReturnOrder:
    return pb.ReturnOrder(
        id=r.id,
        number=r.number,
        customer_id=r.customer_id,
        customer_name=r.customer_name,
        salesperson_id=r.salesperson_id,
        store_id=r.store_id,
        status=RETURN_STATUS_TO_PROTO[r.status],
        lines=[line_to_proto(line) for line in r.lines],
        total=money(r.total_fen),
        refund_method=METHOD_TO_PROTO.get(r.refund_method, pb.REFUND_METHOD_UNSPECIFIED),
        debt_reduced=money(r.debt_reduced_fen),
        paid_back=money(r.paid_back_fen),
        note=r.note,
        reject_reason=r.reject_reason,
        submitted_at=timestamp(r.submitted_at),
    )
