"""The rule engine of redemption (E4, B7): may this coupon be used on this order, and what does
it take off? Pure: the coupon's state, its template and the order in; a Decision or a refusal out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coupons.domain.templates import CASH, DISCOUNT, PICKUP, TemplateInput
from coupons.errors import ErrorCode

ACTIVE = "active"
REDEEMED = "redeemed"
# Physical coupons (E3) before they reach a store or a buyer: printed, not yet usable.
MADE = "made"
STOCKED = "stocked"


@dataclass(frozen=True)
class Line:
    product_id: str
    category_id: str
    quantity: int
    amount_fen: int


@dataclass(frozen=True)
class Refusal:
    code: ErrorCode  # what the client switches on
    # e.g. {"missing": "2000"} for a minimum spend not reached (fen).
    params: dict


@dataclass(frozen=True)
class Decision:
    discount_fen: int
    pickup_product_ids: tuple[str, ...]


def eligible_amount(t: TemplateInput, lines: tuple[Line, ...]) -> int:
    """The spend that counts: lines of the allowed products or categories (all lines when the
    template restricts neither)."""
    if not t.product_ids and not t.category_ids:
        return sum(line.amount_fen for line in lines)
    return sum(
        line.amount_fen for line in lines if line.product_id in t.product_ids or line.category_id in t.category_ids
    )


def decide(
    t: TemplateInput,
    *,
    status: str,
    valid_from: datetime,
    valid_until: datetime,
    store_id: str,
    lines: tuple[Line, ...],
    used_on_order: int,
    now: datetime,
) -> Decision | Refusal:
    """`used_on_order`: coupons of this template already redeemed on the same order."""
    if status in (MADE, STOCKED):
        return Refusal(ErrorCode.COUPON_NOT_RELEASED, {})
    if status != ACTIVE:
        return Refusal(ErrorCode.COUPON_ALREADY_REDEEMED, {})
    if now < valid_from:
        return Refusal(ErrorCode.COUPON_NOT_YET_VALID, {"valid_from": valid_from.isoformat()})
    if now >= valid_until:
        return Refusal(ErrorCode.COUPON_EXPIRED, {"valid_until": valid_until.isoformat()})
    if t.store_ids and store_id not in t.store_ids:
        return Refusal(ErrorCode.COUPON_STORE_NOT_ALLOWED, {})
    if used_on_order >= t.per_order_limit:
        return Refusal(ErrorCode.COUPON_PER_ORDER_LIMIT, {"limit": str(t.per_order_limit)})
    spend = eligible_amount(t, lines)
    restricted = bool(t.product_ids or t.category_ids)
    if restricted and spend <= 0:
        return Refusal(ErrorCode.COUPON_NO_ELIGIBLE_ITEMS, {})
    if spend < t.min_spend_fen:
        return Refusal(
            ErrorCode.COUPON_BELOW_MIN_SPEND,
            {"min_spend": str(t.min_spend_fen), "missing": str(t.min_spend_fen - spend)},
        )
    if t.kind == CASH:
        # Never more than what the eligible goods cost: a coupon does not pay out change.
        return Decision(min(t.value_fen, spend), ())
    if t.kind == DISCOUNT:
        return Decision(spend * t.percent_off // 100, ())
    assert t.kind == PICKUP
    return Decision(0, t.pickup_product_ids)
