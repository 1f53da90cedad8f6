"""The land states the indicators compare: the base DLTB inside the 整治区域 (before) and the
pieces a set of change parcels turns into another class (after).

``before_state`` clips DLTB to the 整治区域 once (``engine.overlay.clip``), apportioning
TBMJ/KCMJ/TBDLMJ by ellipsoid share. ``after_state_of`` overlays change parcels on those pieces
(``engine.overlay.overlay_pairs``): inside a parcel a piece takes the parcel's class; a cultivated
class has net area ``TBMJ × (1 − KCXS_after)``. The parcels may come from a plan
(``plan_parcels``) or, at acceptance, from as-built parcels: the indicators only see the states.

The 田坎系数 after comes from the county's table (``engine.tiankan``, a rule-pack value) by the
piece's slope grade after consolidation and its 耕地类型, never from the plan: the plan's ZHKCXS is
only checked against the table (rule ``NEW_FARMLAND_KCXS_TABLE``). The slope grade after is the
steeper of the survey's GDPDJB (where the piece has one) and the parcel's ZHPDJB; where neither is
known the table cannot apply, the coefficient falls back to ZHKCXS, else the piece's own KCXS, else
0, and the area is reported as of unknown slope (``cultivated.new_slope_unknown_m2``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from landcon.engine.indicators._common import Floats, Geoms, is_cultivated, numbers, union
from landcon.engine.overlay import Clip, Pairs, clip, overlay_pairs
from landcon.engine.plan import CZGHTB, DEFAULT_BUILD_CLASS, DEMOLISH, ZJGGTB, Plan, feature_id, texts
from landcon.engine.tiankan import DEFAULT_TABLE, TiankanTable, coefficients, steeper


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


@dataclass(frozen=True)
class BeforeState:
    """DLTB before consolidation: every 图斑 (``base`` attributes, ``geoms``) and its pieces inside
    the 整治区域 (``cut``; ``inside`` holds their attributes with TBMJ/KCMJ/TBDLMJ × share)."""

    base: pd.DataFrame
    geoms: Geoms
    zzqy_geoms: Geoms
    zzqy: object
    cut: Clip
    inside: pd.DataFrame
    epsg: int


@dataclass(frozen=True)
class AfterState:
    """The state after: ``changes`` has one row per piece of a 图斑 inside a change parcel (columns in
    ``after_state_of``); ``rest`` is each inside piece's share no parcel covers."""

    changes: pd.DataFrame
    parcels: tuple[Parcel, ...]
    rest: Floats


def plan_parcels(plan: Plan) -> list[Parcel]:
    """The change parcels of a plan: CZGHTB, then 增减挂钩 ZJGGTB (拆旧 takes FKDLBM, 建新 JXDLBM)."""
    out: list[Parcel] = []
    frame = plan.layer(CZGHTB)
    if frame is not None and len(frame):
        grade, kcxs = numbers(texts(frame, "ZHGDDB")), numbers(texts(frame, "ZHKCXS"))
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


def dltb_attributes(dltb: pd.DataFrame) -> pd.DataFrame:
    """The DLTB fields the indicators use, typed; KCXS derived from KCMJ / TBMJ where missing."""

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


def before_state(dltb: gpd.GeoDataFrame, zzqy_geoms: Sequence[object], epsg: int) -> BeforeState:
    """DLTB clipped to the 整治区域 (the union of ``zzqy_geoms``), once for every indicator."""
    zones = np.asarray(list(zzqy_geoms), dtype=object)
    zzqy = union(list(zones))
    geoms = np.asarray(dltb.geometry.array, dtype=object)
    base = dltb_attributes(dltb)
    cut = clip(geoms, zzqy, epsg)
    inside = base.iloc[cut.index].reset_index(drop=True)
    for c in ("TBMJ", "KCMJ", "TBDLMJ"):
        inside[c] = inside[c].to_numpy() * cut.share
    return BeforeState(base, geoms, zones, zzqy, cut, inside, epsg)


def after_state_of(
    before: BeforeState, parcels: Sequence[Parcel], kcxs_table: TiankanTable = DEFAULT_TABLE
) -> AfterState:
    """The after state of ``before`` under the change parcels (``kcxs_table``: the county's 田坎系数)."""
    parcel_geoms = np.asarray([p.geometry for p in parcels], dtype=object)
    pairs = overlay_pairs(before.cut.geometry, parcel_geoms, before.epsg)
    changes = _with_new_farmland(_changes(before.inside, pairs, parcels, kcxs_table))
    n = len(before.inside)
    changed_share = np.bincount(pairs.index, weights=pairs.share, minlength=n) if n else np.zeros(0)
    rest = np.clip(1.0 - changed_share, 0.0, 1.0)
    rest[rest < 1e-9] = 0.0
    return AfterState(changes, tuple(parcels), rest)


def _changes(inside: pd.DataFrame, pairs: Pairs, parcels: Sequence[Parcel], table: TiankanTable) -> pd.DataFrame:
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
    was_cult = is_cultivated(before)
    is_cult = is_cultivated(after)
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


def _with_new_farmland(changes: pd.DataFrame) -> pd.DataFrame:
    """Add each changed piece's 新增耕地 and its source.

    new = net after of a conversion (not 耕地 before, 耕地 after) + the 田坎 a levelling removes,
    TBMJ × (KCXS before − KCXS after) where positive (not a difference of rounded areas); a
    negative difference is ``tiankan_loss``. The source is the class before for a conversion and
    1203 田坎 for levelling (自然资发〔2019〕194号; domain reference §1.11)."""
    a_before_cult = is_cultivated(changes["before"].to_numpy(dtype=object))
    a_after_cult = is_cultivated(changes["after"].to_numpy(dtype=object))
    conversion = ~a_before_cult & a_after_cult
    levelling = a_before_cult & a_after_cult
    gain_conv = np.where(conversion, changes["net_after"], 0.0)
    delta = (changes["kcxs_before"] - changes["kcxs_after"]).to_numpy() * changes["tbmj"].to_numpy()
    gain_level = np.where(levelling, np.maximum(delta, 0.0), 0.0)
    tiankan_loss = np.where(levelling, np.maximum(-delta, 0.0), 0.0)
    new = gain_conv + gain_level
    source = np.where(levelling, "1203", changes["before"].to_numpy(dtype=object))
    return changes.assign(
        new_cultivated=new,
        source_class=np.where(new > 0, source, ""),
        new_from_conversion=gain_conv,
        new_from_levelling=gain_level,
        tiankan_loss=tiankan_loss,
    )
