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


PASSWORD = "secret123"
COUNTY, OTHER_COUNTY, PREFECTURE, PROVINCE = "530124", "530102", "530100", "530000"
TOWNSHIP, VILLAGE_CODE = "530124100", "530124100201"
COUNTY_REVIEW = ("zrzy", "cz", "fg", "nync", "lc", "sl", "sthj", "zjj")
PREFECTURE_REVIEW = ("zrzy", "nync", "lc", "sthj")
PROVINCE_REVIEW = ("zrzy", "nync")
#: username → (unit, department kind, roles)
WORLD_USERS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "fm_admin": (COUNTY, None, ("admin",)),
    "fm_author": (COUNTY, "zrzy", ("author",)),
    "fm_leader": (COUNTY, None, ("leader",)),
    "fm_sup": (COUNTY, "zrzy", ("supervisor",)),
    "fm_town": (TOWNSHIP, "xzf", ("reporter",)),
    **{f"fm_{k}": (COUNTY, k, ("reviewer",)) for k in COUNTY_REVIEW},
    **{f"km_{k}": (PREFECTURE, k, ("reviewer",)) for k in PREFECTURE_REVIEW},
    "km_sup": (PREFECTURE, "zrzy", ("supervisor",)),
    **{f"yn_{k}": (PROVINCE, k, ("reviewer",)) for k in PROVINCE_REVIEW},
    "yn_sup": (PROVINCE, "zrzy", ("supervisor",)),
    "wh_author": (OTHER_COUNTY, "zrzy", ("author",)),
    "wh_admin": (OTHER_COUNTY, None, ("admin",)),
    "wh_zrzy": (OTHER_COUNTY, "zrzy", ("reviewer",)),
    "wh_sup": (OTHER_COUNTY, "zrzy", ("supervisor",)),
}


def _populate_world(data_dir: Path) -> None:
    """Townships, a village, the 100 m grid dataset ``grid`` and one user per role and department."""
    import geopandas as gpd
    from conftest import cell
    from plan_fixtures import base, box

    from landcon.services.datasets import import_dataset

    admin = records.system_actor()
    with records.write(admin, "test.units") as session:
        org._add_units(session, [(TOWNSHIP, "款庄镇"), (VILLAGE_CODE, "测试村"), ("530102001", "华山街道")])
    path = data_dir / "grid.gpkg"
    base().to_file(path, layer="DLTB", engine="pyogrio")
    zone = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4543")
    zone.to_file(path, layer="YJJBNTBHTB", engine="pyogrio")
    import_dataset(path, "grid")
    path.unlink()
    assert cell(0, 0).area == 10_000
    for name, (unit, dept, roles) in WORLD_USERS.items():
        org.add_user(admin, name, password=PASSWORD, unit=unit, roles=roles, department=dept)


def _seed(url: str, data_dir: Path, *, world: bool = False) -> None:
    saved = {k: os.environ.get(k) for k in ("LANDCON_DATABASE_URL", "LANDCON_DATA_DIR")}
    os.environ["LANDCON_DATABASE_URL"], os.environ["LANDCON_DATA_DIR"] = url, str(data_dir)
    try:
        org.seed_yunnan(records.system_actor())
        if world:
            _populate_world(data_dir)
    finally:
        records.close_all()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg_throwaway.Cluster]:
    with pg_throwaway.throwaway_cluster({"fsync": "off", "synchronous_commit": "off"}) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def _templates() -> dict[tuple[str, str], tuple[str, Path]]:
    """Templates built on first use: (engine, kind) → (SQLite file or PostgreSQL database name, data dir)."""
    return {}


def _template(request: pytest.FixtureRequest, engine: str, kind: str) -> tuple[str, Path]:
    cache = request.getfixturevalue("_templates")
    if (engine, kind) not in cache:
        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        data_dir = factory.mktemp(f"{engine}-{kind}")
        if engine == "sqlite":
            where = str(data_dir / "landcon.db")
            _seed(f"sqlite:///{where}", data_dir, world=kind == "world")
        else:
            cluster: pg_throwaway.Cluster = request.getfixturevalue("pg_cluster")
            where = f"landcon_{kind}"
            with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {where}")
            _seed(cluster.url(where), data_dir, world=kind == "world")
        cache[(engine, kind)] = (where, data_dir)
    return cache[(engine, kind)]


def _fresh(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> Iterator[RecordsDB]:
    engine = request.param
    where, template_dir = _template(request, engine, kind)
    data_dir = tmp_path / "data"
    shutil.copytree(template_dir, data_dir)
    monkeypatch.setenv("LANDCON_DATA_DIR", str(data_dir))
    if engine == "sqlite":
        url = f"sqlite:///{data_dir / 'landcon.db'}"
        monkeypatch.setenv("LANDCON_DATABASE_URL", url)
        yield RecordsDB(url, "sqlite", data_dir)
        records.close_all()
        return
    cluster: pg_throwaway.Cluster = request.getfixturevalue("pg_cluster")
    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {where}")
    url = cluster.url(name)
    monkeypatch.setenv("LANDCON_DATABASE_URL", url)
    try:
        yield RecordsDB(url, "postgresql", data_dir)
    finally:
        records.close_all()
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=ENGINES)
def records_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordsDB]:
    """A fresh records database (Yunnan seeded) on each engine; data directory in ``tmp_path``."""
    yield from _fresh(request, tmp_path, monkeypatch, "seeded")


@pytest.fixture(scope="module", params=ENGINES)
def records_world_once(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordsDB]:
    """``records_world`` set up once per test module and engine, for a scenario whose results the
    module's tests then only read."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _fresh(request, tmp_path_factory.mktemp("world"), monkeypatch, "world")


@pytest.fixture(params=ENGINES)
def records_world(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RecordsDB]:
    """``records_db`` plus townships, the ``grid`` dataset and the users of ``WORLD_USERS``."""
    yield from _fresh(request, tmp_path, monkeypatch, "world")
