"""Every event the orders service publishes (exchange `orders.events`), each with the function
that builds its payload. Use cases publish only these: `uow.publish(events.order_submitted(view),
tenant_id)`. Consumers today: customers (order_approved, return_refunded: the buying read model of
segments), coupons (order_approved: points) and orders itself (order_approved, return_approved:
the monthly ranking)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crmkit.events import EventCatalogue

if TYPE_CHECKING:  # the views' modules publish through this one
    from orders.models_storefront import StorefrontLineRow, StorefrontOrderRow, StorefrontRefundRow
    from orders.service.collections import CollectionView
    from orders.service.views import LineView, OrderView, ReturnView

EVENTS = EventCatalogue("orders")


def _lines(lines: Sequence[LineView]) -> list[dict[str, Any]]:
    """What consumers (rankings, commissions, printing) need of each line."""
    return [
        {
            "product_id": line.product_id,
            "quantity": line.quantity,
            "amount_fen": line.amount_fen,
            "brand": line.brand,
            "category_id": line.category_id,
        }
        for line in lines
    ]


def _document(id_key: str, view: OrderView | ReturnView) -> dict[str, Any]:
    """An order or a return as its events carry it (`id_key` names the document's id field)."""
    return {
        id_key: view.id,
        "number": view.number,
        "customer_id": view.customer_id,
        "salesperson_id": view.salesperson_id,
        "store_id": view.store_id,
        "status": view.status,
        "total_fen": view.total_fen,
        "lines": _lines(view.lines),
    }


def _order(view: OrderView) -> dict[str, Any]:
    """total_fen is what is owed; with coupons, discount_fen is what they took off the goods."""
    data = _document("order_id", view)
    if view.discount_fen:
        data["discount_fen"] = view.discount_fen
        data["coupon_codes"] = [c.code for c in view.coupons]
    return data


# Orders (B2, B7)


@EVENTS.publishes("order_submitted")
def order_submitted(view: OrderView) -> dict[str, Any]:
    return _order(view)


@EVENTS.publishes("order_approved")
def order_approved(view: OrderView, approval: Mapping[str, Any]) -> dict[str, Any]:
    """`approval`: what the approval counted for performance (approved_at, amount_fen, month)."""
    return {**_order(view), **approval}


@EVENTS.publishes("order_rejected")
def order_rejected(view: OrderView) -> dict[str, Any]:
    data = _order(view)
    if view.reject_reason:
        data["reason"] = view.reject_reason
    return data


@EVENTS.publishes("order_picked")
def order_picked(view: OrderView) -> dict[str, Any]:
    return _order(view)


@EVENTS.publishes("order_shipped")
def order_shipped(view: OrderView, *, verified: bool = False) -> dict[str, Any]:
    """`verified`: handed over at the counter on its verification code (B7)."""
    return {**_order(view), "verified": True} if verified else _order(view)


# Returns (B3)


def _return(view: ReturnView) -> dict[str, Any]:
    return _document("return_id", view)


@EVENTS.publishes("return_submitted")
def return_submitted(view: ReturnView) -> dict[str, Any]:
    return _return(view)


@EVENTS.publishes("return_approved")
def return_approved(view: ReturnView, approval: Mapping[str, Any]) -> dict[str, Any]:
    """`approval`: what the approval took off performance (approved_at, amount_fen, month)."""
    return {**_return(view), **approval}


@EVENTS.publishes("return_rejected")
def return_rejected(view: ReturnView) -> dict[str, Any]:
    return {**_return(view), "reason": view.reject_reason}


@EVENTS.publishes("return_received")
def return_received(view: ReturnView) -> dict[str, Any]:
    return _return(view)


@EVENTS.publishes("return_refunded")
def return_refunded(view: ReturnView, reductions: Sequence[tuple[str, int]], refunded_at: datetime) -> dict[str, Any]:
    """`reductions`: (order id, fen) taken off each order's debt, oldest order first."""
    return {
        **_return(view),
        "refund_method": view.refund_method,
        "debt_reduced_fen": view.debt_reduced_fen,
        "paid_back_fen": view.paid_back_fen,
        # When the money went back: the customers read model (C4) nets it out on that day.
        "refunded_at": refunded_at.isoformat(),
        "reductions": [{"order_id": order_id, "amount_fen": amount} for order_id, amount in reductions],
    }


# Receivables (B4)


def _collection(view: CollectionView) -> dict[str, Any]:
    return {
        "collection_id": view.id,
        "number": view.number,
        "customer_id": view.customer_id,
        "salesperson_id": view.salesperson_id,
        "filed_by": view.filed_by,
        "status": view.status,
        "method": view.method,
        "amount_fen": view.amount_fen,
        "allocations": [{"order_id": a.order_id, "amount_fen": a.amount_fen} for a in view.allocations],
    }


@EVENTS.publishes("collection_filed")
def collection_filed(view: CollectionView) -> dict[str, Any]:
    return _collection(view)


@EVENTS.publishes("collection_approved")
def collection_approved(view: CollectionView, debts_after: Mapping[str, int]) -> dict[str, Any]:
    """`debts_after`: each allocated order's debt once the collection is applied."""
    return {**_collection(view), "debts_after": dict(debts_after)}


@EVENTS.publishes("collection_rejected")
def collection_rejected(view: CollectionView) -> dict[str, Any]:
    return {**_collection(view), "reason": view.reject_reason}


@EVENTS.publishes("credit_term_set")
def credit_term_set(customer_id: str, days: int, limit_fen: int) -> dict[str, Any]:
    return {"customer_id": customer_id, "days": days, "limit_fen": limit_fen}


# Stock handed out for another service (E7, ADR 0006)


@EVENTS.publishes("gift_stock_handed_out")
def gift_stock_handed_out(
    handout_id: str, idempotency_key: str, store_id: str, reason: str, quantities: Mapping[str, int]
) -> dict[str, Any]:
    return {
        "handout_id": handout_id,
        "idempotency_key": idempotency_key,
        "store_id": store_id,
        "reason": reason,
        "lines": [{"product_id": pid, "quantity": quantities[pid]} for pid in sorted(quantities)],
    }


# Storefront orders (B6 B8 B12): every event carries the whole order as its consumers need it
# (printing's tickets and auto-accept, messaging's alerts).


def storefront_order(row: StorefrontOrderRow, lines: Sequence[StorefrontLineRow]) -> dict[str, Any]:
    return {
        "order_id": row.id,
        "number": row.number,
        "store_id": row.store_id,
        "kind": row.kind,
        "state": row.state,
        "customer_id": row.customer_id,
        "customer_name": row.customer_name,
        "customer_phone": row.customer_phone,
        "contact_name": row.contact_name,
        "contact_phone": row.contact_phone,
        "address": row.address,
        "note": row.note,
        "verification_code": row.verification_code or "",
        "lines": [
            {
                "product_id": line.product_id,
                "category_id": line.category_id,
                "name": line.name,
                "quantity": line.quantity,
                "amount_fen": line.amount_fen,
                "spec": line.spec,
            }
            for line in lines
        ],
        "goods_total_fen": row.goods_total_fen,
        "discount_fen": row.discount_fen,
        "delivery_fee_fen": row.delivery_fee_fen,
        "total_fen": row.total_fen,
        "paid_fen": row.paid_fen,
        "refunded_fen": row.refunded_fen,
        "placed_at": row.created_at.isoformat(),
        "paid_at": row.paid_at.isoformat() if row.paid_at else None,
    }


@EVENTS.publishes("storefront_order_paid")
def storefront_order_paid(order: Mapping[str, Any]) -> dict[str, Any]:
    """Once per order, when paid. `order`: storefront_order(row, lines)."""
    return {"order": dict(order)}


@EVENTS.publishes("storefront_order_changed")
def storefront_order_changed(order: Mapping[str, Any], action: str, party: str) -> dict[str, Any]:
    return {"order": dict(order), "action": action, "party": party}


@EVENTS.publishes("storefront_refund_requested")
def storefront_refund_requested(order: Mapping[str, Any], refund: StorefrontRefundRow) -> dict[str, Any]:
    return {
        "order": dict(order),
        "refund": {"refund_id": refund.id, "requested_fen": refund.requested_fen, "reason": refund.reason},
    }


@EVENTS.publishes("storefront_refund_decided")
def storefront_refund_decided(order: Mapping[str, Any], refund: StorefrontRefundRow) -> dict[str, Any]:
    return {
        "order": dict(order),
        "refund": {
            "refund_id": refund.id,
            "state": refund.state,
            "approved_fen": refund.approved_fen,
            "reject_reason": refund.reject_reason,
        },
    }
