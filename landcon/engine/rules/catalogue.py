"""The plan rules (ids, titles, tests). Thresholds, severities and citations are in ``packs``.

Input audit — what each rule reads and when it cannot know:

| rule | input | unknown when |
|---|---|---|
| NEW_FARMLAND_MIN_5PCT | 耕地 before/after; 田坎系数 of new 耕地 | no 耕地 before; new 耕地 without slope (partly) |
| NEW_FARMLAND_KCXS_TABLE | slope grade and type of 耕地 after in change parcels, ZHKCXS | no slope grade (partly) |
| PFL_OUT_MAX_5PCT, PFL_NET_GAIN_MIN_5PCT | YJJBNTBHTB layer, YJJBNTTZTB | layer missing while the plan adjusts 永农 |
| PFL_QUALITY_NOT_LOWER | 等别 under 调出 (GDDB), of 调入 (ZHGDDB, else GDDB) | no 等别 (partly / one side wholly) |
| PFL_SLOPE_NOT_WORSE | slope grade under 调出 / 调入 (GDPDJB, 调入 ZHPDJB) | no slope (partly / one side wholly) |
| PFL_CONTIGUITY_IMPROVED | YJJBNTTZTB geometry | layer missing while the plan adjusts 永农 |
| CONSTRUCTION_NOT_INCREASED, LINKAGE_* | DLBM before/after (mandatory fields) | never |
| REDLINE_UNTOUCHED, NEW_FARMLAND_OUTSIDE_REDLINE | STBHHX | layer missing while there is something to check |
| URBAN_BOUNDARY_RESPECTED | CZKFBJ | layer missing while there is something to check |
| NEW_FARMLAND_SLOPE_MAX_25 | slope grade of new 耕地 | new 耕地 without a slope grade (partly) |
| PERIOD_MAX_YEARS | plan.yaml start/end year | missing |
| FUNDING_BALANCED | plan.yaml investment per sub-project, funding | a sub-project without investment, no funding list |
| DEMOLITION_NEEDS_CONSENT | 0702 under any change parcel; consent records (no project: CMTY) | never (none: fails) |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.consent import ConsentSet, consent_gaps, homestead_removals
from landcon.engine.indicators import RED_LINE, URBAN_BOUNDARY, PlanAnalysis, zone_share_of
from landcon.engine.indicators.registry import label
from landcon.engine.indicators.states import BeforeState
from landcon.engine.rules.packs import KCXS_TABLE_RULE


@dataclass(frozen=True)
class Verdict:
    """A rule's answer: ``passed`` None when its input is wholly unknown; ``unknown_m2`` the area
    whose input is unknown, of ``scope_m2`` the area the rule looks at (its share is judged against
    the pack's tolerance)."""

    passed: bool | None
    message: str
    value: Any = None
    features: Sequence[dict[str, str]] = ()
    unknown_m2: float | None = None
    scope_m2: float | None = None
    unknown_what: str = ""
    scope_name: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    test: Callable[[PlanAnalysis, Any], Verdict]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.2f}%"


def _ha(m2: float) -> str:
    return f"{m2 / 10000:.4f} 公顷"


def _features(layer: str, ids: Sequence[str]) -> list[dict[str, str]]:
    return [{"layer": layer, "id": i} for i in dict.fromkeys(ids)]


def _pairs(layers: Any, ids: Any) -> list[dict[str, str]]:
    return [{"layer": str(x), "id": str(i)} for x, i in dict.fromkeys(zip(layers, ids, strict=True))]


NO_SLOPE = "缺少坡度级别的新增耕地（田坎系数无法按系数表确定）"


