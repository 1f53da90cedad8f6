"""Quota-ledger fixtures on the 100 m grid (``records_world``: SQLite and PostgreSQL).

The project's plan (``test_plan_cli.GOOD`` plus one 增减挂钩 项目区 G1) gives, by hand:

- 可用于占补平衡 new farmland 10,000 m² = 15 亩: levelling cell (0,0) 10,000 × (0.10 − 0.05) = 500 m²
  at grade 8, and the 即可恢复 orchard cell (2,0) 10,000 × 0.95 = 9,500 m² at grade 9; no 水田;
- 粮食产能 with the default 1,500 − 100 × (grade − 1) kg/亩: 500 m² × 800 + 9,500 m² × 700 per 666.67 m²
  = 600 + 9,975 = 10,575 kg;
- 项目区 G1: 拆旧 the homestead cell (3,0) = 10,000 m² = 15 亩; 建新 half a cell = 5,000 m² = 7.5 亩.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import yaml
from conftest import cell
from records_fixtures import COUNTY_REVIEW, PREFECTURE_REVIEW, PROVINCE_REVIEW, TOWNSHIP
from test_plan_cli import GOOD
from test_plan_engine import META, box

from landcon.errors import NotFound
from landcon.services import projects, records

CODE = "FM-2027-01"
AREA = "G1"
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


def project_to(tmp_path: Path, stage: str, code: str = CODE) -> None:
    """Drive the project (created when missing) through the Yunnan chain until it is at ``stage``."""
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
        "county_review": lambda: projects.advance(author, code),
        "prefecture_review": lambda: _agree_and_close(code, "fm", COUNTY_REVIEW),
        "province_approval": lambda: _agree_and_close(code, "km", PREFECTURE_REVIEW),
        "implementation": lambda: _agree_and_close(code, "yn", PROVINCE_REVIEW),
        "acceptance": lambda: projects.advance(records.actor("fm_sup"), code),
        "aftercare": lambda: projects.advance(records.actor("km_sup"), code),
    }
    for name in ORDER[ORDER.index(current) + 1 : ORDER.index(stage) + 1]:
        steps[name]()


def _agree_and_close(code: str, prefix: str, kinds: tuple[str, ...]) -> None:
    for kind in kinds:
        projects.give_opinion(records.actor(f"{prefix}_{kind}"), code, "同意")
    projects.advance(records.actor(f"{prefix}_zrzy"), code)
