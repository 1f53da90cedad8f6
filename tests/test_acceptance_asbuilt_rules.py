"""The as-built rules on the hand-made grid (``acceptance_fixtures``; figures in test_acceptance_engine):
the quality rule and the plan vs as-built table take the as-built 等别 of every as-built parcel (one
failing verification included), at the rule's boundary; the 永农 rule passes or fails from the plan's
approval on record, and end to end from the project's chain (approved at the province)."""

from __future__ import annotations

from typing import Any

import pytest
from acceptance_fixtures import asbuilt, meta, plan, rows, vintage, write_asbuilt
from ledger_fixtures import CODE, project_to
from plan_fixtures import base, box

from landcon.engine.acceptance import compute_acceptance
from landcon.engine.acceptance_rules import AcceptanceRules, PlanApproval
from landcon.engine.ledger import LedgerRules


def accept(built: Any, *, orchard: str = "0103", approval: PlanApproval | None = None) -> Any:
    return compute_acceptance(
        base(),
        {"YJJBNTBHTB": [box(0, 0, 2, 1)]},
        plan(),
        built,
        4543,
        vintage=vintage(orchard=orchard),
        vintage_note="变更调查数据",
        rules=AcceptanceRules(),
        ledger_rules=LedgerRules(),
        approval=approval,
    )


def rule(result: Any, rule_id: str) -> Any:
    return next(r for r in result.rules if r.id == rule_id)


def test_quality_is_the_as_built_grade_including_a_parcel_failing_verification() -> None:
    # The vintage shows the orchard cell (A2, grade 9) as 园地: A2 fails verification, so the verified
    # 可用于占补平衡 new 耕地 is A1 alone (500 m², grade 8); the rule and the table still take A1 + A2.
    result = accept(asbuilt(), orchard="0201")
    assert result.totals["verified_new_m2"] == 500.0
    assert result.verified["cultivated"]["supplementary_by_grade_m2"] == {"8": 500.0}
    as_built = round((8 * 500 + 9 * 4750) / 5250, 4)
    quality = rule(result, "QUALITY_NOT_LOWER")
    assert (quality.value, quality.amount, quality.threshold) == (as_built, 5250.0, 8.95)
    table = {r["key"]: (r["plan"], r["built"]) for r in result.comparison}
    assert table["acceptance.supplementary_grade"] == (8.95, as_built)


@pytest.mark.parametrize(("grade", "mean", "status"), [(8, 8.0, "pass"), (9, 8.95, "pass"), (10, 9.9, "fail")])
def test_the_quality_rule_at_the_plans_grade(grade: int, mean: float, status: str) -> None:
    # A1 500 m² at grade 8 and A2 built in full (9,500 m²) at ``grade``: (4,000 + 9,500 × grade) / 10,000
    # against the approved plan's 8.95 (1 is best; equal passes).
    parcels = [dict(r, GDDB=grade) if r["BSM"] == "A2" else r for r in rows(1.0)]
    quality = rule(accept(asbuilt(parcels)), "QUALITY_NOT_LOWER")
    assert (quality.status, quality.value, quality.threshold, quality.amount) == (status, mean, 8.95, 10000.0)


@pytest.mark.parametrize(
    ("approval", "status"),
    [
        (None, "unknown"),
        (PlanApproval("省级审批", "province", "2027-03-01", "yn_prov_zrzy"), "pass"),
        (PlanApproval("州市审查", "prefecture", "2027-02-01", "km_zrzy"), "fail"),
        (PlanApproval("审批", None, "2027-02-01", "someone"), "fail"),
    ],
)
def test_the_permanent_farmland_rule_from_the_plans_approval(approval: PlanApproval | None, status: str) -> None:
    # The plan moves 500 m² out of 永农 and 10,000 m² in: 10,500 m² concerned either way.
    result = rule(accept(asbuilt(), approval=approval), "PFL_ACCEPTED_BY_PROVINCE")
    assert (result.status, result.amount) == (status, 10500.0)
    assert result.message.startswith("调出 500.00、调入 10,000.00 平方米：")
    if approval is not None:
        assert f"方案经“{approval.stage}”" in result.message and approval.on in result.message


def test_a_plan_adjusting_no_permanent_farmland_passes_whatever_the_approval() -> None:
    no_adjustment = plan()
    no_adjustment.layers.pop("YJJBNTTZTB", None)
    result = compute_acceptance(
        base(),
        {"YJJBNTBHTB": [box(0, 0, 2, 1)]},
        no_adjustment,
        asbuilt(),
        4543,
        vintage=None,
        vintage_note="",
        rules=AcceptanceRules(),
        ledger_rules=LedgerRules(),
    )
    pfl = rule(result, "PFL_ACCEPTED_BY_PROVINCE")
    assert (pfl.status, pfl.amount) == ("pass", 0.0)


def test_the_service_reads_the_approval_from_the_projects_chain(records_world, tmp_path) -> None:
    # The Yunnan chain: 省级审批 (province) advances the project into 实施, the ``approved`` milestone.
    from landcon.services import acceptance, records

    project_to(tmp_path, "acceptance")
    approval = acceptance.plan_approval(records.actor("fm_sup"), CODE)
    assert approval is not None and (approval.stage, approval.level) == ("省级审批", "province")
    folder = write_asbuilt(tmp_path / "asbuilt-pfl", rows(0.5), meta(project=CODE))
    data = acceptance.compute(records.actor("fm_sup"), CODE, folder).data
    pfl = next(r for r in data["rules"] if r["id"] == "PFL_ACCEPTED_BY_PROVINCE")
    assert (pfl["status"], pfl["amount"]) == ("pass", 10500.0)
    assert f"方案经“省级审批”（省级）于 {approval.on} 由 {approval.by} 批准" in pfl["message"]
