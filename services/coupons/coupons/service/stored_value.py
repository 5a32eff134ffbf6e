"""Stored-value and points ledgers (E9, C11 top-ups): every change is one immutable entry written
in the same transaction as the account's new balance.

Concurrency: the customer's account row is locked (SELECT ... FOR UPDATE) before the balance is
read, so debits of one customer queue behind each other and none can spend what another already
took; SQLite (embedded) takes its write lock at BEGIN IMMEDIATE. Idempotency keys are checked
after the lock, so a retried request finds its first entry instead of writing a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coupons import events
from coupons.domain import stored_value as rules
from coupons.errors import ErrorCode
from coupons.models import LedgerEntryRow, StoredValueAccountRow
from coupons.service import coupons_issue
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.coupons_stock import ClaimStock
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, PermissionDenied
from crmkit.paging import Page

MONEY_ROLES = ("owner", "store_manager", "finance")


def require_staff(actor: Actor) -> str:
    if actor.staff_id is None:
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)
    return actor.staff_id


def require_money_role(actor: Actor) -> str:
    """Writing balances: owner, store manager, finance, or another service (orders spending)."""
    if actor.is_service:
        return ""
    if actor.staff_id is None or not actor.has_role(*MONEY_ROLES):
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)
    return actor.staff_id


def require_customer(customers: CustomerDirectory, actor: Actor, customer_id: str) -> None:
    """The customers service decides whether the caller may see the customer (tenant and
    salesperson visibility); a service caller is trusted with the id it names."""
    if not customer_id:
        raise rules.invalid(customer_id="validation.required")
    if not actor.is_service:
        customers.get(customer_id)


@dataclass(frozen=True)
class Posting:
    customer_id: str
    kind: str
    amount: int  # signed
    reason: str
    note: str = ""
    reference: str = ""
    idempotency_key: str | None = None


def _account(session: Session, tenant_id: str, customer_id: str, now: datetime) -> StoredValueAccountRow:
    """The customer's account row, locked until commit (created on first use)."""
    query = (
        select(StoredValueAccountRow)
        .where(StoredValueAccountRow.tenant_id == tenant_id, StoredValueAccountRow.customer_id == customer_id)
        .with_for_update()
    )
    row = session.scalar(query)
    if row is not None:
        return row
    try:
        # A savepoint: losing the race for the first row must not undo the caller's transaction.
        with session.begin_nested():
            session.add(
                StoredValueAccountRow(
                    tenant_id=tenant_id, customer_id=customer_id, balance_fen=0, points=0, recharges=0, created_at=now
                )
            )
    except IntegrityError:
        pass
    return session.scalar(query.execution_options(populate_existing=True))


