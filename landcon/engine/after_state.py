"""整治后地类图斑 (SDQYZZHDLTB): the base DLTB inside the 整治区域 with the plan's changes applied.

The 整治区域 (ZZQY) is cut out of DLTB (``engine.overlay.clip``); every piece a change parcel
(CZGHTB, ZJGGTB) covers becomes a changed 图斑 with the planned class, the rest of the piece keeps
its source attributes. Multi-part pieces are split into single polygons. The result tiles the
整治区域 exactly (where DLTB covers it) and each feature is one valid polygon.

Areas follow the 三调 rules (domain reference §4.1, §4.10):

    TBMJ   = S(polygon)                 图斑椭球面积 of the delivered polygon, 0.01 m²
    KCMJ   = round(TBMJ × KCXS, 2)      KCXS the source's (unchanged) or the plan's (changed)
    TBDLMJ = TBMJ − KCMJ
    XZGDMJ = 新增耕地 of the changed piece (``engine.indicators``) × TBMJ / S(piece)

so the sums by DLBM equal the plan's after-state table (``indicators['landuse']['after_m2']``) up
to the rounding of each feature to 0.01 m².

BSM: a 图斑 wholly inside and untouched keeps its BSM; every split or changed piece gets a new
one, numbered on from the largest source BSM. TBBH likewise, per 坐落单位.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.crs import GEOGRAPHIC_EPSG
from landcon.engine.indicators import PlanAnalysis
from landcon.engine.layers import DLTB
from landcon.engine.plan import texts
from landcon.engine.schema import SCHEMAS

MIN_PIECE_M2 = 0.005
"""Pieces smaller than this (ellipsoid area) are slivers of the overlay: TBMJ would round to 0."""

GRID_M, GRID_DEG = 1e-4, 1e-9
"""Delivered coordinates are rounded to 0.1 mm (1e-9° in EPSG:4490), by a topology-preserving
snap (``shapely.set_precision``), before their areas are computed. A format that stores
coordinates on a finer grid (FileGDB: 1 µm) then keeps them exactly, so an overlay piece with a
near-touching vertex cannot turn invalid when written."""

DLTB_FIELDS: tuple[str, ...] = tuple(f.name for f in SCHEMAS[DLTB])
NEW_FARMLAND_FIELDS: tuple[str, ...] = ("XZGDLYDLBM", "XZGDLYDLMC", "XZGDMJ", "XZGDDB", "XZGDLYXM")
AFTER_FIELDS: tuple[str, ...] = (*DLTB_FIELDS, *NEW_FARMLAND_FIELDS)
"""SDQYZZHDLTB: the DLTB structure plus the 新增耕地 fields (domain reference §2.4)."""

_NUMBER_FIELDS = frozenset({"TBMJ", "KCXS", "KCMJ", "TBDLMJ", "XZDWKD", "XZGDMJ"})
_INT_FIELDS = frozenset({"GDDB", "SJNF", "XZGDDB"})
_CLEARED_ON_CHANGE = ("TBXHDM", "TBXHMC", "ZZSXDM", "ZZSXMC", "TBYBH")

Geoms = npt.NDArray[np.object_]
Floats = npt.NDArray[np.float64]


def single_polygons(geoms: Geoms) -> tuple[Geoms, npt.NDArray[np.intp]]:
    """The valid single polygons of each geometry and the index of the geometry each comes from
    (lines and points of an overlay's collections dropped, invalid rings repaired)."""
    arr = np.asarray(geoms, dtype=object)
    bad = ~shapely.is_valid(arr)
    if bad.any():
        arr = arr.copy()
        arr[bad] = shapely.make_valid(arr[bad])
    parts, index = shapely.get_parts(arr, return_index=True)
    # make_valid and intersections give collections: their polygons count, their lines do not.
    nested = shapely.get_type_id(parts) == 7
    if nested.any():
        sub, sub_index = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_index]])
        multi = shapely.get_type_id(parts) == 6
        if multi.any():
            sub, sub_index = shapely.get_parts(parts[multi], return_index=True)
            parts = np.concatenate([parts[~multi], sub])
            index = np.concatenate([index[~multi], index[multi][sub_index]])
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    order = np.argsort(index[keep], kind="stable")
    return np.asarray(parts[keep][order], dtype=object), index[keep][order].astype(np.intp)


def snap(geoms: Geoms, epsg: int) -> Geoms:
    """Polygons on the delivery grid (``GRID_M`` / ``GRID_DEG``), valid by construction."""
    grid = GRID_DEG if epsg == GEOGRAPHIC_EPSG else GRID_M
    return np.asarray(shapely.set_precision(np.asarray(geoms, dtype=object), grid), dtype=object)


