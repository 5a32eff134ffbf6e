"""H2 data: migration 0001 builds exactly the tables the models describe, on PostgreSQL and on
SQLite (the embedded default); the composition root refuses to start without its peers."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from orders_testkit import staff

from crmkit.settings import MissingSetting, Settings
from orders import migrate, server
from orders.domain.catalogue import ProductInput
from orders.domain.lines import LineRequest
from orders.models import Base
from orders.service import catalogue, ordering, stock
from orders.service.customers import CustomerInfo


def test_h2_migration_matches_the_models_on_postgresql(db):
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


class OneCustomer:
    def get(self, customer_id):
        return CustomerInfo(id=customer_id, name="Zhang", owner_staff_id="", store_id="store-1", level="A")


def test_b2_service_runs_on_sqlite_after_migration(tmp_path):
    from datetime import UTC, datetime

    url = f"sqlite:///{tmp_path}/orders.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = server.build(Settings(service="orders", database_url=url), customers=OneCustomer())
    try:
        now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
        owner = staff("t1", "owner")
        cola = catalogue.create_product(
            runtime.db.uow(),
            owner,
            ProductInput(name="Cola", wholesale_price_fen=100, level_prices=(("A", 90),)),
            now=now,
        )
        stock.set_stock(runtime.db.uow(), owner, cola.id, "store-1", 5, "count", now=now)
        cmd = ordering.SubmitOrder(customer_id="c1", lines=(LineRequest(cola.id, 2),), idempotency_key="k")
        order = ordering.submit_order(runtime.db.uow(), owner, OneCustomer(), cmd, now=now)
        assert (order.number, order.total_fen, order.salesperson_id) == ("XS20261123-0001", 180, owner.staff_id)
        assert ordering.submit_order(runtime.db.uow(), owner, OneCustomer(), cmd, now=now) == order
        with runtime.db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        runtime.close()


def test_b2_credit_control_prices_and_quotes_run_on_sqlite(tmp_path):
    """The order path's statements built for PostgreSQL run on the embedded database too (issue
    16): the blocked order is refused before a number is drawn, quotes and credit read alike."""
    from datetime import UTC, datetime

    from crmkit.errors import Conflict
    from orders.service import credit, pricing, receivables, settings

    url = f"sqlite:///{tmp_path}/orders.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = server.build(Settings(service="orders", database_url=url), customers=OneCustomer())
    try:
        now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
        owner, db, customers = staff("t1", "owner"), runtime.db, OneCustomer()
        cola = catalogue.create_product(db.uow(), owner, ProductInput(name="Cola", wholesale_price_fen=100), now=now)
        settings.update_order_settings(db.uow(), owner, settings.OrderSettings(credit_control="block"), now=now)
        receivables.set_credit_term(db.uow(), owner, customers, "c1", 0, limit_fen=300, now=now)
        two = ordering.SubmitOrder(customer_id="c1", lines=(LineRequest(cola.id, 2),))
        first = ordering.submit_order(db.uow(), owner, customers, two, now=now)
        with pytest.raises(Conflict):
            ordering.submit_order(db.uow(), owner, customers, two, now=now)
        one = ordering.SubmitOrder(customer_id="c1", lines=(LineRequest(cola.id, 1),))
        assert ordering.submit_order(db.uow(), owner, customers, one, now=now).number == "XS20261123-0002"
        assert first.number == "XS20261123-0001"
        position = credit.get_customer_credit(db.uow(), owner, customers, "c1", now=now).position
        assert (position.limit_fen, position.pending_fen) == (300, 300)
        [quote] = pricing.quote_prices(db.uow(), owner, customers, "c1", [cola.id])
        assert (quote.default_source, quote.default_price_fen) == ("last", 100)
    finally:
        runtime.close()


def test_b2_server_needs_the_customers_address(tmp_path):
    with pytest.raises(MissingSetting) as err:
        server.build(Settings(service="orders", database_url=f"sqlite:///{tmp_path}/x.db"))
    assert err.value.name == "CUSTOMERS_ADDR"


def test_b2_main_stops_without_database_or_key(monkeypatch):
    for name in ("DATABASE_URL", "JWT_PUBLIC_KEY", "JWT_PUBLIC_KEY_FILE", "CUSTOMERS_ADDR"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingSetting) as err:
        server.main()
    assert err.value.name == "DATABASE_URL"