def post(uow: UnitOfWork, tenant_id: str, posting: Posting, *, by: str, now: datetime) -> LedgerEntryRow:
    """Inside the caller's transaction: lock, check the key, apply, write the entry, publish."""
    session = uow.session
    account = _account(session, tenant_id, posting.customer_id, now)
    if posting.idempotency_key:
        earlier = session.scalar(
            select(LedgerEntryRow).where(
                LedgerEntryRow.tenant_id == tenant_id,
                LedgerEntryRow.kind == posting.kind,
                LedgerEntryRow.idempotency_key == posting.idempotency_key,
            )
        )
        if earlier is not None:
            if (earlier.customer_id, earlier.amount) != (posting.customer_id, posting.amount):
                raise Conflict(ErrorCode.IDEMPOTENCY_KEY_REUSED)
            return earlier
    if posting.kind == rules.BALANCE:
        account.balance_fen = after = rules.apply(account.balance_fen, posting.amount)
    else:
        account.points = after = rules.apply(account.points, posting.amount)
    entry = LedgerEntryRow(
        tenant_id=tenant_id,
        customer_id=posting.customer_id,
        kind=posting.kind,
        amount=posting.amount,
        balance_after=after,
        reason=posting.reason,
        note=posting.note,
        reference=posting.reference,
        created_by=by,
        idempotency_key=posting.idempotency_key or None,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    uow.publish(events.stored_value_entry_posted(entry, after), tenant_id)
    return entry


@dataclass(frozen=True)
class LedgerCommand:
    customer_id: str
    kind: str
    amount: int  # positive
    reason: str
    note: str = ""
    reference: str = ""
    idempotency_key: str = ""


def _checked(cmd: LedgerCommand, allowed: tuple[str, ...], sign: int) -> Posting:
    kind = rules.check_kind(cmd.kind)
    rules.check_amount(cmd.amount)
    reason = cmd.reason or allowed[0]
    if reason not in allowed:
        raise rules.invalid(reason="validation.invalid_choice")
    if len(cmd.reference) > 100:
        raise rules.invalid(reference="validation.too_long")
    if len(cmd.idempotency_key) > 120:
        raise rules.invalid(idempotency_key="validation.too_long")
    return Posting(
        cmd.customer_id,
        kind,
        sign * cmd.amount,
        reason,
        rules.check_note(cmd.note),
        cmd.reference,
        cmd.idempotency_key or None,
    )


def credit(uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, cmd: LedgerCommand, *, now: datetime):
    by = require_money_role(actor)
    posting = _checked(cmd, rules.MANUAL_CREDIT_REASONS, +1)
    require_customer(customers, actor, cmd.customer_id)
    with uow:
        entry = post(uow, actor.tenant_id, posting, by=by, now=now)
        uow.commit()
        return entry


def debit(uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, cmd: LedgerCommand, *, now: datetime):
    by = require_money_role(actor)
    posting = _checked(cmd, rules.MANUAL_DEBIT_REASONS, -1)
    require_customer(customers, actor, cmd.customer_id)
    with uow:
        entry = post(uow, actor.tenant_id, posting, by=by, now=now)
        uow.commit()
        return entry


@dataclass(frozen=True)
class ReverseCommand:
    customer_id: str
    original_key: str
    idempotency_key: str
    note: str = ""


def reverse(uow: UnitOfWork, actor: Actor, cmd: ReverseCommand, *, now: datetime) -> LedgerEntryRow | None:
    """B6: the balance entry written under `original_key` undone by an entry of the opposite
    amount (reason `reversal`), once per idempotency key; None when nothing was written under
    the key, so there is nothing to undo. Services only: orders gives back a stored-value payment
    whose order was never marked paid."""
    if not actor.is_service:
        raise PermissionDenied(ErrorCode.COUPON_SERVICE_ONLY)
    fields = {}
    for name in ("customer_id", "original_key", "idempotency_key"):
        value = getattr(cmd, name)
        if not value:
            fields[name] = "validation.required"
        elif len(value) > 120:
            fields[name] = "validation.too_long"
    if fields:
        raise rules.invalid(**fields)
    note = rules.check_note(cmd.note)
    tenant_id = actor.tenant_id
    with uow:
        session = uow.session
        # The account's lock first, as every posting takes it: a debit under the key still being
        # written commits before this looks for it.
        session.scalar(
            select(StoredValueAccountRow.customer_id)
            .where(StoredValueAccountRow.tenant_id == tenant_id, StoredValueAccountRow.customer_id == cmd.customer_id)
            .with_for_update()
        )
        original = session.scalar(
            select(LedgerEntryRow).where(
                LedgerEntryRow.tenant_id == tenant_id,
                LedgerEntryRow.kind == rules.BALANCE,
                LedgerEntryRow.idempotency_key == cmd.original_key,
            )
        )
        if original is None:
            return None
        if original.customer_id != cmd.customer_id:
            raise Conflict(ErrorCode.IDEMPOTENCY_KEY_REUSED)
        posting = Posting(
            cmd.customer_id,
            rules.BALANCE,
            -original.amount,
            rules.REVERSAL,
            note,
            original.reference,
            cmd.idempotency_key,
        )
        entry = post(uow, tenant_id, posting, by="", now=now)
        uow.commit()
        return entry


def bulk_top_up(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    lines: list[tuple[str, int]],
    *,
    note: str,
    idempotency_key: str,
    now: datetime,
) -> list[LedgerEntryRow]:
    """C11: one transaction for all lines: either every customer is topped up or nobody."""
    by = require_money_role(actor)
    if not lines:
        raise rules.invalid(lines="validation.required")
    if len(lines) > 1000:
        raise rules.invalid(lines="validation.too_long")
    note = rules.check_note(note)
    seen = set()
    for i, (customer_id, amount) in enumerate(lines):
        if not customer_id or customer_id in seen:
            raise rules.invalid(**{f"lines.{i}.customer_id": "validation.invalid"})
        seen.add(customer_id)
        rules.check_amount(amount, f"lines.{i}.amount")
    for customer_id, _ in lines:
        require_customer(customers, actor, customer_id)
    with uow:
        entries = [
            post(
                uow,
                actor.tenant_id,
                Posting(
                    customer_id,
                    rules.BALANCE,
                    amount,
                    rules.TOP_UP,
                    note,
                    "",
                    f"bulk:{idempotency_key}:{customer_id}" if idempotency_key else None,
                ),
                by=by,
                now=now,
            )
            for customer_id, amount in lines
        ]
        uow.commit()
        return entries


@dataclass(frozen=True)
class AccountView:
    customer_id: str
    balance_fen: int
    points: int
    recharges: int


def get_account(uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, customer_id: str) -> AccountView:
    if not actor.is_service:
        require_staff(actor)
    require_customer(customers, actor, customer_id)
    with uow:
        row = uow.session.scalar(
            select(StoredValueAccountRow).where(
                StoredValueAccountRow.tenant_id == actor.tenant_id, StoredValueAccountRow.customer_id == customer_id
            )
        )
        if row is None:
            return AccountView(customer_id, 0, 0, 0)
        return AccountView(customer_id, row.balance_fen, row.points, row.recharges)


def list_entries(
    uow: UnitOfWork, actor: Actor, customers: CustomerDirectory, customer_id: str, kind: str, page: Page
) -> tuple[list[LedgerEntryRow], int]:
    if not actor.is_service:
        require_staff(actor)
    kind = rules.check_kind(kind)
    require_customer(customers, actor, customer_id)
    with uow:
        where = (
            LedgerEntryRow.tenant_id == actor.tenant_id,
            LedgerEntryRow.customer_id == customer_id,
            LedgerEntryRow.kind == kind,
        )
        total = uow.session.scalar(select(func.count()).select_from(LedgerEntryRow).where(*where))
        rows = uow.session.scalars(
            select(LedgerEntryRow)
            .where(*where)
            # created_at ties (one recharge writes two entries at one instant): the larger
            # balance_after is the later entry of a credit pair; id keeps the order stable.
            .order_by(LedgerEntryRow.created_at.desc(), LedgerEntryRow.balance_after.desc(), LedgerEntryRow.id)
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        # Detached as loaded: the read-only transaction's rollback must not expire them.
        uow.session.expunge_all()
        return list(rows), int(total)


def gift_coupons(
    uow: UnitOfWork,
    actor: Actor,
    customers: CustomerDirectory,
    stock: ClaimStock,
    customer_ids: list[str],
    template_ids: list[str],
    *,
    now: datetime,
) -> int:
    """C11: one coupon of each chosen template to each chosen customer, issued at once with the
    limits of a staff send. Staff choose the templates in front of them, so a coupon that cannot
    be issued (sold out, a customer at the per-person limit, expired) refuses the whole
    operation with the reason and nothing is issued."""
    require_staff(actor)
    if not actor.has_role("owner", "store_manager", "salesperson"):
        raise PermissionDenied(ErrorCode.STORED_VALUE_DENIED)
    if not customer_ids:
        raise rules.invalid(customer_ids="validation.required")
    if not template_ids or any(not t for t in template_ids):
        raise rules.invalid(template_ids="validation.required")
    unique = list(dict.fromkeys(customer_ids))
    templates = list(dict.fromkeys(template_ids))
    if len(unique) * len(templates) > coupons_issue.MAX_RECIPIENTS:
        raise rules.invalid(customer_ids="validation.invalid")
    phones = {}
    for customer_id in unique:
        require_customer(customers, actor, customer_id)
        phones[customer_id] = "" if actor.is_service else customers.get(customer_id).phone
    with uow:
        for customer_id in unique:
            for template_id in templates:
                outcome = coupons_issue.issue_to_holder(
                    uow,
                    stock,
                    actor.tenant_id,
                    template_id,
                    customer_id,
                    phones[customer_id],
                    channel=coupons_issue.MEMBER_GIFT,
                    now=now,
                )
                if outcome.refused:
                    raise coupons_issue.refusal(outcome, customer_id)
        uow.commit()
    return len(unique)
