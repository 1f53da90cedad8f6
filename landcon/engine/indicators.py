"""Plan indicators: the after state of a 实施方案 overlaid on the base DLTB, and every number the
plan must report (docs/plan.md lists the keys; formulas from domain reference §1.11 and §2.3).

The base DLTB is clipped to the 整治区域 (ZZQY) and overlaid with the change parcels (CZGHTB and
增减挂钩 ZJGGTB), apportioning TBMJ/KCMJ/TBDLMJ by ellipsoid share (``engine.overlay``). Inside a
change parcel a piece takes the planned class; a cultivated class has net area
``TBMJ × (1 − KCXS_after)``.

That coefficient comes from the county's 田坎系数 table (``engine.tiankan``, a rule-pack value) by the
piece's slope grade after consolidation and its 耕地类型, never from the plan: the plan's ZHKCXS is
only checked against the table (rule ``NEW_FARMLAND_KCXS_TABLE``). The slope grade after is the
steeper of the survey's GDPDJB (where the piece has one) and the parcel's ZHPDJB; where neither is
known the table cannot apply, the coefficient falls back to ZHKCXS, else the piece's own KCXS, else
0, and the area is reported as of unknown slope (``cultivated.new_slope_unknown_m2``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.fragmentation import SIZE_CLASSES, components, shared_boundaries, size_class
from landcon.engine.overlay import Pairs, clip, overlay_pairs, zone_parts, zone_shares
from landcon.engine.plan import (
    BUILD,
    CZGHTB,
    DEFAULT_BUILD_CLASS,
    DEMOLISH,
    PLAN_IN,
    PLAN_OUT,
    YJJBNTTZTB,
    ZJGGTB,
    ZZQY,
    Plan,
    feature_id,
    funding_by_source,
    subproject_investment,
    subprojects_without_investment,
    texts,
)
from landcon.engine.tiankan import DEFAULT_TABLE, TiankanTable, coefficients, steeper

PERMANENT_FARMLAND = "YJJBNTBHTB"
RED_LINE = "STBHHX"
URBAN_BOUNDARY = "CZKFBJ"

SLOPE_CLASS_OF_GRADE: Mapping[str, str] = {"1": "le15", "2": "le15", "3": "le15", "4": "15_25", "5": "gt25"}
"""GDPDJB → the review table's slope classes: ≤15° (grades 1–3: ≤2°, 2–6°, 6–15°), 15°–25° (4), >25° (5)."""

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Parcel:
    """A change parcel: where it comes from and what it makes of the land."""

    layer: str
    id: str
    geometry: object
    after: str  # planned DLBM
    subproject: str
    grade_after: float  # NaN when not given
    kcxs_after: float  # NaN when not given
    restoration: str
    linkage: str  # 项目区 (ZJGGTB) or ""
    kind: str  # "" | 拆旧 | 建新
    consent: str
    slope_after: str = ""  # ZHPDJB, "" when not given
    gdlx_after: str = ""  # ZHGDLX, "" when not given


@dataclass
class PlanAnalysis:
    """The indicators and what the rules look at."""

    indicators: dict[str, Any]
    after: pd.DataFrame  # one row per changed piece (see ``_after_table``)
    parcels: list[Parcel]
    adjustment: dict[str, pd.DataFrame] = field(default_factory=dict)  # 调出/调入 pieces over DLTB
    adjustment_parcels: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    zones: dict[str, Any] = field(default_factory=dict)
    zzqy: object = None
    epsg: int = 4490