def next_ids(existing: list[str], count: int, prefix: str, width: int = 18) -> list[str]:
    """``count`` new identifiers after ``existing``: numbered on from the largest when all are digit
    strings of one length (as 三调 BSM are), else ``prefix`` + a sequence number to ``width``."""
    digits = [s for s in existing if s.isdigit()]
    lengths = {len(s) for s in digits}
    if existing and len(digits) == len(existing) and len(lengths) == 1:
        size = lengths.pop()
        start = max(int(s) for s in digits) + 1
        if len(str(start + count)) <= size:
            return [str(start + k).zfill(size) for k in range(count)]
    taken = set(existing)
    out: list[str] = []
    k = 0
    while len(out) < count:
        k += 1
        candidate = f"{prefix}{str(k).zfill(max(width - len(prefix), 1))}"
        if candidate not in taken:
            out.append(candidate)
    return out


def _numbers(frame: pd.DataFrame, column: str) -> Floats:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return np.asarray(pd.to_numeric(frame[column], errors="coerce"), dtype=np.float64)


def _new_tbbh(zldwdm: npt.NDArray[np.object_], all_zl: list[str], all_tbbh: list[str]) -> list[str]:
    """New 图斑编号 per 坐落单位: on from the largest numeric TBBH the unit has."""
    start = pd.Series(pd.to_numeric(pd.Series(all_tbbh), errors="coerce").fillna(0).to_numpy())
    top = start.groupby(pd.Series(all_zl)).max().to_dict()
    rank = pd.Series(zldwdm).groupby(pd.Series(zldwdm)).cumcount().to_numpy()
    return [str(int(top.get(z, 0)) + 1 + int(r)) for z, r in zip(zldwdm, rank, strict=True)]


