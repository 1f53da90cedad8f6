"""A tenure adjustment worked out on paper: 4 households, 8 contract strips, 2 new blocks.

Grid origin (X0, Y0) on the central meridian of EPSG:4543. Before: eight 50 m × 100 m strips
(5,000 m², DLDJ 01, value 5,000 each), household h_k holding strip k in the west block's footprint
and strip k + 4 in the east one (10,000 each). After: TK001 = x 0–200, TK002 = x 300–500 (y 0–100),
20,000 m² each, DLDJ 01; a road along their south side (y −10–0). Σ pooled value = Σ block value =
40,000, so the computed deduction is 0 and each household is entitled to 10,000.

Homesteads at (20, −50), (180, −50), (320, −50), (480, −50): the optimum gives h1, h2 TK001 and h3, h4
TK002, one 100 m × 100 m strip each, west to east in homestead order.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from conftest import X0, Y0

from landcon.engine.realloc.layout import layout_block, order_along, road_side

CRS = "EPSG:4543"
HOUSEHOLDS = ["530124100201000001", "530124100201000002", "530124100201000003", "530124100201000004"]
NAMES = ["张三", "李小四", "欧阳小明", "王五"]
HOMES = [(20.0, -50.0), (180.0, -50.0), (320.0, -50.0), (480.0, -50.0)]
STRIP_X = [0, 50, 100, 150, 300, 350, 400, 450]


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def parcels() -> gpd.GeoDataFrame:
    rows = []
    for n, x in enumerate(STRIP_X):
        rows.append(
            {
                "DKBM": f"5301241002010000{n + 1:03d}",
                "CBFBM": HOUSEHOLDS[n % 4],
                "DLDJ": "01",
                "SCMJ": 5000.0,
                "geometry": box(x, 0, x + 50, 100),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def blocks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"TKBM": ["TK001", "TK002"], "DLDJ": ["01", "01"]},
        geometry=[box(0, 0, 200, 100), box(300, 0, 500, 100)],
        crs=CRS,
    )


def roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"DLBM": ["1006"]}, geometry=[box(-10, -10, 510, 0)], crs=CRS)


def households(prefs: list[str] | None = None, locked: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "CBFBM": HOUSEHOLDS,
            "CBFMC": NAMES,
            "X": [X0 + x for x, _ in HOMES],
            "Y": [Y0 + y for _, y in HOMES],
            "PREFS": prefs or ["", "", "", ""],
            "LOCKED": locked or ["", "", "", ""],
        }
    )


def write_instance(folder: Path, *, prefs: list[str] | None = None) -> dict[str, Path]:
    """The instance as files: parcels.gpkg (CBDK), blocks.gpkg (TK + DL), households.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "parcels": folder / "parcels.gpkg",
        "blocks": folder / "blocks.gpkg",
        "households": folder / "households.csv",
    }
    parcels().to_file(paths["parcels"], layer="CBDK", driver="GPKG")
    blocks().to_file(paths["blocks"], layer="TK", driver="GPKG")
    roads().to_file(paths["blocks"], layer="DL", driver="GPKG", mode="a")
    households(prefs).to_csv(paths["households"], index=False, encoding="utf-8-sig")
    return paths


def large_village() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, str]]:
    """(parcels, blocks, allocation, locked) of a village at full scale: 300 households × 6 parcels of
    700 m², 20 blocks of 400 × 150 m laid out by ``layout_block``, 10 locked parcels.

    Pooled 1800 × 700 = 1 260 000 m², blocks 1 200 000: d = 1/21, every household entitled to
    4000 m² = 26.67 × 150 m. Used by the geometry check's scale test and by bench/bench_smoke.py.
    """
    households = [f"5301240010{i:06d}" for i in range(300)]
    parcel_rows = []
    for k in range(1800):
        x, y = (k % 60) * 20.0, 2000.0 + (k // 60) * 35.0
        parcel_rows.append((f"DK{k:04d}", households[k // 6], shapely.box(x, y, x + 20, y + 35)))
    locked_rows = [
        (f"LK{i:02d}", households[i * 30], shapely.box(5000 + i * 40, 0, 5030 + i * 40, 30)) for i in range(10)
    ]
    parcels = gpd.GeoDataFrame(
        {"DKBM": [r[0] for r in parcel_rows + locked_rows], "CBFBM": [r[1] for r in parcel_rows + locked_rows]},
        geometry=[r[2] for r in parcel_rows + locked_rows],
    )
    parcels["DLDJ"] = "01"
    block_geoms = [
        shapely.box((b % 5) * 410.0, (b // 5) * 170.0, (b % 5) * 410.0 + 400, (b // 5) * 170.0 + 150) for b in range(20)
    ]
    roads = [shapely.box(-10, (b // 5) * 170.0 - 10, 2100, (b // 5) * 170.0) for b in range(0, 20, 5)]
    blocks = gpd.GeoDataFrame({"TKBM": [f"TK{b:03d}" for b in range(20)], "DLDJ": "01"}, geometry=block_geoms)
    alloc_hh: list[str] = []
    alloc_geom: list[shapely.Geometry] = []
    for b, geom in enumerate(block_geoms):
        road = road_side(geom, roads)
        members = households[b * 15 : (b + 1) * 15]
        homes = [(float(np.sin(i) * 1000), 0.0) for i in range(15)]
        order = order_along(road, geom, homes)
        alloc_hh += [members[i] for i in order]
        alloc_geom += layout_block(geom, road, [4000.0] * 15)
    alloc_hh += [r[1] for r in locked_rows]
    alloc_geom += [r[2] for r in locked_rows]
    allocation = gpd.GeoDataFrame({"CBFBM": alloc_hh}, geometry=alloc_geom)
    return parcels, blocks, allocation, {r[0]: r[1] for r in locked_rows}
