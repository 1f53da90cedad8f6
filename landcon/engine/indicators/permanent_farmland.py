"""永久基本农田 布局调整: 调出 and 调入 and the review table's comparison of the two sides
(registry keys ``permanent_farmland.*``; domain reference §2.3, 永久基本农田布局调整审查汇总表)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.fragmentation import SIZE_CLASSES, components, shared_boundaries, size_class
from landcon.engine.indicators._common import (
    Floats,
    Geoms,
    is_cultivated,
    m2,
    numbers,
    plain,
    ratio,
    sum_by,
    three_class,
)
from landcon.engine.indicators.states import BeforeState
from landcon.engine.overlay import clip, overlay_pairs, zone_parts
from landcon.engine.plan import PLAN_IN, PLAN_OUT, feature_id, texts
from landcon.engine.tiankan import steeper

SLOPE_CLASS_OF_GRADE: Mapping[str, str] = {"1": "le15", "2": "le15", "3": "le15", "4": "15_25", "5": "gt25"}
"""GDPDJB → the review table's slope classes: ≤15° (grades 1–3: ≤2°, 2–6°, 6–15°), 15°–25° (4), >25° (5)."""

SIDES = ((PLAN_OUT, "out"), (PLAN_IN, "in"))


@dataclass(frozen=True)
class ContiguityClass:
    count: int
    area_m2: float


@dataclass(frozen=True)
class AdjustmentSide:
    """The review table's block for the 调出 or the 调入 parcels."""

    area_m2: float
    count: int
    mean_patch_m2: float | None
    mean_grade: float | None
    grade_unknown_m2: float
    landuse_m2: dict[str, float]
    slope_m2: dict[str, float]
    contiguity: dict[str, ContiguityClass]


@dataclass(frozen=True)
class PermanentFarmlandIndicators:
    """``available`` is False when the dataset has no YJJBNTBHTB: only ``adjusted`` is then known."""

    available: bool
    adjusted: bool
    before_m2: float | None = None
    out_m2: float | None = None
    in_m2: float | None = None
    net_m2: float | None = None
    out_ratio: float | None = None
    gain_ratio: float | None = None
    out: AdjustmentSide | None = None
    in_: AdjustmentSide | None = None  # "in" in the stored JSON
    contiguity_improvement: float | None = None
    grade_improvement: float | None = None

    def to_dict(self) -> dict[str, Any]:
        if not self.available:
            return {"available": False, "adjusted": self.adjusted}
        return {
            "available": True,
            "adjusted": self.adjusted,
            "before_m2": self.before_m2,
            "out_m2": self.out_m2,
            "in_m2": self.in_m2,
            "net_m2": self.net_m2,
            "out_ratio": self.out_ratio,
            "gain_ratio": self.gain_ratio,
            "out": plain(self.out),
            "in": plain(self.in_),
            "contiguity_improvement": self.contiguity_improvement,
            "grade_improvement": self.grade_improvement,
        }


@dataclass(frozen=True)
class Adjustment:
    """The parcels of one side (id, geometry) and the DLTB pieces under them (``pieces``: the DLTB
    attributes plus ``parcel``, ``area`` = TBMJ × share and ``geometry``) — what the rules look at."""

    parcels: list[tuple[str, object]]
    pieces: pd.DataFrame


def _side(
    pieces: pd.DataFrame,
    polys: Sequence[tuple[str, object]],
    grade_given: Floats,
    slope_given: Sequence[str],
    epsg: int,
) -> AdjustmentSide:
    """The block of one side. Slope: the survey's GDPDJB under the parcel, the steeper of it and the
    parcel's ZHPDJB where both are known, the ZHPDJB alone where the survey has none; areas of
    unknown grade or slope are kept apart (``grade_unknown_m2``, ``slope_m2.unknown``)."""
    geoms = np.asarray([g for _, g in polys], dtype=object)
    area = ellipsoid_area(geoms, epsg) if len(geoms) else np.zeros(0)
    total = float(area.sum())
    count = len(geoms)
    # Grade: the given post-consolidation grade of the parcel, else the area-weighted GDDB under it.
    weights = pieces["area"].to_numpy() if len(pieces) else np.zeros(0)
    grades = pieces["GDDB"].to_numpy() if len(pieces) else np.zeros(0)
    if len(pieces):
        given = grade_given[pieces["parcel"].to_numpy()]
        grades = np.where(~np.isnan(given), given, grades)
    has = ~np.isnan(grades) & (weights > 0)
    mean_grade = round(float((grades[has] * weights[has]).sum() / weights[has].sum()), 4) if has.any() else None
    grade_unknown = float(weights[np.isnan(grades)].sum()) if len(pieces) else 0.0
    dl = pieces["DLBM"].to_numpy(dtype=object) if len(pieces) else np.zeros(0, object)
    three = three_class(list(dl))
    groups = np.where(
        is_cultivated(dl),
        dl,
        np.where(three == codes.AGRICULTURAL, "非耕农用地", np.where(three == "", "未利用地", three)),
    )
    given_slope = [slope_given[int(i)] for i in pieces["parcel"].to_numpy()] if len(pieces) else []
    survey = list(pieces["GDPDJB"]) if len(pieces) else []
    slope = np.asarray(
        [SLOPE_CLASS_OF_GRADE.get(steeper(str(s), g), "unknown") for s, g in zip(survey, given_slope, strict=True)],
        dtype=object,
    )
    # Contiguity: connected groups of adjoining parcels, by their total area.
    if count:
        edges = shared_boundaries(geoms)
        n_comp, label = components(count, edges.i, edges.j)
        patch_area: Floats = np.asarray(np.bincount(label, weights=area, minlength=n_comp), dtype=np.float64)
    else:
        patch_area = np.zeros(0, dtype=np.float64)
    classes = size_class(patch_area)
    return AdjustmentSide(
        area_m2=m2(total),
        count=count,
        mean_patch_m2=m2(total / count) if count else None,
        mean_grade=mean_grade,
        grade_unknown_m2=m2(grade_unknown),
        landuse_m2={k: v for k, v in sum_by(groups, weights).items() if k},
        slope_m2=sum_by(slope, weights),
        contiguity={
            c: ContiguityClass(int((classes == c).sum()), m2(patch_area[classes == c].sum())) for c in SIZE_CLASSES
        },
    )


