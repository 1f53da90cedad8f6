"""Shared fixtures: a hand-computable grid of 100 m cells on the central meridian of EPSG:4543.

On the central meridian of a Gauss–Krüger zone the scale factor is 1, so a 100 m × 100 m cell has
an ellipsoid area of 10 000.00 m² (to < 0.001 m²) — answers can be worked out on paper.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

pytest_plugins = ["records_fixtures"]

X0, Y0 = 500_000.0, 2_800_000.0  # CM 102°E, about 25.3°N (central Yunnan)
CELL = 100.0
VILLAGE = "5301241002010000000"  # 19-char 坐落单位代码: village 530124100201


def cell(col: int, row: int, size: float = CELL) -> shapely.Polygon:
    return shapely.box(X0 + col * size, Y0 + row * size, X0 + (col + 1) * size, Y0 + (row + 1) * size)


def dltb_row(bsm: str, dlbm: str, geom: shapely.Geometry, **over: object) -> dict[str, object]:
    """One DLTB feature with every field consistent; ``over`` overrides fields."""
    from landcon.engine.codes import CULTIVATED_CODES, LAND_USE_NAMES

    tbmj = round(shapely.area(geom), 2)
    cultivated = dlbm in CULTIVATED_CODES
    kcxs = 0.1 if cultivated else 0.0
    kcmj = round(tbmj * kcxs, 2)
    row: dict[str, object] = {
        "BSM": bsm,
        "YSDM": "2001010100",
        "TBBH": bsm[-4:],
        "DLBM": dlbm,
        "DLMC": LAND_USE_NAMES[dlbm],
        "QSXZ": "30",
        "QSDWDM": VILLAGE,
        "QSDWMC": "大营村委会",
        "ZLDWDM": VILLAGE,
        "ZLDWMC": "大营村委会",
        "TBMJ": tbmj,
        "KCDLBM": "1203" if cultivated else None,
        "KCXS": kcxs if cultivated else None,
        "KCMJ": kcmj,
        "TBDLMJ": round(tbmj - kcmj, 2),
        "GDLX": "TT" if cultivated else None,
        "GDPDJB": "3" if cultivated else None,
        "TBXHDM": None,
        "TBXHMC": None,
        "ZZSXDM": "LS" if cultivated else None,
        "ZZSXMC": "种植粮食作物" if cultivated else None,
        "GDDB": 7 if cultivated else None,
        "CZCSXM": None,
        "SJNF": 2023,
        "MSSM": "00",
        "geometry": geom,
    }
    row.update(over)
    return row


def grid_dltb(rows: list[dict[str, object]] | None = None, crs: object = "EPSG:4543") -> gpd.GeoDataFrame:
    """A 3 × 2 grid: row 0 = 水田 水田 旱地, row 1 = 乔木林地 农村宅基地 果园 (all 10 000 m²)."""
    if rows is None:
        classes = ["0101", "0101", "0103", "0301", "0702", "0201"]
        rows = [dltb_row(f"53012410020100000{i + 1}", dlbm, cell(i % 3, i // 3)) for i, dlbm in enumerate(classes)]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    frame["SJNF"] = frame["SJNF"].astype("int64")
    return frame


@pytest.fixture
def dltb() -> gpd.GeoDataFrame:
    return grid_dltb()


def write_grid(path, dltb=None):
    (dltb if dltb is not None else grid_dltb()).to_file(path, layer="DLTB", engine="pyogrio")
    zone = gpd.GeoDataFrame({"BSM": ["1"], "DLBM": ["0101"]}, geometry=[cell(0, 0)], crs="EPSG:4543")
    zone.to_file(path, layer="YJJBNTBHTB", engine="pyogrio")
    return path
