"""Change detection on the 100 m grid (``plan_fixtures.base``): one case per class, exact areas.

Before: row 0 = 0103 0103 0201 0702; row 1 = 0301 0301 0404 0404; 整治区域 = the whole grid.
Plan: (2,0) 0201→0103, (2,1) and (3,1) 0404→0103, the left half of (1,1) 0301→0702.
Vintage: (2,0) is 0103 (等别 9), (2,1) still 0404, (3,1) left half 0301 and right half 0404,
(0,1) and (1,1) 0702, (1,0) 0201. 生态保护红线 = (0,1) and the left half of (1,1); 永农 = (0,0), (1,0).
"""

from __future__ import annotations

import numpy as np
from conftest import cell, dltb_row, grid_dltb
from plan_fixtures import base, box, layer

from landcon.engine import change_detection as cd
from landcon.engine.indicators.states import plan_parcels
from landcon.engine.plan import CZGHTB, ZZQY, Plan

EPSG = 4543


def _plan() -> Plan:
    cz = [
        {"BSM": "P1", "GHDLBM": "0103", "ZXMBH": "Z1", "geometry": cell(2, 0)},
        {"BSM": "P2", "GHDLBM": "0103", "ZXMBH": "Z1", "geometry": cell(2, 1)},
        {"BSM": "P3", "GHDLBM": "0103", "ZXMBH": "Z1", "geometry": cell(3, 1)},
        {"BSM": "P4", "GHDLBM": "0702", "ZXMBH": "Z1", "geometry": box(1, 1, 1.5, 2)},
    ]
    return Plan({ZZQY: layer(ZZQY, [{"ZZQYBH": "Q1", "geometry": box(0, 0, 4, 2)}]), CZGHTB: layer(CZGHTB, cz)}, {})


def _vintage():
    rows = [
        dltb_row("V1", "0103", cell(0, 0)),
        dltb_row("V2", "0201", cell(1, 0)),
        dltb_row("V3", "0103", cell(2, 0), GDDB=9),
        dltb_row("V4", "0702", cell(3, 0)),
        dltb_row("V5", "0702", cell(0, 1)),
        dltb_row("V6", "0702", cell(1, 1)),
        dltb_row("V7", "0404", cell(2, 1)),
        dltb_row("V8", "0301", box(3, 1, 3.5, 2)),
        dltb_row("V9", "0404", box(3.5, 1, 4, 2)),
    ]
    return grid_dltb(rows)


def _detect(**zones):
    plan = _plan()
    return cd.detect_changes(
        base(), _vintage(), list(plan.layers[ZZQY].geometry.array), plan_parcels(plan), EPSG, **zones
    )


def _areas(result):
    return {c.code: c.area_m2 for c in result.classes}


def test_every_class_has_its_exact_area() -> None:
    result = _detect(red_line=[cell(0, 1), box(1, 1, 1.5, 2)], permanent_farmland=[cell(0, 0), cell(1, 0)])
    assert _areas(result) == {
        cd.ACHIEVED: 10000.0,
        cd.NOT_YET: 15000.0,
        cd.LOST: 5000.0,
        cd.UNPLANNED_CONSTRUCTION: 15000.0,
        cd.RED_LINE: 15000.0,
        cd.PERMANENT_FARMLAND_LOST: 10000.0,
        cd.CULTIVATED_TO_GGL: 10000.0,
    }
    assert result.planned_new_farmland_m2 == 30000.0
    achieved = result.of(cd.ACHIEVED)
    # Net 耕地 after: TBMJ × (1 − KCXS 0.1); by the vintage's 等别.
    assert (achieved.net_m2, achieved.by_grade_m2, achieved.count) == (9000.0, {"9": 9000.0}, 1)
    assert result.red_line_checked and result.permanent_farmland_checked


def test_parcels_carry_class_codes_and_vintage_bsm() -> None:
    result = _detect()
    lost = result.of(cd.LOST).parcels
    assert list(
        lost[["CLASS", "BSM", "BEFORE_DLBM", "AFTER_DLBM", "PLANNED_DLBM", "PARCEL"]].itertuples(index=False, name=None)
    ) == [("lost", "V8", "0404", "0301", "0103", "P3")]
    intrusion = result.of(cd.UNPLANNED_CONSTRUCTION).parcels.sort_values("AREA_M2")
    # Only the half of (1,1) outside the planned 0702 parcel is unplanned.
    assert list(intrusion["BSM"]) == ["V6", "V5"]
    assert list(intrusion["AREA_M2"]) == [5000.0, 10000.0]
    assert np.isclose(intrusion.geometry.area.iloc[0], 5000.0)
    assert list(intrusion["PLANNED_DLBM"]) == ["", ""]
    everything = result.parcels()
    assert len(everything) == sum(c.count for c in result.classes)
    assert everything.crs.to_epsg() == EPSG


def test_without_zone_layers_the_zone_classes_are_unchecked_and_empty() -> None:
    result = _detect()
    assert not result.red_line_checked and not result.permanent_farmland_checked
    assert result.of(cd.RED_LINE).area_m2 == 0.0 and result.of(cd.RED_LINE).count == 0
    assert result.to_dict()["classes"][cd.PERMANENT_FARMLAND_LOST]["area_m2"] == 0.0


def test_an_unchanged_vintage_shows_only_what_is_not_yet_done() -> None:
    plan = _plan()
    result = cd.detect_changes(base(), base(), list(plan.layers[ZZQY].geometry.array), plan_parcels(plan), EPSG)
    areas = _areas(result)
    assert areas[cd.NOT_YET] == 30000.0
    assert sum(v for k, v in areas.items() if k != cd.NOT_YET) == 0.0
