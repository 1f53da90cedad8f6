"""Change detection: what a later survey vintage (年度变更调查 DLTB) shows inside a project's 整治区域
compared with the DLTB its approved plan was checked against and with what the plan planned.

The vintage, the before DLTB and the plan's change parcels are overlaid once inside the 整治区域
(``engine.overlay``): every resulting cell has one vintage 图斑 (BSM, DLBM after), one before 图斑
(DLBM before) and at most one change parcel (the planned DLBM). A cell's area is the vintage 图斑's
TBMJ × the share of its ellipsoid area the cell covers (its ellipsoid area where TBMJ is missing),
the apportioning ``indicators.states`` uses; 耕地 net area is TBDLMJ × the same share.

Classes (docs/monitor.md):

- planned new farmland (a change parcel turns a non-耕地 piece into 耕地): ``achieved`` (耕地 now, with
  its 等别 GDDB where given), ``not_yet`` (still the class before), ``lost`` (another non-耕地 class);
- ``unplanned_construction``: 建设用地 (三大类, ``engine.codes``) now where it was not before and no
  change parcel planned 建设用地;
- ``red_line``: any change of DLBM inside 生态保护红线 (STBHHX);
- ``permanent_farmland_lost``: 永久基本农田 (YJJBNTBHTB) that was 耕地 and is not now;
- ``cultivated_to_ggl``: 耕地 (01) that became 园地/林地/草地 (02/03/04), the 进出平衡 flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.indicators._common import Floats, Geoms, is_cultivated, m2, sum_by, three_class, union
from landcon.engine.indicators.states import Parcel, dltb_attributes
from landcon.engine.overlay import Pairs, clip, overlay_pairs
from landcon.engine.progress import Progress, ProgressCallback, as_progress

ACHIEVED = "achieved"
NOT_YET = "not_yet"
LOST = "lost"
UNPLANNED_CONSTRUCTION = "unplanned_construction"
RED_LINE = "red_line"
PERMANENT_FARMLAND_LOST = "permanent_farmland_lost"
CULTIVATED_TO_GGL = "cultivated_to_ggl"

CLASS_LABELS: dict[str, str] = {
    ACHIEVED: "新增耕地已实现",
    NOT_YET: "新增耕地尚未实现",
    LOST: "新增耕地变为其他地类",
    UNPLANNED_CONSTRUCTION: "规划外新增建设用地",
    RED_LINE: "生态保护红线内地类变化",
    PERMANENT_FARMLAND_LOST: "永久基本农田不再是耕地",
    CULTIVATED_TO_GGL: "耕地变为园地林地草地",
}
"""Class code → Chinese label, in report order."""

GGL_LEVEL1 = ("02", "03", "04")
"""园地, 林地, 草地: the 一级类 a 进出平衡 flow out of 耕地 goes to."""

COLUMNS = ("CLASS", "BSM", "BEFORE_DLBM", "AFTER_DLBM", "PLANNED_DLBM", "PARCEL", "GDDB", "AREA_M2", "NET_M2")
"""Columns of a class's parcels (plus geometry)."""


@dataclass(frozen=True)
class ChangeClass:
    """One class of change: total area (m², 0.01), 耕地 net area where after is 耕地, number of
    cells, area by 等别 (``achieved`` only) and the cells (``parcels``: COLUMNS + geometry)."""

    code: str
    label: str
    area_m2: float
    net_m2: float
    count: int
    parcels: gpd.GeoDataFrame = field(compare=False, repr=False)
    by_grade_m2: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "area_m2": self.area_m2,
            "net_m2": self.net_m2,
            "count": self.count,
            "by_grade_m2": dict(self.by_grade_m2),
        }


@dataclass(frozen=True)
class ChangeDetection:
    """Every class of one project; ``planned_new_farmland_m2`` is the planned conversion area the
    first three classes split (as seen in the vintage); ``checked`` says which zone classes had data."""

    planned_new_farmland_m2: float
    classes: tuple[ChangeClass, ...]
    red_line_checked: bool
    permanent_farmland_checked: bool

    def of(self, code: str) -> ChangeClass:
        return next(c for c in self.classes if c.code == code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "planned_new_farmland_m2": self.planned_new_farmland_m2,
            "red_line_checked": self.red_line_checked,
            "permanent_farmland_checked": self.permanent_farmland_checked,
            "classes": {c.code: c.to_dict() for c in self.classes},
        }

    def parcels(self) -> gpd.GeoDataFrame:
        """The cells of every class in one frame (the map layer)."""
        frames = [c.parcels for c in self.classes if len(c.parcels)]
        if not frames:
            return self.classes[0].parcels.iloc[0:0]
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)


def _areas(attrs: pd.DataFrame, geoms: Geoms, epsg: int) -> tuple[Floats, Floats]:
    """TBMJ (ellipsoid area where missing) and TBDLMJ (TBMJ where missing) of each 图斑."""
    tbmj = attrs["TBMJ"].to_numpy(dtype=np.float64).copy()
    missing = np.flatnonzero(tbmj <= 0)
    if len(missing):
        tbmj[missing] = ellipsoid_area(geoms[missing], epsg)
    net = attrs["TBDLMJ"].to_numpy(dtype=np.float64).copy()
    net = np.where(net > 0, net, tbmj)
    return tbmj, net


