"""The lead pool (线索池, C7): entry and spreadsheet import with dedupe on phone / WeChat
unionID, assign, claim, release. Conversion into a customer is lead_conversion.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import SERVICE, Actor
from crmkit.db import UnitOfWork
from crmkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crmkit.paging import Page
from customers import events
from customers.domain import activity as rules
from customers.errors import ErrorCode
from customers.leads_sheet import SheetProblem, read_leads
from customers.models import (
    LeadRow,
)
from customers.service.activity_views import LeadView, Listing, lead_view
from customers.staff_directory import StaffDirectory, require_seller


def _not_found(lead_id: str) -> NotFound:
    return NotFound(ErrorCode.LEAD_NOT_FOUND, params={"id": lead_id})


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


def still_open(row: LeadRow) -> LeadRow:
    """The lead, unless it was converted or merged already (LEAD_CLOSED)."""
    if row.status != rules.OPEN:
        raise Conflict(ErrorCode.LEAD_CLOSED)
    return row


def open_lead_for_followup(session: Session, actor: Actor, lead_id: str) -> LeadRow:
    lead = still_open(visible_lead(session, actor, lead_id, lock=True))
    if not rules.may_follow_lead(actor, lead.staff_id):
        raise PermissionDenied(ErrorCode.LEAD_FOLLOW_DENIED)
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
    return InvalidInput(ErrorCode.LEAD_TAKEN, fields={"union_id": "validation.another_lead"})


def _publish_assigned(uow: UnitOfWork, actor: Actor, row: LeadRow) -> None:
    uow.publish(events.lead_assigned(row, actor.staff_id), actor.tenant_id)


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


def _visitor_note(data: dict) -> str:
    title = str(data.get("title") or "")[:60]
    if data.get("via") == "wechat":
        return f"用微信登录阅读《{title}》" if title else "用微信登录查看分享"
    return f"阅读文章《{title}》后留下联系方式" if title else ""


def lead_from_visitor(uow: UnitOfWork, tenant_id: str, event_id: str, data: dict, *, now: datetime) -> bool:
    """A reader of a shared article gave a phone or logged in with WeChat
    (marketing.visitor_identified): they become a lead of the salesperson whose share brought
    them, or join the lead this person already is: one lead per phone or unionID, so a second
    visitor with the same unionID and a later phone of the same reader join it, the phone filling
    the lead's (whoever follows it keeps it; a pool lead goes to the sharer). Once per event:
    False for a redelivery; ValueError for a lead that cannot be (bad phone, or phone and unionID
    naming two leads), which the handler logs."""
    actor = Actor(kind=SERVICE, subject_id="marketing", tenant_id=tenant_id)
    clean, errors = rules.lead_problems(
        rules.LeadInput(
            name=str(data.get("name") or "")[: rules.LEAD_NAME_MAX],
            phone=str(data.get("phone") or ""),
            union_id=str(data.get("union_id") or ""),
            note=_visitor_note(data),
        )
    )
    if errors:
        raise ValueError(f"visitor lead refused: {errors}")
    staff_id = str(data.get("staff_id") or "") or None
    for attempt in (1, 2):
        with uow:
            if not uow.claim_event(event_id, "customers.lead_from_visitor"):
                return False
            try:
                row, joined = _add_or_join(
                    uow.session, actor, clean, source=rules.SOURCE_VISITOR, staff_id=staff_id, now=now
                )
            except _LeadTaken:
                raise ValueError("phone and unionID name two different leads") from None
            except IntegrityError:
                # Two readers of one person (one unionID) told at once: the other's lead won the
                # unique index after our lookup; the second attempt joins it.
                if attempt == 2:
                    raise
                continue
            if joined and row.staff_id is None and staff_id and row.status == rules.OPEN:
                # A pool lead came back through a salesperson's share: theirs to follow now.
                row.staff_id, row.assigned_at = staff_id, now
                _publish_assigned(uow, actor, row)
            elif not joined and row.staff_id:
                _publish_assigned(uow, actor, row)
            uow.commit()
            return True
    return True


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
        raise PermissionDenied(ErrorCode.LEAD_IMPORT_DENIED)
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


def list_leads(uow: UnitOfWork, actor: Actor, page: Page, *, scope: str, phone: str = "") -> Listing:
    """pool: open and unassigned, oldest first (first come, first served); mine: the caller's,
    newest first; all: every lead (managers). `phone`: only the lead with that phone (the
    visitor centre finds a reader's lead by it)."""
    me = rules.selling_staff(actor)
    scope = scope.strip() or "mine"
    if scope not in rules.LEAD_SCOPES:
        raise InvalidInput(ErrorCode.PAGE_INVALID, fields={"scope": "validation.invalid_choice"})
    stmt = select(LeadRow).where(LeadRow.tenant_id == actor.tenant_id)
    if phone.strip():
        stmt = stmt.where(LeadRow.phone == phone.strip())
    order = (LeadRow.created_at.desc(), LeadRow.id)
    if scope == "pool":
        stmt = stmt.where(LeadRow.staff_id.is_(None), LeadRow.status == rules.OPEN)
        order = (LeadRow.created_at, LeadRow.id)
    elif scope == "mine":
        stmt = stmt.where(LeadRow.staff_id == me)
    elif not rules.is_manager(actor):
        raise PermissionDenied(ErrorCode.LEADS_ALL_DENIED)
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
        still_open(row)
        if row.staff_id is not None:
            raise Conflict(ErrorCode.LEAD_ALREADY_ASSIGNED)
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
            raise Conflict(ErrorCode.LEAD_ALREADY_ASSIGNED)
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
        raise PermissionDenied(ErrorCode.LEAD_ASSIGN_DENIED)
    staff_id = staff_id.strip()
    if not staff_id:
        raise InvalidInput(ErrorCode.LEAD_INPUT_INVALID, fields={"staff_id": "validation.required"})
    if staff_id != actor.staff_id:
        require_seller(staff, actor.tenant_id, staff_id, field="staff_id", code=ErrorCode.LEAD_INPUT_INVALID)
    return _take(uow, actor, lead_id, staff_id, now=now)


def claim_lead(uow: UnitOfWork, actor: Actor, lead_id: str, *, now: datetime) -> LeadView:
    return _take(uow, actor, lead_id, rules.selling_staff(actor), now=now)


def _release(uow: UnitOfWork, actor: Actor, row: LeadRow, reason: str) -> None:
    uow.publish(events.lead_released(row.id, row.staff_id, actor.staff_id, reason), actor.tenant_id)
    row.staff_id = None
    row.assigned_at = None


def release_lead(uow: UnitOfWork, actor: Actor, lead_id: str, *, reason: str = "") -> LeadView:
    """Back to the pool, by its salesperson or a manager; then someone else may follow it."""
    rules.selling_staff(actor)
    reason = reason.strip()[: rules.REASON_MAX]
    with uow:
        row = still_open(visible_lead(uow.session, actor, lead_id, lock=True))
        if row.staff_id is None:
            raise Conflict(ErrorCode.LEAD_NOT_ASSIGNED)
        if not rules.may_release_lead(actor, row.staff_id):
            raise PermissionDenied(ErrorCode.LEAD_FOLLOW_DENIED)
        _release(uow, actor, row, reason)
        uow.session.flush()
        view = lead_view(row)
        uow.commit()
    return view
