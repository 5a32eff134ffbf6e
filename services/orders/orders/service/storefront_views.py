"""A storefront order (B6) as its reader sees it: lines, refund requests (B8), the delivery (B12),
and what the reader may do with it now (the buttons of their screen)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from orders.domain import storefront
from orders.models_storefront import (
    StorefrontDeliveryRow,
    StorefrontLineRow,
    StorefrontOrderRow,
    StorefrontRefundRow,
)
from orders.service.storefront_core import party_of


@dataclass(frozen=True)
class StorefrontLineView:
    product_id: str
    category_id: str
    name: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    spec: str


@dataclass(frozen=True)
class StorefrontRefundView:
    id: str
    state: str
    requested_fen: int
    approved_fen: int
    reason: str
    reject_reason: str
    requested_at: datetime
    decided_at: datetime | None
    refunded_at: datetime | None


@dataclass(frozen=True)
class StorefrontDeliveryView:
    provider: str
    status: str
    reason: str
    rider_name: str
    rider_phone: str
    fee_fen: int
    distance_m: int
    updated_at: datetime


@dataclass(frozen=True)
class StorefrontView:
    id: str
    number: str
    store_id: str
    kind: str
    state: str
    customer_id: str
    customer_name: str
    customer_phone: str
    lines: tuple[StorefrontLineView, ...]
    goods_total_fen: int
    discount_fen: int
    delivery_fee_fen: int
    total_fen: int
    paid_fen: int
    refunded_fen: int
    payment_method: str
    note: str
    contact_name: str
    contact_phone: str
    address: str
    reserved_for: datetime | None
    carrier: str
    tracking_no: str
    verification_code: str
    verification_qr: str
    reason: str
    refunds: tuple[StorefrontRefundView, ...]
    delivery: StorefrontDeliveryView | None
    # What the reader may do now (orders.domain.storefront.actions for their party).
    actions: tuple[str, ...]
    # The customer may ask for a refund now.
    refundable: bool
    placed_by_staff_id: str
    placed_at: datetime
    paid_at: datetime | None
    updated_at: datetime
    closes_at: datetime | None
    # The coupon codes used on it (E4).
    coupon_codes: tuple[str, ...] = ()
    # The address's coordinates (GCJ-02), when the customer gave them.
    latitude: float | None = None
    longitude: float | None = None


def storefront_view(uow: UnitOfWork, actor: Actor, row: StorefrontOrderRow) -> StorefrontView:
    return storefront_views(uow, actor, [row])[0]


def storefront_views(uow: UnitOfWork, actor: Actor, rows: Sequence[StorefrontOrderRow]) -> list[StorefrontView]:
    """Many orders (a page of a list) in three queries, not three per order."""
    if not rows:
        return []
    uow.session.flush()
    tenant_id = rows[0].tenant_id
    ids = [row.id for row in rows]
    lines: dict[str, list[StorefrontLineRow]] = defaultdict(list)
    for line in uow.session.scalars(
        select(StorefrontLineRow)
        .where(StorefrontLineRow.tenant_id == tenant_id, StorefrontLineRow.order_id.in_(ids))
        .order_by(StorefrontLineRow.order_id, StorefrontLineRow.position)
    ):
        lines[line.order_id].append(line)
    refunds: dict[str, list[StorefrontRefundRow]] = defaultdict(list)
    for refund in uow.session.scalars(
        select(StorefrontRefundRow)
        .where(StorefrontRefundRow.tenant_id == tenant_id, StorefrontRefundRow.order_id.in_(ids))
        .order_by(StorefrontRefundRow.order_id, StorefrontRefundRow.created_at, StorefrontRefundRow.id)
    ):
        refunds[refund.order_id].append(refund)
    deliveries = {
        d.order_id: d
        for d in uow.session.scalars(
            select(StorefrontDeliveryRow).where(
                StorefrontDeliveryRow.tenant_id == tenant_id, StorefrontDeliveryRow.order_id.in_(ids)
            )
        )
    }
    party = party_of(actor)
    return [_view(row, lines[row.id], refunds[row.id], deliveries.get(row.id), party) for row in rows]


def _view(
    row: StorefrontOrderRow,
    lines: Sequence[StorefrontLineRow],
    refunds: Sequence[StorefrontRefundRow],
    delivery: StorefrontDeliveryRow | None,
    party: str,
) -> StorefrontView:
    pending = sum(r.requested_fen for r in refunds if r.state == storefront.REFUND_REQUESTED)
    money = storefront.Refunds(row.paid_fen, row.refunded_fen, pending)
    code = row.verification_code or ""
    return StorefrontView(
        id=row.id,
        number=row.number,
        store_id=row.store_id,
        kind=row.kind,
        state=row.state,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        customer_phone=row.customer_phone,
        lines=tuple(_line(line) for line in lines),
        goods_total_fen=row.goods_total_fen,
        discount_fen=row.discount_fen,
        delivery_fee_fen=row.delivery_fee_fen,
        total_fen=row.total_fen,
        paid_fen=row.paid_fen,
        refunded_fen=row.refunded_fen,
        payment_method=row.payment_method,
        note=row.note,
        contact_name=row.contact_name,
        contact_phone=row.contact_phone,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        reserved_for=row.reserved_for,
        carrier=row.carrier,
        tracking_no=row.tracking_no,
        verification_code=code,
        verification_qr=storefront.STOREFRONT_QR.payload(code) if code else "",
        reason=row.reason,
        refunds=tuple(_refund(r) for r in refunds),
        delivery=_delivery(delivery) if delivery is not None else None,
        actions=storefront.actions(row.kind, row.state, party),
        refundable=party == storefront.CUSTOMER and storefront.may_request_refund(row.kind, row.state, money),
        placed_by_staff_id=row.placed_by,
        placed_at=row.created_at,
        paid_at=row.paid_at,
        updated_at=row.updated_at,
        closes_at=row.closes_at,
        coupon_codes=tuple(c["code"] for c in row.coupons or ()),
    )


def _line(line: StorefrontLineRow) -> StorefrontLineView:
    return StorefrontLineView(
        product_id=line.product_id,
        category_id=line.category_id,
        name=line.name,
        quantity=line.quantity,
        unit_price_fen=line.unit_price_fen,
        amount_fen=line.amount_fen,
        spec=line.spec,
    )


def _refund(r: StorefrontRefundRow) -> StorefrontRefundView:
    return StorefrontRefundView(
        id=r.id,
        state=r.state,
        requested_fen=r.requested_fen,
        approved_fen=r.approved_fen,
        reason=r.reason,
        reject_reason=r.reject_reason,
        requested_at=r.created_at,
        decided_at=r.decided_at,
        refunded_at=r.refunded_at,
    )


def _delivery(d: StorefrontDeliveryRow) -> StorefrontDeliveryView:
    return StorefrontDeliveryView(
        provider=d.provider,
        status=d.status,
        reason=d.reason,
        rider_name=d.rider_name,
        rider_phone=d.rider_phone,
        fee_fen=d.fee_fen,
        distance_m=d.distance_m,
        updated_at=d.updated_at,
    )