def _vintage_pairs(after: Geoms, before: Geoms, epsg: int) -> Pairs:
    """``overlay_pairs(after, before)`` where both tile the same ground: a piece identical in both
    (same WKB, the usual case for an unchanged 图斑) pairs with itself at share 1 and only the rest
    is intersected (two tilings: what one identical pair covers, no other piece overlaps)."""
    a_wkb = shapely.to_wkb(after) if len(after) else np.zeros(0, dtype=object)
    b_index = {w: j for j, w in enumerate(shapely.to_wkb(before))} if len(before) else {}
    match = np.asarray([b_index.get(w, -1) for w in a_wkb], dtype=np.intp)
    same = np.flatnonzero(match >= 0)
    a_rest = np.flatnonzero(match < 0)
    b_rest = np.setdiff1d(np.arange(len(before), dtype=np.intp), match[same])
    rest = overlay_pairs(after[a_rest], before[b_rest], epsg)
    index = np.concatenate([same, a_rest[rest.index]]).astype(np.intp)
    area = np.concatenate([match[same], b_rest[rest.area]]).astype(np.intp)
    geoms = np.concatenate([after[same], rest.geometry]) if len(index) else np.zeros(0, dtype=object)
    share = np.concatenate([np.ones(len(same)), rest.share])
    return Pairs(area, index, np.asarray(geoms, dtype=object), share)


def _cells(
    before: gpd.GeoDataFrame, vintage: gpd.GeoDataFrame, zzqy: object, parcels: Sequence[Parcel], epsg: int
) -> pd.DataFrame:
    """The vintage × before × change-parcel cells inside the 整治区域 (see the module docstring)."""
    v_geoms = np.asarray(vintage.geometry.array, dtype=object)
    v_attrs = dltb_attributes(vintage)
    v_tbmj, v_net = _areas(v_attrs, v_geoms, epsg)
    cut = clip(v_geoms, zzqy, epsg)
    b_geoms = np.asarray(before.geometry.array, dtype=object)
    b_cut = clip(b_geoms, zzqy, epsg)
    b_dlbm = dltb_attributes(before)["DLBM"].to_numpy(dtype=object)
    pairs = _vintage_pairs(cut.geometry, b_cut.geometry, epsg)
    v_idx = cut.index[pairs.index]
    share = cut.share[pairs.index] * pairs.share
    geoms = pairs.geometry
    planned = np.full(len(v_idx), "", dtype=object)
    parcel_id = np.full(len(v_idx), "", dtype=object)
    if len(parcels) and len(v_idx):
        p_geoms = np.asarray([p.geometry for p in parcels], dtype=object)
        pp = overlay_pairs(geoms, p_geoms, epsg)
        covered = np.bincount(pp.index, weights=pp.share, minlength=len(v_idx))
        rest = np.flatnonzero(covered < 1.0 - 1e-9)
        # A cell partly inside parcels keeps its part outside them as a cell without a plan.
        rest_geoms = geoms[rest].copy()
        for k in np.flatnonzero(covered[rest] > 0.0):
            rest_geoms[k] = shapely.difference(rest_geoms[k], union(list(pp.geometry[pp.index == rest[k]])))
        rest_share = share[rest] * np.clip(1.0 - covered[rest], 0.0, 1.0)
        order = np.concatenate([rest, pp.index])
        share = np.concatenate([rest_share, share[pp.index] * pp.share])
        planned = np.concatenate([planned[rest], np.asarray([parcels[i].after for i in pp.area], dtype=object)])
        parcel_id = np.concatenate([parcel_id[rest], np.asarray([parcels[i].id for i in pp.area], dtype=object)])
        geoms = np.concatenate([rest_geoms, pp.geometry])
        b_area = pairs.area[order]
        v_idx = v_idx[order]
    else:
        b_area = pairs.area
    grade = v_attrs["GDDB"].to_numpy(dtype=np.float64)[v_idx]
    return pd.DataFrame(
        {
            "BSM": pd.Series(v_attrs["BSM"].to_numpy(dtype=object)[v_idx], dtype=object),
            "BEFORE_DLBM": pd.Series(b_dlbm[b_cut.index[b_area]], dtype=object),
            "AFTER_DLBM": pd.Series(v_attrs["DLBM"].to_numpy(dtype=object)[v_idx], dtype=object),
            "PLANNED_DLBM": pd.Series(planned, dtype=object),
            "PARCEL": pd.Series(parcel_id, dtype=object),
            "GDDB": grade,
            "AREA_M2": v_tbmj[v_idx] * share,
            "NET_M2": v_net[v_idx] * share,
            "geometry": geoms,
        }
    )