def adjustments(before: BeforeState, frame: gpd.GeoDataFrame | None) -> dict[str, Adjustment]:
    """The 调出 (``out``) and 调入 (``in``) parcels of a YJJBNTTZTB layer over the whole DLTB."""
    out: dict[str, Adjustment] = {}
    for side, key in SIDES:
        polys: list[tuple[str, object]] = []
        if frame is not None and len(frame):
            for k, (kind, geom) in enumerate(zip(texts(frame, "TZLX"), frame.geometry.array, strict=True)):
                if kind == side:
                    polys.append((feature_id(frame, k), geom))
        pairs = overlay_pairs(before.geoms, np.asarray([g for _, g in polys], dtype=object), before.epsg)
        under = before.base.iloc[pairs.index].reset_index(drop=True)
        pieces = under.assign(parcel=pairs.area, area=under["TBMJ"].to_numpy() * pairs.share, geometry=pairs.geometry)
        out[key] = Adjustment(polys, pieces)
    return out


def _given(frame: gpd.GeoDataFrame | None, side: str) -> tuple[Floats, list[str]]:
    """The 调入 parcels' stated grade (ZHGDDB) and slope grade (ZHPDJB) after; 调出 states none."""
    if frame is None or not len(frame):
        return np.zeros(0, dtype=np.float64), []
    kinds = texts(frame, "TZLX")
    grades, slopes = numbers(texts(frame, "ZHGDDB")), texts(frame, "ZHPDJB")
    rows = [k for k, kind in enumerate(kinds) if kind == side]
    if side != PLAN_IN:
        return np.full(len(rows), np.nan), [""] * len(rows)
    return np.asarray([float(grades[k]) for k in rows], dtype=np.float64), [slopes[k] for k in rows]


def permanent_farmland_indicators(
    before: BeforeState, zone: Geoms | None, frame: gpd.GeoDataFrame | None, sides: Mapping[str, Adjustment]
) -> PermanentFarmlandIndicators:
    """永农 before = S(YJJBNTBHTB ∩ 整治区域); 调出, 调入, net = 调入 − 调出; 调出比例 = 调出 / before;
    新增比例 = (调入 − 调出) / 调出 (自然资发〔2019〕194号 “双5%”); 连片度提升 = (调入 − 调出 mean patch) /
    调出 mean patch; 等别提升 = 调出 − 调入 mean grade (1 is best). ``zone`` is YJJBNTBHTB (None when
    the dataset has none), ``frame`` the plan's YJJBNTTZTB, ``sides`` its ``adjustments``."""
    adjusted = frame is not None and bool(len(frame))
    if zone is None:
        return PermanentFarmlandIndicators(available=False, adjusted=adjusted)
    epsg = before.epsg
    parts = zone_parts(zone)
    in_zzqy = clip(parts, before.zzqy, epsg)
    pfl = float((ellipsoid_area(parts[in_zzqy.index], epsg) * in_zzqy.share).sum()) if len(in_zzqy.index) else 0.0
    blocks: dict[str, AdjustmentSide] = {}
    for side, key in SIDES:
        grade_given, slope_given = _given(frame, side)
        blocks[key] = _side(sides[key].pieces, sides[key].parcels, grade_given, slope_given, epsg)
    o, i = blocks["out"], blocks["in"]
    return PermanentFarmlandIndicators(
        available=True,
        adjusted=adjusted,
        before_m2=m2(pfl),
        out_m2=o.area_m2,
        in_m2=i.area_m2,
        net_m2=m2(i.area_m2 - o.area_m2),
        out_ratio=ratio(o.area_m2, pfl),
        gain_ratio=ratio(i.area_m2 - o.area_m2, o.area_m2),
        out=o,
        in_=i,
        contiguity_improvement=(
            ratio(i.mean_patch_m2 - o.mean_patch_m2, o.mean_patch_m2)
            if o.mean_patch_m2 is not None and i.mean_patch_m2 is not None
            else None
        ),
        grade_improvement=(
            round(o.mean_grade - i.mean_grade, 4) if o.mean_grade is not None and i.mean_grade is not None else None
        ),
    )
