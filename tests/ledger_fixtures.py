"""Quota-ledger fixtures on the 100 m grid (``records_world``: SQLite and PostgreSQL).

The project's plan (``plan_fixtures.GOOD`` plus one 增减挂钩 项目区 G1) gives, by hand:

- 可用于占补平衡 new farmland 10,000 m² = 15 亩: levelling cell (0,0) 10,000 × (0.10 − 0.05) = 500 m²
  at grade 8, and the 即可恢复 orchard cell (2,0) 10,000 × 0.95 = 9,500 m² at grade 9; no 水田;
- 粮食产能 with the default 1,500 − 100 × (grade − 1) kg/亩: 500 m² × 800 + 9,500 m² × 700 per 666.67 m²
  = 600 + 9,975 = 10,575 kg;
- 项目区 G1: 拆旧 the homestead cell (3,0) = 10,000 m² = 15 亩; 建新 half a cell = 5,000 m² = 7.5 亩.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import psycopg
import pytest
import yaml
from acceptance_fixtures import meta, passing_opinion, write_asbuilt
from acceptance_fixtures import rows as asbuilt_rows
from conftest import cell
from plan_fixtures import GOOD, META, box
from publicity_fixtures import plan_cleared
from records_fixtures import COUNTY_REVIEW, PREFECTURE_REVIEW, PROVINCE_REVIEW, TOWNSHIP, _template

from landcon.errors import NotFound
from landcon.services import projects, records

CODE = "FM-2027-01"
AREA = "G1"
#: 补充耕地指标 of the project, accepted on as-built data built as planned (``accept_as_planned``).
FARMLAND_M2, GRAIN_KG = 10_000.0, 10_575
DEMOLISHED_M2, BUILD_M2 = 10_000.0, 5_000.0
LINKAGE = [
    {"XMQBH": AREA, "GGLX": "拆旧", "FKDLBM": "0103", "CMTY": "是", "ZHPDJB": "1", "geometry": cell(3, 0)},
    {"XMQBH": AREA, "GGLX": "建新", "JXDLBM": "0702", "geometry": box(3, 1, 3.5, 2)},
]


def linkage_plan(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "plan.gpkg"
    frames = {
        "ZZQY": [{"ZZQYBH": "Q1", "ZZQYMC": "测试区", "geometry": box(0, 0, 4, 2)}],
        "CZGHTB": GOOD,
        "YJJBNTTZTB": [
            {"TZLX": "调出", "TZYNDKBH": "O1", "geometry": box(1, 0, 1.05, 1)},
            {"TZLX": "调入", "TZYNDKBH": "I1", "ZHGDDB": 9, "ZHPDJB": "2", "geometry": cell(2, 0)},
        ],
        "ZJGGTB": LINKAGE,
    }
    for name, rows in frames.items():
        gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4543").to_file(gpkg, layer=name, engine="pyogrio")
    (folder / "plan.yaml").write_text(yaml.safe_dump(META, allow_unicode=True), encoding="utf-8")
    return folder


ORDER = ("plan", "county_review", "prefecture_review", "province_approval", "implementation", "acceptance", "aftercare")


def project_to(tmp_path: Path, stage: str, code: str = CODE, *, a2_width: float = 1.0) -> None:
    """Drive the project (created when missing) through the Yunnan chain until it is at ``stage``;
    past acceptance it is accepted on as-built data with A2 built ``a2_width`` of its cell
    (``accept_as_planned``)."""
    author = records.actor("fm_author")
    try:
        current = str(projects.show_project(author, code)["stage"])
    except NotFound:
        projects.create_project(
            author, code, "富民县款庄镇全域土地综合整治", county="530124", units=[TOWNSHIP], dataset="grid"
        )
        projects.advance(author, code)
        v = projects.save_plan(author, code, linkage_plan(tmp_path / f"plan-{code}"))
        assert v["errors"] == 0, v
        current = "plan"
    steps = {
        "county_review": lambda: (plan_cleared(code), projects.advance(author, code)),
        "prefecture_review": lambda: _agree_and_close(code, "fm", COUNTY_REVIEW),
        "province_approval": lambda: _agree_and_close(code, "km", PREFECTURE_REVIEW),
        "implementation": lambda: _agree_and_close(code, "yn", PROVINCE_REVIEW),
        "acceptance": lambda: (
            accept_if_due(code, tmp_path, a2_width),
            projects.advance(records.actor("fm_sup"), code),
        ),
        "aftercare": lambda: (accept_if_due(code, tmp_path, a2_width), projects.advance(records.actor("km_sup"), code)),
    }
    for name in ORDER[ORDER.index(current) + 1 : ORDER.index(stage) + 1]:
        steps[name]()


def accept_if_due(code: str, tmp_path: Path, a2_width: float = 1.0) -> None:
    """``accept_as_planned`` when the project stands at its chain's acceptance stage (the next advance
    reaches the ``accepted`` milestone), so any chain can be driven past it."""
    from sqlalchemy import select

    from landcon.engine import workflow as wf
    from landcon.store.models import Project

    with records.read() as session:
        project = session.scalars(select(Project).where(Project.code == code)).one()
        due = wf.Chain.from_dict(project.chain).milestones.accepted == project.stage
    if due:
        accept_as_planned(code, tmp_path, a2_width=a2_width)


def accept_as_planned(code: str, tmp_path: Path, *, a2_width: float = 1.0) -> dict[str, Any]:
    """A passing whole-project acceptance (by km_sup, at the acceptance stage) on hand-made as-built data
    (acceptance_fixtures.rows): with the default ``a2_width`` built as planned, so the quota equals the
    plan's; 0.5 builds A2 on the western half of its cell only."""
    from landcon.services import acceptance, acceptance_records

    folder = write_asbuilt(tmp_path / f"asbuilt-{code}-{a2_width}", asbuilt_rows(a2_width), meta(project=code))
    run = acceptance.compute(records.actor("fm_sup"), code, folder)
    return acceptance_records.record(
        records.actor("km_sup"),
        code,
        level="project",
        accepted_on="2027-11-15",
        members=["验收组长"],
        computation=run.out_dir / "acceptance.json",
        **passing_opinion(run.data),
    )