def _new_farmland(a: PlanAnalysis, t: float) -> Verdict:
    c = a.indicators["cultivated"]
    rate = c["new_rate"]
    if rate is None:
        return Verdict(None, f"整治区域内无原有耕地，无法计算{label('cultivated.new_rate')}")
    return Verdict(
        rate >= t - 1e-12,
        f"{label('cultivated.new_rate')} {_pct(rate)}"
        f"（整治前 {_ha(c['before_net_m2'])}，整治后 {_ha(c['after_net_m2'])}），"
        f"要求 ≥ {_pct(t)}",
        rate,
        unknown_m2=c["new_slope_unknown_m2"],
        scope_m2=c["new_m2"],
        unknown_what=NO_SLOPE,
        scope_name="新增耕地",
    )


def _kcxs_table(a: PlanAnalysis, t: Any) -> Verdict:
    after = a.after
    cult = ~np.isnan(after["kcxs_after"].to_numpy()) if len(after) else np.zeros(0, dtype=bool)
    table = after["kcxs_table"].to_numpy()
    given = after["kcxs_given"].to_numpy()
    area = after["tbmj"].to_numpy()
    known = cult & ~np.isnan(table)
    below = known & ~np.isnan(given) & (given < table - 1e-9)
    unknown = float(area[cult & np.isnan(table)].sum())
    scope = float(area[cult].sum())
    if not cult.any():
        return Verdict(True, "无整治为耕地的地块")
    feats = _pairs(after["layer"].to_numpy()[below], after["parcel_id"].to_numpy()[below])
    first: dict[tuple[str, str], str] = {}  # one example per parcel: its largest shortfall
    rows = zip(after["layer"][below], after["parcel_id"][below], given[below], table[below], strict=True)
    for lay, i, g, x in sorted(rows, key=lambda r: r[2] - r[3]):
        first.setdefault((str(lay), str(i)), f"{lay} {i}：{g:g} < {x:g}")
    examples = list(first.values())[:3]
    if feats:
        message = f"{len(feats)} 个地块的整治后田坎系数 ZHKCXS 低于田坎系数表（{'；'.join(examples)}）"
    else:
        message = f"整治后耕地 {_ha(scope)} 的田坎系数按田坎系数表计，ZHKCXS 均不低于系数表"
    return Verdict(
        not feats,
        message,
        round(float(area[below].sum()), 2),
        feats,
        unknown_m2=unknown,
        scope_m2=scope,
        unknown_what="缺少坡度级别的整治后耕地",
        scope_name="整治后耕地",
    )


def _pfl(a: PlanAnalysis) -> tuple[dict[str, Any] | None, Verdict | None]:
    """The 永农 block, or the verdict when it cannot be had: nothing adjusted passes, a missing layer
    with adjustments cannot be checked."""
    pfl = a.indicators["permanent_farmland"]
    if not pfl.get("adjusted"):
        return None, Verdict(True, "方案未调整永久基本农田")
    if not pfl.get("available"):
        return None, Verdict(None, "数据集缺少永久基本农田图层 YJJBNTBHTB")
    if not pfl["out_m2"]:
        return None, Verdict(True, "未调出永久基本农田")
    return pfl, None


def _pfl_out(a: PlanAnalysis, t: float) -> Verdict:
    pfl, early = _pfl(a)
    if pfl is None:
        assert early is not None
        return early
    ratio = pfl["out_ratio"]
    if ratio is None:
        return Verdict(False, f"整治区域内无永久基本农田，却调出 {_ha(pfl['out_m2'])}")
    ids = [i for i, _ in a.adjustment_parcels.get("out", [])]
    ok = ratio <= t + 1e-12
    return Verdict(
        ok,
        f"调出永农 {_ha(pfl['out_m2'])}，占原永农 {_pct(ratio)}，要求 ≤ {_pct(t)}",
        ratio,
        [] if ok else _features("YJJBNTTZTB", ids),
    )


def _pfl_gain(a: PlanAnalysis, t: float) -> Verdict:
    pfl, early = _pfl(a)
    if pfl is None:
        assert early is not None
        return early
    ratio = pfl["gain_ratio"]
    ok = ratio is not None and ratio >= t - 1e-12
    return Verdict(
        ok, f"调入 {_ha(pfl['in_m2'])}、调出 {_ha(pfl['out_m2'])}，新增比例 {_pct(ratio)}，要求 ≥ {_pct(t)}", ratio
    )


