"""Acceptance on the hand-made 100 m grid (``plan_fixtures.base``, the ledger plan of ``ledger_fixtures``).

Plan: level (0,0) 0103 → 0103 at the table's 0.05 (new 10,000 × (0.10 − 0.05) = 500 m², grade 8),
restore the orchard (2,0) → 0103 (9,500 m², grade 9), 拆旧 the homestead (3,0) → 0103 (10,000 m²,
not 可用于占补平衡), 建新 half of (3,1) → 0702: new 20,000 m², of it 10,000 可用于占补平衡; 整治规模
10,000 × 3 + 5,000 = 35,000 m²; investment Z1 600 + Z2 400 = 1,000 万元.

As built: A1 = (0,0) as planned (500), A2 = the western half of (2,0) only (4,750: 4,750 short of
CZGHTB 2), A3 = (3,0) 拆旧 → 0103 (10,000), A4 = the 建新 half cell: new 15,250; 整治规模 30,000.
Vintage: (2,0) is 0103, (3,0) still 0702 → A3's 10,000 fails verification. 核减 4,750 + 10,000 =
14,750 = plan 20,000 − 核定 5,250.
"""

from __future__ import annotations

from typing import Any

import pytest
from acceptance_fixtures import asbuilt, plan, rows, vintage, wide_rows
from plan_fixtures import base, box

from landcon.engine.acceptance import NOT_VERIFIED, SHORT, Cut, compute_acceptance
from landcon.engine.acceptance_rules import AcceptanceRules, rules_from_dict
from landcon.engine.asbuilt_schema import AsBuilt, check_asbuilt
from landcon.engine.ledger import LedgerRules, grain_capacity
from landcon.engine.rules.packs import resolve


def accept(built: AsBuilt, *, with_vintage: bool = True, rules: AcceptanceRules | None = None) -> Any:
    return compute_acceptance(
        base(),
        {"YJJBNTBHTB": [box(0, 0, 2, 1)]},
        plan(),
        built,
        4543,
        vintage=vintage() if with_vintage else None,
        vintage_note="变更调查数据",
        rules=rules or AcceptanceRules(),
        ledger_rules=LedgerRules(),
    )


def test_plan_vs_as_built_figures_and_cuts_are_exact() -> None:
    result = accept(asbuilt())
    assert result.totals == {
        "planned_new_m2": 20000.0,
        "built_new_m2": 15250.0,
        "verified_new_m2": 5250.0,
        "not_verified_m2": 10000.0,
        "cut_m2": 14750.0,
    }
    assert result.cuts == (
        Cut("JGTB", "A2", "CZGHTB 2", "Z1", SHORT, 9500.0, 4750.0, 4750.0),
        Cut("JGTB", "A3", "ZJGGTB 1", "Z2", NOT_VERIFIED, 0.0, 10000.0, 10000.0, "0702"),
    )
    table = {r["key"]: (r["plan"], r["built"]) for r in result.comparison}
    assert table["cultivated.new_m2"] == (20000.0, 15250.0)
    assert table["cultivated.new_paddy_m2"] == (0.0, 0.0)
    assert table["cultivated.supplementary_m2"] == (10000.0, 5250.0)
    assert table["cultivated.new_rate"] == (round(20000 / 18000, 6), round(15250 / 18000, 6))
    assert table["construction.before_m2"] == (10000.0, 10000.0)
    assert table["construction.after_m2"] == (5000.0, 5000.0)
    assert table["permanent_farmland.out_m2"] == (500.0, 500.0)
    assert table["fields.before"] == (2, 2)
    assert table["cultivated.new_by_subproject_m2/Z1"] == (10000.0, 5250.0)
    assert table["acceptance.scale_m2"] == (35000.0, 30000.0)
    assert table["acceptance.grade_before"] == (10.0, 10.0)
    # 可用于占补平衡: plan (8 × 500 + 9 × 9,500) / 10,000; as built (8 × 500 + 9 × 4,750) / 5,250.
    assert table["acceptance.supplementary_grade"] == (8.95, round(46750 / 5250, 4))
    # 粮食产能 per 亩: grade 8 800, 9 700, ungraded (the plan's 拆旧) and 10 600 kg.
    assert table["acceptance.grain_kg"] == (600 + 9975 + 9000, round(600 + 4987.5 + 9000))
    assert table["acceptance.investment_wan"] == (1000.0, 800.0)
    assert table["acceptance.investment_wan/Z2"] == (400.0, None)
    status = {r.id: (r.status, r.amount) for r in result.rules}
    assert status == {
        "INVESTMENT_MIN_RATIO": ("pass", 800.0),
        "SCALE_MIN_RATIO": ("pass", 30000.0),
        "NEW_FARMLAND_VERIFIED": ("fail", 10000.0),
        "QUALITY_NOT_LOWER": ("pass", 5250.0),
        "PFL_ACCEPTED_BY_PROVINCE": ("unknown", 10500.0),
    }
    assert result.passed is False


