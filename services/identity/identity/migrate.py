"""`python -m identity.migrate`: bring the database to the latest schema (also the Helm hook Job)."""

from __future__ import annotations

from pathlib import Path

from crmkit.migrate import upgrade
from crmkit.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url)


def main() -> None:
    settings = Settings.from_env("identity").require("database_url")
    migrate(settings.database_url)


if __name__ == "__main__":
    main()