def _side_unknown(pfl: Mapping[str, Any], key: str) -> tuple[float, float]:
    """(unknown area, total area) over both sides for a per-piece input."""
    unknown = total = 0.0
    for side in ("out", "in"):
        block = pfl[side]
        total += sum(block["slope_m2"].values())
        unknown += block["grade_unknown_m2"] if key == "grade" else block["slope_m2"].get("unknown", 0.0)
    return unknown, total


def _pfl_quality(a: PlanAnalysis, t: float) -> Verdict:
    pfl, early = _pfl(a)
    if pfl is None:
        assert early is not None
        return early
    unknown, total = _side_unknown(pfl, "grade")
    extra = {"unknown_m2": unknown, "scope_m2": total, "unknown_what": "缺少等别的调整地块", "scope_name": "调出与调入"}
    out_g, in_g = pfl["out"]["mean_grade"], pfl["in"]["mean_grade"]
    if out_g is None or in_g is None:
        side = "调出" if out_g is None else "调入"
        return Verdict(None, f"{side}地块均缺少等别，无法比较", **extra)  # type: ignore[arg-type]
    ok = in_g <= out_g + t + 1e-9
    return Verdict(
        ok,
        f"调入平均等别 {in_g:.2f}，调出平均等别 {out_g:.2f}（1 等最好；按有等别的面积加权）",
        round(in_g - out_g, 4),
        **extra,  # type: ignore[arg-type]
    )


def _mean_slope(block: Mapping[str, Any]) -> float | None:
    weights = {"le15": 1.0, "15_25": 2.0, "gt25": 3.0}
    known = {k: v for k, v in block["slope_m2"].items() if k in weights and v > 0}
    total = sum(known.values())
    return sum(weights[k] * v for k, v in known.items()) / total if total else None


def _pfl_slope(a: PlanAnalysis, t: float) -> Verdict:
    pfl, early = _pfl(a)
    if pfl is None:
        assert early is not None
        return early
    unknown, total = _side_unknown(pfl, "slope")
    extra = {
        "unknown_m2": unknown,
        "scope_m2": total,
        "unknown_what": "缺少坡度级别的调整地块",
        "scope_name": "调出与调入",
    }
    out_s, in_s = _mean_slope(pfl["out"]), _mean_slope(pfl["in"])
    if out_s is None or in_s is None:
        side = "调出" if out_s is None else "调入"
        return Verdict(None, f"{side}地块均缺少坡度级别，无法比较", **extra)  # type: ignore[arg-type]
    ok = in_s <= out_s + t + 1e-9
    return Verdict(
        ok,
        f"按面积加权的坡度档（≤15°=1，15°–25°=2，>25°=3）：调入 {in_s:.2f}，调出 {out_s:.2f}",
        round(in_s - out_s, 4),
        **extra,  # type: ignore[arg-type]
    )


def _pfl_contiguity(a: PlanAnalysis, t: float) -> Verdict:
    pfl, early = _pfl(a)
    if pfl is None:
        assert early is not None
        return early
    value = pfl["contiguity_improvement"]
    if value is None:
        return Verdict(False, "调出永农而无调入地块")
    name = label("permanent_farmland.contiguity_improvement")
    return Verdict(value > t, f"{name} {_pct(value)}（调入/调出平均单个图斑面积）", value)


def _construction(a: PlanAnalysis, t: float) -> Verdict:
    c = a.indicators["construction"]
    ok = c["change_m2"] <= t + 1e-6
    after = a.after
    feats: list[dict[str, str]] = []
    if not ok:
        rows = zip(after["layer"], after["parcel_id"], after["before"], after["after"], strict=True)
        new = [
            (str(layer), str(i))
            for layer, i, b, x in rows
            if codes.THREE_CLASS_OF.get(x) == codes.CONSTRUCTION and codes.THREE_CLASS_OF.get(b) != codes.CONSTRUCTION
        ]
        feats = [{"layer": layer, "id": i} for layer, i in dict.fromkeys(new)]
    return Verdict(
        ok,
        f"建设用地整治前 {_ha(c['before_m2'])}，整治后 {_ha(c['after_m2'])}，变化 {_ha(c['change_m2'])}",
        c["change_m2"],
        feats,
    )


