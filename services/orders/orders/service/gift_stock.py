"""Gift stock hand-outs (E7): another service (coupons, for the products of a recharge rule) tells
orders which products left the shelf as gifts; orders deducts them from its stock ledger.

Callable only with a service token: staff move stock with SetStock, shipments and returns.
The policy is the shipment's (ADR 0006): all lines or none, and a short product refuses the
whole hand-out (Conflict INSUFFICIENT_STOCK naming it) unless the tenant allows negative stock,
so a gift never takes stock below zero behind the merchant's back. The idempotency key is
stored with the movements in one transaction: a retried call returns the first answer and
deducts nothing again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import InvalidInput, PermissionDenied
from orders import events
from orders.domain.lines import quantities_by_product
from orders.domain.stock import take_out
from orders.errors import ErrorCode
from orders.models import ProductRow
from orders.models_gifts import UQ_GIFT_HANDOUT_KEY, GiftHandOutRow
from orders.service.catalogue import product_not_found
from orders.service.settings import load_settings
from orders.service.stock import lock_levels, move_all
from orders.service.views import StockLevelView

RECHARGE_GIFT = "recharge_gift"
MAX_LINES = 50
MAX_QUANTITY = 100_000
KEY_MAX = 120
# A reason is a code shown on the movement ledger, not free text.
_REASON = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


@dataclass(frozen=True)
class GiftStockCommand:
    idempotency_key: str
    store_id: str
    lines: Sequence[tuple[str, int]]
    reason: str = RECHARGE_GIFT


@dataclass(frozen=True)
class GiftStockView:
    handout_id: str
    store_id: str
    levels: tuple[StockLevelView, ...]
    # True when this key was handed out before and nothing moved this time.
    replayed: bool


def _invalid(**fields: str) -> InvalidInput:
    return InvalidInput(ErrorCode.CATALOGUE_INPUT_INVALID, fields=fields)


def _check(cmd: GiftStockCommand) -> tuple[str, str, dict[str, int]]:
    key = cmd.idempotency_key.strip()
    if not key:
        raise _invalid(idempotency_key="validation.required")
    if len(key) > KEY_MAX:
        raise _invalid(idempotency_key="validation.too_long")
    if not cmd.store_id:
        raise _invalid(store_id="validation.required")
    reason = cmd.reason or RECHARGE_GIFT
    if not _REASON.match(reason):
        raise _invalid(reason="validation.invalid")
    if not cmd.lines:
        raise _invalid(lines="validation.required")
    if len(cmd.lines) > MAX_LINES:
        raise _invalid(lines="validation.too_long")
    for i, (product_id, quantity) in enumerate(cmd.lines):
        if not product_id:
            raise _invalid(**{f"lines.{i}.product_id": "validation.required"})
        if not 0 < quantity <= MAX_QUANTITY:
            raise _invalid(**{f"lines.{i}.quantity": "validation.invalid"})
    return key, reason, quantities_by_product(list(cmd.lines))


def _view(row: GiftHandOutRow, *, replayed: bool) -> GiftStockView:
    levels = tuple(StockLevelView(pid, row.store_id, int(after)) for pid, _qty, after in row.lines)
    return GiftStockView(row.id, row.store_id, levels, replayed)


def _earlier(uow: UnitOfWork, tenant_id: str, key: str) -> GiftHandOutRow | None:
    return uow.session.scalar(
        select(GiftHandOutRow).where(GiftHandOutRow.tenant_id == tenant_id, GiftHandOutRow.idempotency_key == key)
    )


def hand_out_gift_stock(uow: UnitOfWork, actor: Actor, cmd: GiftStockCommand, *, now: datetime) -> GiftStockView:
    if not actor.is_service:
        raise PermissionDenied(ErrorCode.STOCK_MANAGE_DENIED)
    key, reason, wanted = _check(cmd)
    try:
        return _hand_out(uow, actor, key, reason, cmd.store_id, wanted, now=now)
    except IntegrityError as exc:
        text = str(exc.orig)
        if UQ_GIFT_HANDOUT_KEY in text or "gift_handouts.tenant_id, gift_handouts.idempotency_key" in text:
            # The same key was committed between our check and our insert: nothing of ours was
            # kept; answer with the first hand-out.
            with uow:
                first = _earlier(uow, actor.tenant_id, key)
                if first is not None:
                    return _view(first, replayed=True)
        raise


def _hand_out(
    uow: UnitOfWork, actor: Actor, key: str, reason: str, store_id: str, wanted: dict[str, int], *, now: datetime
) -> GiftStockView:
    with uow:
        session = uow.session
        earlier = _earlier(uow, actor.tenant_id, key)
        if earlier is not None:
            return _view(earlier, replayed=True)
        known = set(
            session.scalars(
                select(ProductRow.id).where(
                    ProductRow.tenant_id == actor.tenant_id,
                    ProductRow.id.in_(list(wanted)),
                    ProductRow.archived.is_(False),
                )
            )
        )
        for product_id in sorted(wanted):
            if product_id not in known:
                raise product_not_found(product_id)
        allow_negative = load_settings(session, actor.tenant_id).allow_negative_stock
        levels = lock_levels(session, actor.tenant_id, store_id, list(wanted), now)
        # A concurrent call with the same key waited on the same level locks; it finds the row now.
        earlier = _earlier(uow, actor.tenant_id, key)
        if earlier is not None:
            return _view(earlier, replayed=True)
        after = {
            pid: take_out(pid, levels[pid].quantity, quantity, allow_negative=allow_negative)
            for pid, quantity in sorted(wanted.items())
        }
        row = GiftHandOutRow(
            tenant_id=actor.tenant_id,
            idempotency_key=key,
            store_id=store_id,
            reason=reason,
            lines=[[pid, wanted[pid], after[pid]] for pid in sorted(wanted)],
            actor_id=actor.subject_id,
            created_at=now,
        )
        session.add(row)
        session.flush()
        move_all(session, after, levels, reason=reason, actor_id=actor.subject_id, document_id=row.id, now=now)
        uow.publish(events.gift_stock_handed_out(row.id, key, store_id, reason, wanted), actor.tenant_id)
        uow.commit()
        return _view(row, replayed=False)
