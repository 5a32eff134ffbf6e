"""Issuing electronic coupons (E2): one template's coupons to holders within its stock and
per-person limit (claim counters in Redis, the database the record), for staff sends here, the
public claim link (coupons_claims.py), recharge gifts and member gifts; every holder gets a
`coupon_issued` event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from coupons import events
from coupons.domain import codes
from coupons.domain.redemption import ACTIVE
from coupons.domain.templates import validity_for
from coupons.errors import ErrorCode
from coupons.models_coupons import CouponClaimRow, CouponRow, CouponTemplateRow
from coupons.service.coupons_customers import CustomerDirectory
from coupons.service.coupons_stock import PER_PERSON, SOLD_OUT, ClaimStock
from coupons.service.templates import load_template, require_staff, template_of
from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unavailable

SEND = "send"
CLAIM = "claim"
RECHARGE_GIFT = "recharge"  # E7: a recharge rule's gift
MEMBER_GIFT = "gift"  # C11: the member operation "give a coupon"
# Channels that draw on a template's electronic stock (printed batches have their own).
ELECTRONIC = (SEND, CLAIM, RECHARGE_GIFT, MEMBER_GIFT)
SENDERS = ("owner", "store_manager", "salesperson")
MAX_RECIPIENTS = 500


@dataclass(frozen=True)
class CouponView:
    id: str
    code: str
    template_id: str
    customer_id: str
    phone: str
    channel: str
    status: str
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime
    redeemed_at: datetime | None
    order_id: str


def coupon_view(row: CouponRow, now: datetime | None = None) -> CouponView:
    status = row.status
    if status == ACTIVE and now is not None and now >= row.valid_until:
        status = "expired"
    return CouponView(
        row.id,
        row.code,
        row.template_id,
        row.customer_id,
        row.phone,
        row.channel,
        status,
        row.valid_from,
        row.valid_until,
        row.created_at,
        row.redeemed_at,
        row.order_id or "",
    )


# Counters are reloaded from the database only while few claims of the template wait for the
# writer: their ids go into the count statements (ADR 0021).
MAX_QUEUED_AT_RELOAD = 10_000


def _queued(stock: ClaimStock, template_id: str) -> list:
    """Claims of the template still in the claims stream, read before the database: each one is
    then counted once, from the stream, whether or not the writer commits it in between (the
    count statements leave their rows out)."""
    queued = stock.claims.unwritten(template_id)
    if len(queued) > MAX_QUEUED_AT_RELOAD:
        raise Unavailable(ErrorCode.COUPON_CLAIMS_BUSY, params={"retry_after": "5"})
    return queued


def _remaining(session, template: CouponTemplateRow, stock: ClaimStock):
    def read() -> int:
        if not template.total_quantity:
            return -1
        queued = _queued(stock, template.id)
        # Electronic coupons only: printed batches (E3) have their own quantities.
        where = [CouponRow.template_id == template.id, CouponRow.channel.in_(ELECTRONIC)]
        if queued:
            where.append(CouponRow.id.not_in([c.id for c in queued]))
        issued = session.scalar(select(func.count()).select_from(CouponRow).where(*where)) + len(queued)
        return max(0, template.total_quantity - issued)

    return read


def _held(session, stock: ClaimStock, template_id: str, holder: str):
    def read() -> int:
        queued = [c for c in _queued(stock, template_id) if c.holder == holder]
        where = [CouponClaimRow.template_id == template_id, CouponClaimRow.holder == holder]
        if queued:
            where.append(CouponClaimRow.coupon_id.not_in([c.id for c in queued]))
        return session.scalar(select(func.count()).select_from(CouponClaimRow).where(*where)) + len(queued)

    return read


def _all_held(session, stock: ClaimStock, template_id: str):
    def read():
        queued = _queued(stock, template_id)
        where = [CouponClaimRow.template_id == template_id]
        if queued:
            where.append(CouponClaimRow.coupon_id.not_in([c.id for c in queued]))
        counts = dict(
            session.execute(
                select(CouponClaimRow.holder, func.count()).where(*where).group_by(CouponClaimRow.holder)
            ).all()
        )
        for c in queued:
            counts[c.holder] = counts.get(c.holder, 0) + 1
        return list(counts.items())

    return read


# Why reservations are tied to the session: the Redis counters are taken before the rows are
# written, inside the caller's transaction; if that transaction ends without a commit (a later
# step of a recharge fails), every counter it took must be given back.
_RESERVED = "coupon_reservations"
_ROLLED_BACK = "coupon_reservations_rolled_back"


def _track(session, stock: ClaimStock, template_id: str, holder: str) -> None:
    if _RESERVED not in session.info:
        session.info[_RESERVED] = []
        session.info[_ROLLED_BACK] = False

        # SQLAlchemy fires after_commit for savepoints too, and after_rollback before the
        # transaction's end without saying which one: the end of the outermost transaction
        # decides, with the rollback flag that a savepoint's own end clears.
        def rolled_back(sess):
            sess.info[_ROLLED_BACK] = True

        def ended(sess, transaction):
            if transaction.parent is not None:
                sess.info[_ROLLED_BACK] = False
                return
            taken, sess.info[_RESERVED] = sess.info.get(_RESERVED, []), []
            if sess.info[_ROLLED_BACK]:
                for s, t, h in taken:
                    s.release(t, h)
            sess.info[_ROLLED_BACK] = False

        event.listen(session, "after_rollback", rolled_back)
        event.listen(session, "after_transaction_end", ended)
    session.info[_RESERVED].append((stock, template_id, holder))


def _untrack(session, taken: list[tuple[str, str]], stock: ClaimStock) -> None:
    for template_id, holder in taken:
        stock.release(template_id, holder)
        session.info[_RESERVED].remove((stock, template_id, holder))


@dataclass(frozen=True)
class IssueOutcome:
    """What `issue_to_holder` did: the coupons written, or why none were (all or none)."""

    template_id: str
    coupons: list[CouponView]
    refused: str = ""  # "" | TEMPLATE_MISSING | TEMPLATE_EXPIRED | SOLD_OUT_REASON | PER_PERSON_REASON


TEMPLATE_MISSING = "template_not_found"
TEMPLATE_EXPIRED = "template_expired"
SOLD_OUT_REASON = "sold_out"
PER_PERSON_REASON = "per_person_limit"


def issue_to_holder(
    uow: UnitOfWork,
    stock: ClaimStock,
    tenant_id: str,
    template_id: str,
    customer_id: str,
    phone: str,
    *,
    count: int = 1,
    channel: str,
    now: datetime,
    template: CouponTemplateRow | None = None,
) -> IssueOutcome:
    """Issue `count` coupons of one template to one holder (a customer, or a phone number when
    there is no customer) inside the caller's unit of work, with the limits of a send: the
    template's validity, its stock and its per-person limit. All or none: on a refusal nothing is
    written and the outcome names the reason; the caller decides whether that refuses its whole
    operation. Each coupon publishes `coupon_issued` in the caller's transaction."""
    session = uow.session
    if template is None or template.id != template_id:
        template = session.get(CouponTemplateRow, template_id) if template_id else None
    if template is None or template.tenant_id != tenant_id:
        return IssueOutcome(template_id, [], TEMPLATE_MISSING)
    if template.valid_until is not None and now >= template.valid_until:
        return IssueOutcome(template_id, [], TEMPLATE_EXPIRED)
    holder = f"c:{customer_id}" if customer_id else f"p:{phone}"
    taken: list[tuple[str, str]] = []
    slots: list[int] = []
    for _ in range(count):
        slot = stock.reserve(
            template.id,
            holder,
            template.per_person_limit,
            remaining=_remaining(session, template, stock),
            held=_held(session, stock, template.id, holder),
            all_held=_all_held(session, stock, template.id),
        )
        if slot in (SOLD_OUT, PER_PERSON):
            for template_id_, holder_ in taken:
                stock.release(template_id_, holder_)
            return IssueOutcome(template.id, [], SOLD_OUT_REASON if slot == SOLD_OUT else PER_PERSON_REASON)
        taken.append((template.id, holder))
        slots.append(slot)
    for t, h in taken:
        _track(session, stock, t, h)
    valid_from, valid_until = validity_for(template_of(template), now)
    savepoint = session.begin_nested()
    try:
        rows = []
        for slot in slots:
            row = CouponRow(
                tenant_id=template.tenant_id,
                template_id=template.id,
                code=codes.new_code(),
                customer_id=customer_id,
                phone=phone,
                holder=holder,
                channel=channel,
                status=ACTIVE,
                valid_from=valid_from,
                valid_until=valid_until,
                discount_fen=0,
                created_at=now,
            )
            session.add(row)
            session.flush()
            session.add(
                CouponClaimRow(
                    tenant_id=template.tenant_id,
                    template_id=template.id,
                    holder=holder,
                    seq=slot,
                    coupon_id=row.id,
                    created_at=now,
                )
            )
            rows.append(row)
        session.flush()
        savepoint.commit()
    except IntegrityError:
        # A claim slot already taken (Redis counters behind the record): the database wins.
        savepoint.rollback()
        _untrack(session, taken, stock)
        return IssueOutcome(template.id, [], PER_PERSON_REASON)
    for row in rows:
        issued = events.coupon_issued(
            row.id, row.code, template.id, template.name, customer_id, phone, channel, valid_until
        )
        uow.publish(issued, template.tenant_id)
    return IssueOutcome(template.id, [coupon_view(r) for r in rows])