def _num(values: Sequence[str]) -> Floats:
    return np.asarray(pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce"), dtype=np.float64)


def _parcels(plan: Plan) -> list[Parcel]:
    out: list[Parcel] = []
    frame = plan.layer(CZGHTB)
    if frame is not None and len(frame):
        grade, kcxs = _num(texts(frame, "ZHGDDB")), _num(texts(frame, "ZHKCXS"))
        rows = zip(
            frame.geometry.array,
            texts(frame, "GHDLBM"),
            texts(frame, "ZXMBH"),
            texts(frame, "STXFLX"),
            texts(frame, "CMTY"),
            texts(frame, "ZHPDJB"),
            texts(frame, "ZHGDLX"),
            strict=True,
        )
        for k, (geom, after, zxm, eco, consent, slope, gdlx) in enumerate(rows):
            out.append(
                Parcel(
                    CZGHTB, feature_id(frame, k), geom, after, zxm, grade[k], kcxs[k], eco, "", "", consent, slope, gdlx
                )
            )
    frame = plan.layer(ZJGGTB)
    if frame is not None and len(frame):
        link_rows = zip(
            frame.geometry.array,
            texts(frame, "XMQBH"),
            texts(frame, "GGLX"),
            texts(frame, "FKDLBM"),
            texts(frame, "JXDLBM"),
            texts(frame, "CMTY"),
            texts(frame, "ZXMBH"),
            texts(frame, "ZHPDJB"),
            texts(frame, "ZHGDLX"),
            strict=True,
        )
        for k, (geom, area, kind, reclaimed, built, consent, zxm, slope, gdlx) in enumerate(link_rows):
            after = reclaimed if kind == DEMOLISH else (built or DEFAULT_BUILD_CLASS)
            out.append(
                Parcel(
                    ZJGGTB, feature_id(frame, k), geom, after, zxm, np.nan, np.nan, "", area, kind, consent, slope, gdlx
                )
            )
    return out


def _attrs(dltb: pd.DataFrame) -> pd.DataFrame:
    def text(column: str) -> list[str]:
        return list(texts(dltb, column))

    def number(column: str) -> Floats:
        if column not in dltb:
            return np.full(len(dltb), np.nan)
        return np.asarray(pd.to_numeric(dltb[column], errors="coerce"), dtype=np.float64)

    out = pd.DataFrame(
        {
            "BSM": pd.Series(text("BSM"), dtype=object),
            "DLBM": pd.Series(text("DLBM"), dtype=object),
            "ZLDWDM": pd.Series(text("ZLDWDM"), dtype=object),
            "GDPDJB": pd.Series(text("GDPDJB"), dtype=object),
            "GDLX": pd.Series(text("GDLX"), dtype=object),
            "GDDB": number("GDDB"),
            "TBMJ": np.nan_to_num(number("TBMJ")),
            "KCMJ": np.nan_to_num(number("KCMJ")),
            "TBDLMJ": np.nan_to_num(number("TBDLMJ")),
        }
    )
    kcxs = number("KCXS")
    derived = np.where(out["TBMJ"] > 0, out["KCMJ"] / out["TBMJ"].where(out["TBMJ"] > 0, 1.0), 0.0)
    out["KCXS"] = np.where(np.isnan(kcxs), derived, kcxs)
    return out


def _union(geoms: Sequence[object]) -> object:
    arr = np.asarray([g for g in geoms if g is not None and not shapely.is_empty(g)], dtype=object)
    return shapely.union_all(arr) if len(arr) else shapely.Polygon()


def _is_cult(dlbm: npt.NDArray[np.object_] | pd.Series) -> npt.NDArray[np.bool_]:
    return np.isin(np.asarray(dlbm, dtype=object), list(codes.CULTIVATED_CODES))


def _three(dlbm: Sequence[str]) -> npt.NDArray[np.object_]:
    return np.asarray([codes.THREE_CLASS_OF.get(c, "") for c in dlbm], dtype=object)


def _by(
    keys: Sequence[str] | npt.NDArray[np.object_], values: Floats, mask: npt.NDArray[np.bool_] | None = None
) -> dict[str, float]:
    """Σ values by key (optionally only where ``mask``), keys sorted, areas to 0.01 m²."""
    k = np.asarray(keys, dtype=object)
    v = np.asarray(values, dtype=np.float64)
    if mask is not None:
        k, v = k[mask], v[mask]
    sums = pd.Series(v).groupby(pd.Series(k, dtype=object)).sum().sort_index()
    return {str(key): _m2(value) for key, value in sums.items()}


def _m2(value: float) -> float:
    return round(float(value), 2) + 0.0


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den > 0 else None


def analyse_plan(
    dltb: gpd.GeoDataFrame,
    zones: Mapping[str, Sequence[object] | npt.NDArray[np.object_] | None],
    plan: Plan,
    epsg: int,
    *,
    kcxs_table: TiankanTable = DEFAULT_TABLE,
) -> PlanAnalysis:
    """The plan's after state and its indicators (docs/plan.md); ``kcxs_table`` is the county's
    田坎系数 table (the rule pack's ``NEW_FARMLAND_KCXS_TABLE``)."""
    zzqy_frame = plan.layers[ZZQY]
    zzqy = _union(list(zzqy_frame.geometry.array))
    geoms = np.asarray(dltb.geometry.array, dtype=object)
    base = _attrs(dltb)
    cut = clip(geoms, zzqy, epsg)
    inside = base.iloc[cut.index].reset_index(drop=True)
    for c in ("TBMJ", "KCMJ", "TBDLMJ"):
        inside[c] = inside[c].to_numpy() * cut.share
    piece_geoms = cut.geometry
    parcels = _parcels(plan)
    parcel_geoms = np.asarray([p.geometry for p in parcels], dtype=object)
    pairs = overlay_pairs(piece_geoms, parcel_geoms, epsg)
    after = _after_table(inside, pairs, parcels, kcxs_table)
    changed_share = np.bincount(pairs.index, weights=pairs.share, minlength=len(inside)) if len(inside) else np.zeros(0)
    rest = np.clip(1.0 - changed_share, 0.0, 1.0)
    rest[rest < 1e-9] = 0.0

    ind: dict[str, Any] = {}
    zzqy_area = float(ellipsoid_area(np.asarray(list(zzqy_frame.geometry.array), dtype=object), epsg).sum())
    villages = sorted({z[:12] for z in inside["ZLDWDM"] if z})
    ind["area"] = {
        "zzqy_m2": _m2(zzqy_area),
        "villages": villages,
        "townships": sorted({v[:9] for v in villages}),
    }

    # Land use before / after (net for 耕地).
    dl = inside["DLBM"].to_numpy(dtype=object)
    before_net = inside["TBDLMJ"].to_numpy()
    ind_landuse_before = _by(dl, before_net)
    keys_after = np.concatenate([dl, after["after"].to_numpy(dtype=object)])
    values_after = np.concatenate([before_net * rest, after["net_after"].to_numpy()])
    ind["landuse"] = {
        "before_m2": ind_landuse_before,
        "after_m2": {k: v for k, v in _by(keys_after, values_after).items() if v != 0.0},
        "kcmj_before_m2": _m2(inside["KCMJ"].sum()),
        "kcmj_after_m2": _m2((inside["KCMJ"].to_numpy() * rest).sum() + after["kcmj_after"].sum()),
    }

    # Cultivated land.
    cult_before = _is_cult(dl)
    before_cult_net = float(before_net[cult_before].sum())
    after_cult_mask = _is_cult(keys_after)
    after_cult_net = float(values_after[after_cult_mask].sum())
    a_before_cult = _is_cult(after["before"].to_numpy(dtype=object))
    a_after_cult = _is_cult(after["after"].to_numpy(dtype=object))
    conversion = ~a_before_cult & a_after_cult
    levelling = a_before_cult & a_after_cult
    gain_conv = np.where(conversion, after["net_after"], 0.0)
    # Levelling: the 田坎 the coefficient change removes (TBMJ × ΔKCXS, not a difference of rounded areas).
    delta = (after["kcxs_before"] - after["kcxs_after"]).to_numpy() * after["tbmj"].to_numpy()
    gain_level = np.where(levelling, np.maximum(delta, 0.0), 0.0)
    tiankan_loss = np.where(levelling, np.maximum(-delta, 0.0), 0.0)
    new = gain_conv + gain_level
    # 新增耕地来源: the class before for a conversion; 1203 田坎 for the 田坎 a levelling removes.
    source = np.where(levelling, "1203", after["before"].to_numpy(dtype=object))
    after = after.assign(new_cultivated=new, source_class=np.where(new > 0, source, ""))
    slope_unknown = after["slope"].to_numpy(dtype=object) == ""
    lost = np.where(a_before_cult & ~a_after_cult, after["net_before"], 0.0)
    grade_key = np.asarray(
        [str(int(g)) if not np.isnan(g) else "" for g in after["grade_after"].to_numpy()], dtype=object
    )
    new_mask = new > 0
    paddy = np.where(
        (after["after"].to_numpy(dtype=object) == "0101") & (after["before"].to_numpy(dtype=object) != "0101"),
        after["net_after"],
        0.0,
    )
    # 可用于占补平衡: new farmland outside 增减挂钩 拆旧 plots (those balance their 项目区's 建新 and are
    # counted in the linkage ledger instead, so the same hectare never becomes two quotas).
    supp = new_mask & (after["layer"].to_numpy(dtype=object) != ZJGGTB)
    ind["cultivated"] = {
        "before_net_m2": _m2(before_cult_net),
        "after_net_m2": _m2(after_cult_net),
        "before_by_type_m2": _by(dl, before_net, cult_before),
        "after_by_type_m2": _by(keys_after, values_after, after_cult_mask),
        "new_m2": _m2(new.sum()),
        "new_from_conversion_m2": _m2(gain_conv.sum()),
        "new_from_levelling_m2": _m2(gain_level.sum()),
        # 1203 田坎 is always listed: the 田坎 removed by levelling is a source of its own (0 when none).
        "new_by_source_class_m2": {"1203": 0.0, **_by(after["source_class"].to_numpy(dtype=object), new, new_mask)},
        "new_slope_unknown_m2": _m2(new[slope_unknown].sum()),
        "new_by_slope_m2": _by(after["slope"].to_numpy(dtype=object), new, new_mask),
        "tiankan_loss_m2": _m2(tiankan_loss.sum()),
        "new_by_subproject_m2": _by(after["subproject"].to_numpy(dtype=object), new, new_mask),
        "new_by_grade_m2": _by(grade_key, new, new_mask),
        "new_paddy_m2": _m2(paddy.sum()),
        "supplementary_m2": _m2(new[supp].sum()),
        "supplementary_paddy_m2": _m2(paddy[supp].sum()),
        "supplementary_by_grade_m2": _by(grade_key, new, supp),
        "lost_m2": _m2(lost.sum()),
        "new_rate": _ratio(after_cult_net - before_cult_net, before_cult_net),
    }

    # Construction land.
    constr_before = float(before_net[_three(list(dl)) == codes.CONSTRUCTION].sum())
    constr_after = float(values_after[_three(list(keys_after)) == codes.CONSTRUCTION].sum())
    ind["construction"] = {
        "before_m2": _m2(constr_before),
        "after_m2": _m2(constr_after),
        "change_m2": _m2(constr_after - constr_before),
        "surplus_m2": _m2(max(constr_before - constr_after, 0.0)),
    }

    # Fields (田块): cultivated pieces; a cultivated change parcel is one field.
    fields_before = int(cult_before.sum())
    untouched = int((cult_before & (rest >= 1.0)).sum())
    partly = int((cult_before & (rest > 0.0) & (rest < 1.0)).sum())
    parcels_cult = len({p for p, c in zip(after["parcel"].to_numpy(), a_after_cult, strict=True) if c})
    fields_after = untouched + partly + parcels_cult
    ind["fields"] = {
        "before": fields_before,
        "after": fields_after,
        "merge_degree": _ratio(fields_before - fields_after, fields_before),
    }

    # Ecology.
    eco = after["restoration"].to_numpy(dtype=object)
    eco_mask = eco != ""
    ind["ecology"] = {
        "restoration_m2": _m2(after["tbmj"].to_numpy()[eco_mask].sum()),
        "restoration_by_type_m2": _by(eco, after["tbmj"].to_numpy(), eco_mask),
    }

    # Investment.
    by_project = subproject_investment(plan.meta)
    by_source = funding_by_source(plan.meta)
    ind["investment"] = {
        "total_wan": round(sum(by_project.values()), 4),
        "by_source_wan": {k: round(v, 4) for k, v in by_source.items()},
        "by_subproject_wan": {k: round(v, 4) for k, v in by_project.items()},
        "funding_total_wan": round(sum(by_source.values()), 4),
        "subprojects_without_investment": subprojects_without_investment(plan.meta),
        "funding_given": bool(plan.meta.get("funding")),
    }
    start, end = plan.start_year, plan.end_year
    ind["years"] = end - start + 1 if start is not None and end is not None else None
    ind["households_benefited"] = plan.meta.get("households_benefited")

    analysis = PlanAnalysis(ind, after, parcels, zzqy=zzqy, epsg=epsg)
    analysis.zones = {k: (None if v is None else np.asarray(v, dtype=object)) for k, v in zones.items()}
    ind["linkage"] = {"project_areas": _linkage(base, geoms, parcels, epsg)}
    ind["homesteads"] = _homesteads(after, parcels, ind["linkage"]["project_areas"])
    ind["permanent_farmland"] = _permanent_farmland(analysis, plan, base, geoms, epsg)
    return analysis


def _after_table(inside: pd.DataFrame, pairs: Pairs, parcels: Sequence[Parcel], table: TiankanTable) -> pd.DataFrame:
    """One row per piece of a 图斑 inside a change parcel: before and after.

    ``slope``/``gdlx`` are the piece's 坡度级别/耕地类型 after (survey value, the parcel's ZHPDJB/ZHGDLX;
    the steeper slope where both are known); ``kcxs_table`` the table's 田坎系数 for them (NaN when the
    slope is unknown), ``kcxs_given`` the plan's ZHKCXS, ``kcxs_after`` the coefficient used."""
    rows = inside.iloc[pairs.index].reset_index(drop=True)
    s = pairs.share
    tbmj = rows["TBMJ"].to_numpy() * s
    net_before = rows["TBDLMJ"].to_numpy() * s
    before = rows["DLBM"].to_numpy(dtype=object)
    p = [parcels[i] for i in pairs.area]
    after = np.asarray([x.after for x in p], dtype=object)
    was_cult = _is_cult(before)
    is_cult = _is_cult(after)
    survey_slope = rows["GDPDJB"].to_numpy(dtype=object)
    slope = np.asarray([steeper(str(a), x.slope_after) for a, x in zip(survey_slope, p, strict=True)], dtype=object)
    survey_gdlx = rows["GDLX"].to_numpy(dtype=object)
    gdlx = np.asarray(
        [x.gdlx_after or (str(g) if c else "") for g, x, c in zip(survey_gdlx, p, was_cult, strict=True)],
        dtype=object,
    )
    from_table = coefficients(slope, gdlx, table)
    kcxs_given = np.asarray([x.kcxs_after for x in p], dtype=np.float64)
    fallback = np.where(~np.isnan(kcxs_given), kcxs_given, np.where(was_cult, rows["KCXS"].to_numpy(), 0.0))
    kcxs = np.where(is_cult, np.where(np.isnan(from_table), fallback, from_table), 0.0)
    net_after = np.where(is_cult, tbmj * (1.0 - kcxs), tbmj)
    grade_given = np.asarray([x.grade_after for x in p], dtype=np.float64)
    grade = np.where(~np.isnan(grade_given), grade_given, rows["GDDB"].to_numpy())
    return pd.DataFrame(
        {
            "piece": pairs.index,
            "parcel": pairs.area,
            "layer": [x.layer for x in p],
            "parcel_id": [x.id for x in p],
            "before": pd.Series(before, dtype=object),
            "after": pd.Series(after, dtype=object),
            "tbmj": tbmj,
            "net_before": net_before,
            "net_after": net_after,
            "kcmj_after": tbmj - net_after,
            "grade_after": np.where(is_cult, grade, np.nan),
            "slope": pd.Series(np.where(is_cult, slope, ""), dtype=object),
            "gdlx": pd.Series(np.where(is_cult, gdlx, ""), dtype=object),
            "kcxs_table": np.where(is_cult, from_table, np.nan),
            "kcxs_given": np.where(is_cult, kcxs_given, np.nan),
            "kcxs_after": np.where(is_cult, kcxs, np.nan),
            "kcxs_before": np.where(was_cult, rows["KCXS"].to_numpy(), np.nan),
            "subproject": pd.Series([x.subproject for x in p], dtype=object),
            "restoration": pd.Series([x.restoration for x in p], dtype=object),
            "geometry": pairs.geometry,
        }
    )


def _homesteads(
    after: pd.DataFrame, parcels: Sequence[Parcel], project_areas: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """宅基地 (0702) a plan removes — by a 增减挂钩 拆旧 plot or by a change parcel (CZGHTB) that gives
    it another class — and the parcels among them without recorded villager consent (CMTY = 是)."""
    gone = (after["before"].to_numpy(dtype=object) == "0702") & (after["after"].to_numpy(dtype=object) != "0702")
    area = after["tbmj"].to_numpy()
    no_consent = np.asarray([parcels[int(i)].consent != "是" for i in after["parcel"].to_numpy()], dtype=bool)
    bad = gone & no_consent
    layers = after["layer"].to_numpy(dtype=object)
    ids = after["parcel_id"].to_numpy(dtype=object)
    missing = [{"layer": str(lay), "id": str(i)} for lay, i in dict.fromkeys(zip(layers[bad], ids[bad], strict=True))]
    # The 增减挂钩 plots counted by 项目区 (a 拆旧 plot wholly outside ZZQY has no piece above).
    for pa in project_areas:
        for i in pa["consent_missing"]:
            if {"layer": ZJGGTB, "id": i} not in missing:
                missing.append({"layer": ZJGGTB, "id": i})
    return {
        "removed_m2": _m2(area[gone].sum()),
        "consent_missing_m2": _m2(area[bad].sum()),
        "consent_missing": missing,
    }


def _linkage(
    base: pd.DataFrame, geoms: npt.NDArray[np.object_], parcels: Sequence[Parcel], epsg: int
) -> list[dict[str, Any]]:
    """Per 增减挂钩 项目区: 拆旧 and 建新 areas and the cultivated land each gains or takes."""
    linked = [p for p in parcels if p.layer == ZJGGTB]
    if not linked:
        return []
    pgeoms = np.asarray([p.geometry for p in linked], dtype=object)
    area = ellipsoid_area(pgeoms, epsg)
    pairs = overlay_pairs(geoms, pgeoms, epsg)
    under = base.iloc[pairs.index].reset_index(drop=True)
    cult = _is_cult(under["DLBM"].to_numpy(dtype=object))
    out: dict[str, dict[str, Any]] = {}
    for k, p in enumerate(linked):
        rec = out.setdefault(
            p.linkage,
            {
                "code": p.linkage,
                "demolished_m2": 0.0,
                "reclaimed_cultivated_m2": 0.0,
                "new_construction_m2": 0.0,
                "new_construction_cultivated_m2": 0.0,
                "homesteads_demolished": 0,
                "consent_missing": [],
            },
        )
        mine = pairs.area == k
        if p.kind == DEMOLISH:
            rec["demolished_m2"] += float(area[k])
            if p.after in codes.CULTIVATED_CODES:
                rec["reclaimed_cultivated_m2"] += float((under["TBMJ"].to_numpy() * pairs.share)[mine].sum())
            homes = int((under["DLBM"].to_numpy(dtype=object)[mine] == "0702").sum())
            rec["homesteads_demolished"] += homes
            if homes and p.consent != "是":
                rec["consent_missing"].append(p.id)
        elif p.kind == BUILD:
            rec["new_construction_m2"] += float(area[k])
            rec["new_construction_cultivated_m2"] += float(
                (under["TBDLMJ"].to_numpy() * pairs.share)[mine & cult].sum()
            )
    for rec in out.values():
        for key in (
            "demolished_m2",
            "reclaimed_cultivated_m2",
            "new_construction_m2",
            "new_construction_cultivated_m2",
        ):
            rec[key] = _m2(rec[key])
    return [out[k] for k in sorted(out)]


def _side_stats(
    pieces: pd.DataFrame,
    polys: Sequence[tuple[str, object]],
    grade_given: Floats,
    slope_given: Sequence[str],
    epsg: int,
) -> dict[str, Any]:
    """The review table's block for 调出 or 调入 parcels (domain reference §2.3).

    Slope: the survey's GDPDJB under the parcel, the steeper of it and the parcel's ZHPDJB where both
    are known, the ZHPDJB alone where the survey has none; areas of unknown grade or slope are kept
    apart (``grade_unknown_m2``, ``slope_m2.unknown``)."""
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
    three = _three(list(dl))
    groups = np.where(
        _is_cult(dl), dl, np.where(three == codes.AGRICULTURAL, "非耕农用地", np.where(three == "", "未利用地", three))
    )
    given = [slope_given[int(i)] for i in pieces["parcel"].to_numpy()] if len(pieces) else []
    survey = list(pieces["GDPDJB"]) if len(pieces) else []
    slope = np.asarray(
        [SLOPE_CLASS_OF_GRADE.get(steeper(str(s), g), "unknown") for s, g in zip(survey, given, strict=True)],
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
    return {
        "area_m2": _m2(total),
        "count": count,
        "mean_patch_m2": _m2(total / count) if count else None,
        "mean_grade": mean_grade,
        "grade_unknown_m2": _m2(grade_unknown),
        "landuse_m2": {k: v for k, v in _by(groups, weights).items() if k},
        "slope_m2": _by(slope, weights),
        "contiguity": {
            c: {"count": int((classes == c).sum()), "area_m2": _m2(patch_area[classes == c].sum())}
            for c in SIZE_CLASSES
        },
    }


def _permanent_farmland(
    analysis: PlanAnalysis, plan: Plan, base: pd.DataFrame, geoms: npt.NDArray[np.object_], epsg: int
) -> dict[str, Any]:
    zone = analysis.zones.get(PERMANENT_FARMLAND)
    frame = plan.layer(YJJBNTTZTB)
    if zone is None:
        return {"available": False, "adjusted": frame is not None and bool(len(frame))}
    parts = zone_parts(zone)
    in_zzqy = clip(parts, analysis.zzqy, epsg)
    before = float((ellipsoid_area(parts[in_zzqy.index], epsg) * in_zzqy.share).sum()) if len(in_zzqy.index) else 0.0
    out: dict[str, Any] = {
        "available": True,
        "adjusted": frame is not None and bool(len(frame)),
        "before_m2": _m2(before),
    }
    sides: dict[str, dict[str, Any]] = {}
    for side, key in ((PLAN_OUT, "out"), (PLAN_IN, "in")):
        polys: list[tuple[str, object]] = []
        grade_given: list[float] = []
        slope_given: list[str] = []
        if frame is not None and len(frame):
            kinds = texts(frame, "TZLX")
            grades = _num(texts(frame, "ZHGDDB"))
            slopes = texts(frame, "ZHPDJB")
            for k, (kind, geom) in enumerate(zip(kinds, frame.geometry.array, strict=True)):
                if kind == side:
                    polys.append((feature_id(frame, k), geom))
                    grade_given.append(float(grades[k]) if side == PLAN_IN else np.nan)
                    slope_given.append(slopes[k] if side == PLAN_IN else "")
        analysis.adjustment_parcels[key] = polys
        pairs = overlay_pairs(geoms, np.asarray([g for _, g in polys], dtype=object), epsg)
        under = base.iloc[pairs.index].reset_index(drop=True)
        pieces = under.assign(
            parcel=pairs.area,
            area=under["TBMJ"].to_numpy() * pairs.share,
            geometry=pairs.geometry,
        )
        analysis.adjustment[key] = pieces
        sides[key] = _side_stats(pieces, polys, np.asarray(grade_given, dtype=np.float64), slope_given, epsg)
    out_m2, in_m2 = sides["out"]["area_m2"], sides["in"]["area_m2"]
    out_mean, in_mean = sides["out"]["mean_patch_m2"], sides["in"]["mean_patch_m2"]
    out_grade, in_grade = sides["out"]["mean_grade"], sides["in"]["mean_grade"]
    out.update(
        {
            "out_m2": out_m2,
            "in_m2": in_m2,
            "net_m2": _m2(in_m2 - out_m2),
            "out_ratio": _ratio(out_m2, before),
            "gain_ratio": _ratio(in_m2 - out_m2, out_m2),
            "out": sides["out"],
            "in": sides["in"],
            "contiguity_improvement": (
                _ratio(in_mean - out_mean, out_mean) if out_mean is not None and in_mean is not None else None
            ),
            "grade_improvement": (
                round(out_grade - in_grade, 4) if out_grade is not None and in_grade is not None else None
            ),
        }
    )
    return out


def zone_share_of(geoms: npt.NDArray[np.object_], zone: npt.NDArray[np.object_] | None, epsg: int) -> Floats | None:
    """Share of each geometry inside a zone layer (None when the layer is missing)."""
    if zone is None:
        return None
    if not len(geoms):
        return np.zeros(0)
    return zone_shares(np.asarray(geoms, dtype=object), zone, epsg)
