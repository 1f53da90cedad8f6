"""One tenure adjustment from frames to frames: value → assign → lay out → check → tabulate.

``reallocate`` is what ``landcon realloc run`` computes (services read and write the files):

1. ``values.valuate``: entitlements from the polygons and the deduction (``values.py``);
2. blocks: value ``V_b``, road side (``layout.road_side`` against the road polygons), minimum piece
   ``m_b = min_piece_area(block, road, min_width) × coef_b``, centre;
3. ``assign.assign`` — or the Turkish block-priority baseline (``block_priority``);
4. ``layout.layout_block``: each block cut into strips along its road, households in the order of
   their homesteads along the road, strip area = allotted value / coef_b;
5. ``geocheck.check_allocation`` on the drawn result (areas from the new polygons, independent of 3);
6. ``indices.household_table`` and ``village_indicators``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landcon.engine.progress import NO_PROGRESS, Progress
from landcon.engine.realloc import geocheck, indices, layout
from landcon.engine.realloc.assign import Assignment, Block, Household, assign, block_priority
from landcon.engine.realloc.params import Params
from landcon.engine.realloc.values import Valuation, coefficients, land_values, valuate

WIDTH_MARGIN = 1.2
"""The assignment asks for pieces of at least 1.2 × the minimum width along the road, so that strips at a
block's slanted ends (narrower than their frontage) still pass the orientation-free width check."""


@dataclass
class ReallocInput:
    parcels: gpd.GeoDataFrame  # contract parcels before: DKBM, CBFBM, DLDJ, geometry
    households: pd.DataFrame  # CBFBM, CBFMC, X, Y (NaN: unknown), PREFS, LOCKED (tuples of ids)
    blocks: gpd.GeoDataFrame  # TKBM, DLDJ, geometry
    roads: gpd.GeoDataFrame | None = None  # road polygons (1006)

    def locked(self) -> dict[str, str]:
        """DKBM → CBFBM of the parcels that must not move."""
        return {
            str(d): str(h)
            for h, ds in zip(self.households["CBFBM"], self.households["LOCKED"], strict=True)
            for d in ds
        }


@dataclass
class ReallocResult:
    allocation: gpd.GeoDataFrame  # DKBM, CBFBM, CBFMC, TKBM ("" kept), DLDJ, SCMJ, JZ (value), geometry
    table: pd.DataFrame
    indicators: dict[str, Any]
    assignment: Assignment
    valuation: Valuation
    check: geocheck.GeoCheck
    roads_found: int = 0  # blocks whose road side was found on a road polygon
    notes: list[str] = field(default_factory=list)


def _homes(households: pd.DataFrame) -> dict[str, tuple[float, float] | None]:
    out: dict[str, tuple[float, float] | None] = {}
    for code, x, y in zip(households["CBFBM"], households["X"], households["Y"], strict=True):
        ok = x is not None and y is not None and np.isfinite(float(x)) and np.isfinite(float(y))
        out[str(code)] = (float(x), float(y)) if ok else None
    return out


def _road_sides(blocks: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None) -> list[shapely.LineString | None]:
    geoms = list(blocks.geometry)
    if roads is None or roads.empty:
        return [None] * len(geoms)
    road_geoms = np.asarray(roads.geometry.array)
    tree = shapely.STRtree(road_geoms)
    sides: list[shapely.LineString | None] = []
    for geom in geoms:
        near = tree.query(geom, predicate="dwithin", distance=1.0)
        sides.append(layout.road_side(geom, list(road_geoms[near])) if len(near) else None)
    return sides


def _distances(geoms: Sequence[Any], codes: Sequence[str], homes: dict[str, tuple[float, float] | None]) -> np.ndarray:
    centroids = shapely.centroid(np.asarray(geoms, dtype=object))
    out = np.full(len(codes), np.nan)
    for n, (code, c) in enumerate(zip(codes, centroids, strict=True)):
        home = homes.get(code)
        if home is not None:
            out[n] = float(np.hypot(home[0] - c.x, home[1] - c.y))
    return out


def _new_codes(parcels: gpd.GeoDataFrame, count: int) -> list[str]:
    """New DKBM: 发包方编码 (first 14 digits) + a 5-digit serial after the largest one in use, when
    the old codes follow that form; else ``XDK`` + serial."""
    codes = parcels["DKBM"].astype(str)
    standard = codes.str.fullmatch(r"\d{19}")
    if len(codes) and bool(standard.all()) and codes.str[:14].nunique() == 1:
        prefix = str(codes.iloc[0])[:14]
        start = int(codes.str[14:].astype(int).max()) + 1
        return [f"{prefix}{start + n:05d}" for n in range(count)]
    return [f"XDK{n + 1:05d}" for n in range(count)]


