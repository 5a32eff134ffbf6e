"""Takeaway orders handed to a same-city delivery company (B12), and its status callbacks.

HandToDelivery (staff of the order's store): a takeaway order in `accepted` goes to the provider
(address, contact, the goods' value; the shop it leaves from is the configured DADA_SHOP_NO) and
dispatches (`delivering`). A hand-over whose answer was lost is not sent twice: the provider is
asked about the order first, and an order it already has is taken as handed over. Handing over
again after a rider failed sends a new provider order (`<order id>-<n>`, Dada keeps one per id).

HandleDeliveryCallback (the gateway as the system): Dada's callbacks carry a signature anyone can
compute, so what one says is believed only as the provider's status query confirms it (the query
decides when the two differ). Each is applied once (the same callback again, or one older than
what is known, changes nothing) and kept in the delivery's history. Delivered means the customer
has it: the order is delivered and receipt confirmed (done). A rider who could not deliver
(failed, or cancelled on the provider's side) sends it back to the merchant (`accepted`, the
order's reason says why), who hands it over again or delivers it themselves.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, PermissionDenied, Unavailable
from orders.delivery.port import (
    STATUS_ACCEPTED,
    STATUS_CANCELLED,
    STATUS_DELIVERED,
    STATUS_FAILED,
    CallbackRejected,
    DeliveryRejected,
    DeliveryStatus,
    DeliveryUnavailable,
    DeliveryUpdate,
)
from orders.domain import storefront
from orders.errors import ErrorCode
from orders.models_storefront import StorefrontDeliveryRow, StorefrontOrderRow
from orders.providers import Delivery
from orders.service import storefront_callbacks as callbacks
from orders.service.storefront_changes import delivery_callback, order_snapshot
from orders.service.storefront_core import find_order, party_of, take_step, take_steps
from orders.service.storefront_views import storefront_view

log = logging.getLogger(__name__)

# A history entry that marks a hand-over (its provider order id), besides the provider's statuses.
HANDED = "handed"
ENDED = (STATUS_FAILED, STATUS_CANCELLED)
# Provider orders of one order that may already be dead when handed over (see _find_or_add).
MAX_ATTEMPTS_AT_ONCE = 5
_ORIGIN = re.compile(r"([0-9a-f-]{36})(?:-(\d+))?")


def provider_order_id(order_id: str, attempt: int) -> str:
    return order_id if attempt == 1 else f"{order_id}-{attempt}"


def order_id_of(provider_order: str) -> str | None:
    match = _ORIGIN.fullmatch(provider_order or "")
    return match.group(1) if match else None


def current_provider_order(delivery: StorefrontDeliveryRow) -> str:
    handed = [entry for entry in delivery.history or [] if entry.get("status") == HANDED]
    return handed[-1]["provider_order_id"] if handed else delivery.order_id


def _delivery_of(uow: UnitOfWork, row: StorefrontOrderRow) -> StorefrontDeliveryRow | None:
    return uow.session.scalar(
        select(StorefrontDeliveryRow)
        .where(StorefrontDeliveryRow.tenant_id == row.tenant_id, StorefrontDeliveryRow.order_id == row.id)
        .with_for_update()
    )


def hand_to_delivery(
    uow: UnitOfWork,
    actor: Actor,
    order_id: str,
    *,
    delivery: Delivery | None,
    now: datetime,
):
    """The merchant hands a takeaway order in `accepted` to the delivery company; the order's view."""
    with uow:
        row = find_order(uow, actor, order_id, for_update=True)
        party = party_of(actor)
        if party != storefront.MERCHANT:
            raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": "dispatch"})
        # Who and which state first, as every step: a wrong kind or state never reaches the provider.
        storefront.next_state(row.kind, "dispatch", row.state, party)
        before = order_snapshot(row)
        if delivery is None:
            raise Conflict(ErrorCode.DELIVERY_NOT_CONFIGURED)
        found = _delivery_of(uow, row)
        if found is None:
            found = StorefrontDeliveryRow(
                tenant_id=row.tenant_id, order_id=row.id, provider=delivery.port.provider, history=[], created_at=now
            )
            uow.session.add(found)
        history = list(found.history or [])
        attempt = sum(1 for entry in history if entry.get("status") == HANDED) + 1
        status, fee_fen, distance_m, history = _find_or_add(delivery, row, attempt, history, now)
        found.status, found.provider_status, found.reason = status.status, status.provider_status, status.reason
        found.rider_name, found.rider_phone = status.rider_name, status.rider_phone
        found.fee_fen, found.distance_m = fee_fen, distance_m
        found.status_at, found.updated_at, found.history = None, now, history
        row.reason = ""  # the last rider's failure is behind it
        handed = {"delivery_provider": found.provider, "delivery_order_id": current_provider_order(found)}
        take_step(uow, row, "dispatch", party, by=actor, now=now, before=before, carried=handed)
        view = storefront_view(uow, actor, row)
        uow.commit()
        return view


