"""Moving a storefront order on (B6) and verifying its one-time code (B7).

Every step goes through orders.domain.storefront as the caller's party (staff of the order's store
are the merchant, its customer the customer, services the system): who may take it first
(PermissionDenied), then the state (Conflict), then the fields the step needs (InvalidInput naming
them), so a caller who may not act learns nothing of the order's state. Payment and a top-up's
credit are not steps a caller asks for: they come with money (orders.service.storefront_payment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.onetime_codes import is_well_formed
from orders.domain import storefront
from orders.errors import ErrorCode
from orders.models_storefront import StorefrontOrderRow
from orders.service.coupons import CouponRedeemer
from orders.service.storefront_changes import order_snapshot
from orders.service.storefront_core import find_order, may_see, party_of, take_step
from orders.service.storefront_orders import give_back, require_store
from orders.service.storefront_views import StorefrontView, storefront_view

# The steps paid for with money have their own use cases: asked for here, they would mark an
# order paid with nothing received.
MONEY_STEPS = ("pay", "credit")
ACTIONS = tuple(sorted({a for steps in storefront.STEPS.values() for a in steps} - set(MONEY_STEPS)))
CARRIER_MAX = 40
TRACKING_NO_MAX = 40
REASON_MAX = 200


@dataclass(frozen=True)
class StepInput:
    order_id: str
    action: str
    # ship
    carrier: str = ""
    tracking_no: str = ""
    # verify: the typed code or the scanned QR payload
    code: str = ""
    # delivery_failed (required), cancel (optional)
    reason: str = ""


def take_action(
    uow: UnitOfWork, actor: Actor, cmd: StepInput, *, coupons: CouponRedeemer | None = None, now: datetime
) -> StorefrontView:
    """One step, its fields stored, its event published and its change logged as the caller's
    (storefront_core.take_step). A cancel
    gives back the order's stock and coupons in the same transaction."""
    party = party_of(actor)
    action = cmd.action.strip()
    if action not in ACTIONS:
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields={"action": "validation.invalid_choice"})
    with uow:
        row = find_order(uow, actor, cmd.order_id, for_update=True)
        # Who, then where the order stands, then what came with the step: 403, 409, 400.
        storefront.next_state(row.kind, action, row.state, party)
        before = order_snapshot(row)
        _store_fields(row, action, cmd, now)
        take_step(uow, row, action, party, by=actor, now=now, before=before)
        if action == "cancel":
            give_back(uow, row, coupons=coupons, now=now, by=actor.subject_id)
        view = storefront_view(uow, actor, row)
        uow.commit()
        return view


def verify_by_code(
    uow: UnitOfWork, actor: Actor, typed_or_scanned: str, store_id: str, *, now: datetime
) -> StorefrontView:
    """B7 at the counter: the code the customer shows (typed, or scanned as `CRMSF:<code>`) of an
    order in one of the caller's stores is verified and the order is done, once: the order is
    locked and a verified code is refused the second time. An unknown code, another tenant's or
    store's, or an order the caller may not see are all "not found"."""
    party = party_of(actor)
    if party not in storefront.STEPS[storefront.IN_STORE]["verify"].parties:
        raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": "verify"})
    code = _code(typed_or_scanned)
    store_id = store_id.strip()
    if store_id:
        require_store(actor, store_id)
    with uow:
        query = select(StorefrontOrderRow).where(
            StorefrontOrderRow.tenant_id == actor.tenant_id, StorefrontOrderRow.verification_code == code
        )
        if store_id:
            query = query.where(StorefrontOrderRow.store_id == store_id)
        row = uow.session.scalar(query.with_for_update())
        if row is None or not may_see(actor, row):
            raise NotFound(ErrorCode.ORDER_NOT_FOUND)
        before = order_snapshot(row)
        _verify(row, code, now)
        take_step(uow, row, "verify", party, by=actor, now=now, before=before)
        view = storefront_view(uow, actor, row)
        uow.commit()
        return view


def _store_fields(row: StorefrontOrderRow, action: str, cmd: StepInput, now: datetime) -> None:
    """What a step carries, onto the order before its event is built."""
    if action == "ship":
        fields = {}
        carrier, tracking_no = cmd.carrier.strip(), cmd.tracking_no.strip()
        for name, value, maximum in (("carrier", carrier, CARRIER_MAX), ("tracking_no", tracking_no, TRACKING_NO_MAX)):
            if not value:
                fields[name] = "validation.required"
            elif len(value) > maximum:
                fields[name] = "validation.too_long"
        if fields:
            raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields=fields)
        row.carrier, row.tracking_no = carrier, tracking_no
    elif action in ("delivery_failed", "cancel"):
        reason = cmd.reason.strip()
        if action == "delivery_failed" and not reason:
            raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields={"reason": "validation.required"})
        if len(reason) > REASON_MAX:
            raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields={"reason": "validation.too_long"})
        row.reason = reason
    elif action == "verify":
        _verify(row, _code(cmd.code), now)


def _code(typed_or_scanned: str) -> str:
    code = storefront.STOREFRONT_QR.normalize(typed_or_scanned)
    if not code:
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields={"code": "validation.required"})
    if not is_well_formed(code):
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields={"code": "validation.verification_code_invalid"})
    return code


def _verify(row: StorefrontOrderRow, code: str, now: datetime) -> None:
    """The order's own code, not yet verified; marks it verified (the caller takes the step)."""
    if row.verified_at is not None:
        raise Conflict(ErrorCode.ORDER_ALREADY_VERIFIED, params={"verified_at": row.verified_at.isoformat()})
    if not row.verification_code or code != row.verification_code:
        raise InvalidInput(ErrorCode.STOREFRONT_INPUT_INVALID, fields={"code": "validation.verification_code_invalid"})
    row.verified_at = now