def _agree_and_close(code: str, prefix: str, kinds: tuple[str, ...]) -> None:
    for kind in kinds:
        projects.give_opinion(records.actor(f"{prefix}_{kind}"), code, "同意")
    projects.advance(records.actor(f"{prefix}_zrzy"), code)


ACTORS = ("yn_sup", "fm_sup", "wh_sup")


_names = itertools.count()


@dataclass(frozen=True)
class Template:
    engine: str
    where: str  # SQLite file or PostgreSQL database name
    data_dir: Path
    actors: dict[str, records.Actor]


@dataclass
class Copy:
    engine: str
    url: str
    data_dir: Path
    drop: Callable[[], None]


def ledger_template(request: pytest.FixtureRequest, engine: str) -> Template:
    """World template + project FM-2027-01 at 验收后管护 (accepted), built once per session and backend."""
    cache = request.getfixturevalue("_templates")
    if (engine, "ledger-accepted") not in cache:
        world, world_dir = _template(request, engine, "world")
        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        data_dir = factory.mktemp(f"{engine}-ledger")
        shutil.copytree(world_dir, data_dir, dirs_exist_ok=True)
        if engine == "sqlite":
            where = str(data_dir / "landcon.db")
            url = f"sqlite:///{where}"
        else:
            where = "landcon_ledger"
            cluster = request.getfixturevalue("pg_cluster")
            with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {where} TEMPLATE {world}")
            url = cluster.url(where)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("LANDCON_DATABASE_URL", url)
            mp.setenv("LANDCON_DATA_DIR", str(data_dir))
            try:
                project_to(factory.mktemp(f"{engine}-ledger-plan"), "aftercare")
                actors = {name: records.actor(name) for name in ACTORS}
            finally:
                records.close_all()
        cache[(engine, "ledger-accepted")] = Template(engine, where, data_dir, actors)
    return cache[(engine, "ledger-accepted")]


def ledger_copy(request: pytest.FixtureRequest, engine: str, dest: Path) -> Copy:
    """A fresh copy of the ledger template; the caller points LANDCON_* at it and calls ``drop`` after."""
    tpl = ledger_template(request, engine)
    data_dir = dest / f"data{next(_names)}"
    shutil.copytree(tpl.data_dir, data_dir)
    if engine == "sqlite":
        return Copy(engine, f"sqlite:///{data_dir / 'landcon.db'}", data_dir, lambda: shutil.rmtree(data_dir, True))
    cluster = request.getfixturevalue("pg_cluster")
    name = f"lg{os.getpid()}_{next(_names)}"
    with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {tpl.where}")

    def drop() -> None:
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(data_dir, True)

    return Copy(engine, cluster.url(name), data_dir, drop)


def use_copy(monkeypatch: pytest.MonkeyPatch, copy: Copy) -> None:
    records.close_all()
    monkeypatch.setenv("LANDCON_DATABASE_URL", copy.url)
    monkeypatch.setenv("LANDCON_DATA_DIR", str(copy.data_dir))
