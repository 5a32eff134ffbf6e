"""The data centre (D8): what sharing did, per China day, per salesperson or per article, over an
inclusive range of days. Salespeople see their own figures; the owner and store managers all.

Each figure is counted where it happens: shares in the share log (each time a salesperson
shares); views, forwards (views through a reader's forwarded link), readers (distinct visitors)
and visible seconds by the day the view opened; new, qualified and identified visitors (leads)
and visitors who became customers (C10) by the day that happened. A salesperson's figures are
those of the chains they started; an article's, those of its views (and, for visitors, the
article their first link was for)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import distinct, func, select

from crmkit.auth import Actor
from crmkit.db import Database
from crmkit.errors import InvalidInput
from crmkit.periods import CHINA, china_day_sql, report_period

from ..errors import ErrorCode
from ..models import ArticleRow, MaterialRow, ShareLogRow, ShareRow, ViewRow, VisitorRow
from .access import is_admin, require_staff

GROUPS = ("day", "staff", "article")


@dataclass
class Figures:
    shares: int = 0
    forwards: int = 0
    views: int = 0
    readers: int = 0
    read_seconds: int = 0
    new_visitors: int = 0
    qualified: int = 0
    leads: int = 0
    customers: int = 0


@dataclass(frozen=True)
class Row:
    key: str
    title: str
    figures: Figures


@dataclass(frozen=True)
class Stats:
    date_from: date
    date_to: date
    rows: list[Row]
    total: Figures = field(default_factory=Figures)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, CHINA),
        datetime.combine(end + timedelta(days=1), time.min, CHINA),
    )


def marketing_stats(db: Database, actor: Actor, *, date_from: str, date_to: str, group_by: str, now: datetime) -> Stats:
    staff_id = require_staff(actor)
    group_by = group_by or "day"
    if group_by not in GROUPS:
        raise InvalidInput(ErrorCode.MARKETING_INPUT_INVALID, fields={"group_by": "validation.invalid_choice"})
    start, end = report_period(date_from, date_to, now, code=ErrorCode.MARKETING_INPUT_INVALID)
    lo, hi = _bounds(start, end)
    only = None if is_admin(actor) else staff_id
    table: dict[str, Figures] = defaultdict(Figures)
    total = Figures()
    with db.reader() as uow:
        dialect = uow.session.bind.dialect.name

        def key_of(day_column, staff_column, item_column):
            return {"day": china_day_sql(day_column, dialect), "staff": staff_column, "article": item_column}[group_by]

        def add(name: str, stmt, key) -> None:
            """`stmt` selects (figure, key); its rows are added to the table by key."""
            for value, k in uow.session.execute(stmt.group_by(key)).all():
                setattr(table[k], name, getattr(table[k], name) + int(value or 0))

        t = actor.tenant_id
        log, share, view, visitor = ShareLogRow, ShareRow, ViewRow, VisitorRow

        k = key_of(log.created_at, log.staff_id, log.item_id)
        stmt = select(func.count(), k).where(log.tenant_id == t, log.created_at >= lo, log.created_at < hi)
        add("shares", stmt.where(log.staff_id == only) if only else stmt, k)

        k = key_of(view.created_at, share.sharer_staff_id, view.item_id)
        base = (
            select()
            .select_from(view)
            .join(share, share.id == view.share_id)
            .where(view.tenant_id == t, view.created_at >= lo, view.created_at < hi)
        )
        base = base.where(share.sharer_staff_id == only) if only else base
        add("views", base.add_columns(func.count(), k), k)
        add("forwards", base.where(share.depth > 0).add_columns(func.count(), k), k)
        add("readers", base.add_columns(func.count(distinct(view.visitor_id)), k), k)
        add("read_seconds", base.add_columns(func.sum(view.seconds), k), k)
        total.views = uow.session.scalar(base.add_columns(func.count())) or 0
        total.readers = uow.session.scalar(base.add_columns(func.count(distinct(view.visitor_id)))) or 0
        total.read_seconds = int(uow.session.scalar(base.add_columns(func.sum(view.seconds))) or 0)

        visitor_days = (
            ("new_visitors", visitor.created_at),
            ("qualified", visitor.qualified_at),
            ("leads", visitor.identified_at),
            ("customers", visitor.became_customer_at),
        )
        for name, column in visitor_days:
            k = key_of(column, visitor.staff_id, share.item_id)
            stmt = (
                select(func.count(), k)
                .select_from(visitor)
                .join(share, share.id == visitor.first_share_id)
                .where(visitor.tenant_id == t, column >= lo, column < hi)
            )
            add(name, stmt.where(visitor.staff_id == only) if only else stmt, k)

        titles = {}
        if group_by == "article" and table:
            # Shared items by their titles: articles, and materials (D6) shared the same way.
            for item in (ArticleRow, MaterialRow):
                titles.update(
                    uow.session.execute(
                        select(item.id, item.title).where(item.tenant_id == t, item.id.in_(list(table)))
                    ).all()
                )
    total.forwards = sum(f.forwards for f in table.values())
    for name in ("shares", "new_visitors", "qualified", "leads", "customers"):
        setattr(total, name, sum(getattr(f, name) for f in table.values()))
    if group_by == "day":
        days = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
        rows = [Row(day, day, table.get(day, Figures())) for day in days]
    else:
        order = sorted(table, key=lambda key: (-table[key].views, -table[key].shares, key))
        rows = [Row(key, titles.get(key, ""), table[key]) for key in order]
    return Stats(start, end, rows, total)


FIGURES = tuple(f.name for f in fields(Figures))
