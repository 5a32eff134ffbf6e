"""Every event the coupons service publishes (exchange `coupons.events`), each with the function
that builds its payload. Use cases publish only these: `uow.publish(events.coupon_redeemed(...),
tenant_id)`. Consumers today: customers (coupon_issued, coupon_redeemed,
coupon_redemption_released, coupon_expiring: the coupon read model of segments), messaging
(coupon_issued, coupon_expiring: the holder's SMS) and coupons itself (recharge_gift_products,
coupon_batch_requested)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from coupons.models import LedgerEntryRow, RechargeInstalmentRow, RechargeRow
from coupons.models_coupons import CouponBatchRow, CouponRow
from crmkit.events import EventCatalogue

EVENTS = EventCatalogue("coupons")


# Templates and coupons (E1 E2 E4 E5 E6)


@EVENTS.publishes("coupon_template_created")
def coupon_template_created(template_id: str, name: str, kind: str, total_quantity: int) -> dict[str, Any]:
    return {"template_id": template_id, "name": name, "kind": kind, "total_quantity": total_quantity}


@EVENTS.publishes("coupon_issued")
def coupon_issued(
    coupon_id: str,
    code: str,
    template_id: str,
    template_name: str,
    customer_id: str,
    phone: str,
    channel: str,
    valid_until: datetime,
) -> dict[str, Any]:
    # Plain values: a claim is written by the claim writer from its queued entry, with no row.
    return {
        "coupon_id": coupon_id,
        "code": code,
        "template_id": template_id,
        "template_name": template_name,
        "customer_id": customer_id,
        "phone": phone,
        "channel": channel,
        "valid_until": valid_until.isoformat(),
    }


@EVENTS.publishes("coupon_redeemed")
def coupon_redeemed(row: CouponRow, order_id: str, store_id: str, discount_fen: int) -> dict[str, Any]:
    return {
        "coupon_id": row.id,
        "code": row.code,
        "template_id": row.template_id,
        "customer_id": row.customer_id,
        "order_id": order_id,
        "store_id": store_id,
        "discount_fen": discount_fen,
    }


@EVENTS.publishes("coupon_redemption_released")
def coupon_redemption_released(row: CouponRow, order_id: str) -> dict[str, Any]:
    """The order the coupon was redeemed on was never placed: the coupon is usable again."""
    return {"coupon_id": row.id, "code": row.code, "template_id": row.template_id, "order_id": order_id}


@EVENTS.publishes("coupon_expiring")
def coupon_expiring(coupon: CouponRow, template_name: str) -> dict[str, Any]:
    return {
        "coupon_id": coupon.id,
        "code": coupon.code,
        "template_id": coupon.template_id,
        "template_name": template_name,
        "customer_id": coupon.customer_id,
        "phone": coupon.phone,
        "valid_until": coupon.valid_until.isoformat(),
    }


@EVENTS.publishes("coupon_segment_sent")
def coupon_segment_sent(send_id: str, template_id: str, segment_id: str, sent_by: str | None) -> dict[str, Any]:
    return {"send_id": send_id, "template_id": template_id, "segment_id": segment_id, "sent_by": sent_by}


# Printed batches (E3, ADR 0009): requested, then each movement of its codes


@EVENTS.publishes("coupon_batch_requested")
def coupon_batch_requested(batch_id: str, quantity: int) -> dict[str, Any]:
    return {"batch_id": batch_id, "quantity": quantity}


def _batch_moved(
    batch: CouponBatchRow, quantity: int, first: int, last: int, store_id: str, buyer: str
) -> dict[str, Any]:
    return {
        "batch_id": batch.id,
        "template_id": batch.template_id,
        "quantity": quantity,
        "store_id": store_id,
        "buyer": buyer,
        "first_serial": first,
        "last_serial": last,
    }


@EVENTS.publishes("coupon_batch_made")
def coupon_batch_made(batch, quantity, first, last, store_id: str = "", buyer: str = "") -> dict[str, Any]:
    return _batch_moved(batch, quantity, first, last, store_id, buyer)


@EVENTS.publishes("coupon_batch_issued")
def coupon_batch_issued(batch, quantity, first, last, store_id: str = "", buyer: str = "") -> dict[str, Any]:
    return _batch_moved(batch, quantity, first, last, store_id, buyer)


@EVENTS.publishes("coupon_batch_handed_out")
def coupon_batch_handed_out(batch, quantity, first, last, store_id: str = "", buyer: str = "") -> dict[str, Any]:
    return _batch_moved(batch, quantity, first, last, store_id, buyer)


@EVENTS.publishes("coupon_batch_sold")
def coupon_batch_sold(batch, quantity, first, last, store_id: str = "", buyer: str = "") -> dict[str, Any]:
    return _batch_moved(batch, quantity, first, last, store_id, buyer)


# Stored value, recharges, points and pre-charges (E7 E8 E9, C11)


@EVENTS.publishes("stored_value_entry_posted")
def stored_value_entry_posted(entry: LedgerEntryRow, balance_after: int) -> dict[str, Any]:
    return {
        "entry_id": entry.id,
        "customer_id": entry.customer_id,
        "kind": entry.kind,
        "amount": entry.amount,
        "balance_after": balance_after,
        "reason": entry.reason,
        "reference": entry.reference,
    }


@EVENTS.publishes("recharge_rule_created")
def recharge_rule_created(rule_id: str, member_type: str) -> dict[str, Any]:
    return {"rule_id": rule_id, "member_type": member_type}


@EVENTS.publishes("recharge_rule_changed")
def recharge_rule_changed(rule_id: str, active: bool) -> dict[str, Any]:
    return {"rule_id": rule_id, "active": active}


@EVENTS.publishes("recharge_recorded")
def recharge_recorded(row: RechargeRow, member_type: str) -> dict[str, Any]:
    return {
        "recharge_id": row.id,
        "customer_id": row.customer_id,
        "paid_fen": row.paid_fen,
        "bonus_fen": row.bonus_fen,
        "rule_id": row.rule_id or "",
        "member_type": member_type,
    }


@EVENTS.publishes("recharge_gift_coupon_skipped")
def recharge_gift_coupon_skipped(part: RechargeInstalmentRow, template_id: str, count: int, reason: str) -> dict:
    return {
        "recharge_id": part.recharge_id,
        "customer_id": part.customer_id,
        "instalment": part.seq,
        "template_id": template_id,
        "count": count,
        "reason": reason,
    }


@EVENTS.publishes("recharge_gift_products")
def recharge_gift_products(part: RechargeInstalmentRow, store_id: str, products: Mapping[str, int]) -> dict[str, Any]:
    """The instalment's gift products, for the coupons worker to take from stock through orders."""
    return {
        "recharge_id": part.recharge_id,
        "customer_id": part.customer_id,
        "instalment": part.seq,
        "store_id": store_id,
        "products": [{"product_id": p, "quantity": q} for p, q in sorted(products.items())],
    }


@EVENTS.publishes("recharge_gift_products_refused")
def recharge_gift_products_refused(
    recharge_id: str, instalment: int, store_id: str, reasons: Mapping[str, str]
) -> dict[str, Any]:
    return {"recharge_id": recharge_id, "instalment": instalment, "store_id": store_id, "reasons": reasons}


@EVENTS.publishes("points_rule_changed")
def points_rule_changed(points_per_yuan: int) -> dict[str, Any]:
    return {"points_per_yuan": points_per_yuan}


@EVENTS.publishes("precharge_uploaded")
def precharge_uploaded(batch_id: str, client_name: str, rows: int, total_fen: int) -> dict[str, Any]:
    return {"batch_id": batch_id, "client_name": client_name, "rows": rows, "total_fen": total_fen}


@EVENTS.publishes("precharge_applied")
def precharge_applied(batch_id: str, client_name: str, total_fen: int, by: str) -> dict[str, Any]:
    return {"batch_id": batch_id, "client_name": client_name, "total_fen": total_fen, "by": by}
