"""Reading beats applied in batches (D2, P7, ADR 0017).

The gateway queues each beat in Redis (crmkit.reading_beats) and answers at once; the drainer
hands a batch here and one transaction moves every view, visitor and article the batch touches.
Beats carry running totals and each view is locked while its beats are applied, so a batch
applied again (a drainer killed after its commit, before its acknowledgement) or by two drainers
at once adds nothing twice. A beat whose view is unknown or whose visitor key is not the view's
own (a forged or foreign beat) is dropped without a trace.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, case, select, update

from crmkit.db import Database
from crmkit.reading_beats import Beat

from ..domain import reading, shares
from ..models import ArticleRow, MaterialRow, ViewRow, VisitorRow
from .settings import settings_of
from .sharing import requalify

# View ids are UUIDs: anything else names no view and is not worth a query.
_VIEW_ID = re.compile(r"^[0-9a-f-]{36}$")


_VISITORS = VisitorRow.__table__
_AT = bindparam("at", type_=_VISITORS.c.last_seen_at.type)
# One statement for every visitor a batch moves (executemany). Increments, not values read here:
# a visitor's other views may be in another drainer's batch, and their openings move meanwhile.
_MOVE_VISITOR = (
    update(_VISITORS)
    .where(_VISITORS.c.id == bindparam("vid"))
    .values(
        seconds=_VISITORS.c.seconds + bindparam("s"),
        clicks=_VISITORS.c.clicks + bindparam("c"),
        last_seen_at=case((_VISITORS.c.last_seen_at < _AT, _AT), else_=_VISITORS.c.last_seen_at),
    )
)
_MOVE_KEYS = ("vid", "s", "c", "at")
# The items whose reading time is counted on their own row too (cards count on their views only).
_READ_ITEMS = {shares.ARTICLE: ArticleRow, shares.MATERIAL: MaterialRow}


@dataclass(frozen=True)
class BatchResult:
    applied: int  # beats that moved a view
    dropped: int  # beats that named no view of theirs, or were negative, absurd or stale


def apply_beats(db: Database, beats: Iterable[Beat]) -> BatchResult:
    by_view: dict[str, list[Beat]] = defaultdict(list)
    received = 0
    for beat in beats:
        received += 1
        if _VIEW_ID.match(beat.view_id):
            by_view[beat.view_id].append(beat)
    if not by_view:
        return BatchResult(0, received)
    with db.uow() as uow:
        session = uow.session
        rows = session.execute(
            select(ViewRow, VisitorRow.visitor_key)
            .join(VisitorRow, VisitorRow.id == ViewRow.visitor_id)
            .where(ViewRow.id.in_(sorted(by_view)))
            # One order for every drainer: two batches locking the same views cannot deadlock.
            .order_by(ViewRow.id)
            .with_for_update(of=ViewRow)
        ).all()
        applied = 0
        visitors: dict[str, dict] = {}
        item_seconds: Counter[tuple[str, str, str]] = Counter()
        for view, visitor_key in rows:
            progress, last_at = reading.Progress(view.seconds, view.clicks), None
            for beat in sorted(by_view[view.id], key=lambda b: b.at):
                if beat.visitor_key != visitor_key:
                    continue
                step = reading.advance(
                    progress,
                    reported_seconds=beat.seconds,
                    reported_clicks=beat.clicks,
                    opened_at=view.created_at,
                    now=beat.at,
                )
                if step is not None:
                    progress, last_at = step, beat.at
                    applied += 1
            if last_at is None:
                continue
            added_seconds, added_clicks = progress.seconds - view.seconds, progress.clicks - view.clicks
            view.seconds, view.clicks, view.last_beat_at = progress.seconds, progress.clicks, last_at
            moved = visitors.setdefault(
                view.visitor_id, {"vid": view.visitor_id, "s": 0, "c": 0, "at": last_at, "tenant": view.tenant_id}
            )
            moved["s"] += added_seconds
            moved["c"] += added_clicks
            moved["at"] = max(moved["at"], last_at)
            if added_seconds and view.kind in _READ_ITEMS:
                item_seconds[(view.kind, view.tenant_id, view.item_id)] += added_seconds
        if visitors:
            session.flush()
            session.connection().execute(_MOVE_VISITOR, [{k: v[k] for k in _MOVE_KEYS} for v in visitors.values()])
            for (kind, tenant_id, item_id), seconds in item_seconds.items():
                item = _READ_ITEMS[kind]
                session.execute(
                    update(item)
                    .where(item.tenant_id == tenant_id, item.id == item_id)
                    .values(read_seconds=item.read_seconds + seconds)
                )
            _requalify_all(uow, visitors)
        uow.commit()
    return BatchResult(applied, received - applied)


def _requalify_all(uow, visitors: dict[str, dict]) -> None:
    fresh = uow.session.scalars(
        select(VisitorRow)
        .where(VisitorRow.id.in_(list(visitors)), VisitorRow.qualified.is_(False))
        .execution_options(populate_existing=True)
    )
    settings: dict[str, object] = {}
    for visitor in fresh:
        tenant = visitor.tenant_id
        if tenant not in settings:
            settings[tenant] = settings_of(uow, tenant)
        requalify(visitor, settings[tenant], visitors[visitor.id]["at"])
