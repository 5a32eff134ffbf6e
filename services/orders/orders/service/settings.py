"""Tenant order settings (B2): read by everyone, changed by the owner only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmkit.auth import Actor
from crmkit.db import UnitOfWork
from orders.domain import credit
from orders.errors import ErrorCode
from orders.models import OrderSettingsRow
from orders.service.access import require_reader, require_role


@dataclass(frozen=True)
class OrderSettings:
    allow_negative_stock: bool = False
    # What an order over the customer's credit limit or with overdue debt does (B2).
    credit_control: str = credit.WARN


def load_settings(session: Session, tenant_id: str) -> OrderSettings:
    """Defaults until the owner saves something: stock never goes below zero."""
    row = session.scalar(select(OrderSettingsRow).where(OrderSettingsRow.tenant_id == tenant_id))
    return OrderSettings(row.allow_negative_stock, row.credit_control) if row else OrderSettings()


def get_order_settings(uow: UnitOfWork, actor: Actor) -> OrderSettings:
    require_reader(actor)
    with uow:
        return load_settings(uow.session, actor.tenant_id)


def update_order_settings(uow: UnitOfWork, actor: Actor, settings: OrderSettings, *, now: datetime) -> OrderSettings:
    require_role(actor, ("owner",), ErrorCode.ORDER_SETTINGS_DENIED)
    if settings.credit_control:
        credit.check_mode(settings.credit_control)
    try:
        return _save(uow, actor.tenant_id, settings, now)
    except IntegrityError:
        # Two first saves at once: the other inserted the row, so this save is an update now.
        return _save(uow, actor.tenant_id, settings, now)


def _save(uow: UnitOfWork, tenant_id: str, settings: OrderSettings, now: datetime) -> OrderSettings:
    with uow:
        row = uow.session.scalar(
            select(OrderSettingsRow).where(OrderSettingsRow.tenant_id == tenant_id).with_for_update()
        )
        if row is None:
            row = OrderSettingsRow(tenant_id=tenant_id, created_at=now)
            uow.session.add(row)
        row.allow_negative_stock = settings.allow_negative_stock
        # Empty keeps the current mode: clients that predate credit control send none.
        row.credit_control = settings.credit_control or row.credit_control or credit.WARN
        row.updated_at = now
        uow.commit()
        return OrderSettings(row.allow_negative_stock, row.credit_control)
