"""Invariants of the survey's tables by class: 二级, 一级 and 三大类 each add up to the unit's area.

Official 三调 汇总表 count the 田坎 deducted from 耕地 (KCMJ) and 1203 图斑 as 1203 田坎 — 一级 12
其他土地, 三大类 农用地 — so every table by class sums to Σ TBMJ. Checked on the 100 m grid and on
synthetic counties of several seeds, for villages, townships, the county and a consolidation area;
and survey.xlsx, read back, carries the same totals as survey.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely
from conftest import cell, dltb_row, grid_dltb

from landcon.engine import codes
from landcon.engine.indicators import analyse_plan
from landcon.engine.plan import Plan
from landcon.engine.survey import AreaUnit, compute_survey
from landcon.reports.survey_xlsx import write_survey_xlsx
from landcon.synth.county import generate_county
from landcon.synth.plan import generate_plan

EPSG = 4543
CLASS_KEYS = ("landuse_tbdlmj_m2", "level1_tbdlmj_m2", "three_class_m2")
ZONES = ("YJJBNTBHTB", "STBHHX", "CZKFBJ")


def assert_classes_add_up(units: list[dict[str, Any]]) -> None:
    """Σ of each table by class = unit_area_m2, to the rounding of its 0.01 m² values."""
    assert units
    for u in units:
        for key in CLASS_KEYS:
            table = u[key]
            slack = 0.005 * (len(table) + 1) + 1e-6
            assert abs(sum(table.values()) - u["unit_area_m2"]) <= slack, (u["level"], u["code"], key)
        ridge = u["landuse_tbdlmj_m2"].get(codes.FIELD_RIDGE, 0.0)
        assert u["level1_tbdlmj_m2"].get("12", 0.0) >= ridge - 1e-6
        assert ridge >= u["kcmj_m2"] - 1e-6


def test_field_ridges_count_as_1203_other_land_and_farmland() -> None:
    # 水田 (KCMJ 1 000) + a 1203 田坎 图斑 of 10 000 m² + 0702: 1203 = 11 000, 农用地 = 9 000 + 11 000.
    rows = [
        dltb_row("530124100201000001", "0101", cell(0, 0)),
        dltb_row("530124100201000002", "1203", cell(1, 0)),
        dltb_row("530124100201000003", "0702", cell(2, 0)),
    ]
    result = compute_survey(grid_dltb(rows), dict.fromkeys(ZONES), EPSG)
    for u in result.units:
        assert u["unit_area_m2"] == 30000.0
        assert u["landuse_tbdlmj_m2"] == {"0101": 9000.0, "0702": 10000.0, "1203": 11000.0}
        assert u["level1_tbdlmj_m2"] == {"01": 9000.0, "07": 10000.0, "12": 11000.0}
        assert u["three_class_m2"] == {"农用地": 20000.0, "建设用地": 10000.0}
        assert u["kcmj_m2"] == 1000.0
    assert_classes_add_up(result.units)


def test_grid_units_and_a_clipped_area_add_up(dltb: gpd.GeoDataFrame) -> None:
    # The area cuts the cultivated cells in half: their KCMJ is apportioned with them.
    area = AreaUnit("A1", "整治区域 1", shapely.box(500_050, 2_800_000, 500_250, 2_800_200))
    result = compute_survey(dltb, dict.fromkeys(ZONES), EPSG, areas=[area])
    assert_classes_add_up(result.units)
    a = next(u for u in result.units if u["level"] == "area")
    assert a["unit_area_m2"] == 40000.0
    assert a["landuse_tbdlmj_m2"]["1203"] == 2000.0  # ½ + 1 + ½ cultivated cells × 1 000 m² 田坎


@pytest.fixture(scope="module", params=[1, 2, 3])
def synthetic(request: pytest.FixtureRequest) -> tuple[dict[str, gpd.GeoDataFrame], Any]:
    layers = generate_county("530124", features=1_500, seed=request.param, epsg=EPSG)
    zones = {k: np.asarray(layers[k].geometry.array, dtype=object) for k in ZONES}
    xzq = layers["XZQ"]
    areas = [AreaUnit("Z1", "整治区域 1", shapely.buffer(xzq.geometry.iloc[0].centroid, 1500.0))]
    return layers, compute_survey(layers["DLTB"], zones, EPSG, areas=areas)


def test_synthetic_counties_classes_add_up(synthetic: tuple[dict[str, gpd.GeoDataFrame], Any]) -> None:
    layers, result = synthetic
    assert {u["level"] for u in result.units} == {"county", "township", "village", "area"}
    assert_classes_add_up(result.units)
    county = next(u for u in result.units if u["level"] == "county")
    assert county["unit_area_m2"] == pytest.approx(float(layers["DLTB"]["TBMJ"].sum()), abs=0.01)
    # The 田坎 of 耕地 is all of 1203 when the county has no 1203 图斑.
    if not (layers["DLTB"]["DLBM"] == codes.FIELD_RIDGE).any():
        assert county["landuse_tbdlmj_m2"][codes.FIELD_RIDGE] == county["kcmj_m2"] > 0


def _sheet_rows(path: Path, sheet: str) -> tuple[list[str], dict[str, list[Any]]]:
    """(column labels of header row 2, code → row values) of a survey.xlsx sheet; "合计" for the totals."""
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    labels: list[str] = []
    for top, middle in zip(rows[0], rows[1], strict=True):
        labels.append(str(middle if middle is not None else (top if top is not None else labels[-1])))
    return labels, {str(r[0] if r[0] == "合计" else r[1]): r for r in rows[3:]}


def test_survey_xlsx_totals_equal_survey_json(
    synthetic: tuple[dict[str, gpd.GeoDataFrame], Any], tmp_path: Path
) -> None:
    _, result = synthetic
    survey = {"dataset": "t", "crs": "EPSG:4543", "options": {"unit": "village"}, "overlays": {}, "units": result.units}
    path = write_survey_xlsx(survey, tmp_path / "survey.xlsx")
    labels, rows = _sheet_rows(path, "土地利用现状")
    county = next(u for u in result.units if u["level"] == "county")

    def hectares(row: list[Any], label: str) -> float:
        return float(row[labels.index(label)])  # the 公顷 column comes first of the pair

    for row_key in (county["code"], "合计"):
        row = rows[row_key]
        area = hectares(row, "单元面积")
        assert area == round(county["unit_area_m2"] / 10_000, 4)
        three = [hectares(row, c) for c in codes.THREE_CLASSES]
        assert three == [round(county["three_class_m2"].get(c, 0.0) / 10_000, 4) for c in codes.THREE_CLASSES]
        assert sum(three) == pytest.approx(area, abs=3 * 0.00005 + 1e-9)
        level1 = list(dict.fromkeys(c for c in labels if c[:2] in codes.LEVEL1_NAMES and c[2:3] == " "))
        assert sum(hectares(row, c) for c in level1) == pytest.approx(area, abs=len(level1) * 0.00005 + 1e-9)


def test_the_survey_of_the_consolidation_area_agrees_with_the_plans_structure_table() -> None:
    """The plan's 整治前 column (DLBM → TBDLMJ, with KCMJ added to 1203 in 12 其他土地) equals the survey of
    the same 整治区域, 二级 and 一级 alike."""
    layers = generate_county("530124", features=1_500, seed=2, epsg=EPSG)
    plan_layers, meta = generate_plan(layers, dataset="t", variant="compliant", seed=1)
    zones = {k: np.asarray(layers[k].geometry.array, dtype=object) for k in ZONES}
    before = analyse_plan(layers["DLTB"], zones, Plan(plan_layers, meta), EPSG).indicators["landuse"]
    table = dict(before["before_m2"])
    table[codes.FIELD_RIDGE] = table.get(codes.FIELD_RIDGE, 0.0) + before["kcmj_before_m2"]
    zzqy = shapely.union_all(np.asarray(plan_layers["ZZQY"].geometry.array, dtype=object))
    result = compute_survey(layers["DLTB"], zones, EPSG, areas=[AreaUnit("ZZQY", "整治区域", zzqy)])
    area = next(u for u in result.units if u["level"] == "area")
    assert set(area["landuse_tbdlmj_m2"]) == set(table)
    for code, m2 in table.items():
        assert area["landuse_tbdlmj_m2"][code] == pytest.approx(m2, abs=0.02), code
    level1: dict[str, float] = {}
    for code, m2 in table.items():
        level1[codes.level1(code)] = level1.get(codes.level1(code), 0.0) + m2
    assert area["level1_tbdlmj_m2"] == pytest.approx(level1, abs=0.01 * len(table))
    assert sum(level1.values()) == pytest.approx(area["unit_area_m2"], abs=0.01 * len(table))
