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
import pandas as pd
import shapely
from conftest import X0, Y0

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
