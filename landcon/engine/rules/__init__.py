"""Plan rules: each a stable id, a Chinese title, its source, a pack threshold and severity, and
findings that point at the offending features. A rule whose input is missing says so (severity
``info``, "无法检查") instead of passing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from landcon.engine import codes
from landcon.engine.area import ellipsoid_area
from landcon.engine.indicators import RED_LINE, URBAN_BOUNDARY, PlanAnalysis, zone_share_of
from landcon.engine.rules.packs import ERROR, INFO, WARNING, resolve

__all__ = ["ERROR", "INFO", "RULES", "WARNING", "Finding", "Rule", "check", "resolve"]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    title: str
    citation: str
    message: str
    value: Any = None
    threshold: Any = None
    features: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "title": self.title,
            "citation": self.citation,
            "message": self.message,
            "value": self.value,
            "threshold": self.threshold,
            "features": self.features,
        }


Outcome = tuple[bool | None, str, Any, list[dict[str, str]]]
"""(passed — None: cannot check, message, value, offending features)."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    citation: str
    test: Callable[[PlanAnalysis, Any], Outcome]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.2f}%"


def _ha(m2: float) -> str:
    return f"{m2 / 10000:.4f} 公顷"


def _features(layer: str, ids: list[str]) -> list[dict[str, str]]:
    return [{"layer": layer, "id": i} for i in dict.fromkeys(ids)]


def _new_farmland(a: PlanAnalysis, t: float) -> Outcome:
    rate = a.indicators["cultivated"]["new_rate"]
    if rate is None:
        return None, "整治区域内无原有耕地，无法计算新增耕地率", None, []
    ok = rate >= t - 1e-12
    c = a.indicators["cultivated"]
    return (
        ok,
        f"新增耕地率 {_pct(rate)}（整治前 {_ha(c['before_net_m2'])}，整治后 {_ha(c['after_net_m2'])}），要求 ≥ {_pct(t)}",
        rate,
        [],
    )


def _pfl(a: PlanAnalysis) -> dict[str, Any] | None:
    pfl = a.indicators["permanent_farmland"]
    return pfl if pfl.get("available") else None


def _pfl_out(a: PlanAnalysis, t: float) -> Outcome:
    pfl = _pfl(a)
    if pfl is None:
        return None, "数据集缺少永久基本农田图层 YJJBNTBHTB，无法检查", None, []
    ratio = pfl["out_ratio"]
    if ratio is None:
        return (pfl["out_m2"] == 0), "整治区域内无永久基本农田", None, []
    ids = [i for i, _ in a.adjustment_parcels.get("out", [])]
    ok = ratio <= t + 1e-12
    return (
        ok,
        f"调出永农 {_ha(pfl['out_m2'])}，占原永农 {_pct(ratio)}，要求 ≤ {_pct(t)}",
        ratio,
        [] if ok else _features("YJJBNTTZTB", ids),
    )


def _pfl_gain(a: PlanAnalysis, t: float) -> Outcome:
    pfl = _pfl(a)
    if pfl is None:
        return None, "数据集缺少永久基本农田图层 YJJBNTBHTB，无法检查", None, []
    if not pfl["out_m2"]:
        return True, "未调出永久基本农田", None, []
    ratio = pfl["gain_ratio"]
    ok = ratio is not None and ratio >= t - 1e-12
    return (
        ok,
        f"调入 {_ha(pfl['in_m2'])}、调出 {_ha(pfl['out_m2'])}，新增比例 {_pct(ratio)}，要求 ≥ {_pct(t)}",
        ratio,
        [],
    )


def _pfl_quality(a: PlanAnalysis, t: float) -> Outcome:
    pfl = _pfl(a)
    if pfl is None or not pfl["out_m2"]:
        return (
            (None, "数据集缺少永久基本农田图层，无法检查", None, []) if pfl is None else (True, "未调出永农", None, [])
        )
    out_g, in_g = pfl["out"]["mean_grade"], pfl["in"]["mean_grade"]
    if out_g is None or in_g is None:
        return None, "调出或调入地块缺少等别，无法比较", None, []
    ok = in_g <= out_g + t + 1e-9
    return ok, f"调入平均等别 {in_g:.2f}，调出平均等别 {out_g:.2f}（1 等最好）", round(in_g - out_g, 4), []


def _mean_slope(block: Mapping[str, Any]) -> float | None:
    weights = {"le15": 1.0, "15_25": 2.0, "gt25": 3.0}
    known = {k: v for k, v in block["slope_m2"].items() if k in weights and v > 0}
    total = sum(known.values())
    return sum(weights[k] * v for k, v in known.items()) / total if total else None


