"""`python -m printing.migrate`: bring the printing database to the latest schema (also the Helm
pre-install/upgrade hook Job)."""

from __future__ import annotations

from pathlib import Path

from crmkit.migrate import upgrade
from crmkit.settings import env

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    upgrade(MIGRATIONS, env("DATABASE_URL", required=True))


if __name__ == "__main__":
    main()