def _find_or_add(
    delivery: Delivery,
    row: StorefrontOrderRow,
    attempt: int,
    history: list[dict],
    now: datetime,
) -> tuple[DeliveryStatus, int, int, list[dict]]:
    """The provider order this hand-over is: one the provider already has from a hand-over whose
    answer was lost, or a new one. A provider order found dead (the lost hand-over failed since)
    is kept in the history and the next id is tried."""
    for _ in range(MAX_ATTEMPTS_AT_ONCE):
        provider_order = provider_order_id(row.id, attempt)
        try:
            known = delivery.port.query(provider_order)
        except DeliveryRejected:
            known = None  # the provider has no such order: add it
        except DeliveryUnavailable as exc:
            log.warning("delivery query for %s: %s", provider_order, exc)
            raise Unavailable(ErrorCode.DELIVERY_UNAVAILABLE) from exc
        handed = {"status": HANDED, "provider_order_id": provider_order, "at": now.isoformat()}
        if known is not None and known.status in ENDED:
            history += [handed, _entry(known.status, known.provider_status, known.reason, now, None)]
            attempt += 1
            continue
        if known is not None:
            log.info("order %s was with the provider already (%s): taken as handed over", row.id, provider_order)
            return known, 0, 0, [*history, handed]
        quote = _add(delivery, row, provider_order)
        status = DeliveryStatus(provider_order, STATUS_ACCEPTED, 0, "", "", "")
        return status, quote.fee_fen, quote.distance_m, [*history, handed]
    raise Conflict(ErrorCode.DELIVERY_REJECTED, params={"provider_code": "", "message": "too many failed hand-overs"})


def _add(delivery: Delivery, row: StorefrontOrderRow, provider_order: str):
    try:
        return delivery.port.add_order(
            provider_order,
            shop_no=delivery.shop_no,
            city_code=delivery.city_code,
            cargo_fen=row.goods_total_fen or row.total_fen,
            receiver_name=row.contact_name or row.customer_name,
            receiver_address=row.address,
            receiver_phone=row.contact_phone or row.customer_phone,
            callback_url=delivery.callback_url,
            receiver_lat=row.latitude,
            receiver_lng=row.longitude,
            cargo_weight_kg=delivery.cargo_weight_kg,
        )
    except ValueError as exc:
        # The order lacks what a rider needs (an address, a phone): the merchant delivers it.
        raise Conflict(ErrorCode.DELIVERY_REJECTED, params={"provider_code": "", "message": str(exc)}) from exc
    except DeliveryRejected as exc:
        log.warning("the delivery company refused order %s: %s", row.id, exc)
        raise Conflict(
            ErrorCode.DELIVERY_REJECTED, params={"provider_code": str(exc.code), "message": exc.message}
        ) from exc
    except DeliveryUnavailable as exc:
        # Maybe taken, maybe not: the next hand-over asks the provider before adding again.
        log.warning("handing order %s to the delivery company: %s", row.id, exc)
        raise Unavailable(ErrorCode.DELIVERY_UNAVAILABLE) from exc