def _redline(a: PlanAnalysis, t: float) -> Verdict:
    after = a.after
    mask = (after["restoration"].to_numpy(dtype=object) == "") & (
        after["before"].to_numpy(dtype=object) != after["after"].to_numpy(dtype=object)
    )
    if not mask.any():
        return Verdict(True, "无非生态修复类的地类变化")
    zone = a.zones.get(RED_LINE)
    if zone is None:
        return Verdict(None, "数据集缺少生态保护红线图层 STBHHX")
    share = zone_share_of(after["geometry"].to_numpy(dtype=object)[mask], zone, a.epsg)
    assert share is not None
    area = after["tbmj"].to_numpy()[mask] * share
    hit = area > 0
    total = float(area.sum())
    ok = total <= t
    feats = _pairs(after["layer"].to_numpy()[mask][hit], after["parcel_id"].to_numpy()[mask][hit])
    message = f"生态保护红线内非修复类变化 {total:.2f} m²（容差 {t} m²）"
    return Verdict(ok, message, round(total, 2), [] if ok else feats)


def _urban(a: PlanAnalysis, t: float) -> Verdict:
    outs = a.adjustment_parcels.get("out", [])
    parcels = [p for p in a.parcels if codes.THREE_CLASS_OF.get(p.after) == codes.CONSTRUCTION]
    if not outs and not parcels:
        return Verdict(True, "未调出永农，无新增建设用地地块")
    zone = a.zones.get(URBAN_BOUNDARY)
    if zone is None:
        return Verdict(None, "数据集缺少城镇开发边界图层 CZKFBJ")
    feats: list[dict[str, str]] = []
    messages = []
    if outs:  # 永农 调出 inside the boundary.
        geoms = np.asarray([g for _, g in outs], dtype=object)
        share = zone_share_of(geoms, zone, a.epsg)
        assert share is not None
        area = ellipsoid_area(geoms, a.epsg) * share
        bad = [i for (i, _), x in zip(outs, area, strict=True) if x > t]
        if bad:
            feats += _features("YJJBNTTZTB", bad)
            messages.append(f"{len(bad)} 块调出永农位于城镇开发边界内")
    if parcels:  # New construction across the boundary (partly in, partly out).
        share = zone_share_of(np.asarray([p.geometry for p in parcels], dtype=object), zone, a.epsg)
        assert share is not None
        crossing = [p for p, s in zip(parcels, share, strict=True) if 0.0 < s < 1.0]
        if crossing:
            feats += [{"layer": p.layer, "id": p.id} for p in crossing]
            messages.append(f"{len(crossing)} 块新增建设用地跨越城镇开发边界")
    return Verdict(
        not feats, "；".join(messages) or "未调整城镇开发边界内永农，新增建设用地未跨越边界", len(feats), feats
    )


def _new_cells(a: PlanAnalysis) -> np.ndarray:
    return a.after["new_cultivated"].to_numpy() > 0


def _slope25(a: PlanAnalysis, t: str) -> Verdict:
    after = a.after
    new = _new_cells(a)
    slope = after["slope"].to_numpy(dtype=object)
    mask = new & (slope == str(t))
    area = float(after["new_cultivated"].to_numpy()[mask].sum())
    c = a.indicators["cultivated"]
    return Verdict(
        not mask.any(),
        f"25 度以上（坡度级别 {t}）的新增耕地 {area:.2f} m²",
        round(area, 2),
        _pairs(after["layer"].to_numpy()[mask], after["parcel_id"].to_numpy()[mask]),
        unknown_m2=c["new_slope_unknown_m2"],
        scope_m2=c["new_m2"],
        unknown_what=label("cultivated.new_slope_unknown_m2"),
        scope_name="新增耕地",
    )