@pytest.mark.parametrize(("amount", "status"), [(799.9, "fail"), (800.0, "pass"), (800.1, "pass")])
def test_the_investment_rule_at_its_80_percent_boundary(amount: float, status: str) -> None:
    rule = next(r for r in accept(asbuilt(amount=amount)).rules if r.id == "INVESTMENT_MIN_RATIO")
    assert (rule.status, rule.value) == (status, round(amount / 1000, 9))


@pytest.mark.parametrize(("width", "status"), [(0.29965, "fail"), (0.3, "pass"), (0.30035, "pass")])
def test_the_scale_rule_at_its_80_percent_boundary(width: float, status: str) -> None:
    # 10,000 + 100 × width × 100 + 10,000 + 5,000 of 35,000: 79.99 %, 80 %, 80.01 %.
    rule = next(r for r in accept(asbuilt(rows(width))).rules if r.id == "SCALE_MIN_RATIO")
    assert rule.status == status
    assert rule.amount == round(25000 + width * 10000, 2)


def test_without_a_later_vintage_verification_cannot_be_checked() -> None:
    result = accept(asbuilt(), with_vintage=False)
    rule = next(r for r in result.rules if r.id == "NEW_FARMLAND_VERIFIED")
    assert (rule.status, rule.amount) == ("unknown", 14750.0)
    assert [c.reason for c in result.cuts] == [SHORT]
    assert result.totals["verified_new_m2"] == 15250.0


def test_a_required_grade_from_the_profile_replaces_the_plans() -> None:
    rule = next(
        r for r in accept(asbuilt(), rules=rules_from_dict({"required_grade": 8})).rules if r.id == "QUALITY_NOT_LOWER"
    )
    assert (rule.status, rule.threshold) == ("fail", 8.0)
    with pytest.raises(ValueError, match="min_scale_ratio"):
        rules_from_dict({"min_scale_ratio": 1.5})
    with pytest.raises(ValueError, match="未知"):
        rules_from_dict({"min_ratio": 0.5})


def test_a_plan_parcel_with_no_as_built_parcel_is_cut_as_not_built() -> None:
    parcels = [r for r in rows() if r["BSM"] != "A2"]
    result = accept(asbuilt(parcels))
    assert result.cuts[0] == Cut("CZGHTB", "2", "CZGHTB 2", "Z1", "未实施", 9500.0, 0.0, 9500.0)


def _problems(parcels: list[dict[str, Any]], **over: Any) -> list[tuple[str | None, str | None, str | None]]:
    built = asbuilt(parcels)
    built.meta.update(over)
    return [(p.layer, p.feature, p.field) for p in check_asbuilt(built, ["Z1", "Z2"])]


def test_bad_as_built_data_is_named_by_layer_feature_and_field() -> None:
    assert _problems(rows()) == []
    bad = rows()
    bad[0] = bad[0] | {"DLBM": "9999"}
    bad[1] = bad[1] | {"GDPDJB": None}
    bad[2] = bad[2] | {"ZXMBH": "Z9"}
    bad[3] = bad[3] | {"geometry": box(3, 0.5, 3.5, 2)}  # overlaps A3
    assert _problems(bad) == [
        ("JGTB", "A1", "DLBM"),
        ("JGTB", "A3", "ZXMBH"),
        ("JGTB", "A2", "GDPDJB"),
        ("JGTB", "A3", None),
    ]
    assert _problems(rows(), final_accounts=[{"source": "银行", "amount": 1}], extra=1) == [
        (None, None, "extra"),
        (None, "1", "final_accounts.source"),
    ]
    assert _problems(rows(), quantities={"roads": 1}, completion_date="soon") == [
        (None, None, "completion_date"),
        (None, "roads", "quantities"),
    ]


