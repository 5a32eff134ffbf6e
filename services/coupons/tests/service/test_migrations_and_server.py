"""H2 data: the migrations build exactly the tables the models describe, on PostgreSQL and on
SQLite (the embedded default); the composition root refuses to start without its settings."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from coupons import migrate, server
from coupons.models import Base
from crmkit.settings import MissingSetting, Settings


def test_h2_migrations_match_the_models_on_postgresql(db):
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_h2_migrations_match_the_models_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path}/coupons.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = server.build(Settings(service="coupons", database_url=url))
    try:
        with runtime.db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        runtime.close()


def test_h2_main_stops_without_database_key_or_redis(monkeypatch):
    for name in ("DATABASE_URL", "JWT_PUBLIC_KEY", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("JWT_PUBLIC_KEY", "x")
    with pytest.raises(MissingSetting) as err:
        server.main()
    assert err.value.name == "REDIS_URL"