def refusal(outcome: IssueOutcome, customer_id: str = "") -> Exception:
    """The error a staff operation answers with when a coupon could not be issued."""
    if outcome.refused == TEMPLATE_MISSING:
        return NotFound(ErrorCode.COUPON_TEMPLATE_NOT_FOUND)
    if outcome.refused == TEMPLATE_EXPIRED:
        return Conflict(ErrorCode.COUPON_TEMPLATE_EXPIRED)
    if outcome.refused == SOLD_OUT_REASON:
        return Conflict(ErrorCode.COUPON_SOLD_OUT)
    return Conflict(ErrorCode.COUPON_PER_PERSON_LIMIT, params={"customer_id": customer_id})


def _issue(
    uow_factory,
    stock: ClaimStock,
    template: CouponTemplateRow,
    recipients: list[tuple[str, str]],
    channel: str,
    *,
    now: datetime,
    record: Callable[[UnitOfWork, list[CouponView]], None] | None = None,
) -> list[CouponView]:
    """One coupon per (customer_id, phone) in one transaction; any refusal refuses them all and
    gives back every reservation (nothing half-issued). `record(uow, coupons)`, when given,
    writes the caller's own bookkeeping in that same transaction (segment sends)."""
    with uow_factory() as uow:
        views: list[CouponView] = []
        for customer_id, phone in recipients:
            # The template as the caller loaded it: templates do not change once created.
            outcome = issue_to_holder(
                uow,
                stock,
                template.tenant_id,
                template.id,
                customer_id,
                phone,
                channel=channel,
                now=now,
                template=template,
            )
            if outcome.refused == PER_PERSON_REASON:
                raise Conflict(
                    ErrorCode.COUPON_PER_PERSON_LIMIT,
                    params={"limit": str(template.per_person_limit), "customer_id": customer_id},
                )
            if outcome.refused:
                raise refusal(outcome, customer_id)
            views += outcome.coupons
        if record is not None:
            record(uow, views)
        uow.commit()
    return views


