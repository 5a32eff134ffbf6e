"""Document numbers per tenant per China day, handed out under concurrency without gaps or
repeats: one counter row per (tenant, prefix, day), bumped by a single upsert whose row lock is
held until the transaction ends (a rolled-back order gives its number back). One statement,
taken as late as possible in the transaction, because every document of a tenant queues on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crmkit.db import new_id
from orders.domain.numbering import china_day, document_number
from orders.models import CounterRow

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def allocate_number(session: Session, tenant_id: str, prefix: str, now: datetime) -> str:
    day = china_day(now)
    table = CounterRow.__table__
    stmt = _INSERT[session.get_bind().dialect.name](table).values(
        id=new_id(), tenant_id=tenant_id, prefix=prefix, day=day, last_seq=1, created_at=now
    )
    # The first document of the day inserts the counter; every later one (and a racing first)
    # lands on the unique constraint and bumps it.
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.prefix, table.c.day],
        set_={"last_seq": table.c.last_seq + 1},
    ).returning(table.c.last_seq)
    return document_number(prefix, day, session.execute(stmt).scalar_one())
