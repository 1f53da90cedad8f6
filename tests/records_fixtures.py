"""Records-database fixtures: every test that takes ``records_db`` runs on SQLite *and* PostgreSQL.

PostgreSQL is a throwaway cluster started once per test session (``landcon.store.pg_throwaway``,
which installs Debian's postgresql-15-postgis-3 when missing) and stopped at the end. Each test gets
a fresh database copied from a template that is migrated and seeded with Yunnan's units once
(``CREATE DATABASE … TEMPLATE``; for SQLite a file copy), so tests are independent and fast.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from landcon.services import org, records
from landcon.store import pg_throwaway

ENGINES = ("sqlite", "postgresql")
_counter = itertools.count()


@dataclass(frozen=True)
class RecordsDB:
    url: str
    dialect: str
    data_dir: Path


def _seed(url: str, data_dir: Path) -> None:
    saved = {k: os.environ.get(k) for k in ("LANDCON_DATABASE_URL", "LANDCON_DATA_DIR")}
    os.environ["LANDCON_DATABASE_URL"], os.environ["LANDCON_DATA_DIR"] = url, str(data_dir)
    try:
        org.seed_yunnan(records.system_actor())
    finally:
        records.close_all()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sqlite-template")
    path = root / "landcon.db"
    _seed(f"sqlite:///{path}", root)
    return path


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg_throwaway.Cluster]:
    with pg_throwaway.throwaway_cluster({"fsync": "off", "synchronous_commit": "off"}) as cluster:
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute("CREATE DATABASE landcon_template")
        _seed(cluster.url("landcon_template"), Path(os.environ.get("TMPDIR", "/tmp")))
        yield cluster


@pytest.fixture(params=ENGINES)
def records_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordsDB]:
    """A fresh records database (Yunnan seeded) on each engine; data directory in ``tmp_path``."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("LANDCON_DATA_DIR", str(data_dir))
    if request.param == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        shutil.copyfile(template, data_dir / "landcon.db")
        url = f"sqlite:///{data_dir / 'landcon.db'}"
        monkeypatch.setenv("LANDCON_DATABASE_URL", url)
        yield RecordsDB(url, "sqlite", data_dir)
        records.close_all()
        return
    cluster: pg_throwaway.Cluster = request.getfixturevalue("pg_cluster")
    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE landcon_template")
    url = cluster.url(name)
    monkeypatch.setenv("LANDCON_DATABASE_URL", url)
    try:
        yield RecordsDB(url, "postgresql", data_dir)
    finally:
        records.close_all()
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
