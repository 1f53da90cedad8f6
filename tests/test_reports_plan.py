"""plan.xlsx / plan.docx: reopened with openpyxl and python-docx, exact cells, sentences, fonts and figures.

The fixture uses round numbers: 耕地 before 1,000,000 m² = 100 ha = 1500 亩, after 1,060,000 m²
(新增耕地率 6%), a 200 ha 整治区域, 2 ha 调出 and 3 ha 调入 永久基本农田.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import docx
import numpy as np
import openpyxl
import pytest
from docx.oxml.ns import qn
from matplotlib.image import imsave
from openpyxl.worksheet.worksheet import Worksheet
from plan_report_fixtures import FINDINGS, INDICATORS, PLAN

from landcon.reports import plan_xlsx
from landcon.reports.plan_docx import write_plan_docx
from landcon.reports.plan_xlsx import write_plan_xlsx

DASH = "—"

CHAPTERS = [
    "第一章 总则",
    "第二章 基本情况与现状分析",
    "第三章 问题识别与潜力分析",
    "第四章 村民意愿与公众参与",
    "第五章 整治目标与指标",
    "第六章 整治任务与子项目",
    "第七章 土地利用结构调整",
    "第八章 永久基本农田布局优化调整",
    "第九章 权属调整方案",
    "第十章 实施计划与时序",
    "第十一章 投资估算与资金筹措",
    "第十二章 效益分析",
    "第十三章 保障措施",
    "第十四章 附表与附图",
]


def row(ws: Worksheet, *labels: Any) -> list[Any]:
    """Values of the first row whose leading cells equal ``labels``."""
    for values in ws.iter_rows(values_only=True):
        if tuple(values[: len(labels)]) == labels:
            return list(values)
    raise AssertionError(f"no row {labels} in {ws.title}")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("xlsx") / "plan.xlsx"
    assert write_plan_xlsx(PLAN, INDICATORS, FINDINGS, path) == path
    return openpyxl.load_workbook(path)


def test_sheets(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == [
        "主要指标表",
        "整治前后土地利用结构调整表",
        "新增耕地来源统计表",
        "子项目安排表",
        "投资估算与资金筹措表",
        "永久基本农田布局调整审查汇总表",
        "增减挂钩拆旧建新表",
        "规则检查结果",
    ]


def test_summary_sheet(workbook: openpyxl.Workbook) -> None:
    ws = workbook["主要指标表"]
    assert ws["A1"].value == "主要指标表"
    assert ws["A2"].value.startswith("项目名称：富民县德庄镇全域土地综合整治实施方案")
    assert [c.value for c in ws[3]] == ["指标", "公顷", "亩", "数值", "单位"]
    assert row(ws, "整治区域面积") == ["整治区域面积", 200.0, 3000.0, None, None]
    assert row(ws, "新增耕地率") == ["新增耕地率", None, None, 6.0, "%"]
    assert row(ws, "涉及行政村") == ["涉及行政村", None, None, 2, "个"]
    assert row(ws, "建设用地增减（整治后 − 整治前）")[1:3] == [-5.0, -75.0]
    assert row(ws, "田块归并度")[3] == 33.33


def test_landuse_structure(workbook: openpyxl.Workbook) -> None:
    ws = workbook["整治前后土地利用结构调整表"]
    assert ws["A1"].value == "整治前后土地利用结构调整表"
    assert [c.value for c in ws[3]][:5] == ["地类编码", "地类名称", "整治前", None, None]
    assert [c.value for c in ws[4]] == [None, None, "公顷", "亩", "占比（%）", "公顷", "亩", "占比（%）", "公顷", "亩"]
    assert [c.value for c in ws[5]] == ["01", "耕地（小计）", 100.0, 1500.0, 50.0, 106.0, 1590.0, 53.0, 6.0, 90.0]
    assert [c.value for c in ws[6]] == ["0101", "水田", 40.0, 600.0, 20.0, 50.0, 750.0, 25.0, 10.0, 150.0]
    assert row(ws, "0301") == ["0301", "乔木林地", 50.0, 750.0, 25.0, 48.0, 720.0, 24.0, -2.0, -30.0]
    assert row(ws, "12") == ["12", "其他土地（小计）", 10.0, 150.0, 5.0, 10.0, 150.0, 5.0, 0.0, 0.0]
    assert row(ws, "1203") == ["1203", "田坎", 5.0, 75.0, 2.5, 4.0, 60.0, 2.0, -1.0, -15.0]
    assert row(ws, "合计") == ["合计", None, 200.0, 3000.0, 100.0, 200.0, 3000.0, 100.0, 0.0, 0.0]
    group_rows = [r[0] for r in ws.iter_rows(min_row=5, values_only=True) if r[0] and r[0].isdigit() and len(r[0]) == 2]
    assert group_rows == ["01", "03", "07", "10", "12"]


def test_new_farmland_sources(workbook: openpyxl.Workbook) -> None:
    ws = workbook["新增耕地来源统计表"]
    assert row(ws, "新增耕地面积") == ["新增耕地面积", 8.0, 120.0, None, None]
    assert row(ws, "其中：地类调整（非耕地整治为耕地）")[1:3] == [6.0, 90.0]
    assert row(ws, "其中：田坎（1203）减少（按县级田坎系数表）")[1:3] == [2.0, 30.0]
    assert row(ws, "新增耕地中缺少坡度级别（田坎系数无法按系数表确定）")[1:3] == [0.0, 0.0]
    assert row(ws, "新增水田面积")[1:3] == [10.0, 150.0]
    assert row(ws, "新增耕地率（%）")[1] == 6.0
    assert row(ws, "0702") == ["0702", "农村宅基地", 4.0, 60.0, 50.0]
    assert row(ws, "1203") == ["1203", "田坎（土地平整减少的田坎）", 2.0, 30.0, 25.0]
    assert row(ws, "5等") == ["5等", None, 5.0, 75.0, 62.5]
    assert row(ws, "未评定") == ["未评定", "未评定", 3.0, 45.0, 37.5]
    assert row(ws, "ZXM01") == ["ZXM01", "德庄镇高标准农田提升", 6.0, 90.0, 75.0]
    totals = [r for r in ws.iter_rows(values_only=True) if r[0] == "合计"]
    assert [t[2:4] for t in totals] == [(8.0, 120.0)] * 3


def test_subprojects(workbook: openpyxl.Workbook) -> None:
    ws = workbook["子项目安排表"]
    assert [c.value for c in ws[3]][:8] == [
        "序号",
        "子项目编号",
        "子项目名称",
        "类型",
        "所在村",
        "主管部门",
        "实施年度",
        "投资（万元）",
    ]
    assert [c.value for c in ws[4]][8:] == ["公顷", "亩"]
    assert [c.value for c in ws[5]] == [
        1,
        "ZXM01",
        "德庄镇高标准农田提升",
        "农用地整理",
        "530124100201",
        "农业农村局",
        "2025–2026",
        1500,
        6.0,
        90.0,
    ]
    assert row(ws, "合计") == ["合计", "2个", None, None, None, None, None, 2000, 8.0, 120.0]


def test_investment_and_balance(workbook: openpyxl.Workbook) -> None:
    ws = workbook["投资估算与资金筹措表"]
    assert row(ws, 1, "ZXM01") == [1, "ZXM01", "德庄镇高标准农田提升", "农用地整理", 1500, 75.0]
    assert row(ws, 2, "整合涉农资金")[:5] == [2, "整合涉农资金", "农业农村", 700, 36.84]
    assert row(ws, 1, "中央财政")[2] == DASH
    totals = [r for r in ws.iter_rows(values_only=True) if r[0] == "合计"]
    assert totals[0][4] == 2000 and totals[1][3] == 1900
    assert row(ws, "差额（筹措 − 投资）")[1] == -100
    assert row(ws, "平衡情况")[1] == "资金缺口 100.00 万元"


def test_review_table(workbook: openpyxl.Workbook) -> None:
    ws = workbook["永久基本农田布局调整审查汇总表"]
    assert ws["A1"].value == "全域土地综合整治所涉永久基本农田布局调整事项审查情况汇总表"
    assert [c.value for c in ws[3]] == ["类别", "审查内容", "细项", "数值", "单位", "备注"]
    categories = []
    for r in ws.iter_rows(min_row=4, values_only=True):
        if r[0] not in categories:
            categories.append(r[0])
    assert categories == ["基本信息", "调出永久基本农田信息", "调入永久基本农田信息", "审查结果"]
    assert row(ws, "基本信息", "是否涉及永久基本农田布局调整")[3] == "是"
    assert row(ws, "基本信息", "整治区域原永久基本农田总面积")[3:5] == [80.0, "公顷"]
    out = "调出永久基本农田信息"
    assert row(ws, out, "总面积")[3:5] == [2.0, "公顷"]
    assert row(ws, out, "调出面积比例")[3:5] == [2.5, "%"]
    assert row(ws, out, "平均质量等别")[3] == 7.5
    assert row(ws, out, "图斑数目")[3] == 4
    assert row(ws, out, "平均单个图斑面积")[3] == 0.5
    assert row(ws, out, "现状地类", "耕地面积")[3] == 1.5
    assert row(ws, out, "现状地类", "其中：水浇地")[3] == 0.0
    assert row(ws, out, "现状地类", "非耕地面积")[3] == 0.5
    assert row(ws, out, "坡度", "15°–25°")[3] == 0.6
    assert row(ws, out, "连片程度", "5–10亩")[3:] == [1.6, "公顷", "图斑 2 个"]
    inn = "调入永久基本农田信息"
    assert row(ws, inn, "总面积")[3] == 3.0
    assert row(ws, inn, "平均质量等别")[3] == DASH
    assert row(ws, inn, "连片程度", ">20亩")[3:] == [2.0, "公顷", "图斑 1 个"]
    assert row(ws, inn, "是否有实施耕地提质改造")[3] == DASH
    assert not any(r[1] == "调出面积比例" for r in ws.iter_rows(values_only=True) if r[0] == inn)
    res = "审查结果"
    assert row(ws, res, "永农数量有增加", "增加亩数")[3:5] == [15.0, "亩"]
    assert row(ws, res, "永农数量有增加", "比例")[3:5] == [50.0, "%"]
    assert row(ws, res, "质量有提升", "平均提升等别")[3] == DASH
    assert row(ws, res, "布局有优化", "平均单个图斑面积增加亩数")[3:5] == [15.0, "亩"]
    assert row(ws, res, "布局有优化", "集中连片度提升")[3:5] == [200.0, "%"]


def test_review_table_without_permanent_farmland(tmp_path: Path) -> None:
    indicators = copy.deepcopy(INDICATORS)
    pf = indicators["permanent_farmland"]
    indicators["permanent_farmland"] = {key: None for key in pf} | {"available": False}
    path = write_plan_xlsx(PLAN, indicators, FINDINGS, tmp_path / "plan.xlsx")
    ws = openpyxl.load_workbook(path)["永久基本农田布局调整审查汇总表"]
    assert "缺少永久基本农田保护图斑（YJJBNTBHTB）" in ws["A2"].value
    assert row(ws, "基本信息", "是否涉及永久基本农田布局调整")[3] == DASH
    assert row(ws, "调出永久基本农田信息", "总面积")[3] == DASH
    assert row(ws, "调出永久基本农田信息", "连片程度", "≤5亩")[3:] == [DASH, "公顷", None]
    assert row(ws, "审查结果", "永农数量有增加", "比例")[3] == DASH


def test_linkage(workbook: openpyxl.Workbook) -> None:
    ws = workbook["增减挂钩拆旧建新表"]
    assert [c.value for c in ws[3]][:3] == ["项目区编号", "拆旧面积", None]
    assert row(ws, "XMQ01") == ["XMQ01", 2.0, 30.0, 1.8, 27.0, 1.0, 15.0, 0.5, 7.5, 12, "7"]
    assert row(ws, "合计") == ["合计", 3.0, 45.0, 2.7, 40.5, 1.5, 22.5, 0.5, 7.5, 18, "1 个"]
    assert row(ws, "XMQ02")[-1] == "无"


def test_findings(workbook: openpyxl.Workbook) -> None:
    ws = workbook["规则检查结果"]
    assert ws["A2"].value.endswith("通过 1 项，不通过 1 项，无法检查 1 项（错误 2 项、警告 0 项）")
    assert [c.value for c in ws[3]] == [
        "序号",
        "规则编号",
        "规则名称",
        "检查结果",
        "级别",
        "依据",
        "说明",
        "数值",
        "阈值",
        "涉及要素",
    ]
    assert [c.value for c in ws[4]] == [
        1,
        "LINKAGE_CONSENT",
        "增减挂钩拆旧须经村民同意",
        "不通过",
        "错误",
        "自然资源部办公厅 2023-04-25 通知",
        "1 个拆旧地块未取得村民同意",
        1,
        0,
        "ZJGGTB:7",
    ]
    assert [c.value for c in ws[5]][:9] == [
        2,
        "PF_GRADE_NOT_LOWER",
        "调入永久基本农田质量不低于调出",
        "无法检查",
        "错误",
        "全域土地综合整治试点实施要点（试行）",
        "无法检查：调入地块缺少整治后等别",
        DASH,
        DASH,
    ]
    assert [c.value for c in ws[6]][2:5] == ["整治后耕地田坎系数不低于县级田坎系数表", "通过", DASH]
    assert ws.cell(6, 9).value == "梯田 1级 0、2级 0.05；坡地 1级 0、2级 0.03"


def test_flat_indicator_keys_read_like_nested(tmp_path: Path) -> None:
    flat: dict[str, Any] = {}
    for group, values in INDICATORS.items():
        if isinstance(values, dict):
            flat |= {f"{group}.{key}": value for key, value in values.items()}
        else:
            flat[group] = values
    path = write_plan_xlsx(PLAN, flat, FINDINGS, tmp_path / "flat.xlsx")
    ws = openpyxl.load_workbook(path)["永久基本农田布局调整审查汇总表"]
    assert row(ws, "调出永久基本农田信息", "调出面积比例")[3] == 2.5
    assert row(ws, "审查结果", "布局有优化", "平均单个图斑面积增加亩数")[3] == 15.0


# ---------------------------------------------------------------------------------------------
# docx
# ---------------------------------------------------------------------------------------------


def png(path: Path) -> Path:
    imsave(path, np.zeros((20, 30, 3)))
    return path


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("docx")
    maps = {
        "before": png(folder / "before.png"),
        "farmland_adjustment": png(folder / "farmland.png"),
        "after": folder / "missing.png",  # skipped: no such file
    }
    path = write_plan_docx(PLAN, INDICATORS, FINDINGS, folder / "plan.docx", maps=maps)
    assert path == folder / "plan.docx"
    return docx.Document(str(path))


def test_docx_outline(document: Any) -> None:
    assert document.paragraphs[0].text == PLAN["name"]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == CHAPTERS
    texts = [p.text for p in document.paragraphs]
    assert "尚未开展意愿调查，村民意愿无法统计（landcon willingness 建立问卷、登记农户并录入答复）。" in texts
    assert "1.4 整治区域范围" in texts


def test_docx_sentences(document: Any) -> None:
    text = "\n".join(p.text for p in document.paragraphs)
    assert "整治区域面积 200.0000 公顷（3000.00 亩），新增耕地 8.0000 公顷（120.00 亩），新增耕地率 6.00%" in text
    assert "调出比例 2.50%，新增永久基本农田比例 50.00%" in text
    assert "共 3 项规则：通过 1 项，不通过 1 项，无法检查 1 项（错误 2 项、警告 0 项）" in text
    assert "“无法检查”的规则缺少所需数据，不视为通过" in text
    assert "调入永久基本农田质量不低于调出：无法检查：调入地块缺少整治后等别。" in text
    assert "项目总投资 2000.00 万元，资金筹措 1900.00 万元，资金缺口 100.00 万元" in text
    assert "2027 年：ZXM02 德庄村宅基地复垦。" in text
    assert "其中水田 40.0000 公顷（600.00 亩），水浇地 0.0000 公顷（0.00 亩）" in text
    assert "减少 5.0000 公顷（75.00 亩），节余建设用地 5.0000 公顷（75.00 亩）" in text


def test_docx_tables(document: Any) -> None:
    cells = [[[c.text for c in r.cells] for r in t.rows] for t in document.tables]
    landuse = next(t for t in cells if t[0][:2] == ["地类编码", "地类名称"])
    assert landuse[1][2:4] == ["公顷", "亩"]
    assert ["0101", "水田", "40.0000", "600.00", "20.00", "50.0000", "750.00", "25.00", "10.0000", "150.00"] in landuse
    review = next(t for t in cells if t[0] == ["类别", "审查内容", "细项", "数值", "单位", "备注"])
    assert ["调出永久基本农田信息", "调出面积比例", "", "2.50", "%", ""] in review
    assert ["审查结果", "质量有提升", "平均提升等别", DASH, "等", "调出平均等别 − 调入平均等别"] in review
    findings = next(t for t in cells if t[0][:5] == ["序号", "规则编号", "规则名称", "检查结果", "级别"])
    # The rule table reads back in Chinese: 不通过 / 无法检查 / 通过, never an English status.
    assert [r[3:5] for r in findings[1:]] == [["不通过", "错误"], ["无法检查", "错误"], ["通过", DASH]]
    assert not any(word in cell for r in findings for cell in r for word in ("pass", "fail", "unknown", "info"))
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert "表2 子项目安排表" in captions


def test_docx_fonts(document: Any) -> None:
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "宋体"
    heading = document.styles["Heading 1"].element.rPr.rFonts
    assert heading.get(qn("w:eastAsia")) == "黑体" and heading.get(qn("w:eastAsiaTheme")) is None
    runs = document.element.body.findall(".//" + qn("w:r"))
    assert len(runs) > 500
    for run in runs:
        assert run.rPr is not None and run.rPr.rFonts.get(qn("w:eastAsia")) in ("宋体", "黑体")
    heading_run = next(p for p in document.paragraphs if p.style.name == "Heading 1").runs[0]
    assert heading_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def test_docx_figures(document: Any) -> None:
    assert len(document.inline_shapes) == 2
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption" and p.text.startswith("图")]
    assert captions == ["图1 整治前土地利用现状图", "图2 永久基本农田布局调整图"]


# ---------------------------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------------------------


def test_failed_xlsx_write_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"previous")
    calls = []

    def broken(*args: Any) -> None:
        calls.append(args)
        raise RuntimeError("disk full")

    monkeypatch.setattr(plan_xlsx, "_write_sheet", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_plan_xlsx(PLAN, INDICATORS, FINDINGS, target)
    assert calls
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


def test_failed_docx_write_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "plan.docx"
    target.write_bytes(b"previous")

    def broken(self: Any, path: str) -> None:
        Path(path).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(docx.document.Document, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        write_plan_docx(PLAN, INDICATORS, FINDINGS, target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.docx"]
