"""The supervision part of the demo: the sub-project types it uses and the project in 实施."""

from __future__ import annotations

import pytest
from conftest import cell
from plan_fixtures import META, layer

from landcon.engine import supervision
from landcon.engine.plan import CZGHTB, SUBPROJECT_TYPES, ZZQY, Plan, check_plan
from landcon.errors import InvalidRecord


def test_high_standard_farmland_is_a_subproject_type() -> None:
    assert SUBPROJECT_TYPES[:7] == (
        "农用地整理",
        "建设用地整理",
        "生态保护修复",
        "人居环境整治",
        "历史文化保护",
        "产业配套",
        "其他",
    )
    assert SUBPROJECT_TYPES[7] == "高标准农田"
    assert supervision.check_type("高标准农田") == "高标准农田"
    with pytest.raises(InvalidRecord, match="高标准农田"):
        supervision.check_type("高标准农田建设")
    layers = {
        ZZQY: layer(ZZQY, [{"ZZQYBH": "Q1", "geometry": cell(0, 0)}]),
        CZGHTB: layer(CZGHTB, [{"GHDLBM": "0103", "ZXMBH": "Z1", "geometry": cell(0, 0)}]),
    }
    meta = {**META, "sub_projects": [{"code": "Z1", "name": "高标准农田建设", "type": "高标准农田"}]}
    assert check_plan(Plan(layers, meta)) == []
    wrong = {**meta, "sub_projects": [{"code": "Z1", "name": "x", "type": "高标准农田建设"}]}
    assert [(p.feature, p.field) for p in check_plan(Plan(layers, wrong))] == [("Z1", "sub_projects.type")]
