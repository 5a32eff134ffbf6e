"""The hand-written migration runs on SQLite too (embedded mode); the service-token CLI."""

from __future__ import annotations

import pytest
from identity_testkit import PRIVATE, PUBLIC
from sqlalchemy import create_engine, inspect

from crmkit.auth import TokenVerifier
from identity import tokens
from identity.migrate import migrate
from identity.models import Base


def test_h2_migration_creates_every_table_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path}/identity.db"
    migrate(url)
    migrate(url)  # a second run is a no-op
    tables = set(inspect(create_engine(url)).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_h2_service_token_cli_prints_a_verifiable_token(monkeypatch, capsys):
    monkeypatch.setenv("JWT_PRIVATE_KEY", PRIVATE)
    assert tokens.main(["service-token", "messaging"]) == 0
    actor = TokenVerifier(PUBLIC).verify(capsys.readouterr().out.strip())
    assert actor.is_service and actor.subject_id == "messaging"


def test_h2_service_token_cli_needs_the_private_key(monkeypatch, capsys):
    monkeypatch.delenv("JWT_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("JWT_PRIVATE_KEY_FILE", raising=False)
    assert tokens.main(["service-token", "messaging"]) == 2
    assert "JWT_PRIVATE_KEY" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tokens.main(["service-token", "Bad Name"])
