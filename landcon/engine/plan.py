"""The 实施方案 (implementation plan) as data: its layers, fields, metadata and their checks.

A plan is a GeoPackage/FileGDB with the layers below plus ``plan.yaml`` (docs/plan.md). Layer and
field names follow the national 入库 database (domain reference §2.4) where it defines them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landcon.engine import codes

ZZQY = "ZZQY"
CZGHTB = "CZGHTB"
YJJBNTTZTB = "YJJBNTTZTB"
ZJGGTB = "ZJGGTB"
PLAN_LAYERS: tuple[str, ...] = (ZZQY, CZGHTB, YJJBNTTZTB, ZJGGTB)

LAYER_NAMES: Mapping[str, str] = {
    ZZQY: "整治区域",
    CZGHTB: "规划地类图斑（土地利用变化图斑）",
    YJJBNTTZTB: "永久基本农田调整图斑",
    ZJGGTB: "增减挂钩地块",
}

PLAN_OUT, PLAN_IN = "调出", "调入"
DEMOLISH, BUILD = "拆旧", "建新"
DEFAULT_BUILD_CLASS = "0702"

FUNDING_SOURCES: tuple[str, ...] = (
    "中央财政",
    "省级财政",
    "州市财政",
    "县级财政",
    "整合涉农资金",
    "专项债",
    "社会资本",
    "指标收益",
    "村集体",
)
SUBPROJECT_TYPES: tuple[str, ...] = (
    "农用地整理",
    "建设用地整理",
    "生态保护修复",
    "人居环境整治",
    "历史文化保护",
    "产业配套",
    "其他",
    "高标准农田",  # appended: stored plans and sub-projects keep their values
)
#: The cost items of a sub-project's investment (plan.yaml ``sub_projects[].costs``, 万元).
COST_ITEMS: tuple[str, ...] = ("工程施工费", "其他费用", "不可预见费")
RESTORATION_TYPES: tuple[str, ...] = ("水环境", "湿地", "国土绿化", "矿山", "水土流失", "石漠化", "其他")


@dataclass(frozen=True)
class PlanField:
    name: str
    title: str
    kind: str  # text | float | int
    required: bool = False


PLAN_FIELDS: Mapping[str, tuple[PlanField, ...]] = {
    ZZQY: (PlanField("ZZQYBH", "整治区域编号", "text"), PlanField("ZZQYMC", "整治区域名称", "text")),
    CZGHTB: (
        PlanField("GHDLBM", "规划地类编码", "text", required=True),
        PlanField("ZXMBH", "子项目编号", "text", required=True),
        PlanField("ZHGDDB", "整治后耕地等别", "int"),
        PlanField("ZHKCXS", "整治后田坎系数", "float"),
        PlanField("ZHPDJB", "整治后耕地坡度级别", "text"),
        PlanField("ZHGDLX", "整治后耕地类型", "text"),
        PlanField("STXFLX", "生态修复类型", "text"),
        PlanField("CMTY", "村民同意", "text"),
    ),
    YJJBNTTZTB: (
        PlanField("TZLX", "调整类型", "text", required=True),
        PlanField("TZYNDKBH", "调整永久基本农田地块编号", "text"),
        PlanField("ZHGDDB", "调入地块整治后等别", "int"),
        PlanField("ZHPDJB", "调入地块坡度级别", "text"),
    ),
    ZJGGTB: (
        PlanField("XMQBH", "项目区编号", "text", required=True),
        PlanField("GGLX", "挂钩类型", "text", required=True),
        PlanField("FKDLBM", "复垦后地类编码", "text"),
        PlanField("JXDLBM", "建新地类编码", "text"),
        PlanField("ZHPDJB", "复垦耕地坡度级别", "text"),
        PlanField("ZHGDLX", "复垦耕地类型", "text"),
        PlanField("CMTY", "村民同意", "text"),
        PlanField("ZXMBH", "子项目编号", "text"),
    ),
}
"""Fields of each plan layer (names as in docs/plan.md)."""


@dataclass(frozen=True)
class PlanProblem:
    """Why a plan cannot be read: where (layer, feature, field) and what."""

    layer: str | None
    feature: str | None
    field: str | None
    message: str


@dataclass
class Plan:
    """A plan's layers (normalised: upper-case field names, every documented field present) and
    its metadata (the plan.yaml mapping)."""

    layers: dict[str, gpd.GeoDataFrame]
    meta: dict[str, Any] = field(default_factory=dict)

    def layer(self, name: str) -> gpd.GeoDataFrame | None:
        return self.layers.get(name)

    @property
    def start_year(self) -> int | None:
        return _int_or_none(self.meta.get("start_year"))

    @property
    def end_year(self) -> int | None:
        return _int_or_none(self.meta.get("end_year"))


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def feature_id(frame: pd.DataFrame, position: int) -> str:
    """How a plan feature is named in messages: its BSM / number field, else its row number (1-based)."""
    for column in ("BSM", "TZYNDKBH", "ZZQYBH"):
        if column in frame and pd.notna(frame[column].iloc[position]) and str(frame[column].iloc[position]).strip():
            return str(frame[column].iloc[position])
    return str(position + 1)


def normalise(layer: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Upper-case field names; documented fields that are missing are added empty."""
    out = frame.rename(columns={c: str(c).upper() for c in frame.columns if c != frame.geometry.name})
    for spec in PLAN_FIELDS.get(layer, ()):
        if spec.name not in out:
            out[spec.name] = None
    return out