def reallocate(
    inp: ReallocInput, params: Params, *, method: str = "optimise", progress: Progress = NO_PROGRESS
) -> ReallocResult:
    """Run the whole adjustment (module docstring); ``method``: "optimise" or "block_priority" (baseline).
    ``progress`` is reported to (and may cancel the run) between the phases."""
    progress.report("估价 / valuation", 0.0)
    locked = inp.locked()
    val = valuate(inp.parcels, inp.blocks, locked, params)
    homes = _homes(inp.households)
    names = dict(zip(inp.households["CBFBM"].astype(str), inp.households["CBFMC"].astype(str), strict=True))
    prefs = {str(h): tuple(p) for h, p in zip(inp.households["CBFBM"], inp.households["PREFS"], strict=True)}
    block_geoms = list(inp.blocks.geometry)
    block_codes = inp.blocks["TKBM"].astype(str).tolist()
    block_coef = coefficients(inp.blocks["DLDJ"], params)
    block_value = land_values(inp.blocks, params)
    sides = _road_sides(inp.blocks, inp.roads)
    blocks = [
        Block(
            code,
            float(value),
            (float(geom.centroid.x), float(geom.centroid.y)),
            float(layout.min_piece_area(geom, side, params.min_width * WIDTH_MARGIN) * coef),
        )
        for code, value, geom, side, coef in zip(block_codes, block_value, block_geoms, sides, block_coef, strict=True)
    ]
    households = [
        Household(code, entitled, homes.get(code), prefs.get(code, ()), val.kept.get(code, 0.0))
        for code, entitled in sorted(val.entitled_pool.items())
        if entitled > 0
    ]
    progress.report("分配 / assignment", 0.2)
    if method == "block_priority":
        pieces = block_priority(households, blocks)
        result = Assignment("baseline", pieces=pieces, piece_count=len(pieces), method=["土耳其块优先规则（基准）"])
    else:
        result = assign(
            households,
            blocks,
            tolerance=params.tolerance,
            weights=params.weights,
            candidates=params.candidates,
            time_limit=params.time_limit,
            unit_price=params.unit_price,
        )
    if result.status in ("infeasible", "no_solution"):
        return ReallocResult(
            _empty_allocation(inp), pd.DataFrame(), {}, result, val, geocheck.GeoCheck([], {}, {}, val.deduction)
        )

    # Lay out each block: strips in the order of the homesteads along the road.
    progress.report("布局 / layout", 0.6)
    rows: list[dict[str, Any]] = []
    by_block: dict[str, list[tuple[str, float]]] = {}
    for h, b, v in result.pieces:
        by_block.setdefault(b, []).append((h, v))
    for j, code in enumerate(block_codes):
        got = by_block.get(code, [])
        if not got:
            continue
        order = layout.order_along(sides[j], block_geoms[j], [homes.get(h) for h, _ in got]) if sides[j] else None
        ordered = [got[n] for n in order] if order is not None else got
        areas = [v / block_coef[j] for _, v in ordered]
        strips = layout.layout_block(block_geoms[j], sides[j], areas)
        for (h, _), strip in zip(ordered, strips, strict=True):
            rows.append({"CBFBM": h, "TKBM": code, "DLDJ": str(inp.blocks["DLDJ"].iloc[j]), "geometry": strip})
    kept = inp.parcels[inp.parcels["DKBM"].astype(str).isin(set(locked))]
    new_codes = _new_codes(inp.parcels, len(rows))
    frame = pd.DataFrame(rows)
    frame.insert(0, "DKBM", new_codes)
    kept_frame = pd.DataFrame(
        {
            "DKBM": kept["DKBM"].astype(str).to_numpy(),
            "CBFBM": kept["CBFBM"].astype(str).to_numpy(),
            "TKBM": "",
            "DLDJ": kept["DLDJ"].astype(str).to_numpy(),
            "geometry": list(kept.geometry),
        }
    )
    allocation = gpd.GeoDataFrame(
        pd.concat([frame, kept_frame], ignore_index=True), geometry="geometry", crs=inp.parcels.crs
    )
    allocation.insert(2, "CBFMC", [names.get(h, "") for h in allocation["CBFBM"]])
    allocation["SCMJ"] = np.round(shapely.area(np.asarray(allocation.geometry.array)), 2)
    allocation["JZ"] = np.round(land_values(allocation, params), 2)

    progress.report("核查 / check", 0.8)
    check = geocheck.check_allocation(
        inp.parcels, inp.blocks, allocation[["CBFBM", "DKBM", "TKBM", "geometry"]], locked, params
    )

    before = pd.DataFrame(
        {
            "CBFBM": inp.parcels["CBFBM"].astype(str).to_numpy(),
            "area": shapely.area(np.asarray(inp.parcels.geometry.array)),
            "value": val.parcel_value,
            "distance": _distances(list(inp.parcels.geometry), inp.parcels["CBFBM"].astype(str).tolist(), homes),
        }
    )
    after = pd.DataFrame(
        {
            "CBFBM": allocation["CBFBM"].to_numpy(),
            "area": shapely.area(np.asarray(allocation.geometry.array)),
            "value": land_values(allocation, params),
            "distance": _distances(list(allocation.geometry), allocation["CBFBM"].tolist(), homes),
            "TKBM": allocation["TKBM"].to_numpy(),
        }
    )
    progress.report("指标 / indices", 0.9)
    codes = sorted(set(before["CBFBM"]))
    people = pd.DataFrame(
        {"CBFBM": codes, "CBFMC": [names.get(c, "") for c in codes], "entitled": [val.entitled(c) for c in codes]}
    )
    table = indices.household_table(before, after, people, unit_price=params.unit_price)
    stated = {h: list(p) for h, p in prefs.items() if p and h in set(codes)}
    village = indices.village_indicators(table, after, preferences=stated, gap=result.gap, deduction=val.deduction)
    village_dict: dict[str, Any] = dict(village)
    return ReallocResult(
        allocation, table, village_dict, result, val, check, roads_found=sum(s is not None for s in sides)
    )


def _empty_allocation(inp: ReallocInput) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"DKBM": [], "CBFBM": [], "CBFMC": [], "TKBM": [], "DLDJ": [], "SCMJ": [], "JZ": []},
        geometry=gpd.GeoSeries([], crs=inp.parcels.crs),
    )
