"""The as-built (竣工) submission of a project as data: its parcel layer, fields, asbuilt.yaml and
their checks (docs/acceptance.md).

A submission is a folder like a plan folder: ``asbuilt.gpkg`` (or ``asbuilt.gdb``, or a Shapefile
``JGTB.shp``) with one polygon layer ``JGTB`` (竣工地类图斑: the parcels of the 整治区域 the works
changed, as surveyed) and ``asbuilt.yaml`` (project, completion date, final 工程量 and 决算). Field
names follow 三调 DLTB where it defines them (DLBM, KCXS, GDLX, GDPDJB, GDDB) and the plan layers
otherwise (ZXMBH, XMQBH, GGLX, STXFLX); the quantity keys are ``engine.supervision.QUANTITIES`` and
the 决算 sources ``engine.plan.FUNDING_SOURCES``.

``asbuilt_parcels`` turns the layer into the change parcels of ``engine.indicators.states``, so the
acceptance recomputes every plan indicator with the same family functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landcon.engine import codes
from landcon.engine.indicators._common import numbers
from landcon.engine.indicators.states import Parcel
from landcon.engine.plan import (
    BUILD,
    CZGHTB,
    DEMOLISH,
    FUNDING_SOURCES,
    RESTORATION_TYPES,
    ZJGGTB,
    PlanField,
    PlanProblem,
    texts,
)
from landcon.engine.supervision import QUANTITIES

JGTB = "JGTB"
"""The as-built parcel layer (竣工地类图斑)."""

LAYER_TITLE = "竣工地类图斑"

SOURCES: tuple[str, ...] = ("整理", "复垦", "开发")
"""新增耕地来源 XZGDLY: 土地整理 / 土地复垦 / 土地开发 — the 规模 split of the acceptance data set
(ZZ_YS YS_GM_ZL / YS_GM_FK / YS_GM_KF, domain reference §7.3(a))."""

PLAN_LAYERS: tuple[str, ...] = (CZGHTB, ZJGGTB)
"""Layers an as-built parcel may name as its plan parcel (GHTC)."""

ASBUILT_FIELDS: tuple[PlanField, ...] = (
    PlanField("BSM", "标识码", "text"),
    PlanField("DLBM", "地类编码（竣工后）", "text", required=True),
    PlanField("ZXMBH", "子项目编号", "text"),
    PlanField("KCXS", "实测田坎系数", "float"),
    PlanField("GDLX", "耕地类型", "text"),
    PlanField("GDPDJB", "耕地坡度级别", "text"),
    PlanField("GDDB", "耕地质量等别（等别评定）", "int"),
    PlanField("XZGDLY", "新增耕地来源", "text"),
    PlanField("GHTC", "对应方案图层", "text"),
    PlanField("GHTBBH", "对应方案图斑编号", "text"),
    PlanField("XMQBH", "增减挂钩项目区编号", "text"),
    PlanField("GGLX", "挂钩类型", "text"),
    PlanField("STXFLX", "生态修复类型", "text"),
)
"""Fields of JGTB (docs/acceptance.md); GDPDJB and GDDB are required where DLBM is 耕地, ZXMBH on
every parcel but a 增减挂钩 one (GGLX given), as in the plan."""

META_KEYS = frozenset({"project", "completion_date", "quantities", "final_accounts", "notes"})


@dataclass
class AsBuilt:
    """An as-built submission: the normalised JGTB layer and asbuilt.yaml."""

    parcels: gpd.GeoDataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def project(self) -> str:
        return str(self.meta.get("project") or "")


def normalise(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Upper-case field names; documented fields that are missing are added empty."""
    out = frame.rename(columns={c: str(c).upper() for c in frame.columns if c != frame.geometry.name})
    for spec in ASBUILT_FIELDS:
        if spec.name not in out:
            out[spec.name] = None
    return out


def parcel_id(frame: pd.DataFrame, position: int) -> str:
    """How a parcel is named in messages and the 核减 list: its BSM, else its row number (1-based)."""
    value = texts(frame, "BSM")[position]
    return value or str(position + 1)