def _text(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_plan(plan: Plan) -> list[PlanProblem]:
    """Everything that makes a plan unreadable: missing ZZQY, bad geometries, bad codes and
    values, unknown sub-projects, overlapping change parcels, a malformed plan.yaml."""
    problems: list[PlanProblem] = []
    meta = plan.meta
    if ZZQY not in plan.layers or not len(plan.layers[ZZQY]):
        problems.append(PlanProblem(ZZQY, None, None, "缺少整治区域图层 ZZQY 或其为空 / the plan has no ZZQY polygon"))
    subprojects = meta.get("sub_projects") or []
    if not isinstance(subprojects, list):
        problems.append(PlanProblem(None, None, "sub_projects", "plan.yaml 的 sub_projects 应为列表"))
        subprojects = []
    codes_known = {str(p.get("code")) for p in subprojects if isinstance(p, Mapping)}
    for k, project in enumerate(subprojects):
        if not isinstance(project, Mapping) or not project.get("code"):
            problems.append(PlanProblem(None, str(k + 1), "sub_projects.code", "子项目缺少编号 code"))
            continue
        kind = project.get("type")
        if kind is not None and kind not in SUBPROJECT_TYPES:
            problems.append(
                PlanProblem(
                    None,
                    str(project["code"]),
                    "sub_projects.type",
                    f"子项目类型 {kind} 不在 {'、'.join(SUBPROJECT_TYPES)} 中",
                )
            )
        if "investment" in project and not _is_number(project["investment"]):
            problems.append(PlanProblem(None, str(project["code"]), "sub_projects.investment", "投资应为数值（万元）"))
        problems += _check_amounts(project, "costs", COST_ITEMS, "投资构成（万元）")
        problems += _check_amounts(project, "quantities", tuple(_quantity_keys()), "计划工程量")
    for k, item in enumerate(meta.get("funding") or []):
        if (
            not isinstance(item, Mapping)
            or item.get("source") not in FUNDING_SOURCES
            or not _is_number(item.get("amount"))
        ):
            problems.append(
                PlanProblem(
                    None,
                    str(k + 1),
                    "funding",
                    f"资金来源应为 {'、'.join(FUNDING_SOURCES)} 之一且金额为数值 / bad funding entry",
                )
            )
    for year in ("start_year", "end_year"):
        if year in meta and _int_or_none(meta[year]) is None:
            problems.append(PlanProblem(None, None, year, f"{year} 应为年份"))
    for name, frame in plan.layers.items():
        problems += _check_layer(name, frame, codes_known)
    problems += _check_overlaps(plan)
    return problems


def _quantity_keys() -> Sequence[str]:
    from landcon.engine.supervision import QUANTITIES  # engine.supervision imports this module

    return list(QUANTITIES)


def _check_amounts(project: Mapping[str, Any], key: str, known: Sequence[str], what: str) -> list[PlanProblem]:
    """An optional mapping of a sub-project (``costs``, ``quantities``): known keys, numbers ≥ 0."""
    if key not in project:
        return []
    values = project[key]
    where = f"sub_projects.{key}"
    if not isinstance(values, Mapping):
        return [PlanProblem(None, str(project["code"]), where, f"{what}应为“项目: 数值”的映射")]
    return [
        PlanProblem(
            None, str(project["code"]), f"{where}.{k}", f"{what}的 {k} 应为 {'、'.join(known)} 之一且为非负数值"
        )
        for k, v in values.items()
        if k not in known or not _is_number(v) or v < 0
    ]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)