def _new_outside_redline(a: PlanAnalysis, t: float) -> Verdict:
    mask = _new_cells(a)
    if not mask.any():
        return Verdict(True, "无新增耕地")
    zone = a.zones.get(RED_LINE)
    if zone is None:
        return Verdict(None, "数据集缺少生态保护红线图层 STBHHX")
    after = a.after
    share = zone_share_of(after["geometry"].to_numpy(dtype=object)[mask], zone, a.epsg)
    assert share is not None
    area = after["new_cultivated"].to_numpy()[mask] * share
    total = float(area.sum())
    ok = total <= t
    hit = area > 0
    feats = _pairs(after["layer"].to_numpy()[mask][hit], after["parcel_id"].to_numpy()[mask][hit])
    return Verdict(ok, f"生态保护红线内新增耕地 {total:.2f} m²", round(total, 2), [] if ok else feats)


def _linkage_areas(a: PlanAnalysis) -> list[dict[str, Any]]:
    return list(a.indicators["linkage"]["project_areas"])


def _linkage_new_le_old(a: PlanAnalysis, t: float) -> Verdict:
    areas = _linkage_areas(a)
    if not areas:
        return Verdict(True, "无增减挂钩项目区")
    bad = [p for p in areas if p["new_construction_m2"] > p["demolished_m2"] + t]
    msg = "；".join(f"{p['code']}：建新 {_ha(p['new_construction_m2'])}，拆旧 {_ha(p['demolished_m2'])}" for p in areas)
    return Verdict(not bad, msg, len(bad), [{"layer": "ZJGGTB", "id": p["code"]} for p in bad])


def _linkage_balance(a: PlanAnalysis, t: float) -> Verdict:
    areas = _linkage_areas(a)
    if not areas:
        return Verdict(True, "无增减挂钩项目区")
    bad = [p for p in areas if p["reclaimed_cultivated_m2"] + t < p["new_construction_cultivated_m2"]]
    msg = "；".join(
        f"{p['code']}：复垦耕地 {_ha(p['reclaimed_cultivated_m2'])}，"
        f"建新占用耕地 {_ha(p['new_construction_cultivated_m2'])}"
        for p in areas
    )
    return Verdict(not bad, msg, len(bad), [{"layer": "ZJGGTB", "id": p["code"]} for p in bad])


def _period(a: PlanAnalysis, t: int) -> Verdict:
    years = a.indicators["years"]
    if years is None:
        return Verdict(None, "plan.yaml 缺少 start_year/end_year")
    return Verdict(years <= t, f"实施期 {years} 年，要求不超过 {t} 年", years)


def _funding(a: PlanAnalysis, t: float) -> Verdict:
    inv = a.indicators["investment"]
    missing = inv["subprojects_without_investment"]
    if not inv["by_subproject_wan"] and not inv["funding_given"]:
        return Verdict(None, "plan.yaml 没有子项目投资和资金筹措")
    if missing:
        return Verdict(None, f"子项目 {'、'.join(missing)} 未填写投资（investment）")
    if not inv["funding_given"]:
        return Verdict(None, "plan.yaml 未填写资金筹措（funding）")
    diff = round(inv["funding_total_wan"] - inv["total_wan"], 4)
    return Verdict(
        abs(diff) <= t,
        f"资金筹措 {inv['funding_total_wan']:.2f} 万元，投资估算 {inv['total_wan']:.2f} 万元，差额 {diff:.2f} 万元",
        diff,
    )


