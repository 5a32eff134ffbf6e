"""H2 data: the migrations build exactly the tables the models describe, on PostgreSQL and on
SQLite (the embedded default); the composition root refuses to start without its settings."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from coupons_testkit import FakeCustomers, claims_written

from coupons import migrate, server
from coupons.models import Base
from crmkit.settings import MissingSetting, Settings


def test_h2_migrations_match_the_models_on_postgresql(db):
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_h2_migrations_match_the_models_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path}/coupons.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = server.build(Settings(service="coupons", database_url=url), customers=FakeCustomers())
    try:
        with runtime.db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        runtime.stop_background()
        runtime.close()


def test_e2_server_needs_the_customers_address(tmp_path):
    with pytest.raises(MissingSetting) as err:
        server.build(Settings(service="coupons", database_url=f"sqlite:///{tmp_path}/x.db"))
    assert err.value.name == "CUSTOMERS_ADDR"


def test_h2_main_stops_without_database_key_or_redis(monkeypatch):
    for name in ("DATABASE_URL", "JWT_PUBLIC_KEY", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("JWT_PUBLIC_KEY", "x")
    with pytest.raises(MissingSetting) as err:
        server.main()
    assert err.value.name == "REDIS_URL"


def test_e2_e4_embedded_mode_claims_and_redeems_on_sqlite_and_fakeredis(tmp_path):
    """`make run` has no Redis server: crmkit's fakeredis (with Lua) runs the same stock script."""
    from datetime import UTC, datetime

    from coupons.domain.redemption import Line
    from coupons.domain.templates import TemplateInput
    from coupons.service import coupons_claims, redemption, templates
    from coupons.service.coupons_stock import ClaimStock
    from crmkit.auth import STAFF, Actor
    from crmkit.errors import Conflict

    url = f"sqlite:///{tmp_path}/coupons.db"
    migrate.upgrade(migrate.MIGRATIONS, url)
    runtime = server.build(Settings(service="coupons", database_url=url), customers=FakeCustomers())
    try:
        now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
        owner = Actor(kind=STAFF, subject_id="s-1", tenant_id="t-1", roles=frozenset({"owner"}))
        made = templates.create_template(
            runtime.db.uow(),
            owner,
            TemplateInput(name="券", kind="cash", value_fen=500, valid_days=5, total_quantity=1),
            now=now,
        )
        # The server's own counters and stream, and its claim writer running beside it (ADR 0021).
        stock: ClaimStock = runtime.registrations[0].servicer.stock
        runtime.start_background()
        got = coupons_claims.claim_coupon(runtime.db.uow, stock, made.claim_token, "13900000001", now=now)
        with pytest.raises(Conflict) as err:
            coupons_claims.claim_coupon(runtime.db.uow, stock, made.claim_token, "13900000002", now=now)
        assert err.value.code == "COUPON_SOLD_OUT"
        claims_written(runtime)
        cmd = redemption.RedeemCommand(got.code, "o-1", "", (Line("p", "c", 1, 800),))
        assert redemption.redeem(runtime.db.uow(), owner, cmd, now=now).discount_fen == 500
        with pytest.raises(Conflict):
            redemption.redeem(
                runtime.db.uow(), owner, redemption.RedeemCommand(got.code, "o-2", "", cmd.lines), now=now
            )
    finally:
        runtime.close()
