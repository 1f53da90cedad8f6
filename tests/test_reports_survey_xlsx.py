"""survey.xlsx / province.xlsx: reopened with openpyxl, exact cell values on each sheet."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from landcon.reports import survey_xlsx
from landcon.reports.survey_xlsx import write_province_xlsx, write_survey_xlsx

# Layout: rows 1–3 header, 4 county, 5–6 townships, 7–9 villages, 10 area unit, 11 合计.
COUNTY, TOWNSHIP_A, VILLAGE_1, VILLAGE_3, AREA, TOTAL = 4, 5, 7, 9, 10, 11


def unit(level: str, code: str, name: str, parent: str | None, k: float) -> dict[str, Any]:
    """A unit whose areas are ``k`` × round numbers (k = 1 → 100 ha = 1500 亩 for the unit area)."""
    return {
        "level": level,
        "code": code,
        "name": name,
        "parent": parent,
        "dltb_count": int(10 * k),
        "unit_area_m2": 1_000_000.0 * k,
        "landuse_tbdlmj_m2": {"0101": 200_000.0 * k, "0103": 100_000.0 * k, "0702": 50_000.0 * k},
        "level1_tbdlmj_m2": {"01": 300_000.0 * k, "07": 50_000.0 * k},
        "three_class_m2": {"农用地": 900_000.0 * k, "建设用地": 100_000.0 * k, "未利用地": 0.0},
        "kcmj_m2": 3333.3333 * k,
        "cultivated_net_m2": 300_000.0 * k,
        "cultivated_gross_m2": 330_000.0 * k,
        "cultivated_by_type_net_m2": {"0101": 200_000.0 * k, "0102": 0.0, "0103": 100_000.0 * k},
        "cultivated_slope_grade_net_m2": {"1": 100_000.0 * k, "2": 0.0, "3": 0.0, "4": 0.0, "5": 200_000.0 * k},
        "cultivated_terrace_net_m2": {"TT": 100_000.0 * k, "PD": 200_000.0 * k},
        "cultivated_crop_status_net_m2": {"LS": 250_000.0 * k, "WG": 50_000.0 * k},
        "cultivated_grade_net_m2": {"7": 100_000.0 * k, "10": 200_000.0 * k},
        "cultivated_mean_grade": 9.0,
        "cultivated_in_permanent_farmland_net_m2": 150_000.0 * k,
        "cultivated_in_redline_net_m2": None,
        "cultivated_in_urban_boundary_net_m2": 10_000.0 * k,
        "construction_m2": 100_000.0 * k,
        "construction_in_redline_m2": None,
        "construction_outside_urban_boundary_m2": 80_000.0 * k,
        "homestead_m2": 50_000.0 * k,
        "homestead_count": int(20 * k),
        "idle_land_m2": 1_000.0 * k,
        "cultivated_patches": int(4 * k),
        "largest_patch_gross_m2": 200_000.0,
        "largest_patch_net_m2": 180_000.0,
        "mean_patch_gross_m2": 82_500.0,
        "mean_patch_net_m2": 75_000.0,
        "patch_density_per_100ha": 4.0,
        "patch_size_classes_net": {
            "le5": {"count": int(k), "net_m2": 2_000.0 * k},
            "5_10": {"count": 0, "net_m2": 0.0},
            "10_20": {"count": 0, "net_m2": 0.0},
            "gt20": {"count": int(3 * k), "net_m2": 298_000.0 * k},
        },
        "patches_ge_100mu_net": int(k),
        "patches_ge_1000mu_net": 0,
        "edge_density_m_per_ha": 12.345678,
        "mean_shape_index": 1.23456,
        "area_weighted_mean_shape_index": 1.5,
        "bridged": {"cultivated_patches": int(2 * k), "largest_patch_net_m2": 250_000.0, "mean_shape_index": 1.1},
        "restorable_immediate_m2": 20_000.0 * k,
        "restorable_engineering_m2": 10_000.0 * k,
        "restorable_immediate_by_class_m2": {"0201": 20_000.0 * k},
        "restorable_engineering_by_class_m2": {"0301": 10_000.0 * k},
        "abandoned_cultivated_net_m2": 50_000.0 * k,
        "cultivated_over_25deg_net_m2": 200_000.0 * k,
        "small_patches_mergeable_count": int(k),
        "small_patches_mergeable_net_m2": 2_000.0 * k,
        "idle_homestead_m2": None,
        "idle_homestead_count": None,
        "idle_construction_m2": 1_000.0 * k,
    }


def make_survey() -> dict[str, Any]:
    area = unit("area", "ZZ01", "整治区域 1", None, 0.5)
    del area["bridged"]
    units = [
        unit("county", "530124", "富民县", None, 6),
        unit("township", "530124100", "永定街道", "530124", 3),
        unit("township", "530124101", "大营街道", "530124", 3),
        area,  # listed before the villages on purpose: the writer puts area units last
        unit("village", "530124100201", "甲村", "530124100", 1),
        unit("village", "530124100202", "乙村", "530124100", 2),
        unit("village", "530124101201", "丙村", "530124101", 3),
    ]
    # 田坎 3333.33 m² per village: each row shows 0.3333 ha, whose sum (0.9999) is not the total.
    for u, kcmj in zip(units, (9999.99, 6666.66, 3333.33, 0.0, 3333.33, 3333.33, 3333.33), strict=True):
        u["kcmj_m2"] = kcmj
    return {
        "dataset": "demo",
        "crs": "EPSG:4543",
        "generated_at": "2026-11-29T12:00:00+00:00",
        "options": {"unit": "village", "bridge_width_m": 8.0, "area": "areas.gpkg", "idle_homesteads": None},
        "overlays": {"YJJBNTBHTB": True, "STBHHX": False, "CZKFBJ": True},
        "units": units,
    }


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("xlsx") / "survey.xlsx"
    assert write_survey_xlsx(make_survey(), path) == path
    return openpyxl.load_workbook(path)


def column(ws: Worksheet, label: str, group: str | None = None) -> int:
    """Index of the first sheet column whose header label (and group, if given) match."""
    groups: dict[int, str] = {}
    for merged in ws.merged_cells.ranges:
        if merged.min_row == 1 and merged.max_row == 1:
            for c in range(merged.min_col, merged.max_col + 1):
                groups[c] = ws.cell(1, merged.min_col).value
    for c in range(1, ws.max_column + 1):
        has_group = c in groups or (ws.cell(2, c).value is not None and ws.cell(1, c).value is not None)
        if has_group:
            g = groups.get(c, ws.cell(1, c).value)
            text = ws.cell(2, c).value
        else:
            g, text = None, ws.cell(1, c).value
        if text == label and (group is None or g == group):
            return c
    raise AssertionError(f"no column {label!r} in {ws.title}")


def values(ws: Worksheet, row: int, col: int, n: int = 2) -> list[Any]:
    return [ws.cell(row, col + i).value for i in range(n)]


def test_sheets_and_identity(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [
        "说明",
        "土地利用现状",
        "二级地类",
        "耕地",
        "建设用地",
        "耕地连片",
        "耕地连片（桥接后）",
        "整治潜力",
    ]
    ws = book["土地利用现状"]
    assert [ws.cell(1, c).value for c in (1, 2, 3)] == ["级别", "代码", "名称"]
    assert [ws.cell(r, 1).value for r in range(4, 12)] == ["县", "乡镇", "乡镇", "村", "村", "村", "整治区域", "合计"]
    assert values(ws, COUNTY, 2) == ["530124", "富民县"]
    assert values(ws, AREA, 2) == ["ZZ01", "整治区域 1"]
    assert values(ws, TOTAL, 3, 1) == ["全部村（3个）"]
    assert ws.max_row == TOTAL
    assert ws.freeze_panes == "D4"
    assert ws.column_dimensions["D"].width >= 11


def test_landuse_hectares_mu_and_totals(book: openpyxl.Workbook) -> None:
    ws = book["土地利用现状"]
    assert values(ws, 1, 4) == ["单元面积", None]
    assert values(ws, 3, 4) == ["公顷", "亩"]
    assert ws.cell(VILLAGE_1, 4).number_format == "0.0000"
    assert ws.cell(VILLAGE_1, 5).number_format == "0.00"
    assert values(ws, VILLAGE_1, 4) == [100.0, 1500.0]
    assert values(ws, COUNTY, 4) == [600.0, 9000.0]
    assert values(ws, AREA, 4) == [50.0, 750.0]
    # 合计 = villages 1 + 2 + 3 (the area unit's 50 ha is not included).
    assert values(ws, TOTAL, 4) == [600.0, 9000.0]
    assert values(ws, TOTAL, 6, 1) == [60]  # 图斑数 10 + 20 + 30
    c = column(ws, "建设用地", "三大类")
    assert values(ws, VILLAGE_3, c) == [30.0, 450.0]
    c = column(ws, "01 耕地", "一级地类")
    assert values(ws, TOTAL, c) == [180.0, 2700.0]


def test_totals_sum_rounded_m2_then_convert(book: openpyxl.Workbook) -> None:
    ws = book["土地利用现状"]
    c = column(ws, "其中耕地田坎（KCMJ）")
    assert [ws.cell(r, c).value for r in (VILLAGE_1, VILLAGE_1 + 1, VILLAGE_3)] == [0.3333] * 3
    assert values(ws, VILLAGE_1, c) == [0.3333, 5.0]
    # 3 × 3333.33 = 9999.99 m² → 1.0 ha (not 3 × 0.3333 = 0.9999), 15.0 亩; the county row agrees.
    assert values(ws, TOTAL, c) == [1.0, 15.0]
    assert values(ws, COUNTY, c) == [1.0, 15.0]
    assert values(ws, AREA, c) == [0.0, 0.0]


def test_dlbm_sheet(book: openpyxl.Workbook) -> None:
    ws = book["二级地类"]
    c = column(ws, "0101 水田", "耕地")
    assert c == 4
    assert values(ws, TOWNSHIP_A, c) == [60.0, 900.0]
    assert values(ws, TOTAL, c) == [120.0, 1800.0]
    assert column(ws, "0702 农村宅基地", "住宅用地") == 8
    assert ws.max_column == 9  # 3 identity + 3 codes present × 2


def test_cultivated_sheet(book: openpyxl.Workbook) -> None:
    ws = book["耕地"]
    assert values(ws, VILLAGE_1, column(ws, "耕地面积（净）")) == [30.0, 450.0]
    c = column(ws, "5级（>25°）", "按坡度级别")
    assert values(ws, TOTAL, c) == [120.0, 1800.0]
    assert values(ws, VILLAGE_1, column(ws, "梯田", "按耕地类型")) == [10.0, 150.0]
    assert values(ws, VILLAGE_1, column(ws, "WG 未耕种", "按种植属性")) == [5.0, 75.0]
    assert values(ws, VILLAGE_1, column(ws, "10等", "按质量等别")) == [20.0, 300.0]
    c = column(ws, "平均质量等别")
    assert [ws.cell(r, c).value for r in (COUNTY, VILLAGE_1, TOTAL)] == [9.0, 9.0, None]
    # STBHHX missing: "—" in every row, including the totals row — never 0.
    c = column(ws, "生态保护红线内", "管控边界内耕地")
    for r in (COUNTY, VILLAGE_1, AREA, TOTAL):
        assert values(ws, r, c) == ["—", "—"]
    assert values(ws, TOTAL, column(ws, "永久基本农田内", "管控边界内耕地")) == [90.0, 1350.0]


def test_construction_sheet(book: openpyxl.Workbook) -> None:
    ws = book["建设用地"]
    assert values(ws, VILLAGE_1, column(ws, "建设用地面积")) == [10.0, 150.0]
    assert values(ws, VILLAGE_1, column(ws, "生态保护红线内建设用地")) == ["—", "—"]
    c = column(ws, "图斑数", "农村宅基地（0702）")
    assert [ws.cell(r, c).value for r in (VILLAGE_1, AREA, TOTAL)] == [20, 10, 120]
    assert values(ws, TOTAL, column(ws, "空闲地（1201）")) == [0.6, 9.0]


def test_patch_sheets(book: openpyxl.Workbook) -> None:
    ws = book["耕地连片"]
    c = column(ws, "连片数")
    assert [ws.cell(r, c).value for r in (COUNTY, VILLAGE_3, TOTAL)] == [24, 12, 24]
    c = column(ws, "最大连片（净）")
    assert values(ws, VILLAGE_1, c) == [18.0, 270.0]
    assert values(ws, TOTAL, c) == [None, None]
    c = column(ws, "个数", "≤5亩连片")
    assert [ws.cell(r, c).value for r in (VILLAGE_1, TOTAL)] == [1, 6]
    assert values(ws, TOTAL, c + 1) == [1.2, 18.0]
    c = column(ws, "面积加权平均形状指数 AWMSI")
    assert [ws.cell(r, c).value for r in (VILLAGE_1, TOTAL)] == [1.5, None]
    assert ws.cell(VILLAGE_1, column(ws, "边缘密度 ED")).value == 12.3457
    assert ws.cell(3, column(ws, "斑块密度")).value == "个/100公顷"
    bridged = book["耕地连片（桥接后）"]
    c = column(bridged, "连片数")
    assert [bridged.cell(r, c).value for r in (VILLAGE_1, AREA, TOTAL)] == [2, "—", 12]
    assert values(bridged, VILLAGE_1, column(bridged, "最大连片（净）")) == [25.0, 375.0]
    assert values(bridged, VILLAGE_1, column(bridged, "最大连片（毛）")) == ["—", "—"]


def test_potential_sheet(book: openpyxl.Workbook) -> None:
    ws = book["整治潜力"]
    assert values(ws, TOTAL, column(ws, "即可恢复（JKHF）")) == [12.0, 180.0]
    assert values(ws, VILLAGE_1, column(ws, "0201 果园", "即可恢复·按现状地类")) == [2.0, 30.0]
    assert values(ws, VILLAGE_1, column(ws, "0301 乔木林地", "工程恢复·按现状地类")) == [1.0, 15.0]
    assert values(ws, TOTAL, column(ws, "25°以上坡耕地")) == [120.0, 1800.0]
    assert values(ws, VILLAGE_1, column(ws, "面积", "闲置宅基地")) == ["—", "—"]
    assert ws.cell(TOTAL, column(ws, "宗数", "闲置宅基地")).value == "—"
    assert ws.cell(TOTAL, column(ws, "个数", "可归并零星耕地（≤5亩）")).value == 6


def test_notes_sheet(book: openpyxl.Workbook) -> None:
    ws = book["说明"]
    notes = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}
    assert notes["数据集"] == "demo"
    assert notes["坐标系"] == "EPSG:4543"
    assert notes["生成时间"] == "2026-11-29T12:00:00+00:00"
    assert notes["连片桥接宽度"] == "8.0 米"
    assert notes["生态保护红线（STBHHX）"] == "缺失"
    assert notes["永久基本农田（YJJBNTBHTB）"] == "有"
    assert notes["缺失图层"].startswith("生态保护红线（STBHHX）：")
    assert "城镇开发边界" not in notes["缺失图层"]
    assert notes["分摊规则"] == (
        "图斑被其他图层边界分割时，TBMJ/KCMJ/TBDLMJ 按各部分椭球面积占原图斑椭球面积的比例分摊。"
    )
    assert notes["统计单元数"] == "县 1 个，乡镇 2 个，村 3 个，整治区域 1 个"
    assert notes["合计行"].startswith("合计行为全部村级单元之和（不含整治区域）")


def test_township_level_totals_sum_townships(tmp_path: Path) -> None:
    survey = make_survey()
    survey["units"] = [u for u in survey["units"] if u["level"] in ("county", "township")]
    path = write_survey_xlsx(survey, tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(path)["土地利用现状"]
    assert "耕地连片（桥接后）" in openpyxl.load_workbook(path).sheetnames
    assert [ws.cell(7, c).value for c in (1, 3, 4, 5)] == ["合计", "全部乡镇（2个）", 600.0, 9000.0]


def test_province(tmp_path: Path) -> None:
    rows = [unit("county", "530124", "富民县", None, 6), unit("county", "530125", "宜良县", None, 1)]
    path = write_province_xlsx(rows, tmp_path / "province.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["全省汇总"]
    ws = book["全省汇总"]
    assert [ws.cell(1, c).value for c in (1, 2, 3)] == ["代码", "县（市、区）", "单元面积"]
    assert values(ws, 3, 3) == ["公顷", "亩"]
    assert [ws.cell(5, c).value for c in (1, 2, 3, 4)] == ["530125", "宜良县", 100.0, 1500.0]
    assert [ws.cell(6, c).value for c in (1, 2, 3, 4)] == ["合计", "2个县（市、区）", 700.0, 10500.0]
    assert ws.cell(6, column(ws, "百亩方（≥100亩）")).value == 7
    assert values(ws, 6, column(ws, "永久基本农田内耕地")) == [105.0, 1575.0]
    assert ws.freeze_panes == "C4"


def test_write_leaves_no_temp_file(tmp_path: Path) -> None:
    write_survey_xlsx(make_survey(), tmp_path / "survey.xlsx")
    write_survey_xlsx(make_survey(), tmp_path / "survey.xlsx")  # overwrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.xlsx"]


def test_failed_write_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "survey.xlsx"
    write_survey_xlsx(make_survey(), path)
    before = path.read_bytes()
    real = survey_xlsx._write_table
    calls: list[str] = []

    def failing(*args: Any, **kwargs: Any) -> None:
        calls.append(args[2])
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real(*args, **kwargs)

    monkeypatch.setattr(survey_xlsx, "_write_table", failing)
    changed = copy.deepcopy(make_survey())
    changed["dataset"] = "other"
    with pytest.raises(RuntimeError, match="disk full"):
        write_survey_xlsx(changed, path)
    assert calls == ["土地利用现状", "二级地类", "耕地"]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.xlsx"]
    calls.clear()
    with pytest.raises(RuntimeError, match="disk full"):
        write_survey_xlsx(changed, tmp_path / "new.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.xlsx"]
