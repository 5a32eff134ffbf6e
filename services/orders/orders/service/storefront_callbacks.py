"""What the providers' callbacks share (B6 B8 B12): they come through the gateway as its service
actor with no tenant (a provider knows none), so the order is found by the id the provider echoes
back, across tenants, and only for the system party; and each one is answered so the provider
stops, or retries.

Our ids travel to the providers as their "out" numbers: WeChat Pay takes 6-32 characters of
[0-9A-Za-z_-|*], so an order's (or a refund's) UUID goes as its 32 hex digits and comes back the
same way. Dada takes the order id as it is.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import PermissionDenied
from orders.errors import ErrorCode
from orders.models_storefront import StorefrontOrderRow, StorefrontPaymentEventRow

_HEX32 = re.compile(r"[0-9a-f]{32}")

# How an order was paid (storefront_orders.payment_method).
WECHAT = "wechat"
STORED_VALUE = "stored_value"


@dataclass(frozen=True)
class CallbackAnswer:
    """`accepted` False: the provider is answered with a non-2xx and sends it again later."""

    accepted: bool
    message: str = ""


def require_system(actor: Actor, action: str) -> None:
    """Callbacks and the background loop act as the system: another service (the gateway)."""
    if not actor.is_service:
        raise PermissionDenied(ErrorCode.STOREFRONT_ACTION_DENIED, params={"action": action})


def out_no(row_id: str) -> str:
    """An order's out_trade_no, a refund's out_refund_no: the UUID's 32 hex digits."""
    return uuid.UUID(row_id).hex


def id_of(out: str) -> str | None:
    """The UUID an out number stands for; None when it is not one of ours."""
    if not isinstance(out, str) or not _HEX32.fullmatch(out):
        return None
    return str(uuid.UUID(hex=out))


def order_by_id(uow: UnitOfWork, order_id: str | None) -> StorefrontOrderRow | None:
    """The order, in whichever tenant, locked: for the system party only (callers checked it)."""
    if not order_id:
        return None
    return uow.session.scalar(select(StorefrontOrderRow).where(StorefrontOrderRow.id == order_id).with_for_update())


def seen(uow: UnitOfWork, event_id: str) -> bool:
    """The provider's notification `event_id` was acted on before."""
    return (
        uow.session.scalar(select(StorefrontPaymentEventRow.id).where(StorefrontPaymentEventRow.event_id == event_id))
        is not None
    )


def record(uow: UnitOfWork, row: StorefrontOrderRow, event_id: str, kind: str, event_type: str, outcome: str) -> None:
    uow.session.add(
        StorefrontPaymentEventRow(
            tenant_id=row.tenant_id,
            event_id=event_id[:80],
            order_id=row.id,
            kind=kind,
            event_type=event_type[:40],
            outcome=outcome,
        )
    )