def completion_date(meta: Mapping[str, Any]) -> dt.date | None:
    value = meta.get("completion_date")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def check_meta(meta: Mapping[str, Any], subprojects: Sequence[str] | None = None) -> list[PlanProblem]:
    """asbuilt.yaml: project code, completion date, 工程量 keys and numbers, 决算 entries."""
    problems: list[PlanProblem] = []
    for key in sorted(set(meta) - META_KEYS):
        problems.append(
            PlanProblem(None, None, key, f"asbuilt.yaml 不认识的键 {key}（可用：{'、'.join(sorted(META_KEYS))}）")
        )
    if not str(meta.get("project") or "").strip():
        problems.append(PlanProblem(None, None, "project", "asbuilt.yaml 缺少项目编号 project"))
    if completion_date(meta) is None:
        problems.append(PlanProblem(None, None, "completion_date", "竣工日期 completion_date 应为 YYYY-MM-DD"))
    quantities = meta.get("quantities") or {}
    if not isinstance(quantities, Mapping):
        problems.append(PlanProblem(None, None, "quantities", "工程量 quantities 应为“键: 数值”的表"))
        quantities = {}
    for key, value in quantities.items():
        if key not in QUANTITIES:
            known = "、".join(f"{q.key}（{q.label}）" for q in QUANTITIES.values())
            problems.append(PlanProblem(None, str(key), "quantities", f"未知的工程量 {key}（可用：{known}）"))
        elif not _non_negative(value):
            problems.append(PlanProblem(None, str(key), "quantities", f"工程量 {key} 应为不小于 0 的数值"))
    accounts = meta.get("final_accounts")
    if not isinstance(accounts, list) or not accounts:
        problems.append(PlanProblem(None, None, "final_accounts", "asbuilt.yaml 缺少决算 final_accounts（列表）"))
        accounts = []
    known_sub = set(subprojects) if subprojects is not None else None
    for k, item in enumerate(accounts):
        where = str(k + 1)
        if not isinstance(item, Mapping) or item.get("source") not in FUNDING_SOURCES:
            problems.append(
                PlanProblem(None, where, "final_accounts.source", f"决算资金来源应为 {'、'.join(FUNDING_SOURCES)} 之一")
            )
            continue
        if not _non_negative(item.get("amount")):
            problems.append(PlanProblem(None, where, "final_accounts.amount", "决算金额应为不小于 0 的数值（万元）"))
        sub = item.get("sub_project")
        if sub is not None and known_sub is not None and str(sub) not in known_sub:
            problems.append(PlanProblem(None, where, "final_accounts.sub_project", f"子项目 {sub} 不在批复方案中"))
    return problems