def _check_layer(name: str, frame: gpd.GeoDataFrame, subprojects: set[str]) -> list[PlanProblem]:
    problems: list[PlanProblem] = []
    geoms = np.asarray(frame.geometry.array, dtype=object)
    for k, geom in enumerate(geoms):
        fid = feature_id(frame, k)
        if geom is None or shapely.is_empty(geom) or shapely.get_type_id(geom) not in (3, 6):
            problems.append(PlanProblem(name, fid, None, "几何应为面 / geometry must be a polygon"))
        elif not shapely.is_valid(geom):
            problems.append(PlanProblem(name, fid, None, f"几何无效：{shapely.is_valid_reason(geom)}"))
    for spec in PLAN_FIELDS.get(name, ()):
        values = frame[spec.name].tolist()
        for k, value in enumerate(values):
            text = _text(value)
            fid = feature_id(frame, k)
            if spec.required and not text:
                problems.append(PlanProblem(name, fid, spec.name, f"{spec.title}（{spec.name}）不能为空"))
                continue
            if not text:
                continue
            if spec.name in ("GHDLBM", "FKDLBM", "JXDLBM") and not codes.is_valid_dlbm(text):
                problems.append(PlanProblem(name, fid, spec.name, f"{text} 不是三调地类编码"))
            elif spec.name == "ZXMBH" and text not in subprojects:
                problems.append(PlanProblem(name, fid, spec.name, f"子项目 {text} 不在 plan.yaml 的 sub_projects 中"))
            elif spec.name == "TZLX" and text not in (PLAN_OUT, PLAN_IN):
                problems.append(
                    PlanProblem(name, fid, spec.name, f"调整类型应为“{PLAN_OUT}”或“{PLAN_IN}”，不是 {text}")
                )
            elif spec.name == "GGLX" and text not in (DEMOLISH, BUILD):
                problems.append(PlanProblem(name, fid, spec.name, f"挂钩类型应为“{DEMOLISH}”或“{BUILD}”，不是 {text}"))
            elif spec.name == "STXFLX" and text not in RESTORATION_TYPES:
                problems.append(
                    PlanProblem(name, fid, spec.name, f"生态修复类型应为 {'、'.join(RESTORATION_TYPES)} 之一")
                )
            elif spec.name == "ZHPDJB" and text not in codes.SLOPE_GRADES:
                problems.append(PlanProblem(name, fid, spec.name, f"坡度级别应为 1–5，不是 {text}"))
            elif spec.name == "ZHGDLX" and text not in (codes.TERRACE, codes.SLOPE_FIELD):
                problems.append(
                    PlanProblem(
                        name, fid, spec.name, f"耕地类型应为 {codes.TERRACE}（梯田）或 {codes.SLOPE_FIELD}（坡地）"
                    )
                )
            elif spec.kind in ("int", "float"):
                number = pd.to_numeric(text, errors="coerce")
                if pd.isna(number):
                    problems.append(PlanProblem(name, fid, spec.name, f"{spec.title} 应为数值，不是 {text}"))
                elif spec.name == "ZHKCXS" and not 0 <= float(number) < 1:
                    problems.append(PlanProblem(name, fid, spec.name, "田坎系数应在 0 与 1 之间"))
                elif spec.name == "ZHGDDB" and not (1 <= float(number) <= 15 and float(number).is_integer()):
                    problems.append(PlanProblem(name, fid, spec.name, "耕地等别应为 1–15 的整数"))
        if name == ZJGGTB and spec.name == "FKDLBM":
            for k, (kind, value) in enumerate(zip(frame["GGLX"].tolist(), values, strict=True)):
                if _text(kind) == DEMOLISH and not _text(value):
                    problems.append(
                        PlanProblem(name, feature_id(frame, k), "FKDLBM", "拆旧地块须填写复垦后地类 FKDLBM")
                    )
    return problems


