"""Back-office state machines of orders (B2) and returns (B3): who may move which document from
which state to which.

The role is checked before the state, so a caller without the role learns nothing about where
the document stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmkit.auth import Actor
from crmkit.errors import Conflict, PermissionDenied
from orders.errors import ErrorCode

OWNER = "owner"
STORE_MANAGER = "store_manager"
WAREHOUSE = "warehouse"
FINANCE = "finance"
MANAGERS = (OWNER, STORE_MANAGER)
HANDLERS = (OWNER, STORE_MANAGER, WAREHOUSE)

# Order statuses.
SUBMITTED = "submitted"  # taken on site, waiting for the back office
APPROVED = "approved"  # accepted; the customer now owes the total
REJECTED = "rejected"  # refused with a reason; final
PICKED = "picked"  # goods put together in the warehouse
SHIPPED = "shipped"  # stock taken out; final for this stage (collections come later)
# Return statuses (SUBMITTED, APPROVED, REJECTED shared).
RECEIVED = "received"  # goods back in stock
REFUNDED = "refunded"  # money settled (debt reduced or paid back); final

# Orders that carry a debt the customer owes.
DEBT_STATUSES = (APPROVED, PICKED, SHIPPED)


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]


ORDER_TRANSITIONS = {
    "approve": Transition((SUBMITTED,), APPROVED, MANAGERS),
    "reject": Transition((SUBMITTED,), REJECTED, MANAGERS),
    "pick": Transition((APPROVED,), PICKED, HANDLERS),
    "ship": Transition((PICKED,), SHIPPED, HANDLERS),
    # B7: the customer collects at the store with the order's code: handed over (stock out) from
    # approved or picked, once.
    "verify": Transition((APPROVED, PICKED), SHIPPED, HANDLERS),
}

RETURN_TRANSITIONS = {
    "approve": Transition((SUBMITTED,), APPROVED, MANAGERS),
    "reject": Transition((SUBMITTED,), REJECTED, MANAGERS),
    "receive": Transition((APPROVED,), RECEIVED, HANDLERS),
    # Finance settles money with customers, so it may refund as well as managers.
    "refund": Transition((RECEIVED,), REFUNDED, (*MANAGERS, FINANCE)),
}


def _next(
    table: dict[str, Transition], action: str, status: str, actor: Actor, denied: ErrorCode, invalid: ErrorCode
) -> str:
    step = table[action]
    if actor.staff_id is None or not actor.has_role(*step.roles):
        raise PermissionDenied(denied, params={"action": action})
    if status not in step.sources:
        raise Conflict(invalid, params={"status": status})
    return step.target


def next_order_status(action: str, status: str, actor: Actor) -> str:
    return _next(ORDER_TRANSITIONS, action, status, actor, ErrorCode.ORDER_ACTION_DENIED, ErrorCode.ORDER_STATE_INVALID)


def next_return_status(action: str, status: str, actor: Actor) -> str:
    return _next(
        RETURN_TRANSITIONS, action, status, actor, ErrorCode.RETURN_ACTION_DENIED, ErrorCode.RETURN_STATE_INVALID
    )
