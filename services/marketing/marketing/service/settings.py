"""The tenant's marketing settings (admin) and each salesperson's preferences (D1, D2, D14)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crmkit.auth import Actor
from crmkit.db import Database, UnitOfWork
from crmkit.errors import InvalidInput

from ..domain.articles import CONTACT_POSITIONS, RECOMMENDED_MAX, URL_MAX, modules_problem, unique
from ..domain.reading import DEFAULT_QUALIFIED_CLICKS, DEFAULT_QUALIFIED_SECONDS
from ..errors import ErrorCode
from ..models import ArticleRow, PreferencesRow, SettingsRow
from .access import require_admin, require_staff

SCOPES = ("all", "own")
QUALIFIED_MAX = 100_000


@dataclass(frozen=True)
class Settings:
    hidden_modules: tuple[str, ...] = ()
    qualified_min_clicks: int = DEFAULT_QUALIFIED_CLICKS
    qualified_min_seconds: int = DEFAULT_QUALIFIED_SECONDS
    mall_url: str = ""
    recommended_scope: str = "all"
    recommended_article_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preferences:
    hidden_modules: tuple[str, ...] = ()
    contact_position: str = "bottom"
    recommended_article_ids: tuple[str, ...] = ()


def _invalid(fields: dict[str, str]) -> InvalidInput:
    return InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields=fields)


def settings_of(uow: UnitOfWork, tenant_id: str) -> Settings:
    row = uow.session.get(SettingsRow, tenant_id)
    if row is None:
        return Settings()
    return Settings(
        tuple(json.loads(row.hidden_modules)),
        row.qualified_min_clicks,
        row.qualified_min_seconds,
        row.mall_url,
        row.recommended_scope,
        tuple(json.loads(row.recommended_article_ids)),
    )


def preferences_of(uow: UnitOfWork, tenant_id: str, staff_id: str) -> Preferences:
    row = uow.session.get(PreferencesRow, (tenant_id, staff_id))
    if row is None:
        return Preferences()
    return Preferences(
        tuple(json.loads(row.hidden_modules)), row.contact_position, tuple(json.loads(row.recommended_article_ids))
    )


def _check_recommended(uow: UnitOfWork, tenant_id: str, ids: tuple[str, ...], problems: dict[str, str]) -> None:
    if len(ids) > RECOMMENDED_MAX:
        problems["recommended_article_ids"] = "validation.too_many"
        return
    if ids:
        found = set(
            uow.session.scalars(select(ArticleRow.id).where(ArticleRow.tenant_id == tenant_id, ArticleRow.id.in_(ids)))
        )
        if found != set(ids):
            problems["recommended_article_ids"] = "validation.not_found"


def get_settings(db: Database, actor: Actor) -> Settings:
    require_staff(actor)
    with db.reader() as uow:
        return settings_of(uow, actor.tenant_id)


def update_settings(db: Database, actor: Actor, wanted: Settings, *, now: datetime) -> Settings:
    require_admin(actor)
    problems: dict[str, str] = {}
    hidden = unique(wanted.hidden_modules)
    if problem := modules_problem(hidden):
        problems["hidden_modules"] = problem
    for field in ("qualified_min_clicks", "qualified_min_seconds"):
        if not 0 <= getattr(wanted, field) <= QUALIFIED_MAX:
            problems[field] = "validation.out_of_range"
    mall = wanted.mall_url.strip()
    if mall and (len(mall) > URL_MAX or not mall.startswith(("https://", "http://"))):
        problems["mall_url"] = "validation.invalid"
    if wanted.recommended_scope not in SCOPES:
        problems["recommended_scope"] = "validation.invalid_choice"
    recommended = unique(wanted.recommended_article_ids)
    with db.uow() as uow:
        _check_recommended(uow, actor.tenant_id, recommended, problems)
        if problems:
            raise _invalid(problems)
        row = uow.session.get(SettingsRow, actor.tenant_id, with_for_update=True)
        if row is None:
            row = SettingsRow(tenant_id=actor.tenant_id)
            uow.session.add(row)
        row.hidden_modules = json.dumps(list(hidden))
        row.qualified_min_clicks, row.qualified_min_seconds = wanted.qualified_min_clicks, wanted.qualified_min_seconds
        row.mall_url, row.recommended_scope = mall, wanted.recommended_scope
        row.recommended_article_ids = json.dumps(list(recommended))
        row.updated_at = now
        uow.commit()
        return settings_of(uow, actor.tenant_id)


def get_preferences(db: Database, actor: Actor) -> Preferences:
    staff_id = require_staff(actor)
    with db.reader() as uow:
        return preferences_of(uow, actor.tenant_id, staff_id)


def update_preferences(db: Database, actor: Actor, wanted: Preferences, *, now: datetime) -> Preferences:
    staff_id = require_staff(actor)
    problems: dict[str, str] = {}
    hidden = unique(wanted.hidden_modules)
    if problem := modules_problem(hidden):
        problems["hidden_modules"] = problem
    position = wanted.contact_position or "bottom"
    if position not in CONTACT_POSITIONS:
        problems["contact_position"] = "validation.invalid_choice"
    recommended = unique(wanted.recommended_article_ids)
    with db.uow() as uow:
        _check_recommended(uow, actor.tenant_id, recommended, problems)
        if problems:
            raise _invalid(problems)
        row = uow.session.get(PreferencesRow, (actor.tenant_id, staff_id), with_for_update=True)
        if row is None:
            row = PreferencesRow(tenant_id=actor.tenant_id, staff_id=staff_id)
            uow.session.add(row)
        row.hidden_modules, row.contact_position = json.dumps(list(hidden)), position
        row.recommended_article_ids = json.dumps(list(recommended))
        row.updated_at = now
        uow.commit()
        return preferences_of(uow, actor.tenant_id, staff_id)
