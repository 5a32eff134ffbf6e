"""Stock rules (B1, B2): levels never go below zero unless the tenant allows it."""

from __future__ import annotations

from crmkit.errors import Conflict
from orders.errors import ErrorCode

# Why a stock level moved; every movement is an immutable row.
STOCK_TAKE = "stock_take"
SHIPMENT = "shipment"
RETURN_RECEIVED = "return_received"
# A storefront order takes its goods when placed and gives them back if it closes unpaid (B6).
STOREFRONT_SALE = "storefront_sale"
STOREFRONT_RELEASE = "storefront_release"


def take_out(product_id: str, on_hand: int, quantity: int, *, allow_negative: bool) -> int:
    """The level after shipping `quantity`; refuses rather than going below zero."""
    after = on_hand - quantity
    if after < 0 and not allow_negative:
        raise Conflict(
            ErrorCode.INSUFFICIENT_STOCK,
            params={"product_id": product_id, "available": on_hand, "requested": quantity},
        )
    return after
