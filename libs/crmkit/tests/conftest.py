import pytest
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crmkit import testing
from crmkit.db import Database, OutboxMixin, ProcessedEventMixin, TenantScoped


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Note(TenantScoped, Base):
    __tablename__ = "notes"
    text: Mapped[str] = mapped_column(String(200))


def _make_db(url):
    db = Database(url, service="kit", outbox=Outbox, processed=ProcessedEvent)
    Base.metadata.create_all(db.engine)
    return db


@pytest.fixture
def sqlite_db(tmp_path):
    db = _make_db(f"sqlite:///{tmp_path}/kit.db")
    yield db
    db.dispose()


@pytest.fixture
def pg_db():
    url = testing.create_database("crmkit_test")
    db = _make_db(url)
    yield db
    db.dispose()
    testing.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path):
    if request.param == "sqlite":
        db = _make_db(f"sqlite:///{tmp_path}/kit.db")
        yield db
        db.dispose()
    else:
        url = testing.create_database("crmkit_test")
        db = _make_db(url)
        yield db
        db.dispose()
        testing.drop_database(url)