def _entry(status: str, provider_status: int, reason: str, at: datetime, callback: int | None) -> dict:
    entry = {"status": status, "provider_status": provider_status, "reason": reason, "at": at.isoformat()}
    if callback is not None:
        entry["callback"] = callback  # the status the callback itself said (it may differ)
    return entry


def handle_callback(
    uow: UnitOfWork, actor: Actor, body: bytes, *, delivery: Delivery | None, now: datetime
) -> callbacks.CallbackAnswer:
    """A status callback as the gateway received it, confirmed with the provider, applied once."""
    callbacks.require_system(actor, "delivery_callback")
    if delivery is None:
        raise Unavailable(ErrorCode.DELIVERY_NOT_CONFIGURED)
    try:
        update = delivery.port.parse_callback(body)
    except CallbackRejected as exc:
        log.warning("delivery callback refused: %s", exc)
        raise InvalidInput(ErrorCode.DELIVERY_CALLBACK_REJECTED, params={"reason": exc.reason}) from exc
    at = update.at or now
    with uow:
        row = callbacks.order_by_id(uow, order_id_of(update.order_id))
        found = _delivery_of(uow, row) if row is not None else None
        if row is None or found is None:
            # Perhaps the hand-over that made it is not committed yet: the provider sends it again.
            log.warning("delivery callback for unknown order %s", update.order_id)
            return callbacks.CallbackAnswer(False, "unknown order")
        if update.order_id != current_provider_order(found):
            return callbacks.CallbackAnswer(True, "an earlier hand-over")
        if any(e.get("callback") == update.provider_status and e.get("at") == at.isoformat() for e in found.history):
            return callbacks.CallbackAnswer(True, "already handled")
        if found.status_at is not None and at < found.status_at:
            return callbacks.CallbackAnswer(True, "older than the status known")
        try:
            current = delivery.port.query(update.order_id)
        except (DeliveryUnavailable, DeliveryRejected) as exc:
            log.warning(
                "delivery callback for %s not confirmed (%s): the provider sends it again", update.order_id, exc
            )
            raise Unavailable(ErrorCode.DELIVERY_UNAVAILABLE) from exc
        _apply(uow, row, found, update, current, at, now)
        uow.commit()
        return callbacks.CallbackAnswer(True, found.status)


def _apply(
    uow: UnitOfWork,
    row: StorefrontOrderRow,
    found: StorefrontDeliveryRow,
    update: DeliveryUpdate,
    current: DeliveryStatus,
    at: datetime,
    now: datetime,
) -> None:
    if current.provider_status == update.provider_status:
        # Confirmed: the callback's own words (it knows who cancelled, the query does not).
        status, reason = update.status, update.reason
    else:
        log.info(
            "delivery %s: callback says %s, the provider %s: acting on the provider's",
            update.order_id,
            update.provider_status,
            current.provider_status,
        )
        status, reason = current.status, current.reason
    found.status, found.provider_status, found.reason = status, current.provider_status, reason[:200]
    found.rider_name = (current.rider_name or update.rider_name or found.rider_name)[:40]
    found.rider_phone = (current.rider_phone or update.rider_phone or found.rider_phone)[:20]
    found.status_at, found.updated_at = at, now
    found.history = [*found.history, _entry(status, current.provider_status, reason, at, update.provider_status)]
    if row.state != storefront.DELIVERING:
        return  # the merchant took it back, or it is past delivery: the order is not the rider's
    by = delivery_callback(found.provider)
    if status == STATUS_DELIVERED:
        # The delivery company's "delivered" is the customer's receipt.
        take_steps(uow, row, ("deliver", "confirm_receipt"), storefront.SYSTEM, by=by, now=now)
    elif status in ENDED:
        before = order_snapshot(row)
        row.reason = (reason or status)[:200]
        take_step(uow, row, "delivery_failed", storefront.SYSTEM, by=by, now=now, before=before)