def _pfl_slope(a: PlanAnalysis, t: float) -> Outcome:
    pfl = _pfl(a)
    if pfl is None or not pfl["out_m2"]:
        return (
            (None, "数据集缺少永久基本农田图层，无法检查", None, []) if pfl is None else (True, "未调出永农", None, [])
        )
    out_s, in_s = _mean_slope(pfl["out"]), _mean_slope(pfl["in"])
    if out_s is None or in_s is None:
        return None, "调出或调入地块缺少坡度级别，无法比较", None, []
    ok = in_s <= out_s + t + 1e-9
    return (
        ok,
        f"按面积加权的坡度档（≤15°=1，15°–25°=2，>25°=3）：调入 {in_s:.2f}，调出 {out_s:.2f}",
        round(in_s - out_s, 4),
        [],
    )


def _pfl_contiguity(a: PlanAnalysis, t: float) -> Outcome:
    pfl = _pfl(a)
    if pfl is None or not pfl["out_m2"]:
        return (
            (None, "数据集缺少永久基本农田图层，无法检查", None, []) if pfl is None else (True, "未调出永农", None, [])
        )
    value = pfl["contiguity_improvement"]
    if value is None:
        return None, "无调入地块，无法计算集中连片度", None, []
    ok = value > t
    return ok, f"集中连片度提升 {_pct(value)}（调入/调出平均单个图斑面积）", value, []


def _construction(a: PlanAnalysis, t: float) -> Outcome:
    c = a.indicators["construction"]
    ok = c["change_m2"] <= t + 1e-6
    after = a.after
    feats = []
    if not ok:
        rows = zip(after["layer"], after["parcel_id"], after["before"], after["after"], strict=True)
        new = [
            (str(layer), str(i))
            for layer, i, b, x in rows
            if codes.THREE_CLASS_OF.get(x) == codes.CONSTRUCTION and codes.THREE_CLASS_OF.get(b) != codes.CONSTRUCTION
        ]
        feats = [{"layer": layer, "id": i} for layer, i in dict.fromkeys(new)]
    return (
        ok,
        f"建设用地整治前 {_ha(c['before_m2'])}，整治后 {_ha(c['after_m2'])}，变化 {_ha(c['change_m2'])}",
        c["change_m2"],
        feats,
    )


