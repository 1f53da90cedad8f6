"""A synthetic later survey vintage (年度变更调查 DLTB) of a county on which a plan is being carried out,
for demonstrating and testing change detection (``engine.change_detection``, docs/monitor.md).

``generate_vintage`` takes the county's layers and a plan and draws, with ``seed``:

* about ``achieved_share`` of the plan's new-farmland parcels (CZGHTB with a 耕地 GHDLBM over land
  that is not all 耕地) carried out: the land becomes the planned class (``engine.after_state``, so
  areas, 田坎 and identifiers follow the 三调 rules and the planned 等别 is the survey's GDDB);
* of the parcels not carried out, one (when at least two) turned to 其他林地 (0307; another
  non-耕地 class where the land was 0307) instead, the rest unchanged;
* one unplanned intrusion: a whole non-construction 图斑 inside the 整治区域 that no change parcel
  touches becomes 农村宅基地 (0702);
* with ``built``, a second plan on other land (e.g. another township) carried out in full — every
  CZGHTB and ZJGGTB parcel becomes its planned class — except one new-farmland parcel, drawn with
  ``seed``, turned to a ``LOST_CLASSES`` class like the lost parcel above (the project whose
  acceptance finds exactly one parcel failing verification).

The change is applied to the 图斑 the changed parcels touch (the 整治区域 of the sub-plan is their
union); every other 图斑 and every other layer stays as it was. SJNF of changed 图斑 is ``year``.
Pure: no file I/O, randomness only from ``seed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landcon.engine import codes
from landcon.engine.after_state import DLTB_FIELDS, after_state
from landcon.engine.indicators import analyse_plan
from landcon.engine.layers import DLTB
from landcon.engine.plan import CZGHTB, ZJGGTB, ZZQY, Plan, feature_id, normalise, texts

LOST_CLASSES = ("0307", "0305", "0404", "1206")
"""The classes a planned new-farmland parcel not carried out is turned to instead (其他林地, else
灌木林地, 其他草地, 裸土地: the first the parcel's land was not before)."""
INTRUSION_CLASS = "0702"
"""The class of the unplanned intrusion (农村宅基地)."""
MIN_OVERLAP_M2 = 1.0
"""Planar overlap below which a parcel is not taken to cover a 图斑 (shared edges, slivers)."""


def _union(geoms: Any) -> Any:
    arr = np.asarray([g for g in geoms if g is not None and not shapely.is_empty(g)], dtype=object)
    return shapely.union_all(arr) if len(arr) else shapely.Polygon()


def _new_farmland_rows(cz: gpd.GeoDataFrame, dltb_geoms: Any, dltb_cult: Any, tree: shapely.STRtree) -> list[int]:
    """CZGHTB rows planning 耕地 over land that is not all 耕地 (more than MIN_OVERLAP_M2 of it)."""
    rows: list[int] = []
    after = np.asarray(texts(cz, "GHDLBM"), dtype=object)
    for k, geom in enumerate(cz.geometry.array):
        if after[k] not in codes.CULTIVATED_CODES:
            continue
        idx = tree.query(geom, predicate="intersects")
        idx = idx[~dltb_cult[idx]]
        if len(idx) and shapely.area(shapely.intersection(dltb_geoms[idx], geom)).sum() > MIN_OVERLAP_M2:
            rows.append(k)
    return rows


def _intrusion(dltb: gpd.GeoDataFrame, zzqy: Any, parcels: Any, tree: shapely.STRtree, rng: np.random.Generator) -> int:
    """A 图斑 wholly inside the 整治区域, touched by no change parcel, not 建设用地; mid-sized."""
    geoms = np.asarray(dltb.geometry.array, dtype=object)
    inside = np.zeros(len(dltb), dtype=bool)
    inside[tree.query(zzqy, predicate="contains_properly")] = True
    touched = np.zeros(len(dltb), dtype=bool)
    if len(parcels):
        touched[tree.query(parcels, predicate="intersects")[1]] = True
    dl = np.asarray(texts(dltb, "DLBM"), dtype=object)
    agricultural = np.asarray([codes.THREE_CLASS_OF.get(d, "") == codes.AGRICULTURAL for d in dl])
    candidates = np.flatnonzero(inside & ~touched & agricultural)
    if not len(candidates):
        raise ValueError("整治区域内没有可作为违法占地示例的图斑 / no 图斑 left for the intrusion")
    area = shapely.area(geoms[candidates])
    lo, hi = np.quantile(area, [0.25, 0.75])
    mid = candidates[(area >= lo) & (area <= hi)]
    return int(rng.choice(mid if len(mid) else candidates))


def generate_vintage(
    layers: Mapping[str, gpd.GeoDataFrame],
    plan: Plan,
    epsg: int,
    *,
    seed: int = 0,
    achieved_share: float = 0.6,
    year: int | None = None,
    built: Plan | None = None,
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]:
    """The vintage's layers and what was drawn: parcels ``achieved``, ``lost``, ``not_yet`` (feature
    ids of CZGHTB) and ``intrusion`` (BSM of the 图斑 before); with ``built`` also ``built``:
    ``{"lost": [id], "parcels": n}`` (the feature id of its parcel not built as planned, the number
    of its parcels applied)."""
    dltb = layers[DLTB].reset_index(drop=True)
    cz = plan.layer(CZGHTB)
    if cz is None or not len(cz):
        raise ValueError("方案没有 CZGHTB 图斑 / the plan has no change parcels")
    rng = np.random.default_rng(seed)
    geoms = np.asarray(dltb.geometry.array, dtype=object)
    tree = shapely.STRtree(geoms)
    cult = np.isin(np.asarray(texts(dltb, "DLBM"), dtype=object), list(codes.CULTIVATED_CODES))
    candidates = _new_farmland_rows(cz, geoms, cult, tree)
    if len(candidates) < 2:
        raise ValueError("方案的新增耕地图斑少于 2 个 / the plan has fewer than 2 new-farmland parcels")
    order = [candidates[i] for i in rng.permutation(len(candidates))]
    n_done = min(max(round(achieved_share * len(order)), 1), len(order) - 1)
    done, rest = order[:n_done], order[n_done:]
    lost = rest[:1] if len(rest) >= 2 else []
    zzqy = _union(plan.layers[ZZQY].geometry.array)
    link = plan.layer(ZJGGTB)
    all_parcels = np.asarray([*cz.geometry.array, *(link.geometry.array if link is not None else [])], dtype=object)
    intruded = _intrusion(dltb, zzqy, all_parcels, tree, rng)

    dlbm_before = np.asarray(texts(dltb, "DLBM"), dtype=object)

    def lose(frame: gpd.GeoDataFrame, index: Any, geom: Any) -> None:
        before = set(dlbm_before[tree.query(geom, "intersects")])
        frame.loc[index, "GHDLBM"] = next((c for c in LOST_CLASSES if c not in before), LOST_CLASSES[0])

    changed = cz.iloc[[*done, *lost]].copy()
    for k, row in zip(changed.index[len(done) :], lost, strict=True):
        lose(changed, k, cz.geometry.array[row])
    intrusion = normalise(
        CZGHTB, gpd.GeoDataFrame({"GHDLBM": [INTRUSION_CLASS], "geometry": [geoms[intruded]]}, crs=dltb.crs)
    )
    parts = [changed, intrusion]
    built_link: gpd.GeoDataFrame | None = None
    built_drawn: dict[str, Any] | None = None
    if built is not None:
        other = built.layer(CZGHTB)
        other = other.reset_index(drop=True).copy() if other is not None else cz.iloc[[]].copy()
        rows = _new_farmland_rows(other, geoms, cult, tree) if len(other) else []
        if not rows:
            raise ValueError("第二个方案没有新增耕地图斑 / the built plan has no new-farmland parcels")
        failing = int(rows[int(rng.integers(len(rows)))])
        lose(other, other.index[failing], other.geometry.array[failing])
        parts.append(other)
        built_link = built.layer(ZJGGTB)
        count = len(other) + (len(built_link) if built_link is not None else 0)
        built_drawn = {"lost": [feature_id(other, failing)], "parcels": count}
    sub = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=dltb.crs)
    every = [*sub.geometry.array, *(built_link.geometry.array if built_link is not None else [])]
    hit = np.unique(tree.query(np.asarray(every, dtype=object), predicate="intersects")[1])
    changed_union = _union(every)
    area_hit = hit[[shapely.area(shapely.intersection(geoms[i], changed_union)) > MIN_OVERLAP_M2 for i in hit]]
    zone = gpd.GeoDataFrame({"ZZQYBH": ["V"]}, geometry=[_union(geoms[area_hit])], crs=dltb.crs)
    vintage_year = year if year is not None else int(plan.end_year or 2024)
    meta = {"end_year": vintage_year, "county": str(texts(dltb, "ZLDWDM")[0])[:6]}
    sub_layers = {ZZQY: normalise(ZZQY, zone), CZGHTB: sub}
    if built_link is not None and len(built_link):
        sub_layers[ZJGGTB] = built_link
    sub_plan = Plan(sub_layers, meta)
    analysis = analyse_plan(dltb, {}, sub_plan, epsg)
    cut = analysis.clip_of(dltb)
    replaced = after_state(dltb, analysis, epsg, meta=meta)
    columns = [c for c in DLTB_FIELDS if c in dltb.columns]
    kept = dltb.drop(index=cut.index)
    out = gpd.GeoDataFrame(
        pd.concat([kept[[*columns, "geometry"]], replaced[[*columns, "geometry"]]], ignore_index=True),
        geometry="geometry",
        crs=dltb.crs,
    )
    ids = [feature_id(cz, k) for k in range(len(cz))]
    drawn = {
        "achieved": [ids[k] for k in done],
        "lost": [ids[k] for k in lost],
        "not_yet": [ids[k] for k in rest[len(lost) :]],
        "intrusion": str(texts(dltb, "BSM")[intruded]),
        "year": vintage_year,
        **({"built": built_drawn} if built_drawn is not None else {}),
    }
    return {**layers, DLTB: out}, drawn
