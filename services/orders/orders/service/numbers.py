"""Document numbers per tenant per China day, handed out under concurrency without gaps or
repeats: one counter row per (tenant, prefix, day), locked FOR UPDATE by each allocation and
released with the transaction (a rolled-back order gives its number back)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orders.domain.numbering import china_day, document_number
from orders.models import CounterRow


def _locked(session: Session, tenant_id: str, prefix: str, day: str) -> CounterRow | None:
    return session.scalar(
        select(CounterRow)
        .where(CounterRow.tenant_id == tenant_id, CounterRow.prefix == prefix, CounterRow.day == day)
        .with_for_update()
    )


def allocate_number(session: Session, tenant_id: str, prefix: str, now: datetime) -> str:
    day = china_day(now)
    counter = _locked(session, tenant_id, prefix, day)
    if counter is None:
        try:
            # The first document of the day: two may try to create the counter at once; the
            # loser's savepoint fails on the unique constraint and it locks the winner's row.
            with session.begin_nested():
                counter = CounterRow(tenant_id=tenant_id, prefix=prefix, day=day, last_seq=0, created_at=now)
                session.add(counter)
        except IntegrityError:
            counter = _locked(session, tenant_id, prefix, day)
    counter.last_seq += 1
    return document_number(prefix, day, counter.last_seq)
