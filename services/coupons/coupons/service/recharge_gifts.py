"""What a recharge gives (E7): gift coupons issued to the customer at once, gift products handed
over at the recharge's store and taken from stock by orders (through the coupons worker, ADR
0006). Every gift's fate is a row of `sv_recharge_gift_outcomes`, shown on the recharge."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from sqlalchemy import select

from coupons import events
from coupons.models import RechargeGiftOutcomeRow, RechargeInstalmentRow, RechargeRow
from coupons.service import coupons_issue
from coupons.service.coupons_stock import ClaimStock
from crmkit.db import UnitOfWork

# Gift outcomes (E7): kinds, statuses and the reasons a gift did not go through.
GIFT_COUPON = "coupon"
GIFT_PRODUCT = "product"
ISSUED = "issued"
SKIPPED = "skipped"
PENDING = "pending"
HANDED_OUT = "handed_out"
REFUSED = "refused"
NO_STORE = "no_store"  # the recharge was taken by staff without a store: no shelf to take from
INSUFFICIENT_STOCK = "insufficient_stock"
PRODUCT_NOT_FOUND = "product_not_found"
OTHER_GIFT_REFUSED = "other_gift_refused"  # all or none: another product of the instalment was refused
ORDERS_REFUSED = "orders_refused"  # any other refusal of the orders service


def _outcome(
    uow: UnitOfWork,
    part: RechargeInstalmentRow,
    kind: str,
    item_id: str,
    quantity: int,
    status: str,
    reason: str,
    now: datetime,
) -> None:
    uow.session.add(
        RechargeGiftOutcomeRow(
            tenant_id=part.tenant_id,
            recharge_id=part.recharge_id,
            instalment=part.seq,
            kind=kind,
            item_id=item_id,
            quantity=quantity,
            status=status,
            reason=reason,
            updated_at=now,
            created_at=now,
        )
    )


def issue_gift_coupons(uow: UnitOfWork, stock: ClaimStock, part: RechargeInstalmentRow, *, now: datetime) -> None:
    """The instalment's gift coupons go straight into the customer's hands, in the release's
    transaction. The money is already paid, so a gift that cannot be issued (template gone or
    expired, sold out, the customer at the per-person limit) never refuses the recharge: it is
    skipped, its outcome row says why (staff see it on the recharge) and
    `recharge_gift_coupon_skipped` tells other services."""
    wanted = Counter(json.loads(part.coupon_template_ids))
    for template_id, count in wanted.items():
        outcome = coupons_issue.issue_to_holder(
            uow,
            stock,
            part.tenant_id,
            template_id,
            part.customer_id,
            "",
            count=count,
            channel=coupons_issue.RECHARGE_GIFT,
            now=now,
        )
        status = SKIPPED if outcome.refused else ISSUED
        _outcome(uow, part, GIFT_COUPON, template_id, count, status, outcome.refused, now)
        if outcome.refused:
            skipped = events.recharge_gift_coupon_skipped(part, template_id, count, outcome.refused)
            uow.publish(skipped, part.tenant_id)


def hand_over_gift_products(uow: UnitOfWork, part: RechargeInstalmentRow, *, now: datetime) -> None:
    """Inside the release's transaction: the instalment's gift products are pending until the
    coupons worker hears back from orders (`recharge_gift_products`), refused at once when the
    recharge was taken without a store."""
    products: Counter[str] = Counter()
    for product_id, quantity in json.loads(part.gift_products):
        products[product_id] += quantity
    if products:
        store_id = uow.session.get(RechargeRow, part.recharge_id).store_id
        for product_id, quantity in sorted(products.items()):
            status, reason = (PENDING, "") if store_id else (REFUSED, NO_STORE)
            _outcome(uow, part, GIFT_PRODUCT, product_id, quantity, status, reason, now)
        if store_id:
            uow.publish(events.recharge_gift_products(part, store_id, products), part.tenant_id)


def gift_products_idempotency_key(recharge_id: str, instalment: int) -> str:
    """The key orders deducts an instalment's gift products under: once, however often asked."""
    return f"recharge:{recharge_id}:{instalment}"


def record_product_gifts(
    uow: UnitOfWork,
    tenant_id: str,
    recharge_id: str,
    instalment: int,
    status: str,
    reasons: dict[str, str],
    *,
    now: datetime,
) -> int:
    """Inside the caller's transaction: the instalment's pending product gifts become handed out
    or refused (`reasons` by product id, "" when it went through). Rows no longer pending stay
    as they are, so a redelivered answer changes nothing. The number of rows changed."""
    rows = uow.session.scalars(
        select(RechargeGiftOutcomeRow)
        .where(
            RechargeGiftOutcomeRow.tenant_id == tenant_id,
            RechargeGiftOutcomeRow.recharge_id == recharge_id,
            RechargeGiftOutcomeRow.instalment == instalment,
            RechargeGiftOutcomeRow.kind == GIFT_PRODUCT,
            RechargeGiftOutcomeRow.status == PENDING,
        )
        .with_for_update()
    ).all()
    for row in rows:
        row.status = status
        row.reason = reasons.get(row.item_id, "")
        row.updated_at = now
    return len(rows)
