"""Invariants every delivered 入库 layer set must hold (issue 15 §3), as helpers for tests.

``check_delivery(folder_or_file, layer_reader, plan_check)`` reads the delivered layers back with
pyogrio and asserts:

- every feature is one valid, non-empty polygon whose 图斑椭球面积 (``engine.area.ellipsoid_area``,
  defaults) equals its area field (TBMJ, ZZQYMJ, TZYNDKMJ, GHDLMJ) to 0.01 m² (± 0.005 rounding
  plus the writer's coordinate grid: 1 µm in a FileGDB);
- BSM is unique in each layer;
- SDQYZZHDLTB pieces do not overlap and their union is the 整治区域 (ZZQY): the area of the
  symmetric difference is below 1e-6 of the 整治区域 area;
- KCMJ = round(TBMJ × KCXS, 2), TBDLMJ = TBMJ − KCMJ;
- Σ TBDLMJ by DLBM equals ``indicators.landuse.after_m2`` and Σ XZGDMJ equals
  ``indicators.cultivated.new_m2``, each to 0.01 m² per feature summed (the rounding of each
  feature to 0.01 m²; the sums are of thousands of features);
- SDQYZZHDLTB passes the DLTB import checks (``engine.schema.validate_layer``: codes, names,
  areas, 耕地-only fields …), except a missing GDPDJB on 耕地 newly made from another class: the
  plan does not state its slope grade yet (issue 15 §4);
- ``check_xlsx_landuse``: the same sums equal the 整治后 column of the 附表's
  整治前后土地利用结构调整表 (公顷, 4 dp; 田坎 = Σ KCMJ + 1203; 合计 = Σ TBMJ).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import shapely

from landcon.engine.area import ellipsoid_area
from landcon.engine.codes import CULTIVATED_CODES
from landcon.engine.layers import DLTB
from landcon.engine.schema import validate_layer

AREA_FIELDS = {"ZZQY": "ZZQYMJ", "SDQYZZHDLTB": "TBMJ", "YJJBNTTZTB": "TZYNDKMJ", "CZGHTB": "GHDLMJ"}
AREA_TOLERANCE_M2 = 0.006
"""0.005 of rounding to 0.01 m² plus the coordinate grid of the format."""


def read_delivered(path: Path) -> dict[str, gpd.GeoDataFrame]:
    """The delivered layers from a GeoPackage, a FileGDB or a folder of Shapefiles."""
    if path.is_dir() and path.suffix.lower() != ".gdb":
        return {p.stem: pyogrio.read_dataframe(p) for p in sorted(path.glob("*.shp"))}
    return {str(name): pyogrio.read_dataframe(path, layer=str(name)) for name, _ in pyogrio.list_layers(path)}


def epsg_of(frame: gpd.GeoDataFrame) -> int:
    epsg = frame.crs.to_epsg()
    assert epsg is not None
    return int(epsg)


def check_layer_areas(name: str, frame: gpd.GeoDataFrame) -> None:
    geoms = np.asarray(frame.geometry.array, dtype=object)
    assert len(geoms), f"{name} is empty"
    assert not any(g is None for g in geoms), f"{name}: features without geometry"
    assert not shapely.is_empty(geoms).any(), f"{name}: empty geometries"
    assert shapely.is_valid(geoms).all(), f"{name}: invalid geometries"
    assert np.isin(shapely.get_type_id(geoms), (3, 6)).all(), f"{name}: not polygons"
    if name == "SDQYZZHDLTB":
        parts = shapely.get_num_geometries(geoms)
        assert (parts == 1).all(), "SDQYZZHDLTB: multi-part 图斑"
    area = ellipsoid_area(geoms, epsg_of(frame))
    stated = frame[AREA_FIELDS[name]].to_numpy(dtype=np.float64)
    worst = np.abs(area - stated)
    assert worst.max() <= AREA_TOLERANCE_M2, (
        f"{name}: {int((worst > AREA_TOLERANCE_M2).sum())} areas differ from the geometry, worst {worst.max():.4f} m²"
    )
    bsm = frame["BSM"].astype(str)
    assert bsm.is_unique, f"{name}: BSM repeats: {bsm[bsm.duplicated()].tolist()[:5]}"


def check_after_state(after: gpd.GeoDataFrame, zzqy: gpd.GeoDataFrame, indicators: dict[str, Any]) -> None:
    epsg = epsg_of(after)
    geoms = np.asarray(after.geometry.array, dtype=object)
    zone = shapely.union_all(np.asarray(zzqy.geometry.array, dtype=object))
    zone_area = float(ellipsoid_area([zone], epsg)[0])
    # No overlaps: the pieces' areas add up to the area of their union, which is the 整治区域.
    union = shapely.union_all(geoms)
    union_area = float(ellipsoid_area([union], epsg)[0])
    total = float(ellipsoid_area(geoms, epsg).sum())
    assert abs(total - union_area) <= 1e-6 * zone_area, f"pieces overlap by {total - union_area:.3f} m²"
    sym = float(ellipsoid_area([shapely.symmetric_difference(union, zone)], epsg)[0])
    assert sym <= 1e-6 * zone_area, f"pieces and 整治区域 differ by {sym:.3f} m²"
    # Area fields as the 三调 rules define them.
    tbmj = after["TBMJ"].to_numpy(dtype=np.float64)
    kcxs = np.nan_to_num(pd.to_numeric(after["KCXS"], errors="coerce").to_numpy(dtype=np.float64))
    kcmj = after["KCMJ"].to_numpy(dtype=np.float64)
    np.testing.assert_allclose(kcmj, np.round(tbmj * kcxs, 2), atol=0.0051)
    np.testing.assert_allclose(after["TBDLMJ"].to_numpy(dtype=np.float64), tbmj - kcmj, atol=0.0051)
    # The DLTB structure and its rules (new 耕地 from other classes has no slope grade yet).
    dltb = after.drop(columns=[c for c in after.columns if c.startswith("XZGD")])
    converted = set(after.loc[~after["XZGDLYDLBM"].fillna("").isin(["", *CULTIVATED_CODES]), "BSM"].astype(str))
    problems = [
        p
        for p in validate_layer(DLTB, dltb)
        if not (p.code == "CULTIVATED_ATTR_MISSING" and p.field == "GDPDJB" and str(p.feature) in converted)
    ]
    assert not problems, [p.as_dict() for p in problems[:5]]
    # Sums by DLBM equal the plan's after-state table.
    expected = indicators["landuse"]["after_m2"]
    net = after.groupby(after["DLBM"].astype(str))["TBDLMJ"].agg(["sum", "count"])
    assert set(net.index[net["sum"] != 0]) == set(expected), (sorted(net.index), sorted(expected))
    for code, row in net.iterrows():
        want = expected.get(str(code), 0.0)
        assert abs(row["sum"] - want) <= 0.01 * row["count"] + 0.01, f"DLBM {code}: {row['sum']:.2f} ≠ {want:.2f}"
    new = after["XZGDMJ"].to_numpy(dtype=np.float64)
    want_new = indicators["cultivated"]["new_m2"]
    assert abs(new.sum() - want_new) <= 0.01 * max(int((new > 0).sum()), 1), f"新增耕地 {new.sum():.2f} ≠ {want_new}"


def check_delivery(path: Path, indicators: dict[str, Any]) -> dict[str, gpd.GeoDataFrame]:
    """All invariants on the layers at ``path``; returns the layers read."""
    layers = read_delivered(path)
    assert {"ZZQY", "SDQYZZHDLTB"} <= set(layers), sorted(layers)
    for name, frame in layers.items():
        if name in AREA_FIELDS and len(frame):
            check_layer_areas(name, frame)
    check_after_state(layers["SDQYZZHDLTB"], layers["ZZQY"], indicators)
    return layers


def check_xlsx_landuse(after: gpd.GeoDataFrame, xlsx: Path) -> None:
    """整治后 公顷 of the 附表's 结构调整表 against the delivered 图斑."""
    sheet = openpyxl.load_workbook(xlsx, read_only=True)["整治前后土地利用结构调整表"]
    table = {str(r[0]): r[5] for r in sheet.iter_rows(values_only=True) if r[0] and r[5] is not None}
    dl = after["DLBM"].astype(str)
    net = after.groupby(dl)["TBDLMJ"].sum()
    count = dl.value_counts()
    net["1203"] = net.get("1203", 0.0) + after["KCMJ"].sum()
    count["1203"] = count.get("1203", 0) + int((after["KCMJ"] > 0).sum())
    for code, m2 in net.items():
        if round(m2, 2) == 0:
            continue
        tolerance = 0.00005 + 0.01 * count[code] / 10_000
        got = float(table[str(code)])
        assert abs(got - m2 / 10_000) <= tolerance, f"附表 {code}: {got} 公顷 ≠ {m2} m²"
    assert abs(float(table["合计"]) - after["TBMJ"].sum() / 10_000) <= 0.00005 + 0.01 * len(after) / 10_000