def _non_negative(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and bool(np.isfinite(value)) and value >= 0


def check_asbuilt(asbuilt: AsBuilt, subprojects: Sequence[str] | None = None) -> list[PlanProblem]:
    """Everything that makes a submission unusable: asbuilt.yaml (``check_meta``), geometries, codes
    and values of JGTB, sub-projects not in the approved plan (``subprojects``), overlapping parcels."""
    problems = check_meta(asbuilt.meta, subprojects)
    frame = asbuilt.parcels
    if not len(frame):
        problems.append(PlanProblem(JGTB, None, None, f"{LAYER_TITLE}图层 {JGTB} 没有要素"))
        return problems
    known = set(subprojects) if subprojects is not None else None
    geoms = np.asarray(frame.geometry.array, dtype=object)
    for k, geom in enumerate(geoms):
        if geom is None or shapely.is_empty(geom) or shapely.get_type_id(geom) not in (3, 6):
            problems.append(PlanProblem(JGTB, parcel_id(frame, k), None, "几何应为面 / geometry must be a polygon"))
        elif not shapely.is_valid(geom):
            problems.append(PlanProblem(JGTB, parcel_id(frame, k), None, f"几何无效：{shapely.is_valid_reason(geom)}"))
    dlbm, gglx = texts(frame, "DLBM"), texts(frame, "GGLX")
    ids = [parcel_id(frame, k) for k in range(len(frame))]
    seen: set[str] = set()
    for pid in ids:
        if pid in seen:
            problems.append(PlanProblem(JGTB, pid, "BSM", f"标识码 {pid} 重复"))
        seen.add(pid)
    for spec in ASBUILT_FIELDS:
        for k, text in enumerate(texts(frame, spec.name)):
            fid = parcel_id(frame, k)
            cultivated = dlbm[k] in codes.CULTIVATED_CODES
            if not text:
                needed = (cultivated and spec.name in ("GDPDJB", "GDDB")) or (spec.name == "ZXMBH" and not gglx[k])
                if spec.required or needed:
                    problems.append(PlanProblem(JGTB, fid, spec.name, f"{spec.title}（{spec.name}）不能为空"))
                continue
            message = _value_problem(spec, text, known)
            if message:
                problems.append(PlanProblem(JGTB, fid, spec.name, message))
    for k, (kind, area, layer, ref) in enumerate(
        zip(texts(frame, "GGLX"), texts(frame, "XMQBH"), texts(frame, "GHTC"), texts(frame, "GHTBBH"), strict=True)
    ):
        if kind and not area:
            problems.append(PlanProblem(JGTB, parcel_id(frame, k), "XMQBH", "挂钩地块须填写项目区编号 XMQBH"))
        if bool(layer) != bool(ref):
            problems.append(PlanProblem(JGTB, parcel_id(frame, k), "GHTBBH", "GHTC 与 GHTBBH 须同时填写或同时为空"))
    return problems + _overlaps(frame, geoms)


def _value_problem(spec: PlanField, text: str, subprojects: set[str] | None) -> str:
    name = spec.name
    if name == "DLBM" and not codes.is_valid_dlbm(text):
        return f"{text} 不是三调地类编码"
    if name == "ZXMBH" and subprojects is not None and text not in subprojects:
        return f"子项目 {text} 不在批复方案的子项目中"
    if name == "GDPDJB" and text not in codes.SLOPE_GRADES:
        return f"坡度级别应为 1–5，不是 {text}"
    if name == "GDLX" and text not in (codes.TERRACE, codes.SLOPE_FIELD):
        return f"耕地类型应为 {codes.TERRACE}（梯田）或 {codes.SLOPE_FIELD}（坡地），不是 {text}"
    if name == "XZGDLY" and text not in SOURCES:
        return f"新增耕地来源应为 {'、'.join(SOURCES)} 之一，不是 {text}"
    if name == "GHTC" and text not in PLAN_LAYERS:
        return f"对应方案图层应为 {'、'.join(PLAN_LAYERS)} 之一，不是 {text}"
    if name == "GGLX" and text not in (DEMOLISH, BUILD):
        return f"挂钩类型应为“{DEMOLISH}”或“{BUILD}”，不是 {text}"
    if name == "STXFLX" and text not in RESTORATION_TYPES:
        return f"生态修复类型应为 {'、'.join(RESTORATION_TYPES)} 之一"
    if spec.kind in ("int", "float"):
        number = pd.to_numeric(text, errors="coerce")
        if pd.isna(number):
            return f"{spec.title} 应为数值，不是 {text}"
        if name == "KCXS" and not 0 <= float(number) < 1:
            return "田坎系数应在 0 与 1 之间"
        if name == "GDDB" and not (1 <= float(number) <= 15 and float(number).is_integer()):
            return "耕地等别应为 1–15 的整数"
    return ""


def _overlaps(frame: gpd.GeoDataFrame, geoms: np.ndarray) -> list[PlanProblem]:
    """As-built parcels must not overlap (the after state would be ambiguous)."""
    ok = np.asarray([g is not None and shapely.get_type_id(g) in (3, 6) and shapely.is_valid(g) for g in geoms])
    index = np.flatnonzero(ok)
    if len(index) < 2:
        return []
    arr = geoms[index]
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    overlap = shapely.area(shapely.intersection(arr[left], arr[right])) > 0.01
    return [
        PlanProblem(
            JGTB,
            parcel_id(frame, int(index[i])),
            None,
            f"与 {parcel_id(frame, int(index[j]))} 重叠（竣工图斑不得重叠） / parcels overlap",
        )
        for i, j in zip(left[overlap], right[overlap], strict=True)
    ]


def asbuilt_parcels(asbuilt: AsBuilt) -> list[Parcel]:
    """The as-built parcels as change parcels of the after state (``states.Parcel``).

    A parcel with GGLX is a 增减挂钩 plot (layer ZJGGTB, so its new 耕地 is counted by the linkage
    ledger and not as 可用于占补平衡, as for a plan); every other parcel is a CZGHTB-like change. The
    measured KCXS plays the part of the plan's ZHKCXS: the county table gives the coefficient where
    the slope grade is known (``states.after_state_of``)."""
    frame = asbuilt.parcels
    grade, kcxs = numbers(texts(frame, "GDDB")), numbers(texts(frame, "KCXS"))
    rows = zip(
        frame.geometry.array,
        texts(frame, "DLBM"),
        texts(frame, "ZXMBH"),
        texts(frame, "STXFLX"),
        texts(frame, "XMQBH"),
        texts(frame, "GGLX"),
        texts(frame, "GDPDJB"),
        texts(frame, "GDLX"),
        strict=True,
    )
    out: list[Parcel] = []
    for k, (geom, after, zxm, eco, area, kind, slope, gdlx) in enumerate(rows):
        layer = ZJGGTB if kind else CZGHTB
        out.append(
            Parcel(layer, parcel_id(frame, k), geom, after, zxm, grade[k], kcxs[k], eco, area, kind, "", slope, gdlx)
        )
    return out


def plan_links(asbuilt: AsBuilt) -> list[tuple[str, str]]:
    """Each parcel's plan parcel (GHTC, GHTBBH), ("", "") where it has none."""
    frame = asbuilt.parcels
    return list(zip(texts(frame, "GHTC"), texts(frame, "GHTBBH"), strict=True))
