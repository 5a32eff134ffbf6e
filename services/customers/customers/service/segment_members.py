"""What a segment (C4) selects: its count and one page of members for a person, or every member
as a stream for campaigns run by other services.

A filter compiles to ONE SQL statement over customers (SQLAlchemy Core): profile conditions on
the row, tags and products as EXISTS, the period's count and amount as an aggregate over the
read model's days (`customer_purchase_days`, index-only), joined by customer id; coupon
behaviour as EXISTS / a correlated count over `customer_coupons` (one customer's coupons, on a
covering index). The caller's scope (customers.domain.scope: own customers, their stores', or
all) is one more condition of the same statement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, not_, or_, select, text
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import PermissionDenied
from crmkit.paging import Page
from customers.domain import fields as kinds
from customers.domain.scope import Scope, scope_for
from customers.domain.segments import (
    CONTAINS,
    EQ,
    GTE,
    SegmentFilter,
    check_filter,
)
from customers.errors import ErrorCode
from customers.models import (
    CustomerCouponRow,
    CustomerRow,
    CustomerTagRow,
    PurchaseDayRow,
    PurchaseLineRow,
    SegmentRow,
)
from customers.service.fields import load_definitions
from customers.service.scoping import visible
from customers.service.segments import segment_not_found, stored_filter

STREAM_BATCH = 1000


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    phone: str
    owner_staff_id: str | None
    level: str
    region: str
    last_order_at: datetime | None
    store_id: str | None = None


@dataclass(frozen=True)
class MemberPage:
    members: list[Member]
    page: int
    page_size: int
    total: int


# --- compiling a filter ------------------------------------------------------------------------

MEMBER_COLUMNS = (
    CustomerRow.id,
    CustomerRow.name,
    CustomerRow.phone,
    CustomerRow.owner_staff_id,
    CustomerRow.level,
    CustomerRow.region,
    CustomerRow.last_order_at,
    CustomerRow.store_id,
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _field_clause(condition, kind: str):
    value = CustomerRow.fields[condition.key]
    if kind == kinds.NUMBER:
        number = value.as_float()
        if condition.op == EQ:
            return number.in_([float(v) for v in condition.values])
        bound = float(condition.values[0])
        return number >= bound if condition.op == GTE else number <= bound
    text = value.as_string()
    if condition.op == EQ:
        return text.in_(condition.values)
    if condition.op == CONTAINS:
        return text.like(f"%{_escape_like(condition.values[0])}%", escape="\\")
    # ISO dates (YYYY-MM-DD) order as text.
    return text >= condition.values[0] if condition.op == GTE else text <= condition.values[0]


def _day_window(stmt, column, f: SegmentFilter, as_of: datetime):
    first, last = f.window(as_of)
    if first is not None:
        stmt = stmt.where(column >= first)
    if last is not None:
        stmt = stmt.where(column <= last)
    return stmt


def _purchase_bounds(f: SegmentFilter):
    count = func.sum(PurchaseDayRow.order_count)
    amount = func.sum(PurchaseDayRow.amount_fen)
    bounds = []
    if f.min_order_count is not None:
        bounds.append(count >= f.min_order_count)
    if f.max_order_count is not None:
        bounds.append(count <= f.max_order_count)
    if f.min_amount_fen is not None:
        bounds.append(amount >= f.min_amount_fen)
    if f.max_amount_fen is not None:
        bounds.append(amount <= f.max_amount_fen)
    return and_(*bounds)


def _coupon_clauses(f: SegmentFilter, tenant_id: str, as_of: datetime) -> list:
    """The coupon-behaviour conditions, each correlated to the outer customer row."""
    c, k = CustomerRow, CustomerCouponRow

    def coupons(*conditions):
        templates = [k.template_id.in_(f.coupon_template_ids)] if f.coupon_template_ids else []
        return (k.tenant_id == tenant_id, k.customer_id == c.id, *templates, *conditions)

    def redeemed_since(since: datetime):
        return exists().where(*coupons(k.redeemed_at >= since, k.redeemed_at <= as_of))

    clauses = []
    if f.coupons_unused_min is not None:
        # Unused as of `as_of`: issued by then (rows known only from an expiry reminder have no
        # issue time: issued), not redeemed by then, still valid then. A row whose issue event
        # has not arrived yet has no valid_until and does not count until it does.
        unused = coupons(
            or_(k.issued_at.is_(None), k.issued_at <= as_of),
            or_(k.redeemed_at.is_(None), k.redeemed_at > as_of),
            k.valid_until > as_of,
        )
        if f.coupons_unused_min == 1:
            clauses.append(exists().where(*unused))
        else:
            held = select(func.count()).where(*unused).correlate(c).scalar_subquery()
            clauses.append(held >= f.coupons_unused_min)
    since = f.coupon_redeemed_since(as_of)
    if since is not None:
        clauses.append(redeemed_since(since))
    since = f.no_coupon_redeemed_since(as_of)
    if since is not None:
        clauses.append(not_(redeemed_since(since)))
    return clauses


def compile_filter(
    f: SegmentFilter,
    tenant_id: str,
    scope: Scope | None,
    as_of: datetime,
    field_kinds: Mapping[str, str] | None = None,
    columns=MEMBER_COLUMNS,
) -> Select:
    """The members of `f` as one SELECT; `scope` (None: the whole tenant) limits it to the
    customers the caller may see (customers.domain.scope). `field_kinds` (key -> kind of the
    tenant's fields) decides how custom fields compare."""
    c = CustomerRow
    stmt = select(*columns).where(c.tenant_id == tenant_id)
    if scope is not None and not scope.sees_all:
        stmt = stmt.where(visible(scope))
    if f.levels:
        stmt = stmt.where(c.level.in_(f.levels))
    if f.region_prefixes:
        stmt = stmt.where(or_(*(c.region.like(f"{_escape_like(p)}%", escape="\\") for p in f.region_prefixes)))
    for condition in f.fields:
        stmt = stmt.where(_field_clause(condition, (field_kinds or {})[condition.key]))
    if f.tag_ids:
        t = CustomerTagRow
        stmt = stmt.where(exists().where(t.tenant_id == tenant_id, t.customer_id == c.id, t.tag_id.in_(f.tag_ids)))
    if f.last_purchase_before is not None:
        stmt = stmt.where(c.last_order_at < f.last_purchase_before)
    if f.last_purchase_after is not None:
        stmt = stmt.where(c.last_order_at >= f.last_purchase_after)
    cutoff = f.sleeping_cutoff(as_of)
    if cutoff is not None:
        stmt = stmt.where(or_(c.last_order_at < cutoff, and_(c.last_order_at.is_(None), c.created_at < cutoff)))
    if f.counts_purchases:
        d = PurchaseDayRow
        buyers = _day_window(select(d.customer_id).where(d.tenant_id == tenant_id), d.day, f, as_of).group_by(
            d.customer_id
        )
        if f.zero_buyer_matches():
            # Customers without purchases in the period pass (count 0, amount 0): exclude only
            # those whose purchases break a bound.
            stmt = stmt.where(c.id.not_in(buyers.having(not_(_purchase_bounds(f)))))
        else:
            stmt = stmt.where(c.id.in_(buyers.having(_purchase_bounds(f))))
    if f.product_ids or f.brands:
        p = PurchaseLineRow
        bought = [p.product_id.in_(f.product_ids)] if f.product_ids else []
        bought += [p.brand.in_(f.brands)] if f.brands else []
        sub = _day_window(
            select(p.customer_id).where(p.tenant_id == tenant_id, p.customer_id == c.id, or_(*bought)),
            p.day,
            f,
            as_of,
        )
        stmt = stmt.where(sub.exists())
    for clause in _coupon_clauses(f, tenant_id, as_of):
        stmt = stmt.where(clause)
    return stmt


def _with_kinds(session: Session, tenant_id: str, f: SegmentFilter) -> tuple[SegmentFilter, dict[str, str]]:
    """Re-check a (possibly stored) filter against the tenant's fields as they are now: a field
    deleted or retyped since the segment was saved is named, not silently ignored."""
    definitions = load_definitions(session, tenant_id)
    return check_filter(f, definitions), {d.key: d.kind for d in definitions}


def _resolve(
    session: Session, actor: Actor, segment_id: str, f: SegmentFilter | None
) -> tuple[SegmentFilter, dict[str, str]]:
    if segment_id:
        row = session.scalar(
            select(SegmentRow).where(SegmentRow.tenant_id == actor.tenant_id, SegmentRow.id == segment_id)
        )
        if row is None:
            raise segment_not_found(segment_id)
        f = stored_filter(row)
    return _with_kinds(session, actor.tenant_id, f or SegmentFilter())


def _member(row) -> Member:
    return Member(
        id=row.id,
        name=row.name,
        phone=row.phone,
        owner_staff_id=row.owner_staff_id,
        level=row.level or "",
        region=row.region or "",
        last_order_at=row.last_order_at,
        store_id=row.store_id,
    )


def evaluate_segment(
    uow: UnitOfWork,
    actor: Actor,
    page: Page,
    *,
    segment_id: str = "",
    filter: SegmentFilter | None = None,
    as_of: datetime,
) -> MemberPage:
    """The count and one page of members (newest customers first) of a saved segment or of an
    unsaved filter, over the customers the caller may see, as of `as_of`.

    One statement: the filter selects ids only (served by indexes alone when the conditions are
    on buying behaviour), counts them with a window and keeps one page; only that page's rows
    are then read from the customers table (a "deferred join")."""
    scope = scope_for(actor)
    c = CustomerRow
    with uow:
        session = uow.session
        if session.get_bind().dialect.name == "postgresql":
            # The period aggregate hashes one row per buyer; the default 4 MB spills to disk
            # from ~40,000 buyers on. For this transaction only.
            session.execute(text("SET LOCAL work_mem = '64MB'"))
        f, field_kinds = _resolve(session, actor, segment_id, filter)
        matching = compile_filter(
            f, actor.tenant_id, scope, as_of, field_kinds, columns=(c.id, c.created_at)
        ).subquery()
        newest_first = (matching.c.created_at.desc(), matching.c.id.desc())
        one_page = (
            select(matching.c.id, matching.c.created_at, func.count().over().label("total"))
            .order_by(*newest_first)
            .offset(page.offset)
            .limit(page.page_size)
            .subquery()
        )
        rows = session.execute(
            select(*MEMBER_COLUMNS, one_page.c.total)
            .join(one_page, one_page.c.id == c.id)
            .where(c.tenant_id == actor.tenant_id)
            .order_by(one_page.c.created_at.desc(), one_page.c.id.desc())
        ).all()
        if rows:
            total = rows[0].total
        elif page.offset == 0:
            total = 0
        else:
            # Past the last page the window has no row to carry the count.
            total = session.scalar(select(func.count()).select_from(matching))
        return MemberPage([_member(r) for r in rows], page.page, page.page_size, total)


def stream_segment_members(
    uow: UnitOfWork, actor: Actor, *, segment_id: str = "", filter: SegmentFilter | None = None, as_of: datetime
) -> Iterator[Member]:
    """Every member, by customer id, for campaigns run by other services (service token only:
    a person pages through evaluate_segment). Read in keyset batches, each its own short
    transaction, so a long campaign never holds one open."""
    if not actor.is_service:
        raise PermissionDenied(ErrorCode.SEGMENT_STREAM_DENIED)
    with uow:
        f, field_kinds = _resolve(uow.session, actor, segment_id, filter)
    stmt = compile_filter(f, actor.tenant_id, None, as_of, field_kinds)
    after = ""
    while True:
        with uow:
            rows = uow.session.execute(
                stmt.where(CustomerRow.id > after).order_by(CustomerRow.id).limit(STREAM_BATCH)
            ).all()
        for row in rows:
            yield _member(row)
        if len(rows) < STREAM_BATCH:
            return
        after = rows[-1].id