def _check_overlaps(plan: Plan) -> list[PlanProblem]:
    """CZGHTB and ZJGGTB parcels must not overlap: the after state would be ambiguous."""
    frames = [(n, plan.layers[n]) for n in (CZGHTB, ZJGGTB) if n in plan.layers]
    geoms: list[object] = []
    owners: list[tuple[str, str]] = []
    for name, frame in frames:
        for k, geom in enumerate(np.asarray(frame.geometry.array, dtype=object)):
            if geom is not None and shapely.is_valid(geom) and shapely.get_type_id(geom) in (3, 6):
                geoms.append(geom)
                owners.append((name, feature_id(frame, k)))
    if len(geoms) < 2:
        return []
    arr = np.asarray(geoms, dtype=object)
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    overlap = shapely.area(shapely.intersection(arr[left], arr[right])) > 0.01
    return [
        PlanProblem(
            owners[i][0],
            owners[i][1],
            None,
            f"与 {owners[j][0]} 的 {owners[j][1]} 重叠（变化图斑不得重叠） / parcels overlap",
        )
        for i, j in zip(left[overlap], right[overlap], strict=True)
    ]


def empty_layers(crs: object) -> dict[str, gpd.GeoDataFrame]:
    """The plan layers with their fields and no feature (the template)."""
    out = {}
    for name in PLAN_LAYERS:
        columns = {
            spec.name: pd.Series([], dtype="float64" if spec.kind != "text" else object) for spec in PLAN_FIELDS[name]
        }
        out[name] = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    return out


def template_meta() -> dict[str, Any]:
    """plan.yaml of the template, every key present."""
    return {
        "name": "某县某镇全域土地综合整治实施方案",
        "county": "530124",
        "townships": ["530124100"],
        "base_dataset": "demo",
        "base_year": 2023,
        "start_year": 2025,
        "end_year": 2027,
        "rule_pack": "yunnan",
        "households_benefited": 0,
        "responsible_units": ["某县人民政府", "某县自然资源局"],
        "funding": [{"source": s, "amount": 0} for s in FUNDING_SOURCES],
        "sub_projects": [
            {
                "code": "ZXM01",
                "name": "示例子项目",
                "type": SUBPROJECT_TYPES[0],
                "village": "530124100201",
                "department": "某县农业农村局",
                "start_year": 2025,
                "end_year": 2026,
                "investment": 0,
            }
        ],
    }


def subproject_investment(meta: Mapping[str, Any]) -> dict[str, float]:
    """万元 per sub-project (0 where plan.yaml gives none: see ``subprojects_without_investment``)."""
    return {str(p["code"]): float(p.get("investment") or 0.0) for p in (meta.get("sub_projects") or [])}


def subprojects_without_investment(meta: Mapping[str, Any]) -> list[str]:
    """Codes of the sub-projects whose investment plan.yaml leaves empty (unknown, not 0)."""
    return [str(p["code"]) for p in (meta.get("sub_projects") or []) if p.get("investment") is None]


def funding_by_source(meta: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in meta.get("funding") or []:
        out[str(item["source"])] = out.get(str(item["source"]), 0.0) + float(item.get("amount") or 0.0)
    return out


def texts(frame: pd.DataFrame, column: str) -> Sequence[str]:
    """A column as clean text ("" for missing; 7.0 → "7")."""
    return [_text(v) for v in frame[column].tolist()] if column in frame else [""] * len(frame)