def _class(code: str, cells: pd.DataFrame, mask: np.ndarray, crs: object, *, net: bool, grades: bool) -> ChangeClass:
    rows = cells.loc[mask]
    frame = gpd.GeoDataFrame(
        rows.assign(CLASS=code, AREA_M2=rows["AREA_M2"].round(2), NET_M2=rows["NET_M2"].round(2))[
            [*COLUMNS, "geometry"]
        ],
        geometry="geometry",
        crs=crs,
    ).reset_index(drop=True)
    area = rows["AREA_M2"].to_numpy(dtype=np.float64)
    net_values = rows["NET_M2"].to_numpy(dtype=np.float64) if net else np.zeros(0)
    by_grade: dict[str, float] = {}
    if grades:
        g = rows["GDDB"].to_numpy(dtype=np.float64)
        keys = np.asarray([str(int(x)) if not np.isnan(x) else "" for x in g], dtype=object)
        by_grade = sum_by(keys, net_values)
    return ChangeClass(code, CLASS_LABELS[code], m2(area.sum()), m2(net_values.sum()), len(rows), frame, by_grade)


def _zone_cells(cells: pd.DataFrame, zone: Geoms, epsg: int) -> pd.DataFrame:
    """The cells' parts inside a zone layer (areas × the ellipsoid share inside); only the zone
    polygons that meet a cell are united (a county's 永农 has as many polygons as DLTB has 图斑)."""
    geoms = np.asarray(cells["geometry"].to_numpy(), dtype=object)
    near = np.zeros(0, dtype=np.intp)
    if len(geoms) and len(zone):
        near = np.unique(shapely.STRtree(zone).query(geoms, predicate="intersects")[1])
    part = clip(geoms, union(list(zone[near])), epsg)
    rows = cells.iloc[part.index].reset_index(drop=True)
    return rows.assign(AREA_M2=rows["AREA_M2"] * part.share, NET_M2=rows["NET_M2"] * part.share, geometry=part.geometry)


def detect_changes(
    before: gpd.GeoDataFrame,
    vintage: gpd.GeoDataFrame,
    zzqy: Sequence[object],
    parcels: Sequence[Parcel],
    epsg: int,
    *,
    red_line: Sequence[object] | None = None,
    permanent_farmland: Sequence[object] | None = None,
    progress: Progress | ProgressCallback | None = None,
) -> ChangeDetection:
    """Every change class of one project (module docstring). ``before`` is the DLTB the plan was
    checked against, ``vintage`` the later DLTB (same CRS, ``epsg``), ``zzqy`` the 整治区域 polygons,
    ``parcels`` the plan's change parcels (``indicators.states.plan_parcels``); ``red_line`` and
    ``permanent_farmland`` the STBHHX and YJJBNTBHTB polygons (None: the dataset has no such layer)."""
    p = as_progress(progress)
    p.report("叠加变更调查与基期图斑", 0.0)
    cells = _cells(before, vintage, union(list(zzqy)), parcels, epsg)
    p.report("分类", 0.6)
    b = cells["BEFORE_DLBM"].to_numpy(dtype=object)
    a = cells["AFTER_DLBM"].to_numpy(dtype=object)
    plan = cells["PLANNED_DLBM"].to_numpy(dtype=object)
    b_cult, a_cult, plan_cult = is_cultivated(b), is_cultivated(a), is_cultivated(plan)
    conversion = plan_cult & ~b_cult
    b_three, a_three, plan_three = three_class(list(b)), three_class(list(a)), three_class(list(plan))
    crs = vintage.crs
    classes = [
        _class(ACHIEVED, cells, conversion & a_cult, crs, net=True, grades=True),
        _class(NOT_YET, cells, conversion & (a == b), crs, net=False, grades=False),
        _class(LOST, cells, conversion & ~a_cult & (a != b), crs, net=False, grades=False),
        _class(
            UNPLANNED_CONSTRUCTION,
            cells,
            (a_three == codes.CONSTRUCTION) & (b_three != codes.CONSTRUCTION) & (plan_three != codes.CONSTRUCTION),
            crs,
            net=False,
            grades=False,
        ),
    ]
    p.report("生态保护红线与永久基本农田", 0.8)
    changed = a != b
    gone = b_cult & ~a_cult
    for code, zone, mask in ((RED_LINE, red_line, changed), (PERMANENT_FARMLAND_LOST, permanent_farmland, gone)):
        # Only the cells of the class's kind are clipped to the zone.
        rows = cells.loc[mask].reset_index(drop=True) if zone is not None else cells.iloc[0:0]
        inside = _zone_cells(rows, np.asarray(list(zone), dtype=object), epsg) if zone is not None else rows
        classes.append(_class(code, inside, np.ones(len(inside), dtype=bool), crs, net=False, grades=False))
    level1 = np.asarray([str(x)[:2] for x in a], dtype=object)
    classes.append(_class(CULTIVATED_TO_GGL, cells, b_cult & np.isin(level1, GGL_LEVEL1), crs, net=False, grades=False))
    planned = m2(cells["AREA_M2"].to_numpy(dtype=np.float64)[conversion].sum())
    p.report("完成", 1.0)
    return ChangeDetection(planned, tuple(classes), red_line is not None, permanent_farmland is not None)
