"""村民同意 coverage read by DEMOLITION_NEEDS_CONSENT (``engine.consent``) on a hand-made grid.

DLTB: four 宅基地 (0702) cells in row 0 — H1 (0,0) and H3 (2,0) of 测试村 530124100201, H2 (1,0) of
530124100202, H4 (3,0) of 测试村 — and 旱地 in row 1. The 整治区域 is cells (0..2, 0..1): H4 lies outside.
Plan: CZGHTB 1 turns H1 into 旱地; ZJGGTB 拆旧 plot 1 reclaims H2; ZJGGTB 拆旧 plot 2 reclaims the
west half of H4 (5,000 m², outside the 整治区域); CZGHTB 2 keeps H3 a 宅基地 (no removal).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from conftest import cell, dltb_row, grid_dltb
from plan_fixtures import META, box, layer

from landcon.engine.consent import ConsentSet, consent_gaps, homestead_removals
from landcon.engine.indicators import analyse_plan
from landcon.engine.plan import CZGHTB, YJJBNTTZTB, ZJGGTB, ZZQY, Plan
from landcon.engine.rules import check, resolve

V1, V2 = "5301241002010000000", "5301241002020000000"
EPSG = 4543


def _dltb() -> gpd.GeoDataFrame:
    rows = [
        dltb_row("H1", "0702", cell(0, 0), ZLDWDM=V1),
        dltb_row("H2", "0702", cell(1, 0), ZLDWDM=V2),
        dltb_row("H3", "0702", cell(2, 0), ZLDWDM=V1),
        dltb_row("H4", "0702", cell(3, 0), ZLDWDM=V1),
        *(dltb_row(f"G{i}", "0103", cell(i, 1), ZLDWDM=V1) for i in range(4)),
    ]
    return grid_dltb(rows)


def _plan() -> Plan:
    return Plan(
        {
            ZZQY: layer(ZZQY, [{"ZZQYBH": "Q1", "geometry": box(0, 0, 3, 2)}]),
            CZGHTB: layer(
                CZGHTB,
                [
                    {"GHDLBM": "0103", "ZXMBH": "Z1", "ZHPDJB": "2", "geometry": cell(0, 0)},
                    {"GHDLBM": "0702", "ZXMBH": "Z1", "geometry": cell(2, 0)},
                ],
            ),
            YJJBNTTZTB: layer(YJJBNTTZTB, []),
            ZJGGTB: layer(
                ZJGGTB,
                [
                    {"XMQBH": "G1", "GGLX": "拆旧", "FKDLBM": "0103", "ZHPDJB": "2", "geometry": cell(1, 0)},
                    {"XMQBH": "G1", "GGLX": "拆旧", "FKDLBM": "0103", "ZHPDJB": "2", "geometry": box(3, 0, 3.5, 1)},
                ],
            ),
        },
        dict(META),
    )


def _finding(consent: ConsentSet | None) -> dict[str, object]:
    analysis = analyse_plan(_dltb(), {"YJJBNTBHTB": None}, _plan(), EPSG, consent=consent)
    return next(f for f in check(analysis, resolve("yunnan")) if f["rule"] == "DEMOLITION_NEEDS_CONSENT")


def test_removals_are_found_in_every_change_layer_inside_and_outside_the_area() -> None:
    analysis = analyse_plan(_dltb(), {"YJJBNTBHTB": None}, _plan(), EPSG)
    assert analysis.before is not None
    removals = homestead_removals(analysis.before.base, analysis.before.geoms, analysis.parcels, EPSG)
    got = removals.assign(area_m2=removals["area_m2"].round(2))
    expected = pd.DataFrame(
        {
            "layer": ["CZGHTB", "ZJGGTB", "ZJGGTB"],
            "id": ["1", "1", "2"],
            "bsm": ["H1", "H2", "H4"],
            "village": ["530124100201", "530124100202", "530124100201"],
            "area_m2": [10000.0, 10000.0, 5000.0],
        }
    )
    pd.testing.assert_frame_equal(got.sort_values(["layer", "id"]).reset_index(drop=True), expected)


def test_household_and_meeting_consent_cover_two_and_the_missing_one_is_named_with_its_area() -> None:
    # H1 by a household's consent naming its 图斑 BSM; H2 by a passed meeting of its whole village.
    consent = ConsentSet.of(["H1"], villages=["530124100202"], records=2)
    f = _finding(consent)
    assert (f["status"], f["severity"], f["value"]) == ("fail", "warning", 1)
    assert f["features"] == [{"layer": "ZJGGTB", "id": "2"}]
    assert f["message"] == (
        "1 个地块拆除或改变宅基地（0702）用途但没有农户或村民会议的同意记录：ZJGGTB 2（0.5000 公顷），"
        "合计 0.5000 公顷，拆除宅基地共 2.5000 公顷"
    )
    assert consent_gaps(pd.DataFrame({"layer": [], "id": [], "bsm": [], "village": [], "area_m2": []}), consent) == (
        0.0,
        [],
    )


def test_every_removal_covered_passes_and_no_record_fails_all() -> None:
    covered = _finding(ConsentSet.of(["CZGHTB:1", "ZJGGTB:2"], villages=["530124100202"], records=3))
    assert (covered["status"], covered["message"]) == (
        "pass",
        "拆除或改变用途的宅基地 2.5000 公顷 均有村民同意记录（3 条记录）",
    )
    none = _finding(ConsentSet())
    assert none["status"] == "fail"
    assert none["features"] == [
        {"layer": "CZGHTB", "id": "1"},
        {"layer": "ZJGGTB", "id": "1"},
        {"layer": "ZJGGTB", "id": "2"},
    ]
    # A village-wide meeting of 测试村 covers H1 and H4 but not H2 of the other village.
    village = _finding(ConsentSet.of([], villages=["530124100201"]))
    assert village["features"] == [{"layer": "ZJGGTB", "id": "1"}]


def test_without_a_project_the_rule_still_reads_cmty() -> None:
    f = _finding(None)
    assert f["status"] == "fail"
    assert f["message"].startswith("3 个地块拆除或改变宅基地（0702）用途但未记录村民同意（CMTY=是）")
