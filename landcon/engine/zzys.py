"""The ZZ_YS acceptance data set (验收阶段信息, domain reference §7.3(a)) from a stored acceptance computation.

``build_zzys`` reads acceptance.json (``engine.acceptance.Acceptance.to_dict`` as the service stored it)
and the approved plan's sub-projects and returns six groups of fields — 规模, 新增耕地, 提质改造, 成效,
工程量, 投资 — each field with its ZZ_YS code where domain §7.3(a) names one, name, unit, the plan's
figure where there is one, the as-built (实际/核定) figure and where it comes from. Nothing is typed in:
every value is a figure of the computation, converted to the ZZ_YS unit (公顷 = m² / 10,000, kept to
6 decimals, i.e. 0.01 m²), or a sum of its per-parcel rows. Formulas:

- 实际 areas are the verified state (``verified_indicators``: the as-built state less what the latest
  survey does not show as 耕地), the figure the 补充耕地指标 is issued from; 核减前 = ``asbuilt_indicators``.
- 新增耕地 by 地类 (水田/水浇地/旱地) and by 来源 (整理/复垦/开发, XZGDLY) = Σ ``verified_m2`` of the
  as-built parcels (``asbuilt_parcels``) by their DLBM / XZGDLY.
- 新增耕地 by 资金来源 = 核定新增耕地 × the source's share of Σ 决算 (``investment.final_by_source_wan``);
  the last source takes the rounding rest so the rows add up to the total [U: ZZ_YS lists fund
  categories (中央分配新增费 …) but no apportioning rule; landcon's fund sources are the plan's].
- 规模 by sub-project type = Σ ellipsoidal area of the as-built parcels of the sub-projects of that type
  (the type from the approved plan); 实际建设总规模 = 整治规模 (Σ TBMJ of the changed pieces).
- 新增粮食产能 = ``engine.ledger.grain_capacity`` over the verified ``cultivated.new_by_grade_m2``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import shapely.geometry

from landcon.engine.area import ellipsoid_area
from landcon.engine.codes import CONSTRUCTION, three_class
from landcon.engine.indicators.registry import label
from landcon.engine.ledger import LedgerRules, grain_capacity
from landcon.engine.plan import FUNDING_SOURCES
from landcon.engine.supervision import QUANTITIES

M2_PER_HA = 10_000.0
PADDY, IRRIGATED, DRY = "0101", "0102", "0103"
NO_SOURCE, NO_SUBPROJECT = "未注明来源", "未列入子项目"
GROUPS: tuple[str, ...] = ("规模", "新增耕地", "提质改造", "成效", "工程量", "投资")
CONFIRMED, READING = "C", "U"
"""``status`` of a field: C = a ZZ_YS field domain §7.3(a) names; U = landcon's reading (no code there,
or a formula the source does not give)."""


@dataclass(frozen=True)
class ZzysField:
    """One figure: ``key`` (stable landcon key), ``zzys`` (ZZ_YS field code or ""), ``value`` as built
    (实际 / 核定) and ``plan`` (the approved plan's figure, None where the plan has none)."""

    key: str
    zzys: str
    name: str
    unit: str
    value: float | int | None
    plan: float | int | None
    source: str
    status: str


@dataclass(frozen=True)
class Zzys:
    project: str
    passed: bool
    groups: dict[str, tuple[ZzysField, ...]]

    def value(self, key: str) -> float | int | None:
        return next(f.value for fields in self.groups.values() for f in fields if f.key == key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "passed": self.passed,
            "groups": {g: [asdict(f) for f in fields] for g, fields in self.groups.items()},
        }


def ha(m2: float | None) -> float | None:
    """m² → 公顷 to 6 decimals (0.01 m²)."""
    return None if m2 is None else round(float(m2) / M2_PER_HA, 6)


def _get(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _by(parcels: Sequence[Mapping[str, Any]], column: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for p in parcels:
        key = str(p.get(column) or "")
        out[key] = out.get(key, 0.0) + float(p.get("verified_m2") or 0.0)
    return {k: round(v, 2) for k, v in out.items()}


def apportion(total: float, shares: Mapping[str, float]) -> dict[str, float]:
    """``total`` split by ``shares`` (weights), rounded to 0.01; the last key takes the rest."""
    keys = [k for k, w in shares.items() if w > 0]
    weight = sum(shares[k] for k in keys)
    out: dict[str, float] = {}
    for k in keys[:-1]:
        out[k] = round(total * shares[k] / weight, 2)
    if keys:
        out[keys[-1]] = round(total - sum(out.values()), 2)
    return out


def scale_by_type(parcels: Sequence[Mapping[str, Any]], types: Mapping[str, str], epsg: int) -> dict[str, float]:
    """Σ ellipsoidal area (m², 0.01) of the as-built parcels by their sub-project's type."""
    geoms = [shapely.geometry.shape(p["geometry"]) if p.get("geometry") else None for p in parcels]
    known = [k for k, g in enumerate(geoms) if g is not None]
    areas: list[float] = (
        [float(a) for a in ellipsoid_area(np.asarray([geoms[k] for k in known], dtype=object), epsg)] if known else []
    )
    out: dict[str, float] = {}
    for k, area in zip(known, areas, strict=True):
        sub = str(parcels[k].get("subproject") or "")
        kind = types.get(sub, NO_SUBPROJECT)
        out[kind] = out.get(kind, 0.0) + float(area)
    return {k: round(v, 2) for k, v in out.items()}


def _reduction(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(before - after, 2)


def _from_construction(by_class: Mapping[str, float]) -> float:
    """New 耕地 whose source class is 建设用地 (三大类)."""
    total = 0.0
    for code, area in by_class.items():
        try:
            if three_class(str(code)) == CONSTRUCTION:
                total += float(area)
        except KeyError:
            continue
    return round(total, 2)


V, B = "verified_indicators", "asbuilt_indicators"
PARCELS = "asbuilt_parcels.verified_m2"
#: key → (ZZ_YS code or "", name ({} = the key's suffix), unit, where the value comes from).
SPEC: dict[str, tuple[str, str, str, str]] = {
    "scale.total": ("YS_GM_ZGM", "实际建设总规模（整治规模）", "公顷", "figures.scale_m2（变化图斑 TBMJ 之和）÷ 10000"),
    "scale.by_type": ("", "{}规模", "公顷", "asbuilt_parcels 按子项目类型的椭球面积之和 ÷ 10000"),
    "scale.restoration": ("", "生态修复规模", "公顷", f"{V}.ecology.restoration_m2 ÷ 10000"),
    "new.total": ("YS_GM_XZGDMJ", "实际新增耕地面积（核定）", "公顷", f"{V}.cultivated.new_m2 ÷ 10000"),
    "new.before_cut": ("YS_GM_HJQXZGDMJ", "核减前新增耕地面积", "公顷", f"{B}.cultivated.new_m2 ÷ 10000"),
    "new.paddy": ("YS_GM_STMJ", "其中：水田", "公顷", f"{PARCELS} 之和（DLBM 0101）÷ 10000"),
    "new.irrigated": ("YS_GM_SJDMJ", "其中：水浇地", "公顷", f"{PARCELS} 之和（DLBM 0102）÷ 10000"),
    "new.dry": ("YS_GM_HDMJ", "其中：旱地", "公顷", f"{PARCELS} 之和（DLBM 0103）÷ 10000"),
    "new.by_kind": ("", "新增耕地（{}）", "公顷", f"{PARCELS} 按 XZGDLY 之和 ÷ 10000"),
    "new.by_fund": ("", "新增耕地（资金来源：{}）", "公顷", "核定新增耕地 × 该来源决算 ÷ 决算合计"),
    "new.supplementary": (
        "YS_GM_XZGD_KYYZBPH",
        "实际可用于占补平衡面积",
        "公顷",
        f"{V}.cultivated.supplementary_m2 ÷ 10000",
    ),
    "new.from_construction": (
        "YS_GM_JSJSYDZJGDMJ",
        "减少建设用地而增加耕地面积",
        "公顷",
        f"{V}.cultivated.new_by_source_class_m2 中建设用地地类之和 ÷ 10000",
    ),
    "construction.before": ("YS_GM_ZLQJSYDMJ", "整理前建设用地面积", "公顷", f"{B}.construction.before_m2 ÷ 10000"),
    "construction.after": ("YS_GM_ZLHJSYDMJ", "整理后建设用地面积", "公顷", f"{B}.construction.after_m2 ÷ 10000"),
    "cultivated.after": (
        "YS_GM_ZZHGDMJ",
        label("cultivated.after_net_m2"),
        "公顷",
        f"{V}.cultivated.after_net_m2 ÷ 10000",
    ),
    "upgrade.grade_before": ("YS_GZ_QPJDB", "改造前平均质量等别", "等", "figures.grade_before（耕地净面积加权）"),
    "upgrade.grade_after": ("YS_GZ_HPJDB", "改造后平均质量等别", "等", "figures.grade_after（耕地净面积加权）"),
    "upgrade.paddy": (
        "YS_GZ_STMJ",
        "改造水田面积（整治后为水田、整治前非水田）",
        "公顷",
        f"{V}.cultivated.new_paddy_m2 ÷ 10000",
    ),
    "effect.grain_kg": ("", "新增粮食产能", "公斤", f"grain_capacity({V}.cultivated.new_by_grade_m2)"),
    "effect.grade_before": ("", "建设前耕地平均质量等别", "等", "figures.grade_before"),
    "effect.grade_after": ("", "建设后耕地平均质量等别", "等", "figures.grade_after"),
    "effect.construction_reduced": ("", "建设用地减少面积", "公顷", f"{B}.construction.before_m2 − after_m2 ÷ 10000"),
    "effect.fields_before": ("", label("fields.before"), "块", f"{B}.fields.before"),
    "effect.fields_after": ("", label("fields.after"), "块", f"{B}.fields.after"),
    "effect.merge_degree": ("", label("fields.merge_degree"), "比例", f"{B}.fields.merge_degree"),
    "works": ("", "{}", "", "asbuilt.yaml quantities；方案：子项目计划工程量之和"),
    "investment.total": ("", "投资总额（决算）", "万元", "investment.final_wan；方案：investment.planned_wan"),
    "investment.completion": ("", "投资完成率", "比例", "investment.completion"),
    "investment.by_source": ("", "资金来源：{}", "万元", "investment.final_by_source_wan / planned_by_source_wan"),
    "investment.by_subproject": (
        "",
        "子项目 {}",
        "万元",
        "investment.final_by_subproject_wan / planned_by_subproject_wan",
    ),
}


def _field(key: str, value: Any, plan: Any = None, sub: str = "", unit: str = "", label: str = "") -> ZzysField:
    zzys, name, default_unit, source = SPEC[key]
    return ZzysField(
        f"{key}/{sub}" if sub else key,
        zzys,
        name.format(label or sub),
        unit or default_unit,
        value,
        plan,
        source,
        CONFIRMED if zzys else READING,
    )


def build_zzys(
    data: Mapping[str, Any],
    subprojects: Sequence[Mapping[str, Any]],
    epsg: int,
    ledger_rules: LedgerRules,
) -> Zzys:
    """The ZZ_YS record of acceptance.json ``data``; ``subprojects`` the approved plan's sub-projects
    (``code``, ``type``, ``name``: a field's 名称 shows it, the code in brackets) with their planned
    工程量 (``quantities``, from the sub-project records);
    ``epsg`` the dataset's CRS (the parcels' coordinates)."""
    plan, built, verified = data["plan_indicators"], data["asbuilt_indicators"], data["verified_indicators"]
    figures, inv, parcels = data["figures"], data["investment"], data.get("asbuilt_parcels") or []
    f = _field

    def fig(key: str, name: str) -> ZzysField:
        return f(key, figures[name]["built"], figures[name]["plan"])

    def area(key: str, path: str, state: Mapping[str, Any] = verified, planned: bool = True) -> ZzysField:
        return f(key, ha(_get(state, path)), ha(_get(plan, path)) if planned else None)

    types = {str(s["code"]): str(s.get("type") or "其他") for s in subprojects}
    names = {str(s["code"]): f"{s['name']}（{s['code']}）" for s in subprojects if s.get("name")}
    by_type = scale_by_type(parcels, types, epsg)
    by_dlbm, by_source = _by(parcels, "dlbm"), _by(parcels, "source")
    by_fund = apportion(float(verified["cultivated"]["new_m2"]), inv.get("final_by_source_wan") or {})
    scale = [
        f("scale.total", ha(figures["scale_m2"]["built"]), ha(figures["scale_m2"]["plan"])),
        *(f("scale.by_type", ha(m2), sub=kind) for kind, m2 in sorted(by_type.items())),
        area("scale.restoration", "ecology.restoration_m2"),
    ]
    farmland = [
        area("new.total", "cultivated.new_m2"),
        area("new.before_cut", "cultivated.new_m2", built),
        f("new.paddy", ha(by_dlbm.get(PADDY, 0.0))),
        f("new.irrigated", ha(by_dlbm.get(IRRIGATED, 0.0))),
        f("new.dry", ha(by_dlbm.get(DRY, 0.0))),
        *(f("new.by_kind", ha(m2), sub=k or NO_SOURCE) for k, m2 in sorted(by_source.items()) if m2),
        *(f("new.by_fund", ha(by_fund[s]), sub=s) for s in FUNDING_SOURCES if s in by_fund),
        area("new.supplementary", "cultivated.supplementary_m2"),
        f("new.from_construction", ha(_from_construction(verified["cultivated"]["new_by_source_class_m2"]))),
        area("construction.before", "construction.before_m2", built),
        area("construction.after", "construction.after_m2", built),
        area("cultivated.after", "cultivated.after_net_m2"),
    ]
    upgrade = [
        fig("upgrade.grade_before", "grade_before"),
        fig("upgrade.grade_after", "grade_after"),
        area("upgrade.paddy", "cultivated.new_paddy_m2"),
    ]
    reduced = [_reduction(s["construction"]["before_m2"], s["construction"]["after_m2"]) for s in (built, plan)]
    effect = [
        f(
            "effect.grain_kg",
            grain_capacity(verified["cultivated"]["new_by_grade_m2"], ledger_rules),
            figures["grain_kg"]["plan"],
        ),
        fig("effect.grade_before", "grade_before"),
        fig("effect.grade_after", "grade_after"),
        f("effect.construction_reduced", ha(reduced[0]), ha(reduced[1])),
        *(f(f"effect.fields_{k}", built["fields"][k], plan["fields"][k]) for k in ("before", "after")),
        f("effect.merge_degree", built["fields"]["merge_degree"], plan["fields"]["merge_degree"]),
    ]
    final_q = data.get("quantities") or {}
    planned_q: dict[str, float] = {}
    for s in subprojects:
        for key, amount in (s.get("quantities") or {}).items():
            planned_q[key] = round(planned_q.get(key, 0.0) + float(amount), 6)
    works = [
        f("works", final_q.get(q.key), planned_q.get(q.key), sub=q.key, unit=q.unit, label=q.label)
        for q in QUANTITIES.values()
        if q.key in final_q or q.key in planned_q
    ]
    src = (inv.get("final_by_source_wan") or {}, inv.get("planned_by_source_wan") or {})
    sub = (inv.get("final_by_subproject_wan") or {}, inv.get("planned_by_subproject_wan") or {})
    money = [
        f("investment.total", inv["final_wan"], inv["planned_wan"]),
        f("investment.completion", inv["completion"]),
        *(
            f("investment.by_source", src[0].get(s), src[1].get(s), sub=s)
            for s in FUNDING_SOURCES
            if s in src[0] or s in src[1]
        ),
        *(
            f("investment.by_subproject", sub[0].get(s), sub[1].get(s), sub=s, label=names.get(s, ""))
            for s in sorted(set(sub[0]) | set(sub[1]))
        ),
    ]
    groups = dict(zip(GROUPS, (scale, farmland, upgrade, effect, works, money), strict=True))
    return Zzys(str(data.get("project") or ""), bool(data.get("passed")), {g: tuple(v) for g, v in groups.items()})
