"""H2 data: migration 0001 builds exactly the tables the models describe, on PostgreSQL and on
SQLite (the embedded default)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from customer_testkit import NOW, staff

from customers import migrate, service
from customers.domain.registration import RegisterCustomer
from customers.models import Base


def test_h2_migration_matches_the_models_on_postgresql(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_c2_service_runs_on_sqlite_after_migration(tmp_path):
    from crmkit.settings import Settings
    from customers.server import build

    url = f"sqlite:///{tmp_path}/customers.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = build(Settings(service="customers", database_url=url))
    try:
        seller = staff("t1", "salesperson")
        cmd = RegisterCustomer(name="Zhang", phone="13800138000", fields={})
        created = service.register_customer(runtime.db.uow(), seller, cmd, now=NOW)
        assert service.get_customer(runtime.db.uow(), seller, created.id).created_at == NOW
        with runtime.db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        runtime.close()
