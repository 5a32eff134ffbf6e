"""Alembic, run programmatically: `python -m <service>.migrate` calls `upgrade(...)` with the
service's migrations folder, so no alembic.ini is needed in images or Helm hook Jobs."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from crmkit.db import normalize_url


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def run_env(target_metadata) -> None:
    """Body of each service's migrations/env.py (online mode only: we always have a database)."""
    from alembic import context
    from sqlalchemy import engine_from_config, pool

    config = context.config
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=connection.dialect.name == "sqlite"
        )
        with context.begin_transaction():
            context.run_migrations()
