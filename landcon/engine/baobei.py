"""报备 package (the data a project reports to the 农村土地整治监测监管系统), pure parts.

Sources (domain reference §7.3(b), a county's procurement for 系统报备, qianlima.com
zb/detail/20241111_461146727 [C2]; §7.1, TD/T 1013-2013《土地整治项目验收规程》[C]): the system takes
立项、规划设计与预算、实施、验收 stage data, the 地块坐标 and 新增耕地坐标 (部标 坐标文件,
``engine.coordinate_file``), the 补充耕地常态化监测图斑 (no topology errors, no overlaps), and the
attachments listed in ``ATTACHMENTS``. This module holds the stage codes, the attachment table and
what is present of it, the attribute rows (values read from the indicator registry by key), the
monitoring parcels taken from the 整治后地类图斑 and the topology check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landcon.engine.indicators import registry
from landcon.engine.plan import texts

LIXIANG, SHISHI, YANSHOU = "立项", "实施", "验收"
STAGES: tuple[str, ...] = (LIXIANG, SHISHI, YANSHOU)

SOURCE_BAOBEI = "县级土地整治项目系统报备服务采购需求（qianlima.com zb/detail/20241111_461146727）"
SOURCE_ACCEPTANCE = "TD/T 1013-2013《土地整治项目验收规程》"

OVERLAP_TOLERANCE_M2 = 0.01
"""Two parcels overlap when their common interior exceeds 0.01 m², the precision areas are kept to
(domain reference §4.8) and the tolerance of the plan's own change-parcel check
(``engine.plan``): below it the shared edges of the snapped after state (0.1 mm grid) differ only by
rounding."""

MONITORING_LAYER = "BCGDJCTB"
"""补充耕地监测图斑: the new-farmland pieces of the after state that count as 补充耕地."""
MONITORING_FIELDS: tuple[str, ...] = (
    "BSM",
    "ZLDWDM",
    "ZLDWMC",
    "DLBM",
    "DLMC",
    "GDPDJB",
    "TBMJ",
    "XZGDMJ",
    "XZGDDB",
    "XZGDLYDLBM",
    "XZGDLYDLMC",
    "XZGDLYXM",
)
SUBPROJECT_LAYER = "ZXM"
"""子项目 outlines of the 实施 stage, with their latest progress and funds."""

RECORD_PLAN, RECORD_APPROVAL, RECORD_PHOTOS, RECORD_AFTERCARE = "plan", "approval", "photos", "aftercare"


@dataclass(frozen=True)
class RequiredAttachment:
    """One attachment the 报备 of a stage needs. It is present when a record of kind ``record``
    exists (a submitted plan version, a passed review, site photos, a 管护 agreement) or when an
    attachment's file name contains one of ``keywords`` (either is enough)."""

    code: str
    name: str
    stages: tuple[str, ...]
    source: str
    keywords: tuple[str, ...] = ()
    record: str = ""


ATTACHMENTS: tuple[RequiredAttachment, ...] = (
    RequiredAttachment("plan", "实施方案", STAGES, SOURCE_BAOBEI, record=RECORD_PLAN),
    RequiredAttachment("approval", "方案审查批复意见", STAGES, SOURCE_BAOBEI, record=RECORD_APPROVAL),
    RequiredAttachment(
        "design", "规划设计与预算报告", (SHISHI, YANSHOU), SOURCE_BAOBEI, ("规划设计", "设计报告", "预算")
    ),
    RequiredAttachment("photos", "施工前后照片", (SHISHI, YANSHOU), SOURCE_BAOBEI, record=RECORD_PHOTOS),
    RequiredAttachment("review", "工程复核报告", (YANSHOU,), f"{SOURCE_BAOBEI}；{SOURCE_ACCEPTANCE}", ("工程复核",)),
    RequiredAttachment("drawing", "竣工图", (YANSHOU,), SOURCE_BAOBEI, ("竣工图",)),
    RequiredAttachment("soil", "土壤检测报告", (YANSHOU,), SOURCE_BAOBEI, ("土壤检测",)),
    RequiredAttachment(
        "aftercare",
        "后期管护协议",
        (YANSHOU,),
        f"{SOURCE_BAOBEI}；{SOURCE_ACCEPTANCE}",
        ("管护协议",),
        record=RECORD_AFTERCARE,
    ),
    RequiredAttachment("imagery", "整治前后航拍影像", (YANSHOU,), SOURCE_BAOBEI, ("航拍", "影像")),
    RequiredAttachment("opinion", "验收意见函", (YANSHOU,), SOURCE_BAOBEI, ("验收意见", "验收确认")),
)


def required_attachments(stage: str) -> tuple[RequiredAttachment, ...]:
    """The attachments the 报备 of ``stage`` needs, in table order."""
    return tuple(a for a in ATTACHMENTS if stage in a.stages)


def attachment_status(stage: str, files: Sequence[str], records: Mapping[str, int]) -> list[dict[str, Any]]:
    """Per required attachment of ``stage``: what is present (file names matching its keywords, or
    the count of records of its kind, then the files) and whether it is missing."""
    out = []
    for a in required_attachments(stage):
        count = int(records.get(a.record, 0)) if a.record else 0
        present: list[str] = [f"{count} 条记录"] if count else []
        if a.keywords:
            present += sorted(f for f in files if any(k in f for k in a.keywords))
        out.append(
            {
                "code": a.code,
                "name": a.name,
                "source": a.source,
                "present": present,
                "missing": not present,
            }
        )
    return out


