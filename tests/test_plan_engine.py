"""Plan indicators and rules on a hand-made grid of 100 m cells (answers worked out on paper).

Base: row 0 = 0103 0103 0201(JKHF) 0702; row 1 = 0301 0301 0404 0404. Cultivated cells have
KCXS 0.1 (TBDLMJ 9 000 m²), GDLX TT, slope grade 2 (cell 1) and 5 (cell 2); 永久基本农田 covers
the two 0103 cells (20 000 m²). The 田坎系数 table of these tests is 0.05 on every slope grade but
grade 1 (0), so levelling a field to 0.05 gains 500 m² per cell.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from conftest import cell
from plan_fixtures import META, base, box, layer

from landcon.engine.indicators import analyse_plan
from landcon.engine.plan import CZGHTB, YJJBNTTZTB, ZJGGTB, ZZQY, Plan, check_plan
from landcon.engine.rules import KCXS_TABLE_RULE, check, resolve

EPSG = 4543
CRS = "EPSG:4543"
TABLE = {t: {"1": 0.0, "2": 0.05, "3": 0.05, "4": 0.05, "5": 0.05} for t in ("TT", "PD")}


def make_plan(
    czghtb: list[dict[str, object]] | None = None,
    adjust: list[dict[str, object]] | None = None,
    linkage: list[dict[str, object]] | None = None,
    meta: dict[str, object] | None = None,
) -> Plan:
    default_cz = [
        {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHKCXS": 0.05, "geometry": box(0, 0, 2, 1)},  # levelling two fields
        # the JKHF orchard restored on a slope of grade 2
        {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHKCXS": 0.05, "ZHGDDB": 9, "ZHPDJB": "2", "geometry": cell(2, 0)},
    ]
    default_link = [
        {"XMQBH": "G1", "GGLX": "拆旧", "FKDLBM": "0103", "CMTY": "是", "ZHPDJB": "1", "geometry": cell(3, 0)},
        {"XMQBH": "G1", "GGLX": "建新", "JXDLBM": "0702", "geometry": box(3, 1, 3.5, 2)},
    ]
    layers = {
        ZZQY: layer(ZZQY, [{"ZZQYBH": "Q1", "geometry": box(0, 0, 4, 2)}]),
        CZGHTB: layer(CZGHTB, default_cz if czghtb is None else czghtb),
        YJJBNTTZTB: layer(YJJBNTTZTB, adjust or []),
        ZJGGTB: layer(ZJGGTB, default_link if linkage is None else linkage),
    }
    return Plan(layers, dict(META if meta is None else meta))


def analyse(plan: Plan, zones: dict[str, object] | None = None, table: dict[str, dict[str, float]] | None = None):
    z = {"YJJBNTBHTB": [box(0, 0, 2, 1)], "STBHHX": None, "CZKFBJ": None}
    z.update(zones or {})
    assert check_plan(plan) == []
    kcxs = resolve("yunnan", {KCXS_TABLE_RULE: {"threshold": TABLE}})[KCXS_TABLE_RULE]["threshold"]
    for kind, row in (table or {}).items():
        kcxs[kind].update(row)
    analysis = analyse_plan(base(), z, plan, EPSG, kcxs_table=kcxs)
    analysis.indicators["_table"] = kcxs  # the table the rules judge ZHKCXS against (see findings)
    return analysis


def findings(analysis, **overrides):
    overrides.setdefault(KCXS_TABLE_RULE, {})
    overrides[KCXS_TABLE_RULE] = {"threshold": analysis.indicators["_table"], **overrides[KCXS_TABLE_RULE]}
    result = check(analysis, resolve("yunnan", overrides))
    return {f["rule"]: f for f in result}


def test_indicators_by_hand() -> None:
    ind = analyse(make_plan()).indicators
    assert ind["area"]["zzqy_m2"] == 80000.0
    assert ind["area"]["villages"] == ["530124100201"]
    c = ind["cultivated"]
    assert c["before_net_m2"] == 18000.0
    # Levelling 2 fields: 20 000 × 0.95 = 19 000 (gain 1 000); orchard 10 000 × 0.95 = 9 500;
    # 拆旧 homestead reclaimed as 0103 with no 田坎: 10 000.
    assert c["after_net_m2"] == 38500.0
    assert c["new_m2"] == 20500.0
    assert c["new_from_levelling_m2"] == 1000.0
    assert c["new_from_conversion_m2"] == 19500.0
    assert c["new_by_source_class_m2"] == {"1203": 1000.0, "0201": 9500.0, "0702": 10000.0}
    assert c["new_slope_unknown_m2"] == 0.0 and c["tiankan_loss_m2"] == 0.0
    assert c["new_by_subproject_m2"] == {"": 10000.0, "Z1": 10500.0}
    assert c["new_rate"] == pytest.approx(20500 / 18000, abs=1e-6)
    assert c["lost_m2"] == 0.0
    k = ind["construction"]
    # 0702 homestead reclaimed; 建新 is half a 0404 cell (5 000 m²) inside ZZQY.
    assert (k["before_m2"], k["after_m2"], k["change_m2"], k["surplus_m2"]) == (10000.0, 5000.0, -5000.0, 5000.0)
    assert ind["landuse"]["before_m2"]["0702"] == 10000.0
    assert ind["landuse"]["after_m2"]["0404"] == 15000.0
    assert ind["landuse"]["kcmj_before_m2"] == 2000.0
    assert ind["landuse"]["kcmj_after_m2"] == 1500.0
    assert ind["fields"] == {"before": 2, "after": 3, "merge_degree": -0.5}
    assert ind["investment"]["total_wan"] == 1000.0 and ind["investment"]["funding_total_wan"] == 1000.0
    assert ind["years"] == 3
    link = ind["linkage"]["project_areas"][0]
    assert link["code"] == "G1"
    assert link["demolished_m2"] == 10000.0
    assert link["reclaimed_cultivated_m2"] == 10000.0
    assert link["new_construction_m2"] == 5000.0
    assert link["homesteads_demolished"] == 1 and link["consent_missing"] == []


def test_permanent_farmland_review_block() -> None:
    adjust = [
        {"TZLX": "调出", "TZYNDKBH": "O1", "geometry": box(1, 0, 1.05, 1)},  # 500 m², steep grade-12 field
        {"TZLX": "调入", "TZYNDKBH": "I1", "ZHGDDB": 9, "geometry": cell(2, 0)},  # 10 000 m² restored orchard
    ]
    ind = analyse(make_plan(adjust=adjust)).indicators["permanent_farmland"]
    assert ind["before_m2"] == 20000.0
    assert (ind["out_m2"], ind["in_m2"], ind["net_m2"]) == (500.0, 10000.0, 9500.0)
    assert ind["out_ratio"] == 0.025
    assert ind["gain_ratio"] == 19.0
    assert ind["out"]["mean_grade"] == 12.0 and ind["in"]["mean_grade"] == 9.0
    assert ind["grade_improvement"] == 3.0
    assert ind["out"]["slope_m2"] == {"gt25": 500.0}
    assert ind["in"]["landuse_m2"] == {"非耕农用地": 10000.0}
    assert ind["out"]["contiguity"]["le5"] == {"count": 1, "area_m2": 500.0}
    assert ind["in"]["contiguity"]["10_20"] == {"count": 1, "area_m2": 10000.0}
    assert ind["contiguity_improvement"] == 19.0


def test_compliant_plan_passes_and_missing_layers_cannot_be_checked() -> None:
    adjust = [
        {"TZLX": "调出", "TZYNDKBH": "O1", "geometry": box(1, 0, 1.05, 1)},
        {"TZLX": "调入", "TZYNDKBH": "I1", "ZHGDDB": 9, "geometry": cell(2, 0)},
    ]
    f = findings(analyse(make_plan(adjust=adjust)))
    assert f["NEW_FARMLAND_MIN_5PCT"]["severity"] == "pass"
    assert f["PFL_OUT_MAX_5PCT"]["severity"] == "pass"
    assert f["PFL_NET_GAIN_MIN_5PCT"]["severity"] == "pass"
    assert f["PFL_QUALITY_NOT_LOWER"]["severity"] == "pass"
    assert f["CONSTRUCTION_NOT_INCREASED"]["severity"] == "pass"
    assert f["LINKAGE_NEW_LE_OLD"]["severity"] == "pass"
    assert f["LINKAGE_FARMLAND_BALANCE"]["severity"] == "pass"
    assert f["FUNDING_BALANCED"]["severity"] == "pass"
    assert f["PERIOD_MAX_YEARS"]["severity"] == "pass"
    assert f["DEMOLITION_NEEDS_CONSENT"]["severity"] == "pass"
    assert f[KCXS_TABLE_RULE]["status"] == "pass"
    # Levelling the grade-5 field counts as new farmland on a slope > 25°.
    assert f["NEW_FARMLAND_SLOPE_MAX_25"]["severity"] == "error"
    assert f["NEW_FARMLAND_SLOPE_MAX_25"]["status"] == "fail"
    assert {"layer": "CZGHTB", "id": "1"} in f["NEW_FARMLAND_SLOPE_MAX_25"]["features"]
    # No STBHHX / CZKFBJ layer while the plan changes land: cannot be checked; not required → warning.
    for rule in ("REDLINE_UNTOUCHED", "NEW_FARMLAND_OUTSIDE_REDLINE", "URBAN_BOUNDARY_RESPECTED"):
        assert f[rule]["status"] == "unknown" and f[rule]["severity"] == "warning", rule
        assert f[rule]["message"].startswith("无法检查")
    # The 调入 orchard has no slope grade anywhere: the slope comparison cannot be made (required → error).
    assert f["PFL_SLOPE_NOT_WORSE"]["status"] == "unknown" and f["PFL_SLOPE_NOT_WORSE"]["severity"] == "error"
    assert f["PFL_SLOPE_NOT_WORSE"]["unknown_m2"] == 10000.0


def test_new_farmland_rate_boundary_exactly_5pct() -> None:
    # Only levelling field 1 (10 000 m², grade 2 TT, KCXS 0.1 → the table's x):
    # gain = 10 000 × (0.1 − x) = 900 = 5% of 18 000 when x = 0.01.
    cz = [{"GHDLBM": "0103", "ZXMBH": "Z1", "geometry": cell(0, 0)}]
    a = analyse(make_plan(czghtb=cz, linkage=[]), table={"TT": {"2": 0.01}})
    assert a.indicators["cultivated"]["new_m2"] == 900.0
    assert a.indicators["cultivated"]["new_rate"] == 0.05
    assert findings(a)["NEW_FARMLAND_MIN_5PCT"]["severity"] == "pass"
    a = analyse(make_plan(czghtb=cz, linkage=[]), table={"TT": {"2": 0.0101}})
    assert findings(a)["NEW_FARMLAND_MIN_5PCT"]["severity"] == "error"


def test_permanent_farmland_out_and_gain_boundaries() -> None:
    # 调出 1 000 m² of 20 000 = exactly 5%; 调入 1 050 m² = exactly 5% net gain.
    adjust = [
        {"TZLX": "调出", "geometry": box(1, 0, 1.1, 1)},
        {"TZLX": "调入", "ZHGDDB": 8, "geometry": box(2, 0, 2.105, 1)},
    ]
    f = findings(analyse(make_plan(adjust=adjust)))
    assert f["PFL_OUT_MAX_5PCT"]["value"] == 0.05 and f["PFL_OUT_MAX_5PCT"]["severity"] == "pass"
    assert f["PFL_NET_GAIN_MIN_5PCT"]["value"] == 0.05 and f["PFL_NET_GAIN_MIN_5PCT"]["severity"] == "pass"
    adjust[0]["geometry"] = box(1, 0, 1.11, 1)  # 1 100 m² = 5.5%; and the gain drops below 5%
    f = findings(analyse(make_plan(adjust=adjust)))
    assert f["PFL_OUT_MAX_5PCT"]["severity"] == "error"
    assert f["PFL_OUT_MAX_5PCT"]["features"] == [{"layer": "YJJBNTTZTB", "id": "1"}]
    assert f["PFL_NET_GAIN_MIN_5PCT"]["severity"] == "error"
    assert f["PFL_QUALITY_NOT_LOWER"]["severity"] == "pass"  # 8 ≤ 12


def test_quality_and_contiguity_rules_fail() -> None:
    adjust = [
        {"TZLX": "调出", "geometry": box(0, 0, 0.5, 1)},  # grade 8, 5 000 m²
        {"TZLX": "调入", "ZHGDDB": 11, "geometry": box(2, 0, 2.3, 1)},  # grade 11, 3 000 m² < 调出
        {"TZLX": "调入", "ZHGDDB": 11, "geometry": box(2.5, 0, 2.8, 1)},  # another 3 000 m², apart
    ]
    f = findings(analyse(make_plan(adjust=adjust)))
    assert f["PFL_QUALITY_NOT_LOWER"]["severity"] == "error"
    assert f["PFL_CONTIGUITY_IMPROVED"]["severity"] == "error"  # mean 3 000 < 5 000
    assert f["PFL_CONTIGUITY_IMPROVED"]["value"] == -0.4


def test_construction_increase_and_linkage_failures() -> None:
    cz = [{"GHDLBM": "0702", "ZXMBH": "Z2", "geometry": cell(0, 1)}]  # forest → homestead
    link = [
        {"XMQBH": "G1", "GGLX": "拆旧", "FKDLBM": "0103", "geometry": box(3, 0, 3.2, 1)},  # 2 000 m², no consent
        {"XMQBH": "G1", "GGLX": "建新", "JXDLBM": "0702", "geometry": box(1, 0, 1.3, 1)},  # 3 000 m² on 0103
    ]
    f = findings(analyse(make_plan(czghtb=cz, linkage=link)))
    assert f["CONSTRUCTION_NOT_INCREASED"]["severity"] == "error"
    assert {"layer": "CZGHTB", "id": "1"} in f["CONSTRUCTION_NOT_INCREASED"]["features"]
    assert f["LINKAGE_NEW_LE_OLD"]["severity"] == "error"
    assert f["LINKAGE_FARMLAND_BALANCE"]["severity"] == "error"  # 2 000 reclaimed < 2 700 net taken
    assert f["DEMOLITION_NEEDS_CONSENT"]["severity"] == "warning"
    assert f["DEMOLITION_NEEDS_CONSENT"]["features"] == [{"layer": "ZJGGTB", "id": "1"}]


def test_redline_and_urban_boundary_rules() -> None:
    cz = [
        {"GHDLBM": "0103", "ZXMBH": "Z1", "geometry": cell(2, 1)},  # grass → farmland inside the red line
        {"GHDLBM": "0305", "ZXMBH": "Z1", "STXFLX": "国土绿化", "geometry": cell(3, 1)},  # restoration: allowed
    ]
    adjust = [{"TZLX": "调出", "geometry": box(0, 0, 0.05, 1)}]
    zones = {"STBHHX": [box(2, 1, 4, 2)], "CZKFBJ": [box(0, 0, 0.5, 1)]}
    link = [{"XMQBH": "G1", "GGLX": "建新", "JXDLBM": "0702", "geometry": box(0.4, 1, 0.6, 2)}]
    f = findings(analyse(make_plan(czghtb=cz, adjust=adjust, linkage=link), zones))
    assert f["REDLINE_UNTOUCHED"]["severity"] == "error"
    assert f["REDLINE_UNTOUCHED"]["value"] == 10000.0
    assert f["REDLINE_UNTOUCHED"]["features"] == [{"layer": "CZGHTB", "id": "1"}]
    assert f["NEW_FARMLAND_OUTSIDE_REDLINE"]["severity"] == "error"
    assert f["URBAN_BOUNDARY_RESPECTED"]["severity"] == "error"
    assert {"layer": "YJJBNTTZTB", "id": "1"} in f["URBAN_BOUNDARY_RESPECTED"]["features"]
    # The 建新 parcel lies outside the boundary entirely: not crossing.
    assert {"layer": "ZJGGTB", "id": "1"} not in f["URBAN_BOUNDARY_RESPECTED"]["features"]


def test_period_and_funding_and_pack_overrides() -> None:
    meta = dict(META, end_year=2030, funding=[{"source": "中央财政", "amount": 900}])
    a = analyse(make_plan(meta=meta))
    f = findings(a)
    assert f["PERIOD_MAX_YEARS"]["severity"] == "warning" and f["PERIOD_MAX_YEARS"]["value"] == 6
    assert f["FUNDING_BALANCED"]["severity"] == "error" and f["FUNDING_BALANCED"]["value"] == -100.0
    f = findings(a, PERIOD_MAX_YEARS={"threshold": 6}, FUNDING_BALANCED={"severity": "warning"})
    assert f["PERIOD_MAX_YEARS"]["severity"] == "pass"
    assert f["FUNDING_BALANCED"]["severity"] == "warning"
    with pytest.raises(KeyError):
        resolve("yunnan", {"NO_SUCH_RULE": {"threshold": 1}})


def test_plan_checks_name_layer_feature_field() -> None:
    plan = make_plan(
        czghtb=[{"GHDLBM": "9999", "ZXMBH": "Z9", "geometry": cell(0, 0)}],
        adjust=[{"TZLX": "调走", "geometry": cell(1, 0)}],
    )
    problems = {(p.layer, p.field): p for p in check_plan(plan)}
    assert problems[("CZGHTB", "GHDLBM")].feature == "1"
    assert "9999" in problems[("CZGHTB", "GHDLBM")].message
    assert ("CZGHTB", "ZXMBH") in problems
    assert ("YJJBNTTZTB", "TZLX") in problems
    overlapping = make_plan(czghtb=[{"GHDLBM": "0103", "ZXMBH": "Z1", "geometry": cell(3, 0)}])
    assert any("重叠" in p.message for p in check_plan(overlapping))
    assert np.isclose(shapely.area(cell(0, 0)), 10000.0)


def test_plan_checks_cost_items_and_planned_quantities() -> None:
    sub = dict(META["sub_projects"][0])  # type: ignore[index]
    good = dict(sub, costs={"工程施工费": 80, "其他费用": 15.5, "不可预见费": 4.5}, quantities={"land_levelling": 1.2})
    assert check_plan(make_plan(meta=dict(META, sub_projects=[good]))) == []
    bad = dict(sub, costs={"工程费": 80, "其他费用": "十五"}, quantities={"land_levelling": -1, "roads": 2})
    problems = [(p.feature, p.field) for p in check_plan(make_plan(meta=dict(META, sub_projects=[bad])))]
    code = str(sub["code"])
    assert problems == [
        (code, "sub_projects.costs.工程费"),
        (code, "sub_projects.costs.其他费用"),
        (code, "sub_projects.quantities.land_levelling"),
        (code, "sub_projects.quantities.roads"),
    ]
    listed = dict(sub, costs=[80, 15, 5])
    assert [p.field for p in check_plan(make_plan(meta=dict(META, sub_projects=[listed])))] == ["sub_projects.costs"]


def test_zone_and_slope_rules_pass_when_respected() -> None:
    cz = [
        {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHKCXS": 0.05, "geometry": cell(0, 0)},  # grade-2 field levelled
        {"GHDLBM": "0305", "ZXMBH": "Z1", "STXFLX": "国土绿化", "geometry": cell(3, 1)},  # restoration in the red line
    ]
    adjust = [
        {"TZLX": "调出", "geometry": box(1, 0, 1.05, 1)},  # grade 5 slope, 500 m²
        {"TZLX": "调入", "ZHGDDB": 8, "geometry": box(0, 0, 0.1, 1)},  # grade 2 slope, 1 000 m² (stays 永农)
    ]
    zones = {"STBHHX": [box(3, 1, 4, 2)], "CZKFBJ": [box(3, 0, 4, 1)]}
    link = [{"XMQBH": "G1", "GGLX": "建新", "JXDLBM": "0702", "geometry": box(3.2, 0, 3.4, 1)}]  # wholly inside
    f = findings(analyse(make_plan(czghtb=cz, adjust=adjust, linkage=link), zones))
    for rule in (
        "REDLINE_UNTOUCHED",
        "NEW_FARMLAND_OUTSIDE_REDLINE",
        "URBAN_BOUNDARY_RESPECTED",
        "NEW_FARMLAND_SLOPE_MAX_25",
        "PFL_SLOPE_NOT_WORSE",
        "PFL_CONTIGUITY_IMPROVED",
    ):
        assert f[rule]["severity"] == "pass", (rule, f[rule]["message"])
    assert f["PFL_SLOPE_NOT_WORSE"]["value"] == -2.0  # 调入 ≤15° (1) vs 调出 >25° (3)


def test_slope_rule_fails_when_adjusting_in_steeper_land() -> None:
    adjust = [
        {"TZLX": "调出", "geometry": box(0, 0, 0.05, 1)},  # grade 2 (≤15°)
        {"TZLX": "调入", "ZHGDDB": 8, "geometry": box(1, 0, 1.1, 1)},  # grade 5 (>25°)
    ]
    f = findings(analyse(make_plan(adjust=adjust)))
    assert f["PFL_SLOPE_NOT_WORSE"]["severity"] == "error"
    assert f["PFL_SLOPE_NOT_WORSE"]["value"] == 2.0


# --- Rules never pass on unknown input (issue 15 §4) -------------------------------------------


def test_slope_comparison_with_mostly_unknown_slope_cannot_pass() -> None:
    # 调出 500 m² of grade 5; 调入 the 10 000 m² orchard (no slope grade) and 1 000 m² of field 1
    # (grade 2): only 1 000 of the 10 500 m² 调入 is known and it is flatter. Unknown share of the
    # rule's area = 10 000 / 11 500.
    adjust = [
        {"TZLX": "调出", "geometry": box(1, 0, 1.05, 1)},
        {"TZLX": "调入", "ZHGDDB": 8, "geometry": cell(2, 0)},
        {"TZLX": "调入", "ZHGDDB": 8, "geometry": box(0, 0, 0.1, 1)},
    ]
    a = analyse(make_plan(adjust=adjust))
    f = findings(a)["PFL_SLOPE_NOT_WORSE"]
    assert f["status"] == "unknown" and f["severity"] == "error"
    assert f["unknown_m2"] == 10000.0 and f["unknown_share"] == round(10000 / 11500, 6)
    assert "1.0000 公顷" in f["message"] and "86.96%" in f["message"]
    # A pack that tolerates 90 % unknown lets the known part decide; the message still says how much.
    f = findings(a, PFL_SLOPE_NOT_WORSE={"tolerance": 0.9})["PFL_SLOPE_NOT_WORSE"]
    assert f["status"] == "pass" and "86.96%" in f["message"]
    # The plan gives the orchard's slope grade (ZHPDJB on the 调入 parcel): now known and flatter.
    adjust[1]["ZHPDJB"] = "2"
    f = findings(analyse(make_plan(adjust=adjust)))["PFL_SLOPE_NOT_WORSE"]
    assert f["status"] == "pass" and f["unknown_m2"] == 0.0 and f["value"] == -2.0


def test_quality_comparison_with_unknown_grade_cannot_pass() -> None:
    # 调入 orchard without ZHGDDB: GDDB under it is empty → 10 000 m² of unknown grade.
    adjust = [
        {"TZLX": "调出", "geometry": box(1, 0, 1.05, 1)},
        {"TZLX": "调入", "geometry": cell(2, 0)},
        {"TZLX": "调入", "geometry": box(0, 0, 0.1, 1)},  # grade 8 field: better than 12
    ]
    f = findings(analyse(make_plan(adjust=adjust)))["PFL_QUALITY_NOT_LOWER"]
    assert f["status"] == "unknown" and f["severity"] == "error" and f["unknown_m2"] == 10000.0


def test_new_farmland_without_slope_grade_is_not_checked_as_flat() -> None:
    # Grass (cell 2,1) reclaimed as 旱地 with no slope grade anywhere.
    cz = [{"GHDLBM": "0103", "ZXMBH": "Z1", "ZHKCXS": 0.0, "geometry": cell(2, 1)}]
    a = analyse(make_plan(czghtb=cz, linkage=[]))
    c = a.indicators["cultivated"]
    assert c["new_m2"] == 10000.0 and c["new_slope_unknown_m2"] == 10000.0  # fallback: the plan's 0
    f = findings(a)
    for rule in ("NEW_FARMLAND_SLOPE_MAX_25", "NEW_FARMLAND_MIN_5PCT", KCXS_TABLE_RULE):
        assert f[rule]["status"] == "unknown" and f[rule]["severity"] == "error", rule
        assert f[rule]["unknown_m2"] == 10000.0 and f[rule]["unknown_share"] == 1.0
    # The plan states the slope grade: the table's coefficient applies, not the plan's 0 (an error).
    cz[0]["ZHPDJB"] = "3"
    a = analyse(make_plan(czghtb=cz, linkage=[]))
    assert a.indicators["cultivated"]["new_m2"] == 9500.0
    f = findings(a)
    assert f["NEW_FARMLAND_SLOPE_MAX_25"]["status"] == "pass"
    assert f[KCXS_TABLE_RULE]["status"] == "fail" and f[KCXS_TABLE_RULE]["features"] == [{"layer": "CZGHTB", "id": "1"}]
    cz[0]["ZHPDJB"] = "5"
    f = findings(analyse(make_plan(czghtb=cz, linkage=[])))
    assert f["NEW_FARMLAND_SLOPE_MAX_25"]["status"] == "fail" and f["NEW_FARMLAND_SLOPE_MAX_25"]["value"] == 9500.0


def test_slope_grade_after_is_the_steeper_of_survey_and_plan() -> None:
    # Field 1 is grade 2 in the survey; the plan says 5 → 5. Field 2 is grade 5; the plan says 2 → 5.
    cz = [
        {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHPDJB": "5", "geometry": cell(0, 0)},
        {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHPDJB": "2", "geometry": cell(1, 0)},
    ]
    a = analyse(make_plan(czghtb=cz, linkage=[]), table={"TT": {"2": 0.02, "5": 0.05}})
    assert list(a.after["slope"]) == ["5", "5"]
    assert list(a.after["kcxs_after"]) == [0.05, 0.05]


def test_tiankan_coefficient_comes_from_the_table_not_the_plan() -> None:
    # Field 1 (grade 2 TT, KCXS 0.1) levelled with ZHKCXS 0; the county table says 0.05.
    cz = [{"GHDLBM": "0103", "ZXMBH": "Z1", "ZHKCXS": 0.0, "geometry": cell(0, 0)}]
    a = analyse(make_plan(czghtb=cz, linkage=[]))
    c = a.indicators["cultivated"]
    assert c["new_m2"] == 500.0  # 10 000 × (0.10 − 0.05), not 1 000 as the plan claims
    assert c["new_from_levelling_m2"] == 500.0
    assert c["new_by_source_class_m2"] == {"1203": 500.0}
    f = findings(a)[KCXS_TABLE_RULE]
    assert f["status"] == "fail" and f["severity"] == "error"
    assert f["features"] == [{"layer": "CZGHTB", "id": "1"}] and f["value"] == 10000.0
    assert "0 < 0.05" in f["message"]
    # A table coefficient above the field's own KCXS loses 田坎 area: reported, not hidden.
    a = analyse(make_plan(czghtb=[dict(cz[0], ZHKCXS=None)], linkage=[]), table={"TT": {"2": 0.15}})
    c = a.indicators["cultivated"]
    assert (c["new_m2"], c["tiankan_loss_m2"], c["after_net_m2"]) == (0.0, 500.0, 17500.0)


def test_demolishing_homesteads_through_change_parcels_needs_consent() -> None:
    # The homestead (cell 3,0) becomes 旱地 through CZGHTB, no 增减挂钩 and no CMTY.
    cz = [{"GHDLBM": "0103", "ZXMBH": "Z1", "ZHPDJB": "2", "geometry": cell(3, 0)}]
    a = analyse(make_plan(czghtb=cz, linkage=[]))
    assert a.indicators["homesteads"] == {
        "removed_m2": 10000.0,
        "consent_missing_m2": 10000.0,
        "consent_missing": [{"layer": "CZGHTB", "id": "1"}],
    }
    f = findings(a)["DEMOLITION_NEEDS_CONSENT"]
    assert f["status"] == "fail" and f["severity"] == "warning"
    assert f["features"] == [{"layer": "CZGHTB", "id": "1"}]
    cz[0]["CMTY"] = "是"
    assert findings(analyse(make_plan(czghtb=cz, linkage=[])))["DEMOLITION_NEEDS_CONSENT"]["status"] == "pass"


def test_funding_cannot_balance_without_investments() -> None:
    meta = dict(
        META,
        sub_projects=[{"code": "Z1", "type": "农用地整理", "investment": 600}, {"code": "Z2", "type": "其他"}],
        funding=[{"source": "中央财政", "amount": 600}],
    )
    plan = make_plan(meta=meta, linkage=[])
    f = findings(analyse(plan))["FUNDING_BALANCED"]
    assert f["status"] == "unknown" and f["severity"] == "error" and "Z2" in f["message"]


def test_nothing_to_check_passes_without_the_layer() -> None:
    # Only restoration (no change of the kind the red-line rules look at) and no 永农 adjustment.
    cz = [{"GHDLBM": "0305", "ZXMBH": "Z1", "STXFLX": "国土绿化", "geometry": cell(0, 1)}]
    f = findings(analyse(make_plan(czghtb=cz, linkage=[]), {"YJJBNTBHTB": None}))
    for rule in ("NEW_FARMLAND_OUTSIDE_REDLINE", "URBAN_BOUNDARY_RESPECTED", "PFL_OUT_MAX_5PCT"):
        assert f[rule]["status"] == "pass", (rule, f[rule]["message"])
    # 0301 → 0305 is a change of class, though a restoration: the red line has nothing to flag.
    assert f["REDLINE_UNTOUCHED"]["status"] == "pass"
    # With a 调出 but no 永农 layer the share cannot be computed.
    adjust = [{"TZLX": "调出", "geometry": box(1, 0, 1.05, 1)}]
    f = findings(analyse(make_plan(czghtb=cz, adjust=adjust, linkage=[]), {"YJJBNTBHTB": None}))
    assert f["PFL_OUT_MAX_5PCT"]["status"] == "unknown" and f["PFL_OUT_MAX_5PCT"]["severity"] == "warning"
