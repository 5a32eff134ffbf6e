import pytest
from crmkit_fixtures import Base, Outbox, ProcessedEvent

from crmkit import testing
from crmkit.db import Database


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