ATTRIBUTE_KEYS: tuple[str, ...] = (
    "area.zzqy_m2",
    "investment.total_wan",
    "cultivated.before_net_m2",
    "cultivated.after_net_m2",
    "cultivated.new_m2",
    "cultivated.new_paddy_m2",
    "cultivated.new_rate",
    "cultivated.supplementary_m2",
    "construction.before_m2",
    "construction.after_m2",
    "permanent_farmland.out_m2",
    "permanent_farmland.in_m2",
    "fields.before",
    "fields.after",
    "ecology.restoration_m2",
)
"""The indicators a 报备 states (scale, investment, 新增耕地 …), read by key from the stored set."""


def attribute_rows(indicators: Mapping[str, Any], keys: Sequence[str] = ATTRIBUTE_KEYS) -> list[dict[str, Any]]:
    """One row per indicator key: key, Chinese label, unit code and name, and the stored value (None
    when absent)."""
    rows = []
    for k in keys:
        unit = registry.get(k).unit
        rows.append(
            {
                "key": k,
                "label": registry.label(k),
                "unit": unit,
                "unit_name": registry.UNIT_NAMES.get(unit, unit),
                "value": registry.value(indicators, k),
            }
        )
    return rows


@dataclass(frozen=True)
class TopologyProblem:
    """A parcel that is not a valid polygon (``other`` empty) or that overlaps ``other``."""

    parcel: str
    other: str
    message: str


def topology_problems(geoms: Sequence[object] | np.ndarray, names: Sequence[str]) -> list[TopologyProblem]:
    """Invalid or empty polygons, then every pair of polygons whose common interior exceeds
    ``OVERLAP_TOLERANCE_M2`` (area in the geometries' projected units, m²)."""
    arr = np.asarray(geoms, dtype=object)
    problems: list[TopologyProblem] = []
    usable = np.zeros(len(arr), dtype=bool)
    for k, g in enumerate(arr):
        if g is None or shapely.is_empty(g) or shapely.get_type_id(g) not in (3, 6):
            problems.append(TopologyProblem(names[k], "", "不是面要素"))
        elif not shapely.is_valid(g):
            problems.append(TopologyProblem(names[k], "", f"拓扑错误：{shapely.is_valid_reason(g)}"))
        else:
            usable[k] = True
    index = np.flatnonzero(usable)
    if len(index) < 2:
        return problems
    good = arr[index]
    left, right = shapely.STRtree(good).query(good, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    common = shapely.area(shapely.intersection(good[left], good[right]))
    for i, j, a in zip(left, right, common, strict=True):
        if a > OVERLAP_TOLERANCE_M2:
            p, q = names[index[i]], names[index[j]]
            problems.append(TopologyProblem(p, q, f"与 {q} 重叠 {a:.2f} 平方米"))
    return problems


def monitoring_parcels(after: gpd.GeoDataFrame, demolished: Sequence[object] | np.ndarray) -> gpd.GeoDataFrame:
    """补充耕地监测图斑: the after-state pieces with 新增耕地 (XZGDMJ > 0) outside the 增减挂钩 拆旧
    parcels ``demolished`` (their new farmland goes to the linkage ledger, not to 补充耕地:
    ``cultivated.supplementary_m2``), with ``MONITORING_FIELDS``. Each changed piece lies inside one
    plan parcel, so its representative point decides."""
    new = after[after["XZGDMJ"].to_numpy(dtype=np.float64) > 0]
    geoms = np.asarray(new.geometry.array, dtype=object)
    keep = np.ones(len(new), dtype=bool)
    linkage = np.asarray(demolished, dtype=object)
    if len(linkage) and len(new):
        inside, _ = shapely.STRtree(linkage).query(shapely.point_on_surface(geoms), predicate="intersects")
        keep[inside] = False
    chosen = new[keep]
    frame = {f: (chosen[f].to_numpy() if f in chosen else list(texts(chosen, f))) for f in MONITORING_FIELDS}
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(chosen.geometry.array, crs=after.crs), crs=after.crs)


def subproject_frame(rows: Sequence[Mapping[str, Any]], geoms: Sequence[object], crs: object) -> gpd.GeoDataFrame:
    """子项目 outlines (``SUBPROJECT_LAYER``): ZXMBH, name, type, department, dates, investment and the
    latest percent complete and funds disbursed (万元)."""
    columns = {
        "ZXMBH": [str(r["code"]) for r in rows],
        "ZXMMC": [str(r["name"]) for r in rows],
        "ZXMLX": [str(r["type"]) for r in rows],
        "ZRBM": [str(r.get("department") or "") for r in rows],
        "KGRQ": [str(r.get("start") or "") for r in rows],
        "JGRQ": [str(r.get("end") or "") for r in rows],
        "TZ_WY": [float(r.get("investment") or 0.0) for r in rows],
        "WCBL": [float(r.get("percent") or 0.0) for r in rows],
        "BFZJ_WY": [float(r.get("disbursed") or 0.0) for r in rows],
        "TBRQ": [str(r.get("last_report") or "") for r in rows],
    }
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(list(geoms), crs=crs), crs=crs)


def coordinate_parcel_count(text: str) -> int:
    """Parcels of a 坐标文件 text: its header lines, the ones ending in ``@``
    (``engine.coordinate_file``)."""
    return sum(1 for line in text.splitlines() if line.rstrip().endswith(",@"))