def send_coupons(
    uow_factory,
    stock: ClaimStock,
    customers: CustomerDirectory,
    actor: Actor,
    template_id: str,
    customer_ids: list[str],
    *,
    now: datetime,
) -> list[CouponView]:
    """Staff hand one coupon to each named customer they may see (the same limits as a claim)."""
    require_staff(actor)
    if not actor.has_role(*SENDERS):
        raise PermissionDenied(ErrorCode.COUPON_SENDERS_ONLY)
    ids = list(dict.fromkeys(c.strip() for c in customer_ids if c.strip()))
    if not ids:
        raise InvalidInput(ErrorCode.COUPON_SEND_INVALID, fields={"customer_ids": "validation.required"})
    if len(ids) > MAX_RECIPIENTS or any(len(c) > 36 for c in ids):
        raise InvalidInput(ErrorCode.COUPON_SEND_INVALID, fields={"customer_ids": "validation.invalid"})
    with uow_factory() as uow:
        template = load_template(uow.session, actor.tenant_id, template_id)
        uow.session.expunge(template)
    # Before any reservation: an unknown (or another tenant's) customer refuses the whole send.
    recipients = [(c.id, c.phone) for c in (customers.get(customer_id) for customer_id in ids)]
    return _issue(uow_factory, stock, template, recipients, SEND, now=now)
