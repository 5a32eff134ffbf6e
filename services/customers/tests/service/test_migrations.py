"""H2 data: migration 0001 builds exactly the tables the models describe, on PostgreSQL and on
SQLite (the embedded default)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from customer_testkit import NOW, staff

from crmkit.paging import page_of
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


def test_c3_c5_c12_ownership_runs_on_sqlite(tmp_path):
    """The embedded mode: pool sweep, claim, tags and near me on SQLite after migration 0004."""
    from datetime import timedelta

    from crmkit.settings import Settings
    from customers.domain.pool import CustomerSettings
    from customers.server import build
    from customers.service import nearby, ownership, tags
    from customers.service.customer_settings import update_customer_settings
    from customers.service.pool_sweep import sweep_pool

    url = f"sqlite:///{tmp_path}/customers.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = build(Settings(service="customers", database_url=url))
    db = runtime.db
    try:
        seller, other, owner = staff("t1", "salesperson"), staff("t1", "salesperson"), staff("t1", "owner")
        update_customer_settings(
            db.uow(), owner, CustomerSettings(pool_followup_days=10, pool_warning_days=2, max_customers_held=5), now=NOW
        )
        cmd = RegisterCustomer(name="Zhang", phone="13800138000", fields={}, latitude=31.23, longitude=121.47)
        created = service.register_customer(db.uow(), seller, cmd, now=NOW)
        assert sweep_pool(db.uow(), NOW + timedelta(days=8)).warned == 1
        assert sweep_pool(db.uow(), NOW + timedelta(days=10)).returned == 1
        claimed = ownership.claim_customer(db.uow(), other, created.id, now=NOW + timedelta(days=11))
        assert claimed.owner_staff_id == other.staff_id
        tag = tags.create_tag(db.uow(), owner, "VIP", "", now=NOW)
        assert tags.tag_customers(db.uow(), other, [tag.id], [created.id], now=NOW) == 1
        assert service.list_customers(db.uow(), other, page_of(), tag_id=tag.id).total == 1
        [near] = nearby.nearby_customers(db.uow(), other, 31.2301, 121.47, 1000)
        assert near.customer.id == created.id and near.distance_m == 11
    finally:
        runtime.close()
