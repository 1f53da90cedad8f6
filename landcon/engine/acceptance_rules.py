"""Acceptance (验收) rules over the plan and as-built figures (docs/acceptance.md).

Each rule returns 通过 / 不通过 / 无法检查 (``pass`` / ``fail`` / ``unknown``, as the plan rules) with
the amount it looked at. The thresholds are profile values (``AcceptanceRules``, the profile's
``acceptance`` section), never literals:

- ``INVESTMENT_MIN_RATIO``: Σ 决算 ≥ ``min_investment_ratio`` × planned investment (Guangxi: < 80% →
  not accepted; domain reference §7.1);
- ``SCALE_MIN_RATIO``: 整治规模 as built (area of the changed pieces) ≥ ``min_scale_ratio`` × planned;
- ``NEW_FARMLAND_VERIFIED``: as-built parcels claimed as new 耕地 are 耕地 in the latest vintage
  (domain §7.1: 新增耕地 核定 against the latest land-use database);
- ``QUALITY_NOT_LOWER``: area-weighted 等别 of the 可用于占补平衡 new 耕地 as built (every as-built
  parcel at its surveyed GDDB, those failing verification included) not worse (higher number) than
  the 占补 requirement: the profile's ``required_grade``, else the approved plan's own mean grade of
  that land (2025《补充耕地质量验收办法（试行）》, domain §5.3);
- ``PFL_ACCEPTED_BY_PROVINCE``: a 永农 adjustment must be accepted at the provincial level (domain
  §7.1). The plan carrying the adjustment is what the chain approved: the stage whose advance reached
  the chain's ``approved`` milestone (``PlanApproval``) at the province level passes, at a lower level
  fails, and without an approval on record the rule is 无法检查; the amount is 调出 + 调入.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from landcon.engine.org import LEVEL_NAMES, PROVINCE

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
STATUS_NAMES: Mapping[str, str] = {PASS: "通过", FAIL: "不通过", UNKNOWN: "无法检查"}


@dataclass(frozen=True)
class AcceptanceRules:
    """Rule values of the acceptance (profile section ``acceptance``; docs/profile.md)."""

    #: Σ 决算 / planned investment at least this (Guangxi 80% [C], domain §7.1; not a national fact).
    min_investment_ratio: float = 0.8
    #: 整治规模 as built / planned at least this (Guangxi 80% [C], domain §7.1).
    min_scale_ratio: float = 0.8
    #: 等别 the new 耕地 must reach (1 best … 15); None: the approved plan's mean grade of its new 耕地.
    required_grade: float | None = None


def rules_from_dict(data: Mapping[str, Any]) -> AcceptanceRules:
    """Rules from a YAML mapping; unknown keys and out-of-range values raise ``ValueError``."""
    unknown = set(data) - set(AcceptanceRules.__dataclass_fields__)
    if unknown:
        raise ValueError(f"未知的验收规则项：{', '.join(sorted(unknown))}")
    values = dict(data)
    for key in ("min_investment_ratio", "min_scale_ratio"):
        if key in values:
            values[key] = float(values[key])
            if not 0 < values[key] <= 1:
                raise ValueError(f"{key} 应在 0 与 1 之间")
    if values.get("required_grade") is not None:
        values["required_grade"] = float(values["required_grade"])
        if not 1 <= values["required_grade"] <= 15:
            raise ValueError("required_grade 应在 1 与 15 之间")
    return AcceptanceRules(**values)


def rules_to_dict(rules: AcceptanceRules) -> dict[str, Any]:
    return asdict(rules)


@dataclass(frozen=True)
class RuleResult:
    """One acceptance rule: status, the value compared, the threshold and the amount concerned
    (``amount`` in ``unit``: m², 万元 or 等)."""

    id: str
    title: str
    status: str
    value: float | None
    threshold: float | None
    amount: float
    unit: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status_name": STATUS_NAMES[self.status]}


def _ratio(done: float, planned: float) -> float:
    """done / planned, rounded to 1e-9 so 800 / 1000 compares equal to 0.8."""
    return round(done / planned, 9)


def ratio_rule(
    rule_id: str, title: str, done: float | None, planned: float | None, threshold: float, unit: str
) -> RuleResult:
    """done ≥ threshold × planned (``INVESTMENT_MIN_RATIO``, ``SCALE_MIN_RATIO``)."""
    if done is None or planned is None or planned <= 0:
        amount = float(done or 0.0)
        return RuleResult(rule_id, title, UNKNOWN, None, threshold, amount, unit, "方案没有可比较的计划数")
    value = _ratio(done, planned)
    status = PASS if value >= threshold else FAIL
    message = f"完成 {done:,.2f} / 计划 {planned:,.2f} {unit} = {value:.2%}（要求不低于 {threshold:.0%}）"
    return RuleResult(rule_id, title, status, value, threshold, float(done), unit, message)


def verification_rule(claimed_m2: float, failed_m2: float, checked: bool, vintage_note: str) -> RuleResult:
    """New 耕地 claimed by the as-built parcels is 耕地 in the latest vintage."""
    title = "新增耕地经最新变更调查核实为耕地"
    if claimed_m2 <= 0:
        return RuleResult("NEW_FARMLAND_VERIFIED", title, PASS, 0.0, 0.0, 0.0, "平方米", "竣工数据没有地类调整新增耕地")
    if not checked:
        return RuleResult(
            "NEW_FARMLAND_VERIFIED", title, UNKNOWN, None, 0.0, claimed_m2, "平方米", f"{vintage_note}，无法核实"
        )
    status = PASS if failed_m2 <= 0 else FAIL
    message = f"申报新增耕地 {claimed_m2:,.2f} 平方米，其中 {failed_m2:,.2f} 平方米在{vintage_note}中不是耕地"
    return RuleResult("NEW_FARMLAND_VERIFIED", title, status, failed_m2, 0.0, failed_m2, "平方米", message)


def quality_rule(mean_grade: float | None, reference: float | None, source: str, area_m2: float) -> RuleResult:
    """Mean 等别 of the new 耕地 as built ≤ the reference (1 is best)."""
    title = "新增耕地质量不低于占补平衡要求"
    if area_m2 <= 0:
        return RuleResult("QUALITY_NOT_LOWER", title, PASS, None, reference, 0.0, "等", "没有新增耕地")
    if mean_grade is None or reference is None:
        missing = "竣工新增耕地没有等别" if mean_grade is None else f"没有可比较的等别要求（{source}）"
        return RuleResult("QUALITY_NOT_LOWER", title, UNKNOWN, mean_grade, reference, area_m2, "等", missing)
    status = PASS if round(mean_grade, 9) <= round(reference, 9) else FAIL
    message = f"竣工可用于占补平衡新增耕地平均等别 {mean_grade:.2f}，要求不劣于 {reference:.2f}（1 等最优；{source}）"
    return RuleResult("QUALITY_NOT_LOWER", title, status, mean_grade, reference, area_m2, "等", message)


@dataclass(frozen=True)
class PlanApproval:
    """The approval of the plan on record: the chain stage whose advance reached the ``approved``
    milestone, its level (``engine.org`` level code; None when the chain names none), when and by whom."""

    stage: str  # the stage's name, e.g. 省级审批
    level: str | None
    on: str  # ISO date
    by: str


def permanent_farmland_rule(
    adjusted: bool, out_m2: float | None, in_m2: float | None, approval: PlanApproval | None = None
) -> RuleResult:
    """A 永农 adjustment is accepted at the provincial level: the plan adjusting it was approved at the
    province (module docstring); ``approval`` None: no approval on record (无法检查)."""
    title = "永久基本农田调整经省级验收"
    if not adjusted:
        return RuleResult("PFL_ACCEPTED_BY_PROVINCE", title, PASS, 0.0, None, 0.0, "平方米", "项目未调整永久基本农田")
    amount = float(out_m2 or 0.0) + float(in_m2 or 0.0)
    moved = f"调出 {float(out_m2 or 0):,.2f}、调入 {float(in_m2 or 0):,.2f} 平方米"
    if approval is None:
        message = f"{moved}：记录中没有方案批准（审批链“批准”里程碑）的记录"
        return RuleResult("PFL_ACCEPTED_BY_PROVINCE", title, UNKNOWN, None, None, amount, "平方米", message)
    level = LEVEL_NAMES.get(approval.level or "", "未定层级")
    where = f"方案经“{approval.stage}”（{level}级）于 {approval.on} 由 {approval.by} 批准"
    if approval.level == PROVINCE:
        return RuleResult("PFL_ACCEPTED_BY_PROVINCE", title, PASS, amount, None, amount, "平方米", f"{moved}：{where}")
    message = f"{moved}：{where}，永久基本农田调整须经省级批准"
    return RuleResult("PFL_ACCEPTED_BY_PROVINCE", title, FAIL, amount, None, amount, "平方米", message)
