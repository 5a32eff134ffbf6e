"""The lead pool (线索池, C7): entry and spreadsheet import with dedupe on phone / WeChat
unionID, assign, claim, release, and conversion into a customer (or a duplicate, C9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.paging import Page
from customers.domain import activity as rules
from customers.domain.registration import RegisterCustomer
from customers.errors import Codes, MessageKeys
from customers.leads_sheet import SheetProblem, read_leads
from customers.models import (
    CustomerRow,
    CustomerTagRow,
    DuplicateRow,
    FollowupRow,
    FollowupStateRow,
    LeadRow,
    TagRow,
)
from customers.service.activity_views import DuplicateView, LeadView, Listing, duplicate_view, lead_view
from customers.service.registration import add_customer
from customers.staff_directory import StaffDirectory, require_seller

LEAD_ASSIGNED = "lead_assigned"
LEAD_RELEASED = "lead_released"
LEAD_CONVERTED = "lead_converted"
DUPLICATE_COLLISION = "duplicate_collision"


def _not_found(lead_id: str) -> NotFound:
    return NotFound(Codes.LEAD_NOT_FOUND, MessageKeys.LEAD_NOT_FOUND, params={"id": lead_id})


def visible_lead(session: Session, actor: Actor, lead_id: str, *, lock: bool = False) -> LeadRow:
    """Pool leads are visible to every selling staff member; an assigned lead to its
    salesperson and the managers. Anything else (another tenant's too) looks missing."""
    rules.selling_staff(actor)
    stmt = select(LeadRow).where(LeadRow.tenant_id == actor.tenant_id, LeadRow.id == lead_id)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise _not_found(lead_id)
    if row.staff_id is not None and row.staff_id != actor.staff_id and not rules.is_manager(actor):
        raise _not_found(lead_id)
    return row


def _open(row: LeadRow) -> LeadRow:
    if row.status != rules.OPEN:
        raise Conflict(Codes.LEAD_CLOSED, MessageKeys.LEAD_CLOSED)
    return row


def open_lead_for_followup(session: Session, actor: Actor, lead_id: str) -> LeadRow:
    lead = _open(visible_lead(session, actor, lead_id, lock=True))
    if not rules.may_follow_lead(actor, lead.staff_id):
        raise PermissionDenied(Codes.LEAD_FOLLOW_DENIED, MessageKeys.PERMISSION_DENIED)
    return lead


def _same_person(session: Session, tenant_id: str, lead: rules.LeadInput) -> list[LeadRow]:
    """Existing leads with this phone or this unionID (0, 1 or 2 distinct rows)."""
    keys = []
    if lead.phone:
        keys.append(LeadRow.phone == lead.phone)
    if lead.union_id:
        keys.append(LeadRow.union_id == lead.union_id)
    return list(session.scalars(select(LeadRow).where(LeadRow.tenant_id == tenant_id, or_(*keys))).all())


def _join(row: LeadRow, lead: rules.LeadInput) -> None:
    """Another sighting of a known person fills what the lead lacked; it never overwrites
    what the salesperson already has."""
    row.phone = row.phone or lead.phone or None
    row.union_id = row.union_id or lead.union_id or None
    row.company = row.company or lead.company
    row.note = row.note or lead.note
    row.tags = list(dict.fromkeys([*(row.tags or []), *lead.tags]))[: rules.TAGS_MAX]


def _add_or_join(
    session: Session, actor: Actor, lead: rules.LeadInput, *, source: str, staff_id: str | None, now: datetime
) -> tuple[LeadRow, bool]:
    """(lead, joined an existing one). LeadTaken when phone and unionID name two leads."""
    existing = _same_person(session, actor.tenant_id, lead)
    if len(existing) > 1:
        raise _LeadTaken()
    if existing:
        _join(existing[0], lead)
        session.flush()
        return existing[0], True
    row = LeadRow(
        tenant_id=actor.tenant_id,
        name=lead.name,
        phone=lead.phone or None,
        union_id=lead.union_id or None,
        company=lead.company,
        note=lead.note,
        tags=list(lead.tags),
        source=source,
        staff_id=staff_id,
        status=rules.OPEN,
        created_by_staff_id=actor.staff_id or actor.subject_id,
        assigned_at=now if staff_id else None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, False


class _LeadTaken(Exception):
    pass


def _lead_taken() -> InvalidInput:
    return InvalidInput(Codes.LEAD_TAKEN, MessageKeys.INVALID_INPUT, fields={"union_id": "validation.another_lead"})


def _publish_assigned(uow: UnitOfWork, actor: Actor, row: LeadRow) -> None:
    uow.publish(
        LEAD_ASSIGNED,
        actor.tenant_id,
        {
            "lead_id": row.id,
            "name": row.name,
            "staff_id": row.staff_id,
            "assigned_by_staff_id": actor.staff_id or "",
        },
    )


@dataclass(frozen=True)
class LeadResult:
    lead: LeadView
    merged: bool


def create_lead(uow: UnitOfWork, actor: Actor, lead: rules.LeadInput, *, now: datetime) -> LeadResult:
    """Manual entry. A salesperson's new lead is theirs (they met the person); a manager's goes
    to the pool. A person already known joins the existing lead instead (one lead per person)."""
    me = rules.selling_staff(actor)
    lead = rules.check_lead(lead)
    staff_id = None if rules.is_manager(actor) else me
    for attempt in (1, 2):
        with uow:
            try:
                row, merged = _add_or_join(
                    uow.session, actor, lead, source=rules.SOURCE_MANUAL, staff_id=staff_id, now=now
                )
            except _LeadTaken:
                raise _lead_taken() from None
            except IntegrityError:
                # A concurrent entry of the same person won the unique index after our lookup;
                # a second attempt finds that lead and joins it.
                if attempt == 2:
                    raise
                continue
            if not merged and row.staff_id:
                _publish_assigned(uow, actor, row)
            view = lead_view(row)
            uow.commit()
            break
    return LeadResult(view, merged)


@dataclass(frozen=True)
class ImportResult:
    created: int
    merged: int
    dry_run: bool
    problems: list[SheetProblem]


def import_leads(uow: UnitOfWork, actor: Actor, xlsx: bytes, *, dry_run: bool, now: datetime) -> ImportResult:
    """Managers fill the pool from a spreadsheet. Bad rows are reported by row and column and
    skipped; good rows land in the pool (or join the lead of the same person). A dry run checks
    everything, dedupe included, and writes nothing."""
    rules.selling_staff(actor)
    if not rules.is_manager(actor):
        raise PermissionDenied(Codes.LEAD_IMPORT_DENIED, MessageKeys.PERMISSION_DENIED)
    sheet = read_leads(xlsx)
    problems = list(sheet.problems)
    created = merged = 0
    with uow:
        session = uow.session
        for item in sheet.rows:
            try:
                # Rows are added one by one, so a person twice in the sheet joins the first row.
                _, joined = _add_or_join(session, actor, item.lead, source=rules.SOURCE_IMPORT, staff_id=None, now=now)
            except _LeadTaken:
                problems.append(SheetProblem(item.row, "微信unionID", "import.another_lead"))
                continue
            merged += joined
            created += not joined
        problems.sort(key=lambda p: p.row)
        if not dry_run:
            uow.commit()
    return ImportResult(created, merged, dry_run, problems)


def get_lead(uow: UnitOfWork, actor: Actor, lead_id: str) -> LeadView:
    with uow:
        return lead_view(visible_lead(uow.session, actor, lead_id))


def list_leads(uow: UnitOfWork, actor: Actor, page: Page, *, scope: str) -> Listing:
    """pool: open and unassigned, oldest first (first come, first served); mine: the caller's,
    newest first; all: every lead (managers)."""
    me = rules.selling_staff(actor)
    scope = scope.strip() or "mine"
    if scope not in rules.LEAD_SCOPES:
        raise InvalidInput(Codes.PAGE_INVALID, MessageKeys.INVALID_INPUT, fields={"scope": "validation.invalid_choice"})
    stmt = select(LeadRow).where(LeadRow.tenant_id == actor.tenant_id)
    order = (LeadRow.created_at.desc(), LeadRow.id)
    if scope == "pool":
        stmt = stmt.where(LeadRow.staff_id.is_(None), LeadRow.status == rules.OPEN)
        order = (LeadRow.created_at, LeadRow.id)
    elif scope == "mine":
        stmt = stmt.where(LeadRow.staff_id == me)
    elif not rules.is_manager(actor):
        raise PermissionDenied(Codes.LEADS_ALL_DENIED, MessageKeys.PERMISSION_DENIED)
    with uow:
        total = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = uow.session.scalars(stmt.order_by(*order).offset(page.offset).limit(page.page_size)).all()
        return Listing([lead_view(r) for r in rows], total)


def _take(uow: UnitOfWork, actor: Actor, lead_id: str, staff_id: str, *, now: datetime) -> LeadView:
    """Assign an open pool lead; one conditional UPDATE, so of two concurrent takers exactly
    one gets it and the other sees LEAD_ALREADY_ASSIGNED."""
    with uow:
        session = uow.session
        # Not `visible_lead`: a taker who saw the lead in the pool a moment ago should learn
        # that someone was quicker (409), not that it vanished.
        row = session.scalar(select(LeadRow).where(LeadRow.tenant_id == actor.tenant_id, LeadRow.id == lead_id))
        if row is None:
            raise _not_found(lead_id)
        _open(row)
        if row.staff_id is not None:
            raise Conflict(Codes.LEAD_ALREADY_ASSIGNED, MessageKeys.LEAD_ALREADY_ASSIGNED)
        taken = session.execute(
            update(LeadRow)
            .where(
                LeadRow.tenant_id == actor.tenant_id,
                LeadRow.id == row.id,
                LeadRow.staff_id.is_(None),
                LeadRow.status == rules.OPEN,
            )
            .values(staff_id=staff_id, assigned_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            raise Conflict(Codes.LEAD_ALREADY_ASSIGNED, MessageKeys.LEAD_ALREADY_ASSIGNED)
        session.refresh(row)
        _publish_assigned(uow, actor, row)
        view = lead_view(row)
        uow.commit()
    return view


def assign_lead(
    uow: UnitOfWork, actor: Actor, lead_id: str, staff_id: str, *, staff: StaffDirectory | None, now: datetime
) -> LeadView:
    """Managers hand a pool lead to a seller identity knows (asked before the transaction)."""
    rules.selling_staff(actor)
    if not rules.is_manager(actor):
        raise PermissionDenied(Codes.LEAD_ASSIGN_DENIED, MessageKeys.PERMISSION_DENIED)
    staff_id = staff_id.strip()
    if not staff_id:
        raise InvalidInput(
            Codes.LEAD_INPUT_INVALID, MessageKeys.INVALID_INPUT, fields={"staff_id": "validation.required"}
        )
    if staff_id != actor.staff_id:
        require_seller(staff, actor.tenant_id, staff_id, field="staff_id", code=Codes.LEAD_INPUT_INVALID)
    return _take(uow, actor, lead_id, staff_id, now=now)


def claim_lead(uow: UnitOfWork, actor: Actor, lead_id: str, *, now: datetime) -> LeadView:
    return _take(uow, actor, lead_id, rules.selling_staff(actor), now=now)


def _release(uow: UnitOfWork, actor: Actor, row: LeadRow, reason: str) -> None:
    uow.publish(
        LEAD_RELEASED,
        actor.tenant_id,
        {
            "lead_id": row.id,
            "staff_id": row.staff_id or "",
            "released_by_staff_id": actor.staff_id or "",
            "reason": reason,
        },
    )
    row.staff_id = None
    row.assigned_at = None


def release_lead(uow: UnitOfWork, actor: Actor, lead_id: str, *, reason: str = "") -> LeadView:
    """Back to the pool, by its salesperson or a manager; then someone else may follow it."""
    rules.selling_staff(actor)
    reason = reason.strip()[: rules.REASON_MAX]
    with uow:
        row = _open(visible_lead(uow.session, actor, lead_id, lock=True))
        if row.staff_id is None:
            raise Conflict(Codes.LEAD_NOT_ASSIGNED, MessageKeys.LEAD_NOT_ASSIGNED)
        if not rules.may_release_lead(actor, row.staff_id):
            raise PermissionDenied(Codes.LEAD_FOLLOW_DENIED, MessageKeys.PERMISSION_DENIED)
        _release(uow, actor, row, reason)
        uow.session.flush()
        view = lead_view(row)
        uow.commit()
    return view


def apply_tags(session: Session, tenant_id: str, customer_id: str, names, *, now: datetime) -> list[str]:
    """The lead's tag names on the customer (customer_tags), creating a tenant tag the first
    time a name is seen; tags the customer already has are left alone. Returns names added."""
    added = []
    for name in names:
        tag = session.scalar(select(TagRow).where(TagRow.tenant_id == tenant_id, TagRow.name == name))
        if tag is None:
            tag = TagRow(tenant_id=tenant_id, name=name, colour="", created_at=now)
            session.add(tag)
            session.flush()
        if session.get(CustomerTagRow, (tenant_id, customer_id, tag.id)) is None:
            session.add(CustomerTagRow(tenant_id=tenant_id, customer_id=customer_id, tag_id=tag.id, created_at=now))
            added.append(name)
    session.flush()
    return added


def carry_over(session: Session, lead: LeadRow, customer: CustomerRow, *, now: datetime) -> tuple[int, list[str]]:
    """The lead's follow-ups and tags move onto the customer; its latest follow-up status and
    next time become the customer's. Returns (follow-ups moved, tags added)."""
    moved = session.execute(
        update(FollowupRow)
        .where(FollowupRow.tenant_id == lead.tenant_id, FollowupRow.lead_id == lead.id)
        .values(customer_id=customer.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    latest = session.scalar(
        select(FollowupRow)
        .where(FollowupRow.tenant_id == lead.tenant_id, FollowupRow.lead_id == lead.id)
        .order_by(FollowupRow.created_at.desc(), FollowupRow.id.desc())
        .limit(1)
    )
    if lead.last_followup_at and (
        customer.last_followup_at is None or customer.last_followup_at < lead.last_followup_at
    ):
        customer.last_followup_at = lead.last_followup_at
    if latest is not None:
        state = session.get(FollowupStateRow, (lead.tenant_id, customer.id))
        if state is None:
            state = FollowupStateRow(tenant_id=lead.tenant_id, customer_id=customer.id, eliminated=False, reason="")
            session.add(state)
        if not state.updated_at or state.updated_at <= latest.created_at or not state.status:
            state.status = latest.status
            state.next_followup_at = latest.next_followup_at
            state.updated_at = now
    tags = apply_tags(session, lead.tenant_id, customer.id, lead.tags or [], now=now)
    return moved, tags


@dataclass(frozen=True)
class ConvertResult:
    lead: LeadView
    customer_id: str | None
    duplicate: DuplicateView | None


def convert_lead(
    uow: UnitOfWork, actor: Actor, lead_id: str, fields: dict[str, str], *, now: datetime
) -> ConvertResult:
    """置为客户: the lead becomes a customer of its salesperson through the registration use
    case, its follow-ups and tags carried over. When a customer already has the phone, a
    duplicate is opened instead (C9): mergeable, or a collision both salespeople are told of."""
    rules.selling_staff(actor)
    with uow:
        session = uow.session
        lead = _open(visible_lead(session, actor, lead_id, lock=True))
        if lead.staff_id is None:
            raise Conflict(Codes.LEAD_NOT_ASSIGNED, MessageKeys.LEAD_NOT_ASSIGNED)
        if lead.staff_id != actor.staff_id and not rules.is_manager(actor):
            raise PermissionDenied(Codes.LEAD_FOLLOW_DENIED, MessageKeys.PERMISSION_DENIED)
        if not lead.phone:
            raise InvalidInput(
                Codes.LEAD_INPUT_INVALID, MessageKeys.INVALID_INPUT, fields={"phone": "validation.required"}
            )
        existing = session.scalar(
            select(CustomerRow).where(CustomerRow.tenant_id == actor.tenant_id, CustomerRow.phone == lead.phone)
        )
        if existing is not None:
            duplicate = _open_duplicate(uow, actor, lead, existing, now=now)
            result = ConvertResult(lead_view(lead), None, duplicate)
            uow.commit()
            return result
        cmd = RegisterCustomer(name=lead.name, phone=lead.phone, fields=fields, owner_staff_id=lead.staff_id)
        customer_view = add_customer(uow, actor, cmd, now=now)
        customer = session.get(CustomerRow, customer_view.id)
        customer.owned_since = now
        moved, tags = carry_over(session, lead, customer, now=now)
        lead.status = rules.CONVERTED
        lead.customer_id = customer.id
        session.flush()
        uow.publish(
            LEAD_CONVERTED,
            actor.tenant_id,
            {
                "lead_id": lead.id,
                "customer_id": customer.id,
                "staff_id": lead.staff_id,
                "followups_carried": moved,
                "tags": tags,
            },
        )
        result = ConvertResult(lead_view(lead), customer.id, None)
        uow.commit()
    return result


def _open_duplicate(uow: UnitOfWork, actor: Actor, lead: LeadRow, customer: CustomerRow, *, now: datetime):
    session = uow.session
    found = session.scalar(
        select(DuplicateRow).where(
            DuplicateRow.tenant_id == actor.tenant_id,
            DuplicateRow.lead_id == lead.id,
            DuplicateRow.customer_id == customer.id,
            DuplicateRow.status == rules.OPEN,
        )
    )
    if found is not None:
        # Converting again changes nothing and alerts nobody twice.
        return duplicate_view(found)
    kind = rules.duplicate_kind(customer.owner_staff_id, lead.staff_id)
    row = DuplicateRow(
        tenant_id=actor.tenant_id,
        phone=lead.phone,
        customer_id=customer.id,
        lead_id=lead.id,
        customer_owner_staff_id=customer.owner_staff_id,
        lead_staff_id=lead.staff_id,
        kind=kind,
        status=rules.OPEN,
        created_at=now,
    )
    session.add(row)
    session.flush()
    if kind == rules.COLLISION:
        uow.publish(
            DUPLICATE_COLLISION,
            actor.tenant_id,
            {
                "duplicate_id": row.id,
                "phone": row.phone,
                "customer_id": customer.id,
                "customer_name": customer.name,
                "lead_id": lead.id,
                "lead_name": lead.name,
                "staff_ids": [customer.owner_staff_id, lead.staff_id],
            },
        )
    return duplicate_view(row)
