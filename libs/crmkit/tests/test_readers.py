"""H1: reads never queue behind a write transaction of the same process (embedded SQLite)."""

from __future__ import annotations

import pytest
from crmkit_fixtures import Note
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError


def test_h1_a_reader_inside_an_open_write_transaction_does_not_wait_for_it(sqlite_db):
    """Given a handler holding SQLite's write lock, a read it makes through another unit of work
    (a cache rebuild, say) reads the last committed snapshot at once."""
    with sqlite_db.uow() as uow:
        uow.session.add(Note(tenant_id="t1", text="committed"))
        uow.commit()
    with sqlite_db.uow() as writer:
        writer.session.add(Note(tenant_id="t1", text="not yet"))
        writer.session.flush()  # the write lock is held from here
        with sqlite_db.reader() as reader:
            seen = reader.session.scalar(select(func.count()).select_from(Note))
        assert seen == 1
        writer.commit()


def test_h1_a_reader_refuses_writes_on_postgresql(pg_db):
    with pytest.raises(DBAPIError, match="read-only"), pg_db.reader() as reader:
        reader.session.add(Note(tenant_id="t1", text="no"))
        reader.session.flush()


def test_h1_writers_still_begin_immediately_on_sqlite(sqlite_db, monkeypatch):
    statements = []
    from sqlalchemy import event

    @event.listens_for(sqlite_db.engine, "before_cursor_execute")
    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with sqlite_db.uow() as uow:
        uow.session.scalar(select(func.count()).select_from(Note))
    with sqlite_db.reader() as reader:
        reader.session.scalar(select(func.count()).select_from(Note))
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN"]
