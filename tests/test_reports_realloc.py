"""权属调整 workbooks: the 公示表 (masked names, totals, print setup) and the internal workbook,
reopened with openpyxl and read cell by cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from realloc_village_fixtures import H1, H2, H3, PREFERENCES, PRICE, village

from landcon.engine.realloc import Params
from landcon.engine.realloc.indices import INDICATOR_LABELS, household_table, village_indicators
from landcon.reports.realloc_xlsx import write_household_xlsx, write_publicity_xlsx

NAMES = ("张三", "欧阳小明", "李四")
# 公示表 layout (1-based rows): 1 title, 2–4 notes, 5–6 headers, 7–9 households, 10 合计, 11 blank, 12–14 footer.
HEADER, FIRST, TOTAL, FOOT = 5, 7, 10, 12


@pytest.fixture
def result() -> tuple[Any, dict[str, Any]]:
    before, after, households = village()
    table = household_table(before, after, households, unit_price=PRICE)
    return table, village_indicators(table, after, preferences=PREFERENCES, gap=0.0)


def row(ws: Worksheet, r: int) -> list[Any]:
    return [c.value for c in ws[r]]


def all_text(wb: openpyxl.Workbook) -> list[str]:
    return [str(c.value) for ws in wb.worksheets for line in ws.iter_rows() for c in line if c.value is not None]


def test_publicity_sheet_masks_every_name_and_code(tmp_path: Path, result):
    table, ind = result
    path = write_publicity_xlsx(table, ind, tmp_path / "公示.xlsx", village_name="新村", title_date="2025年3月1日")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["权属调整公示表"]
    texts = all_text(wb) + [str(getattr(wb.properties, k)) for k in ("title", "subject", "creator", "keywords")]
    for secret in (*NAMES, H1, H2, H3, H1[6:14]):
        assert not any(secret in text for text in texts), secret
    ws = wb.active
    assert [ws.cell(r, 3).value for r in (FIRST, FIRST + 1, FIRST + 2)] == ["张*", "欧**明", "李*"]
    # 18-digit 承包方编码: the county (first 6) and the serial (last 4) shown, the 8 between masked.
    masked = ["530123********0001", "530123********0002", "530123********0003"]
    assert [ws.cell(r, 2).value for r in (FIRST, FIRST + 1, FIRST + 2)] == masked
    assert not list(tmp_path.glob(".*.tmp"))


def test_publicity_sheet_header_rows_and_totals(tmp_path: Path, result):
    table, ind = result
    path = write_publicity_xlsx(
        table, ind, tmp_path / "公示.xlsx", village_name="新村", title_date="2025年3月1日", unit_price=PRICE
    )
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "新村土地权属调整方案公示表"
    assert "公示日期：2025年3月1日" in ws["A2"].value and "不少于 7 日" in ws["A2"].value
    assert "异议" in ws["A4"].value and "书面形式" in ws["A4"].value
    assert row(ws, HEADER)[:4] == ["序号", "承包方编码", "承包方", "调整前"]
    assert row(ws, HEADER)[8:10] == ["调整后", None]
    assert row(ws, HEADER)[12:] == ["价值偏差（%）", "找补金额（元）"]
    assert row(ws, HEADER + 1)[3:7] == ["地块数（块）", "面积（亩）", "面积（平方米）", "价值（标准平方米）"]
    assert ws.cell(HEADER, 8).value == "应得价值（标准平方米）"
    # 欧阳小明: 900 m² = 1.35 亩 before, 940 m² = 1.41 亩 after, +3.33 %, pays 480 元.
    h2 = "530123********0002"
    assert row(ws, FIRST + 1) == [2, h2, "欧**明", 3, 1.35, 900, 720, 720, 2, 1.41, 940, 744, 3.33, -480]
    assert row(ws, FIRST)[12:] == [-2, 200]  # 张三: −2 %, paid 200 元
    assert row(ws, TOTAL) == ["合计", "3户", None, 7, 2.7, 1800, 1620, 1620, 4, 2.73, 1820, 1624, None, None]
    assert "应补给农户合计 400.00 元" in ws.cell(FOOT + 1, 1).value
    assert "农户应补交合计 480.00 元" in ws.cell(FOOT + 1, 1).value
    assert "田块归并度 42.86%" in ws.cell(FOOT + 1, 1).value
    assert "单价 20 元/标准平方米" in ws.cell(FOOT, 1).value
    assert ws.cell(FIRST, 13).number_format == "0.00" and ws.cell(FIRST, 5).number_format == "0.00"
    # Printing: landscape A4, one page wide, both header rows on every page.
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)  # width 1 is the default, omitted
    assert ws.print_title_rows == "$5:$6"


def test_household_workbook(tmp_path: Path, result):
    table, ind = result
    params = Params(unit_price=PRICE).to_dict()
    path = write_household_xlsx(table, ind, tmp_path / "户表.xlsx", params=params)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["户表", "村级指标", "参数"]

    ws = wb["户表"]
    header = row(ws, 3)
    assert header[:5] == ["承包方编码", "承包方名称", "调整前地块数（块）", "调整前面积（平方米）", "调整前面积（亩）"]
    assert header.count("找补金额（元）") == 1 and "调整后 Januszewski 指数" in header
    assert len(header) == len(table.columns) + 2  # every column, plus 亩 beside both areas
    h2 = dict(zip(header, row(ws, 5), strict=True))
    assert h2["承包方名称"] == "欧阳小明"
    assert (h2["调整前平均距离（米）"], h2["调整后平均距离（米）"]) == (270, 200)
    assert (h2["价值偏差（%）"], h2["找补金额（元）"]) == (3.33, -480)
    assert h2["调整前 Simmons 指数"] == 0.3333
    h3 = dict(zip(header, row(ws, 6), strict=True))
    assert (h3["承包方名称"], h3["调整前平均距离（米）"]) == ("李四", "—")  # no homestead: not 0
    total = dict(zip(header, row(ws, 7), strict=True))
    assert (total["承包方编码"], total["承包方名称"], total["调整后面积（平方米）"], total["调整后面积（亩）"]) == (
        "合计",
        "3户",
        1820,
        2.73,
    )
    assert total["价值偏差（%）"] is None

    ws = wb["村级指标"]
    assert row(ws, 3) == ["指标", "数值", "单位", "折合亩", "说明", "键"]
    by_key = {r[5]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert list(by_key) == list(INDICATOR_LABELS)
    assert by_key["merge_degree"][:3] == ("田块归并度", 42.86, "%")
    assert by_key["households"][:3] == ("参与调整农户数", 3, "户")
    assert by_key["total_area_before"][1:4] == (1800, "平方米", 2.7)
    assert by_key["settlement_received"][1:3] == (480, "元")
    assert by_key["first_choice_share"][1] == 33.33
    assert by_key["gap"][1] == 0

    ws = wb["参数"]
    params_rows = {r[4]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert params_rows["unit_price"][:3] == ("找补单价", 20, "元/标准平方米")
    assert params_rows["tolerance"][:3] == ("价值容差", 5, "%")
    assert params_rows["deduction"][1] == "按面积自动计算"
    assert params_rows["quality_coef.03"][:2] == ("地力等级 03 价值系数", 0.9)
    assert params_rows["weights.deviation"][:3] == ("目标权重：价值偏差", 500, "米/100%")