def test_the_rule_pack_runs_on_the_as_built_state() -> None:
    parcels = rows()
    # A 拆旧 plot not linked to the plan's ZJGGTB 1 has no 村民同意 on record: the consent rule names it.
    parcels[2] = {k: v for k, v in parcels[2].items() if k not in ("GHTC", "GHTBBH")}
    result = compute_acceptance(
        base(),
        {"YJJBNTBHTB": [box(0, 0, 2, 1)]},
        plan(),
        asbuilt(parcels),
        4543,
        vintage=None,
        vintage_note="—",
        rules=AcceptanceRules(),
        ledger_rules=LedgerRules(),
        pack=resolve("yunnan", {}),
    )
    status = {f["rule"]: (f["status"], f["features"]) for f in result.findings}
    assert status["NEW_FARMLAND_MIN_5PCT"] == ("pass", [])
    assert status["FUNDING_BALANCED"][0] == "unknown"  # as-built data carry no plan.yaml funding
    assert status["DEMOLITION_NEEDS_CONSENT"] == ("fail", [{"layer": "JGTB", "id": "A3"}])
    assert accept(asbuilt()).findings == []  # no pack given: not run


def test_the_verified_state_leaves_out_the_cell_failing_verification() -> None:
    # A2 as 水田 over (2,0) and (2,1); the vintage shows (2,0) as 0101 and (2,1) still 0404 (the
    # homestead (3,0) now 0103, so A3 passes): A2 fails on exactly the cell (2,1), 10,000 × 0.95.
    result = compute_acceptance(
        base(),
        {"YJJBNTBHTB": [box(0, 0, 2, 1)]},
        plan(),
        asbuilt(wide_rows()),
        4543,
        vintage=vintage(orchard="0101", homestead="0103"),
        vintage_note="变更调查数据",
        rules=AcceptanceRules(),
        ledger_rules=LedgerRules(),
    )
    built, verified = result.built["cultivated"], result.verified["cultivated"]
    assert (built["supplementary_m2"], built["supplementary_paddy_m2"]) == (19500.0, 19000.0)
    # Verified: A1's 500 (grade 8) + A2's (2,0) 9,500 (grade 9, 水田); 0.75 亩 × 800 + 14.25 亩 × 700 kg.
    assert (verified["new_m2"], verified["supplementary_m2"], verified["supplementary_paddy_m2"]) == (
        20000.0,
        10000.0,
        9500.0,
    )
    assert verified["supplementary_by_grade_m2"] == {"8": 500.0, "9": 9500.0}
    assert grain_capacity(verified["supplementary_by_grade_m2"], LedgerRules()) == 600 + 9975
    assert result.cuts == (Cut("JGTB", "A2", "CZGHTB 2", "Z1", NOT_VERIFIED, 0.0, 19000.0, 9500.0, "0404"),)
    assert result.totals == {
        "planned_new_m2": 20000.0,
        "built_new_m2": 29500.0,
        "verified_new_m2": 20000.0,
        "not_verified_m2": 9500.0,
        "cut_m2": 9500.0,
    }
    assert result.to_dict()["verified_indicators"] == result.verified
    rows_by_parcel = {r["parcel"]: (r["new_m2"], r["not_verified_m2"], r["verified_m2"]) for r in result.parcels}
    assert rows_by_parcel["A2"] == (19000.0, 9500.0, 9500.0)


def test_the_verified_state_is_the_built_one_when_nothing_fails() -> None:
    passing = accept(asbuilt(), with_vintage=False)
    assert passing.verified == passing.built
    # A parcel failing on all of its area is dropped from the verified state: A3's 10,000 m² 拆旧 0103.
    failing = accept(asbuilt())
    assert failing.verified["cultivated"]["new_m2"] == 5250.0 == failing.built["cultivated"]["new_m2"] - 10000.0
    assert failing.verified["cultivated"]["supplementary_m2"] == failing.built["cultivated"]["supplementary_m2"]


def test_an_opinion_against_the_rule_results() -> None:
    from landcon.engine.acceptance_records import check_rules

    rules = [{"id": "A", "title": "甲", "status": "pass"}, {"id": "B", "title": "乙", "status": "fail"}]
    unknown = [*rules, {"id": "C", "title": "丙", "status": "unknown"}]
    assert check_rules("同意", (), rules[:1]) == ""
    assert check_rules("同意", (), rules).startswith("验收规则未全部通过，不能“同意”：B（乙，不通过）")
    assert "C（丙，无法检查）" in check_rules("同意", (), unknown)
    assert check_rules("整改后同意", ("x",), rules) == ""
    assert "2 条未通过" in check_rules("整改后同意", ("x",), unknown)
    assert check_rules("整改后同意", ("x", "y"), unknown) == ""
    assert check_rules("不同意", (), unknown) == ""
