"""Rules of receivables (B4): credit terms and their state, who files and who approves a
collection, and how much of an order's debt a collection may claim. No I/O, `now` passed in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from crmkit.auth import Actor
from crmkit.errors import Conflict, InvalidInput, PermissionDenied
from orders.domain.numbering import CHINA
from orders.errors import ErrorCode

COLLECTION_PREFIX = "SK"  # 收款 (collection)

# Term states, as the proto and the gateway name them.
DUE = "due"
NOT_YET_DUE = "not_yet_due"
NO_TERM = "no_term"
TERM_STATES = (DUE, NOT_YET_DUE, NO_TERM)
MAX_TERM_DAYS = 3650

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
METHODS = ("cash", "bank_transfer", "wechat", "alipay", "other")
MAX_ALLOCATIONS = 50
MAX_PROOFS = 9
NOTE_MAX = 200

TERM_ROLES = ("owner", "store_manager", "finance")
# Managers file for any salesperson's customer; everyone else only on orders they sold.
FILE_FOR_ANYONE_ROLES = ("owner", "store_manager")
APPROVER_ROLES = ("finance", "owner")
APPROVE_COLLECTIONS = "approve_collections"


# The field message of an allocation above what the order still owes.
FIELD_EXCEEDS_DEBT = "validation.exceeds_debt"


def _invalid(fields: Mapping[str, str]) -> InvalidInput:
    return InvalidInput(ErrorCode.COLLECTION_INPUT_INVALID, fields=fields)


# --- Credit terms ---


def check_term_days(days: int) -> int:
    if not 0 <= days <= MAX_TERM_DAYS:
        raise _invalid({"days": "validation.invalid"})
    return days


def due_at(approved_at: datetime | None, days: int) -> datetime | None:
    """When an approved order's debt falls due; None without a term (0 days) or approval."""
    if approved_at is None or days <= 0:
        return None
    return approved_at + timedelta(days=days)


def _china_date(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; times are aware UTC")
    return moment.astimezone(CHINA).date()


def term_state(due: datetime | None, now: datetime) -> str:
    """By China calendar day, as merchants count: a debt is due from its due day on, whatever
    the hour it was approved."""
    if due is None:
        return NO_TERM
    return DUE if _china_date(now) >= _china_date(due) else NOT_YET_DUE


def check_term_filter(state: str) -> str:
    if state and state not in TERM_STATES:
        raise _invalid({"term_state": "validation.invalid_choice"})
    return state


# --- Who may do what ---


def require_term_setter(actor: Actor) -> str:
    if actor.staff_id is None or not actor.has_role(*TERM_ROLES):
        raise PermissionDenied(ErrorCode.CREDIT_TERM_DENIED)
    return actor.staff_id


def may_file_for(actor: Actor, order_salesperson_id: str) -> bool:
    return actor.has_role(*FILE_FOR_ANYONE_ROLES) or actor.staff_id == order_salesperson_id


def require_approver(actor: Actor) -> str:
    if actor.staff_id is None or not (actor.has_role(*APPROVER_ROLES) or actor.can(APPROVE_COLLECTIONS)):
        raise PermissionDenied(ErrorCode.COLLECTION_ACTION_DENIED)
    return actor.staff_id


def require_pending(status: str) -> None:
    if status != PENDING:
        raise Conflict(ErrorCode.COLLECTION_STATE_INVALID, params={"status": status})


# --- Filing ---


@dataclass(frozen=True)
class AllocationRequest:
    order_id: str
    amount_fen: int


def check_filing(
    allocations: Sequence[AllocationRequest], method: str, proof_keys: Sequence[str], note: str
) -> tuple[str, str]:
    """Shape checks that need no database; returns the cleaned (method, note)."""
    fields: dict[str, str] = {}
    if not allocations:
        fields["allocations"] = "validation.required"
    elif len(allocations) > MAX_ALLOCATIONS:
        fields["allocations"] = "validation.too_long"
    seen: set[str] = set()
    for i, a in enumerate(allocations[:MAX_ALLOCATIONS]):
        if not a.order_id:
            fields[f"allocations.{i}.order_id"] = "validation.required"
        elif a.order_id in seen:
            # One allocation per order: two would each pass the debt check and together exceed it.
            fields[f"allocations.{i}.order_id"] = "validation.invalid"
        seen.add(a.order_id)
        if a.amount_fen <= 0:
            fields[f"allocations.{i}.amount"] = "validation.invalid"
    if not method:
        fields["method"] = "validation.required"
    elif method not in METHODS:
        fields["method"] = "validation.invalid_choice"
    if len(proof_keys) > MAX_PROOFS:
        fields["proof_keys"] = "validation.too_long"
    for i, key in enumerate(proof_keys):
        if not key or key in proof_keys[:i]:
            fields[f"proof_keys.{i}"] = "validation.invalid"
    note = note.strip()
    if len(note) > NOTE_MAX:
        fields["note"] = "validation.too_long"
    if fields:
        raise _invalid(fields)
    return method, note


def check_against_debt(allocations: Sequence[AllocationRequest], open_fen: Mapping[str, int]) -> None:
    """At filing: each amount at most what the order still owes less what pending collections
    already claim (`open_fen`), so approving every pending collection can never overdraw it."""
    fields = {
        f"allocations.{i}.amount": FIELD_EXCEEDS_DEBT
        for i, a in enumerate(allocations)
        if a.amount_fen > open_fen.get(a.order_id, 0)
    }
    if fields:
        raise _invalid(fields)


def check_approval(allocations: Sequence[tuple[str, str, int]], debt_fen: Mapping[str, int]) -> None:
    """At approval, under the order locks: (order_id, number, amount) each at most the current
    debt. A return refunded since filing may have lowered it; then nothing is applied."""
    for order_id, number, amount in allocations:
        if amount > debt_fen.get(order_id, 0):
            raise Conflict(
                ErrorCode.COLLECTION_EXCEEDS_DEBT,
                params={"order_id": order_id, "number": number},
            )