def _zone_overlap(a: PlanAnalysis, layer: str, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    zone = a.zones.get(layer)
    if zone is None:
        return None
    geoms = a.after["geometry"].to_numpy(dtype=object)[mask]
    share = zone_share_of(geoms, zone, a.epsg)
    assert share is not None
    return share, a.after["tbmj"].to_numpy()[mask] * share


def _redline(a: PlanAnalysis, t: float) -> Outcome:
    mask = (a.after["restoration"].to_numpy(dtype=object) == "") & (
        a.after["before"].to_numpy(dtype=object) != a.after["after"].to_numpy(dtype=object)
    )
    got = _zone_overlap(a, RED_LINE, mask)
    if got is None:
        return None, "数据集缺少生态保护红线图层 STBHHX，无法检查", None, []
    _, area = got
    ids = list(a.after["parcel_id"].to_numpy(dtype=object)[mask][area > 0])
    layers = list(a.after["layer"].to_numpy(dtype=object)[mask][area > 0])
    total = float(area.sum())
    ok = total <= t
    feats = [{"layer": str(lay), "id": str(i)} for lay, i in dict.fromkeys(zip(layers, ids, strict=True))]
    return ok, f"生态保护红线内非修复类变化 {total:.2f} m²（容差 {t} m²）", round(total, 2), [] if ok else feats


def _urban(a: PlanAnalysis, t: float) -> Outcome:
    zone = a.zones.get(URBAN_BOUNDARY)
    if zone is None:
        return None, "数据集缺少城镇开发边界图层 CZKFBJ，无法检查", None, []
    feats: list[dict[str, str]] = []
    messages = []
    # 永农 调出 inside the boundary.
    outs = a.adjustment_parcels.get("out", [])
    if outs:
        share = zone_share_of(np.asarray([g for _, g in outs], dtype=object), zone, a.epsg)
        assert share is not None
        area = ellipsoid_area(np.asarray([g for _, g in outs], dtype=object), a.epsg) * share
        bad = [i for (i, _), x in zip(outs, area, strict=True) if x > t]
        if bad:
            feats += _features("YJJBNTTZTB", bad)
            messages.append(f"{len(bad)} 块调出永农位于城镇开发边界内")
    # New construction across the boundary (partly in, partly out).
    parcels = [p for p in a.parcels if codes.THREE_CLASS_OF.get(p.after) == codes.CONSTRUCTION]
    if parcels:
        geoms = np.asarray([p.geometry for p in parcels], dtype=object)
        share = zone_share_of(geoms, zone, a.epsg)
        assert share is not None
        crossing = [p for p, s in zip(parcels, share, strict=True) if 0.0 < s < 1.0]
        if crossing:
            feats += [{"layer": p.layer, "id": p.id} for p in crossing]
            messages.append(f"{len(crossing)} 块新增建设用地跨越城镇开发边界")
    ok = not feats
    return ok, "；".join(messages) or "未调整城镇开发边界内永农，新增建设用地未跨越边界", len(feats), feats


def _new_farmland_cells(a: PlanAnalysis) -> np.ndarray:
    return a.after["new_cultivated"].to_numpy() > 0


def _slope25(a: PlanAnalysis, t: str) -> Outcome:
    mask = _new_farmland_cells(a) & (a.after["slope"].to_numpy(dtype=object) == str(t))
    ids = list(dict.fromkeys(zip(a.after["layer"][mask], a.after["parcel_id"][mask], strict=True)))
    area = float(a.after["new_cultivated"].to_numpy()[mask].sum())
    ok = not ids
    return (
        ok,
        f"25 度以上（坡度级别 {t}）的新增耕地 {area:.2f} m²",
        round(area, 2),
        [{"layer": x, "id": str(i)} for x, i in ids],
    )


def _new_outside_redline(a: PlanAnalysis, t: float) -> Outcome:
    mask = _new_farmland_cells(a)
    got = _zone_overlap(a, RED_LINE, mask)
    if got is None:
        return None, "数据集缺少生态保护红线图层 STBHHX，无法检查", None, []
    share, _ = got
    area = a.after["new_cultivated"].to_numpy()[mask] * share
    total = float(area.sum())
    ids = list(dict.fromkeys(zip(a.after["layer"][mask][area > 0], a.after["parcel_id"][mask][area > 0], strict=True)))
    ok = total <= t
    return (
        ok,
        f"生态保护红线内新增耕地 {total:.2f} m²",
        round(total, 2),
        [] if ok else [{"layer": x, "id": str(i)} for x, i in ids],
    )


def _linkage_areas(a: PlanAnalysis) -> list[dict[str, Any]]:
    return list(a.indicators["linkage"]["project_areas"])


def _linkage_new_le_old(a: PlanAnalysis, t: float) -> Outcome:
    areas = _linkage_areas(a)
    if not areas:
        return True, "无增减挂钩项目区", None, []
    bad = [p for p in areas if p["new_construction_m2"] > p["demolished_m2"] + t]
    msg = "；".join(f"{p['code']}：建新 {_ha(p['new_construction_m2'])}，拆旧 {_ha(p['demolished_m2'])}" for p in areas)
    return not bad, msg, len(bad), [{"layer": "ZJGGTB", "id": p["code"]} for p in bad]


def _linkage_balance(a: PlanAnalysis, t: float) -> Outcome:
    areas = _linkage_areas(a)
    if not areas:
        return True, "无增减挂钩项目区", None, []
    bad = [p for p in areas if p["reclaimed_cultivated_m2"] + t < p["new_construction_cultivated_m2"]]
    msg = "；".join(
        f"{p['code']}：复垦耕地 {_ha(p['reclaimed_cultivated_m2'])}，建新占用耕地 {_ha(p['new_construction_cultivated_m2'])}"
        for p in areas
    )
    return not bad, msg, len(bad), [{"layer": "ZJGGTB", "id": p["code"]} for p in bad]


def _period(a: PlanAnalysis, t: int) -> Outcome:
    years = a.indicators["years"]
    if years is None:
        return None, "plan.yaml 缺少 start_year/end_year，无法检查", None, []
    return years <= t, f"实施期 {years} 年，要求不超过 {t} 年", years, []


def _funding(a: PlanAnalysis, t: float) -> Outcome:
    inv = a.indicators["investment"]
    diff = round(inv["funding_total_wan"] - inv["total_wan"], 4)
    ok = abs(diff) <= t
    return (
        ok,
        f"资金筹措 {inv['funding_total_wan']:.2f} 万元，投资估算 {inv['total_wan']:.2f} 万元，差额 {diff:.2f} 万元",
        diff,
        [],
    )


def _consent(a: PlanAnalysis, t: Any) -> Outcome:
    missing = [i for p in _linkage_areas(a) for i in p["consent_missing"]]
    return (
        not missing,
        (
            f"{len(missing)} 块拆旧地块涉及宅基地但未记录村民同意（CMTY=是）"
            if missing
            else "拆旧宅基地均记录了村民同意"
        ),
        len(missing),
        _features("ZJGGTB", missing),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "NEW_FARMLAND_MIN_5PCT",
        "新增耕地面积不少于原有耕地面积的5%",
        "自然资发〔2019〕194号；《全域土地综合整治试点实施要点（试行）》“双5%”",
        _new_farmland,
    ),
    Rule(
        "PFL_OUT_MAX_5PCT",
        "调出永久基本农田不超过整治区域永农面积的5%",
        "永久基本农田布局调整审查汇总表；各地通行要求",
        _pfl_out,
    ),
    Rule(
        "PFL_NET_GAIN_MIN_5PCT",
        "新增永久基本农田不少于调整面积的5%",
        "自然资发〔2019〕194号“双5%”；永农布局调整审查汇总表",
        _pfl_gain,
    ),
    Rule(
        "PFL_QUALITY_NOT_LOWER",
        "调入永农平均质量等别不低于调出",
        "永农布局调整审查汇总表（平均质量等别）",
        _pfl_quality,
    ),
    Rule(
        "PFL_SLOPE_NOT_WORSE",
        "调入永农平均坡度不高于调出",
        "《全域土地综合整治试点实施要点（试行）》；审查汇总表（坡度）",
        _pfl_slope,
    ),
    Rule("PFL_CONTIGUITY_IMPROVED", "永农集中连片度提升", "永农布局调整审查汇总表（集中连片度提升）", _pfl_contiguity),
    Rule(
        "CONSTRUCTION_NOT_INCREASED",
        "整治区域建设用地总量不增加",
        "苏自然资函〔2025〕325号；山西省实施意见（2025）",
        _construction,
    ),
    Rule(
        "REDLINE_UNTOUCHED",
        "生态保护红线内仅安排生态修复",
        "自然资源部办公厅2023年4月25日“严守底线”通知第1条",
        _redline,
    ),
    Rule(
        "URBAN_BOUNDARY_RESPECTED",
        "不在城镇开发边界内调出永农、新增建设用地不跨越边界",
        "“严守底线”通知第4条；《永久基本农田保护红线管理办法》",
        _urban,
    ),
    Rule(
        "NEW_FARMLAND_SLOPE_MAX_25",
        "新增耕地不得位于25度以上坡地",
        "《补充耕地质量验收办法（试行）》（2025）",
        _slope25,
    ),
    Rule(
        "NEW_FARMLAND_OUTSIDE_REDLINE",
        "新增耕地不得位于生态保护红线内",
        "《补充耕地质量验收办法（试行）》（2025）",
        _new_outside_redline,
    ),
    Rule(
        "LINKAGE_NEW_LE_OLD",
        "增减挂钩建新面积不超过拆旧面积",
        "城乡建设用地增减挂钩管理办法（项目区建新拆旧）",
        _linkage_new_le_old,
    ),
    Rule(
        "LINKAGE_FARMLAND_BALANCE",
        "拆旧复垦耕地不少于建新占用耕地",
        "城乡建设用地增减挂钩管理办法（周转指标）",
        _linkage_balance,
    ),
    Rule("PERIOD_MAX_YEARS", "实施期不超过规定年限", "四川省以三年为实施周期；各地一般3年、最长5年", _period),
    Rule("FUNDING_BALANCED", "资金筹措与投资估算平衡", "实施方案投资估算与资金筹措表", _funding),
    Rule("DEMOLITION_NEEDS_CONSENT", "拆除宅基地须有村民同意记录", "“严守底线”通知第6、7条", _consent),
)


def check(analysis: PlanAnalysis, pack: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every enabled rule of ``pack`` on the analysed plan: one finding per rule (passes included,
    with severity ``info``), failed rules with the pack's severity."""
    findings = []
    for rule in RULES:
        config = pack[rule.id]
        if not config.get("enabled", True):
            continue
        passed, message, value, features = rule.test(analysis, config["threshold"])
        if passed is None:
            severity, message = INFO, f"无法检查：{message}"
        elif passed:
            severity = "pass"
        else:
            severity = config["severity"]
        findings.append(
            Finding(
                rule.id, severity, rule.title, rule.citation, message, value, config["threshold"], features
            ).as_dict()
        )
    return findings
