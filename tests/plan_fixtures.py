"""Plan fixtures on the 100 m grid (``conftest``): the base DLTB of the plan tests, plan layers and
metadata, and a plan folder (plan.gpkg + plan.yaml) as users deliver it.

Base: row 0 = 0103 0103 0201(JKHF) 0702; row 1 = 0301 0301 0404 0404 (``base``); ``GOOD`` levels
field (0,0) and restores the orchard (2,0), the plan every records and web test submits.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
import yaml
from conftest import CELL, X0, Y0, cell, dltb_row, grid_dltb

from landcon.engine.plan import normalise

CRS = "EPSG:4543"


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0 * CELL, Y0 + y0 * CELL, X0 + x1 * CELL, Y0 + y1 * CELL)


def base() -> gpd.GeoDataFrame:
    rows = [
        dltb_row("1", "0103", cell(0, 0), GDPDJB="2", GDDB=8),
        dltb_row("2", "0103", cell(1, 0), GDPDJB="5", GDDB=12),
        dltb_row("3", "0201", cell(2, 0), ZZSXDM="JKHF", ZZSXMC="即可恢复"),
        dltb_row("4", "0702", cell(3, 0)),
        dltb_row("5", "0301", cell(0, 1)),
        dltb_row("6", "0301", cell(1, 1)),
        dltb_row("7", "0404", cell(2, 1)),
        dltb_row("8", "0404", cell(3, 1)),
    ]
    frame = grid_dltb(rows)
    frame["KCXS"] = [0.1, 0.1, None, None, None, None, None, None]
    return frame


def layer(name: str, rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS) if rows else None
    if frame is None:
        from landcon.engine.plan import empty_layers

        frame = empty_layers(CRS)[name]
    return normalise(name, frame)


META = {
    "name": "测试方案",
    "start_year": 2025,
    "end_year": 2027,
    "sub_projects": [
        {"code": "Z1", "name": "农用地整理", "type": "农用地整理", "investment": 600},
        {"code": "Z2", "name": "挂钩", "type": "建设用地整理", "investment": 400},
    ],
    "funding": [{"source": "中央财政", "amount": 700}, {"source": "县级财政", "amount": 300}],
}


def write_plan(folder: Path, cz: list[dict[str, object]], meta: dict[str, object] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "plan.gpkg"
    frames = {
        "ZZQY": [{"ZZQYBH": "Q1", "ZZQYMC": "测试区", "geometry": box(0, 0, 4, 2)}],
        "CZGHTB": cz,
        "YJJBNTTZTB": [
            {"TZLX": "调出", "TZYNDKBH": "O1", "geometry": box(1, 0, 1.05, 1)},
            {"TZLX": "调入", "TZYNDKBH": "I1", "ZHGDDB": 9, "ZHPDJB": "2", "geometry": cell(2, 0)},
        ],
    }
    for name, rows in frames.items():
        gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4543").to_file(gpkg, layer=name, engine="pyogrio")
    (folder / "plan.yaml").write_text(yaml.safe_dump(meta or META, allow_unicode=True), encoding="utf-8")
    return folder


GOOD = [
    {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHKCXS": 0.05, "geometry": cell(0, 0)},
    {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHKCXS": 0.05, "ZHGDDB": 9, "ZHPDJB": "2", "geometry": cell(2, 0)},
]
