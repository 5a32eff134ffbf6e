"""A throwaway service made the way docs/adding-a-service.md says, for the checks that a service
is added by its declaration alone (issue 12): the smallest that runs (gRPC health only, an outbox,
one migration, one test), installed onto a path of its own with the `crm.services` entry point
its pyproject.toml would register. The integration journeys run both platforms with it."""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from pathlib import Path

NAME = "example"
PORT = 50090

FILES = {
    "__init__.py": "",
    "declaration.py": f'''
        from pathlib import Path

        from crmkit.declaration import Declaration

        DECLARATION = Declaration(
            name="{NAME}",
            grpc_port={PORT},
            doc="a throwaway service of the launcher's tests",
            grpc_services=(),
            build="{NAME}.server:build",
            migrations=Path(__file__).parent / "migrations",
        )
    ''',
    "models.py": """
        from sqlalchemy.orm import DeclarativeBase

        from crmkit.db import OutboxMixin, ProcessedEventMixin


        class Base(DeclarativeBase):
            pass


        class Outbox(OutboxMixin, Base):
            pass


        class ProcessedEvent(ProcessedEventMixin, Base):
            pass
    """,
    "server.py": f"""
        from crmkit.runtime import ServiceRuntime, serve

        from {NAME}.declaration import DECLARATION


        def build(settings, **ports):
            settings.require("database_url")
            db = DECLARATION.open_database(settings.database_url)
            return ServiceRuntime(service=DECLARATION.name, db=db, registrations=[])


        def main():
            settings = DECLARATION.settings_from_env()
            serve(build(settings), settings)


        if __name__ == "__main__":
            main()
    """,
    "migrate.py": f"""
        from crmkit.migrate import upgrade
        from crmkit.settings import env

        from {NAME}.declaration import DECLARATION

        if __name__ == "__main__":
            upgrade(DECLARATION.migrations, env("DATABASE_URL", required=True))
    """,
    "migrations/env.py": f"""
        from crmkit.migrate import run_env
        from {NAME}.models import Base

        run_env(Base.metadata)
    """,
    "migrations/versions/0001_initial.py": f"""
        from alembic import op

        revision = "0001"
        down_revision = None


        def upgrade():
            from {NAME}.models import Base

            Base.metadata.create_all(op.get_bind())
    """,
}
TEST = """
    from example.declaration import DECLARATION


    def test_example_declares_its_port():
        assert DECLARATION.grpc_port == 50090
"""


def make(root: Path) -> Path:
    """Write the service under root/services/example and install it into root/site (what
    `pip install -e services/example` does); answers the folder to put on the Python path
    (sys.path here, PYTHONPATH for processes)."""
    site = root / "site"
    package = site / NAME
    for relative, text in FILES.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    info = site / f"crm_{NAME}-0.1.0.dist-info"
    info.mkdir()
    info.joinpath("METADATA").write_text(f"Metadata-Version: 2.1\nName: crm-{NAME}\nVersion: 0.1.0\n")
    info.joinpath("entry_points.txt").write_text(f"[crm.services]\n{NAME} = {NAME}.declaration:DECLARATION\n")
    tests = root / "services" / NAME / "tests" / "unit"
    tests.mkdir(parents=True)
    (tests / f"test_{NAME}.py").write_text(textwrap.dedent(TEST).lstrip())
    return site


def install(root: Path) -> dict[str, str]:
    """make(), then on this process's path; answers the environment a process needs to see it."""
    site = make(root)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