def _consent(a: PlanAnalysis, t: Any) -> Verdict:
    if a.consent is not None and a.before is not None:
        return _consent_from_records(a, a.before, a.consent)
    h = a.indicators["homesteads"]
    missing = h["consent_missing"]
    if not h["removed_m2"] and not missing:
        return Verdict(True, "方案不拆除宅基地")
    if missing:
        message = (
            f"{len(missing)} 个地块拆除或改变宅基地（0702）用途但未记录村民同意（CMTY=是），"
            f"其中整治区域内 {_ha(h['consent_missing_m2'])}"
        )
    else:
        message = f"拆除或改变用途的宅基地 {_ha(h['removed_m2'])} 均记录了村民同意"
    return Verdict(not missing, message, len(missing), missing)


def _consent_from_records(a: PlanAnalysis, before: BeforeState, records: ConsentSet) -> Verdict:
    """Every plan parcel (any change layer, inside the 整治区域 or not) that removes 0702 land must be
    covered by the project's consent records (``engine.consent``)."""
    removals = homestead_removals(before.base, before.geoms, a.parcels, a.epsg)
    removed, gaps = consent_gaps(removals, records)
    if not len(removals):
        return Verdict(True, "方案不拆除宅基地")
    if not gaps:
        return Verdict(True, f"拆除或改变用途的宅基地 {_ha(removed)} 均有村民同意记录（{records.records} 条记录）")
    named = "、".join(f"{g.layer} {g.id}（{_ha(g.area_m2)}）" for g in gaps[:10])
    more = f" 等 {len(gaps)} 个" if len(gaps) > 10 else ""
    message = (
        f"{len(gaps)} 个地块拆除或改变宅基地（0702）用途但没有农户或村民会议的同意记录："
        f"{named}{more}，合计 {_ha(sum(g.area_m2 for g in gaps))}，拆除宅基地共 {_ha(removed)}"
    )
    return Verdict(False, message, len(gaps), [{"layer": g.layer, "id": g.id} for g in gaps])


RULES: tuple[Rule, ...] = (
    Rule("NEW_FARMLAND_MIN_5PCT", "新增耕地面积不少于原有耕地面积的5%", _new_farmland),
    Rule(KCXS_TABLE_RULE, "整治后耕地田坎系数不低于县级田坎系数表", _kcxs_table),
    Rule("PFL_OUT_MAX_5PCT", "调出永久基本农田不超过整治区域永农面积的5%", _pfl_out),
    Rule("PFL_NET_GAIN_MIN_5PCT", "新增永久基本农田不少于调整面积的5%", _pfl_gain),
    Rule("PFL_QUALITY_NOT_LOWER", "调入永农平均质量等别不低于调出", _pfl_quality),
    Rule("PFL_SLOPE_NOT_WORSE", "调入永农平均坡度不高于调出", _pfl_slope),
    Rule("PFL_CONTIGUITY_IMPROVED", "永农集中连片度提升", _pfl_contiguity),
    Rule("CONSTRUCTION_NOT_INCREASED", "整治区域建设用地总量不增加", _construction),
    Rule("REDLINE_UNTOUCHED", "生态保护红线内仅安排生态修复", _redline),
    Rule("URBAN_BOUNDARY_RESPECTED", "不在城镇开发边界内调出永农、新增建设用地不跨越边界", _urban),
    Rule("NEW_FARMLAND_SLOPE_MAX_25", "新增耕地不得位于25度以上坡地", _slope25),
    Rule("NEW_FARMLAND_OUTSIDE_REDLINE", "新增耕地不得位于生态保护红线内", _new_outside_redline),
    Rule("LINKAGE_NEW_LE_OLD", "增减挂钩建新面积不超过拆旧面积", _linkage_new_le_old),
    Rule("LINKAGE_FARMLAND_BALANCE", "拆旧复垦耕地不少于建新占用耕地", _linkage_balance),
    Rule("PERIOD_MAX_YEARS", "实施期不超过规定年限", _period),
    Rule("FUNDING_BALANCED", "资金筹措与投资估算平衡", _funding),
    Rule("DEMOLITION_NEEDS_CONSENT", "拆除宅基地须有村民同意记录", _consent),
)
