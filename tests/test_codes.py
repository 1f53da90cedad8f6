"""Code tables: the facts of the 三调 working classification and its mappings."""

from __future__ import annotations

import pytest

from landcon.engine import codes


def test_every_dlbm_has_a_name_a_level1_a_three_class_and_a_planning_code():
    for code in codes.LAND_USE_NAMES:
        assert codes.level1(code) in codes.LEVEL1_NAMES
        assert codes.three_class(code) in codes.THREE_CLASSES
        assert code in codes.PLANNING_OF


def test_suffixes():
    assert codes.LAND_USE_NAMES["0201K"] == "可调整果园"
    assert codes.LAND_USE_NAMES["1104K"] == "可调整养殖坑塘"
    assert codes.LAND_USE_NAMES["1104A"] == "养殖坑塘"
    assert codes.base_code("0307K") == "0307" and codes.base_code("1107A") == "1107"
    assert codes.base_code("0101") == "0101"
    assert not codes.is_valid_dlbm("0101K") and not codes.is_valid_dlbm("0199")


def test_salt_pan_has_two_views():
    assert codes.level1("0603") == "00"  # 三调: 湿地
    assert codes.level1("0603", wetland_group=False) == "06"  # GB/T 21010: 工矿用地
    assert codes.three_class("0603") == codes.CONSTRUCTION


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("0101", "农用地"), ("0201K", "农用地"), ("0304", "农用地"), ("1006", "农用地"), ("1203", "农用地"),
        ("1104A", "农用地"), ("0702", "建设用地"), ("1103", "建设用地"), ("1201", "建设用地"), ("09", "建设用地"),
        ("0404", "未利用地"), ("1106", "未利用地"), ("1207", "未利用地"),
    ],
)  # fmt: skip
def test_three_classes(code, cls):
    assert codes.three_class(code) == cls


def test_three_class_override_from_rule_pack():
    assert codes.three_class("1103", overrides={"1103": codes.AGRICULTURAL}) == "农用地"


@pytest.mark.parametrize(
    ("code", "target", "exact"),
    [("1006", "0601", True), ("1202", "0602", True), ("0305", "0303", True), ("0702", "0703", True),
     ("08H2", "08", False), ("0201K", "0201", False)],
)  # fmt: skip
def test_planning_mapping(code, target, exact):
    assert codes.PLANNING_OF[code] == codes.PlanningCode(target, exact)
    assert target in codes.PLANNING_NAMES


@pytest.mark.parametrize(
    ("deg", "grade"),
    [(0, "1"), (2, "1"), (2.5, "2"), (6, "2"), (15, "3"), (15.1, "4"), (25, "4"), (25.01, "5")],
)
def test_slope_grade_boundaries(deg, grade):
    assert codes.slope_grade(deg) == grade


def test_quality_bands():
    assert [codes.quality_band(g) for g in (1, 4, 5, 8, 9, 12, 13, 15)] == [
        "优等地", "优等地", "高等地", "高等地", "中等地", "中等地", "低等地", "低等地",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        codes.quality_band(16)


def test_planting_families():
    assert codes.PLANTING_CODES["JKHF"] == "即可恢复"
    assert "JKHF" not in codes.CULTIVATED_ONLY_PLANTING and "LS" in codes.CULTIVATED_ONLY_PLANTING
    assert codes.PLANTING_CODES["WG"] == "未耕种"


def test_mu():
    assert round(666.67 / codes.SQM_PER_MU, 4) == 1.0
