"""The records database on SQLite and PostgreSQL: migrations, models vs migration, pragmas, append-only audit."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from records_fixtures import ENGINES, RecordsDB
from sqlalchemy import exc as sa_exc
from typer.testing import CliRunner

from landcon.cli.main import app
from landcon.errors import DatabaseError
from landcon.services import database, org, records
from landcon.store import audit
from landcon.store import db as store_db
from landcon.store.models import Base
from landcon.store.pg_throwaway import Cluster

#: tables that belong to the PostGIS extension, not to landcon
EXTENSION_TABLES = {"spatial_ref_sys"}
_counter = itertools.count()


@dataclass(frozen=True)
class EmptyDB:
    url: str
    dialect: str


@pytest.fixture(params=ENGINES)
def empty_db(request: pytest.FixtureRequest, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmptyDB]:
    """A new, empty database (never migrated) configured as the records database."""
    monkeypatch.setenv("LANDCON_DATA_DIR", str(tmp_path / "data"))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        monkeypatch.setenv("LANDCON_DATABASE_URL", url)
        yield EmptyDB(url, "sqlite")
        records.close_all()
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    name = f"fresh_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = cluster.url(name)
    monkeypatch.setenv("LANDCON_DATABASE_URL", url)
    try:
        yield EmptyDB(url, "postgresql")
    finally:
        records.close_all()
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _tables(url: str) -> set[str]:
    engine = store_db.make_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names()) - EXTENSION_TABLES
    finally:
        engine.dispose()


def _triggers(url: str) -> set[str]:
    engine = store_db.make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            else:
                rows = conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            return {str(r[0]) for r in rows}
    finally:
        engine.dispose()


MODEL_TABLES = {t.name for t in Base.metadata.sorted_tables}


def test_migrations_up_down_up(empty_db: EmptyDB) -> None:
    head = store_db.head_revision()
    assert _tables(empty_db.url) == set()

    up = database.upgrade()
    assert (up["from_revision"], up["to_revision"], up["changed"]) == (None, head, True)
    assert _tables(empty_db.url) == MODEL_TABLES | {"alembic_version"}
    assert _triggers(empty_db.url) >= ({"audit_log_append_only"} if empty_db.dialect == "postgresql" else set())

    down = database.downgrade("base")
    assert (down["from_revision"], down["to_revision"]) == (head, None)
    assert _tables(empty_db.url) == {"alembic_version"}
    assert _triggers(empty_db.url) == set()

    again = database.upgrade("head")
    assert again["to_revision"] == head
    assert _tables(empty_db.url) == MODEL_TABLES | {"alembic_version"}
    assert database.upgrade()["changed"] is False
    status = database.status()
    assert status["up_to_date"] is True
    # the audit head row is written by the migration again, so the first audited write chains from it
    org.seed_yunnan(records.system_actor())
    with records.read() as session:
        assert audit.verify(session)["ok"] is True


def test_unknown_revision_is_refused(empty_db: EmptyDB) -> None:
    with pytest.raises(DatabaseError, match="nosuchrev"):
        database.upgrade("nosuchrev")


def _only_landcon(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name in EXTENSION_TABLES)


def test_models_match_migration(records_db: RecordsDB) -> None:
    db = records.database()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _only_landcon, "compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_engine_settings(records_db: RecordsDB) -> None:
    """SQLite: WAL, foreign keys, busy timeout. PostgreSQL: PostGIS installed, foreign keys enforced."""
    db = records.database()
    with db.engine.connect() as conn:
        if records_db.dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        else:
            assert str(store_db.postgis_version(db.engine)).startswith("3.")
    # Foreign keys hold on both: a department of a unit that does not exist is refused.
    with pytest.raises(sa_exc.IntegrityError), db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO departments (unit_id, kind, name) VALUES (999999, 'zrzy', 'x')")


def test_status(records_db: RecordsDB) -> None:
    status = database.status()
    assert status["dialect"] == records_db.dialect
    assert status["current_revision"] == status["head_revision"] == store_db.head_revision()
    assert status["up_to_date"] is True
    if records_db.dialect == "sqlite":
        assert status["journal_mode"] == "wal"
        assert status["path"] == str(records_db.data_dir / "landcon.db")
    else:
        assert status["postgis_version"]


def test_status_hides_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # nothing listens there: the password must not appear even in the connection error
    monkeypatch.setenv("LANDCON_DATABASE_URL", "postgresql://landcon:s3cret@127.0.0.1:1/landcon")
    with pytest.raises(DatabaseError) as caught:
        database.status()
    assert "s3cret" not in str(caught.value)
    assert "***" in str(caught.value)


def test_status_does_not_create_a_sqlite_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    path = tmp_path / "none.db"
    monkeypatch.setenv("LANDCON_DATABASE_URL", f"sqlite:///{path}")
    status = database.status()
    assert status["exists"] is False and status["up_to_date"] is False
    assert not path.exists()


def test_audit_log_is_append_only(records_db: RecordsDB) -> None:
    db = records.database()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one() > 0
    for statement in ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1"):
        with db.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.exec_driver_sql(statement)
    with records.read() as session:
        assert audit.verify(session)["ok"] is True


# CLI -----------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_db_status_and_upgrade(records_db: RecordsDB) -> None:
    result = runner.invoke(app, ["db", "status", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["dialect"] == records_db.dialect and status["up_to_date"] is True

    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "无需升级" in result.stdout

    result = runner.invoke(app, ["db", "upgrade", "--revision", "nosuchrev", "--json"])
    assert result.exit_code == DatabaseError.exit_code
    assert json.loads(result.stdout)["error"]["type"] == "DatabaseError"

    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 0, result.output
    assert "已是最新" in result.stdout


def test_cli_db_downgrade_and_upgrade(empty_db: EmptyDB) -> None:
    head = store_db.head_revision()
    result = runner.invoke(app, ["db", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["to_revision"] == head
    result = runner.invoke(app, ["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert "已降级" in result.stdout
    result = runner.invoke(app, ["db", "status", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["current_revision"] is None
    result = runner.invoke(app, ["db", "upgrade", "--revision", head])
    assert result.exit_code == 0, result.output
    assert "已升级" in result.stdout