def after_state(
    dltb: gpd.GeoDataFrame,
    analysis: PlanAnalysis,
    epsg: int,
    *,
    meta: Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    """The 整治后地类图斑 layer (fields ``AFTER_FIELDS``) of a plan analysed on ``dltb``.

    ``meta`` (plan.yaml) names the sub-projects in XZGDLYXM and gives SJNF of changed pieces
    (``end_year``).
    """
    meta = meta or {}
    crs = dltb.crs
    cut = analysis.clip_of(dltb)
    base = dltb.iloc[cut.index].reset_index(drop=True)
    changed = analysis.after
    n = len(base)
    piece_of_change = changed["piece"].to_numpy(dtype=np.intp) if len(changed) else np.zeros(0, np.intp)
    touched = np.zeros(n, dtype=bool)
    touched[piece_of_change] = True
    rest = np.asarray(cut.geometry, dtype=object).copy()
    if touched.any():
        parcel_union = shapely.union_all(np.asarray([p.geometry for p in analysis.parcels], dtype=object))
        rest[touched] = shapely.difference(rest[touched], parcel_union)
    # One row per candidate piece: the remainders of all source pieces, then the changed pieces.
    source = np.concatenate([np.arange(n, dtype=np.intp), piece_of_change])
    change_row = np.concatenate([np.full(n, -1, dtype=np.intp), np.arange(len(changed), dtype=np.intp)])
    candidates = np.concatenate([rest, np.asarray(changed["geometry"].to_numpy(), dtype=object)])
    parts, of = single_polygons(candidates)
    parts, part_of = single_polygons(snap(parts, epsg))
    of = of[part_of]
    area = ellipsoid_area(parts, epsg)
    keep = area >= MIN_PIECE_M2
    parts, of, area = parts[keep], of[keep], area[keep]
    src, chg = source[of], change_row[of]
    is_changed = chg >= 0
    parts_per_candidate = np.bincount(of, minlength=len(candidates))
    whole = ~is_changed & (cut.share[src] >= 1.0) & ~touched[src] & (parts_per_candidate[of] == 1)

    out = pd.DataFrame({f: base[f].to_numpy()[src] if f in base else None for f in DLTB_FIELDS})
    for f in DLTB_FIELDS:
        if f not in _NUMBER_FIELDS and f not in _INT_FIELDS:
            out[f] = pd.Series(texts(out, f), dtype=object).to_numpy()
    tbmj = np.round(area, 2)
    src_tbmj = _numbers(base, "TBMJ")[src]
    src_kcxs = _numbers(base, "KCXS")[src]
    derived = np.where(src_tbmj > 0, _numbers(base, "KCMJ")[src] / np.where(src_tbmj > 0, src_tbmj, 1.0), np.nan)
    kcxs = np.where(np.isnan(src_kcxs), derived, src_kcxs)
    dlbm = out["DLBM"].to_numpy(dtype=object).copy()
    gddb = _numbers(base, "GDDB")[src]
    sjnf = _numbers(base, "SJNF")[src]
    new_m2 = np.zeros(len(parts))
    new_from = np.full(len(parts), "", dtype=object)
    new_grade = np.full(len(parts), np.nan)
    new_project = np.full(len(parts), "", dtype=object)
    if is_changed.any():
        c = changed.iloc[chg[is_changed]]
        after = c["after"].to_numpy(dtype=object)
        cult = np.isin(after, list(codes.CULTIVATED_CODES))
        piece_tbmj = c["tbmj"].to_numpy(dtype=np.float64)
        kc_after = np.where(piece_tbmj > 0, c["kcmj_after"].to_numpy() / np.where(piece_tbmj > 0, piece_tbmj, 1.0), 0.0)
        dlbm[is_changed] = after
        kcxs[is_changed] = np.where(cult & (kc_after > 0), np.round(kc_after, 6), np.where(cult, 0.0, np.nan))
        gddb[is_changed] = np.where(cult, c["grade_after"].to_numpy(dtype=np.float64), np.nan)
        end_year = pd.to_numeric(pd.Series([meta.get("end_year")]), errors="coerce").iloc[0]
        if not np.isnan(end_year):
            sjnf[is_changed] = end_year
        gain = c["new_cultivated"].to_numpy(dtype=np.float64)
        scale = np.where(piece_tbmj > 0, area[is_changed] / np.where(piece_tbmj > 0, piece_tbmj, 1.0), 0.0)
        new_m2[is_changed] = gain * scale
        gained = gain > 0
        names = {str(p.get("code")): str(p.get("name") or p.get("code")) for p in meta.get("sub_projects") or []}
        idx = np.flatnonzero(is_changed)[gained]
        # 新增耕地来源 as the analysis states it: the class before, or 1203 田坎 for levelling.
        new_from[idx] = c["source_class"].to_numpy(dtype=object)[gained]
        new_grade[idx] = c["grade_after"].to_numpy(dtype=np.float64)[gained]
        new_project[idx] = [names.get(str(s), str(s)) for s in c["subproject"].to_numpy(dtype=object)[gained]]
        was_cult = np.isin(out["DLBM"].to_numpy(dtype=object)[is_changed], list(codes.CULTIVATED_CODES))
        constr = np.asarray([codes.THREE_CLASS_OF.get(a, "") == codes.CONSTRUCTION for a in after])
        rows = np.flatnonzero(is_changed)
        for f in _CLEARED_ON_CHANGE:
            out.loc[rows, f] = ""
        out.loc[rows[~(cult & was_cult)], "GDLX"] = ""
        # The slope grade the analysis gives the piece after (its source's where it was 耕地).
        out.loc[rows, "GDPDJB"] = np.where(cult, pd.Series(texts(c, "slope"), dtype=object).to_numpy(), "")
        out.loc[rows[~constr], "CZCSXM"] = ""
    cultivated = np.isin(dlbm, list(codes.CULTIVATED_CODES))
    kcmj = np.round(tbmj * np.nan_to_num(kcxs), 2)
    out["DLBM"] = dlbm
    out["DLMC"] = [codes.LAND_USE_NAMES.get(d, "") for d in dlbm]
    out["TBMJ"] = tbmj
    out["KCXS"] = np.where(cultivated, kcxs, np.nan)
    out["KCDLBM"] = np.where(cultivated & (kcmj > 0), "1203", "")
    out["KCMJ"] = kcmj
    out["TBDLMJ"] = np.round(tbmj - kcmj, 2)
    out["GDDB"] = pd.array(np.where(np.isnan(gddb), pd.NA, np.round(gddb)), dtype="Int64")
    out["SJNF"] = pd.array(np.where(np.isnan(sjnf), pd.NA, np.round(sjnf)), dtype="Int64")
    out["XZDWKD"] = _numbers(out, "XZDWKD")
    out["XZGDLYDLBM"] = new_from
    out["XZGDLYDLMC"] = [codes.LAND_USE_NAMES.get(d, "") for d in new_from]
    out["XZGDMJ"] = np.round(new_m2, 2)
    out["XZGDDB"] = pd.array(np.where(np.isnan(new_grade), pd.NA, np.round(new_grade)), dtype="Int64")
    out["XZGDLYXM"] = new_project

    # Identifiers: untouched 图斑 keep theirs, every other piece is a new 图斑.
    all_bsm = list(texts(dltb, "BSM"))
    fresh = np.flatnonzero(~whole)
    county = str(meta.get("county") or "")
    bsm = out["BSM"].to_numpy(dtype=object).copy()
    bsm[fresh] = next_ids(all_bsm, len(fresh), prefix=f"{county}ZZH")
    out["BSM"] = bsm
    tbbh = out["TBBH"].to_numpy(dtype=object).copy()
    units = out["ZLDWDM"].to_numpy(dtype=object)[fresh]
    tbbh[fresh] = _new_tbbh(units, list(texts(dltb, "ZLDWDM")), list(texts(dltb, "TBBH")))
    out["TBBH"] = tbbh
    return gpd.GeoDataFrame(out[list(AFTER_FIELDS)], geometry=gpd.GeoSeries(parts, crs=crs), crs=crs)
