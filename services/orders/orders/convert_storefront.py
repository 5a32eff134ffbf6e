"""Proto <-> use-case values of crm.orders.v1.StorefrontService (B6). No rules here, only shapes.

Its own module, imported by every storefront servicer mixin, so none of them imports another."""

from __future__ import annotations

from crm.orders.v1 import storefront_pb2 as pb
from crmkit.protos import datetime_of, fen_of, money, timestamp
from orders.domain.storefront_placing import LineInput, Placement
from orders.service.storefront_reads import StorefrontDaySummary
from orders.service.storefront_steps import StepInput
from orders.service.storefront_views import StorefrontDeliveryView, StorefrontRefundView, StorefrontView


def placement(request: pb.PlaceStorefrontOrderRequest) -> Placement:
    return Placement(
        store_id=request.store_id,
        kind=request.kind,
        lines=tuple(LineInput(line.product_id, line.quantity, line.spec) for line in request.lines),
        amount_fen=fen_of(request, "amount"),
        note=request.note,
        customer_id=request.customer_id,
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        address=request.address,
        latitude=request.latitude if request.HasField("latitude") else None,
        longitude=request.longitude if request.HasField("longitude") else None,
        reserved_for=datetime_of(request, "reserved_for"),
        coupon_codes=tuple(request.coupon_codes),
        idempotency_key=request.idempotency_key,
    )


def step(request: pb.StorefrontActionRequest) -> StepInput:
    return StepInput(
        order_id=request.id,
        action=request.action,
        carrier=request.carrier,
        tracking_no=request.tracking_no,
        code=request.code,
        reason=request.reason,
    )


def order_proto(view: StorefrontView) -> pb.StorefrontOrder:
    located = {} if view.latitude is None else {"latitude": view.latitude, "longitude": view.longitude}
    return pb.StorefrontOrder(
        id=view.id,
        number=view.number,
        store_id=view.store_id,
        kind=view.kind,
        state=view.state,
        customer_id=view.customer_id,
        customer_name=view.customer_name,
        customer_phone=view.customer_phone,
        lines=[
            pb.StorefrontLine(
                product_id=line.product_id,
                category_id=line.category_id,
                name=line.name,
                quantity=line.quantity,
                unit_price=money(line.unit_price_fen),
                amount=money(line.amount_fen),
                spec=line.spec,
            )
            for line in view.lines
        ],
        goods_total=money(view.goods_total_fen),
        discount=money(view.discount_fen),
        delivery_fee=money(view.delivery_fee_fen),
        total=money(view.total_fen),
        paid=money(view.paid_fen),
        refunded=money(view.refunded_fen),
        payment_method=view.payment_method,
        note=view.note,
        contact_name=view.contact_name,
        contact_phone=view.contact_phone,
        address=view.address,
        reserved_for=timestamp(view.reserved_for),
        carrier=view.carrier,
        tracking_no=view.tracking_no,
        verification_code=view.verification_code,
        verification_qr=view.verification_qr,
        reason=view.reason,
        refunds=[_refund(r) for r in view.refunds],
        delivery=_delivery(view.delivery) if view.delivery is not None else None,
        actions=list(view.actions),
        refundable=view.refundable,
        placed_by_staff_id=view.placed_by_staff_id,
        placed_at=timestamp(view.placed_at),
        paid_at=timestamp(view.paid_at),
        updated_at=timestamp(view.updated_at),
        closes_at=timestamp(view.closes_at),
        **located,
    )


def summary_proto(summary: StorefrontDaySummary) -> pb.StorefrontDaySummary:
    return pb.StorefrontDaySummary(
        store_id=summary.store_id,
        day=summary.day,
        counts=[
            pb.StorefrontCount(kind=c.kind, state=c.state, count=c.count, paid=money(c.paid_fen))
            for c in summary.counts
        ],
        orders=summary.orders,
        paid=money(summary.paid_fen),
        refunds_pending=summary.refunds_pending,
    )


def _refund(r: StorefrontRefundView) -> pb.StorefrontRefund:
    return pb.StorefrontRefund(
        id=r.id,
        state=r.state,
        requested=money(r.requested_fen),
        approved=money(r.approved_fen),
        reason=r.reason,
        reject_reason=r.reject_reason,
        requested_at=timestamp(r.requested_at),
        decided_at=timestamp(r.decided_at),
        refunded_at=timestamp(r.refunded_at),
    )


def _delivery(d: StorefrontDeliveryView) -> pb.StorefrontDelivery:
    return pb.StorefrontDelivery(
        provider=d.provider,
        status=d.status,
        reason=d.reason,
        rider_name=d.rider_name,
        rider_phone=d.rider_phone,
        fee=money(d.fee_fen),
        distance_m=d.distance_m,
        updated_at=timestamp(d.updated_at),
    )
