"""Use cases of coupon templates (E1)."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select

from coupons import events
from coupons.domain.templates import TemplateInput, validate_template
from coupons.errors import ErrorCode
from coupons.models_coupons import ChangeRow, CouponTemplateRow
from crmkit import changelog
from crmkit.auth import Actor
from crmkit.changelog import Change
from crmkit.db import UnitOfWork
from crmkit.errors import NotFound, PermissionDenied
from crmkit.paging import Page

MANAGERS = ("owner", "store_manager")
COUPON_TEMPLATE = "coupon_template"


@dataclass(frozen=True)
class TemplateView:
    id: str
    template: TemplateInput
    claim_token: str
    created_at: datetime


def require_staff(actor: Actor) -> None:
    if actor.is_service or actor.staff_id is None:
        raise PermissionDenied(ErrorCode.STAFF_ONLY)


def require_manager(actor: Actor) -> None:
    require_staff(actor)
    if not actor.has_role(*MANAGERS):
        raise PermissionDenied(ErrorCode.COUPON_MANAGERS_ONLY)


def template_of(row: CouponTemplateRow) -> TemplateInput:
    return TemplateInput(
        name=row.name,
        kind=row.kind,
        colour=row.colour,
        value_fen=row.value_fen,
        percent_off=row.percent_off,
        pickup_product_ids=tuple(row.pickup_product_ids),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        valid_days=row.valid_days,
        min_spend_fen=row.min_spend_fen,
        per_order_limit=row.per_order_limit,
        product_ids=tuple(row.product_ids),
        category_ids=tuple(row.category_ids),
        store_ids=tuple(row.store_ids),
        convertible_to_stored_value=row.convertible_to_stored_value,
        conversion_fen=row.conversion_fen,
        total_quantity=row.total_quantity,
        per_person_limit=row.per_person_limit,
        remind_days_before=row.remind_days_before,
    )


def view_of(row: CouponTemplateRow) -> TemplateView:
    return TemplateView(row.id, template_of(row), row.claim_token, row.created_at)


def load_template(session, tenant_id: str, template_id: str) -> CouponTemplateRow:
    row = session.scalar(
        select(CouponTemplateRow).where(CouponTemplateRow.tenant_id == tenant_id, CouponTemplateRow.id == template_id)
    )
    if row is None:
        raise NotFound(ErrorCode.COUPON_TEMPLATE_NOT_FOUND)
    return row


def create_template(uow: UnitOfWork, actor: Actor, cmd: TemplateInput, *, now: datetime) -> TemplateView:
    require_manager(actor)
    t = validate_template(cmd)
    with uow:
        row = CouponTemplateRow(
            tenant_id=actor.tenant_id,
            name=t.name,
            kind=t.kind,
            colour=t.colour,
            value_fen=t.value_fen,
            percent_off=t.percent_off,
            pickup_product_ids=list(t.pickup_product_ids),
            valid_from=t.valid_from,
            valid_until=t.valid_until,
            valid_days=t.valid_days,
            min_spend_fen=t.min_spend_fen,
            per_order_limit=t.per_order_limit,
            product_ids=list(t.product_ids),
            category_ids=list(t.category_ids),
            store_ids=list(t.store_ids),
            convertible_to_stored_value=t.convertible_to_stored_value,
            conversion_fen=t.conversion_fen,
            total_quantity=t.total_quantity,
            per_person_limit=t.per_person_limit,
            remind_days_before=t.remind_days_before,
            claim_token=secrets.token_urlsafe(18),
            created_by=actor.staff_id,
            created_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        changelog.record(
            uow.session,
            ChangeRow,
            changelog.author(actor),
            tenant_id=actor.tenant_id,
            object_type=COUPON_TEMPLATE,
            object_id=row.id,
            action="created",
            before=None,
            after=asdict(template_of(row)),
            now=now,
        )
        uow.publish(events.coupon_template_created(row.id, t.name, t.kind, t.total_quantity), actor.tenant_id)
        view = view_of(row)
        uow.commit()
    return view


def get_template(uow: UnitOfWork, actor: Actor, template_id: str) -> TemplateView:
    require_staff(actor)
    with uow:
        return view_of(load_template(uow.session, actor.tenant_id, template_id))


def list_template_changes(uow: UnitOfWork, actor: Actor, template_id: str, page: Page) -> tuple[list[Change], int]:
    """A1: who created (and, once templates can change, changed) the template, newest first; read
    by whoever may read the template."""
    require_staff(actor)
    with uow:
        load_template(uow.session, actor.tenant_id, template_id)
        return changelog.changes_of(uow.session, ChangeRow, actor.tenant_id, COUPON_TEMPLATE, template_id, page)


def list_templates(uow: UnitOfWork, actor: Actor, page: Page) -> tuple[list[TemplateView], int]:
    require_staff(actor)
    with uow:
        where = CouponTemplateRow.tenant_id == actor.tenant_id
        total = uow.session.scalar(select(func.count()).select_from(CouponTemplateRow).where(where))
        rows = uow.session.scalars(
            select(CouponTemplateRow)
            .where(where)
            .order_by(CouponTemplateRow.created_at.desc(), CouponTemplateRow.id)
            .offset(page.offset)
            .limit(page.page_size)
        ).all()
        return [view_of(r) for r in rows], total
