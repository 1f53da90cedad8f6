"""The complete 实施方案.docx: cover, table of contents, page numbers, place names, the chapters filled
from the project's records (fixtures of the shapes services gather), and every number of the
indicator chapters traced back to the indicators."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from plan_report_fixtures import FINDINGS, INDICATORS, PLAN

from landcon.reports.plan_docx import PlanContext, write_plan_docx

PLACES = {"530124": "富民县", "530124100": "德庄镇", "530124100201": "德庄村", "530124100202": "沙锅村"}

SURVEY_UNITS = [
    {
        "level": "village",
        "code": "530124100201",
        "name": "德庄村",
        "cultivated_net_m2": 1_200_000.0,
        "three_class_m2": {"农用地": 3_000_000.0, "建设用地": 400_000.0, "未利用地": 50_000.0},
        "cultivated_patches": 40,
        "mean_patch_net_m2": 30_000.0,
        "largest_patch_net_m2": 200_000.0,
        "patch_density_per_100ha": 1.16,
        "small_patches_mergeable_count": 6,
        "small_patches_mergeable_net_m2": 12_000.0,
        "restorable_immediate_m2": 5_000.0,
        "restorable_engineering_m2": 15_000.0,
        "cultivated_over_25deg_net_m2": 80_000.0,
        "homestead_m2": 250_000.0,
        "idle_construction_m2": 20_000.0,
        "idle_homestead_count": 7,
    }
]

WILLINGNESS = {
    "title": "德庄镇全域土地综合整治意愿调查",
    "households": 120,
    "responded": 110,
    "response_rate": 110 / 120,
    "questions": [
        {
            "key": "q1",
            "text": "是否同意开展全域土地综合整治",
            "kind": "yes_no",
            "answered": 110,
            "agree": 100,
            "object": 10,
            "agree_share": 100 / 110,
        }
    ],
    "villages": [{"code": "530124100201", "name": "", "households": 120, "responded": 110, "agree": 100, "object": 10}],
    "objecting_households": 10,
}

VOTES = [
    {
        "village_code": "530124100201",
        "village_name": "",
        "kind": "representatives",
        "held_on": "2026-03-02",
        "motion": "德庄村全域土地综合整治实施方案",
        "motion_kind": "plan",
        "eligible": 45,
        "present": 36,
        "for": 31,
        "against": 3,
        "abstain": 2,
        "valid": True,
        "passed": True,
        "reason": "",
    }
]

REALLOC = {
    "version": 2,
    "name": "德庄村权属调整方案",
    "adopted_on": "2026-05-10",
    "households": 86,
    "parcels_before": 412,
    "pieces_after": 150,
    "area_m2": 600_000.0,
    "mean_pieces_before": 4.79,
    "mean_pieces_after": 1.74,
    "settlement_paid_yuan": 10101.6,
    "settlement_received_yuan": 9876.5,
    "confirmed": 84,
    "explained": 2,
}

CONTEXT = PlanContext(
    project="DEMO-530124-001",
    compiler="富民县自然资源局",
    compiled_on=dt.date(2026, 6, 1),
    places=PLACES,
    survey=SURVEY_UNITS,
    survey_dataset="demo",
    subprojects=[
        {"code": "ZXM01", "quantities": {"land_levelling": 12.5, "field_roads": 3.2, "channels": 4.0}},
        {"code": "ZXM02", "quantities": {"land_levelling": 2.0}},
    ],
    groups=[
        {
            "unit_name": "富民县",
            "name": "富民县全域土地综合整治领导小组",
            "leader_name": "张县长",
            "members": [{"display_name": "李局长", "duty": "自然资源局局长"}],
        }
    ],
    meetings=[
        {
            "held_on": "2026-02-10",
            "title": "全域土地综合整治会商",
            "unit_name": "富民县",
            "decisions": "农业农村局牵头高标准农田",
            "attendees": [
                {"name": "李局长", "department": "富民县自然资源局"},
                {"name": "王局长", "department": "富民县农业农村局"},
            ],
        }
    ],
    tasks=[
        {
            "title": "完成高标准农田设计",
            "unit_name": "富民县",
            "department_name": "富民县农业农村局",
            "deadline": "2026-08-31",
            "status_name": "进行中",
        }
    ],
    willingness=WILLINGNESS,
    votes=VOTES,
    realloc=REALLOC,
)

PLAN_WITH_COSTS: dict[str, Any] = {
    **PLAN,
    "sub_projects": [
        {**PLAN["sub_projects"][0], "costs": {"工程施工费": 1300, "其他费用": 150, "不可预见费": 50}},
        PLAN["sub_projects"][1],
    ],
}


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("docx") / "plan.docx"
    write_plan_docx(PLAN_WITH_COSTS, INDICATORS, FINDINGS, path, context=CONTEXT)
    return docx.Document(str(path))


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("docx") / "plan.docx"
    write_plan_docx(PLAN, INDICATORS, FINDINGS, path)
    return docx.Document(str(path))


def texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs]


def chapter(document: Any, number: str) -> list[str]:
    """Paragraph texts of one chapter (from its Heading 1 to the next)."""
    out: list[str] = []
    inside = False
    for p in document.paragraphs:
        if p.style.name == "Heading 1":
            inside = p.text.startswith(f"第{number}章")
            continue
        if inside:
            out.append(p.text)
    return out


def test_cover_toc_and_page_numbers(full: Any) -> None:
    lines = texts(full)
    assert lines[0] == PLAN["name"] and lines[1] == "（草案）"
    assert "编制单位：富民县自然资源局" in lines and "2026年6月" in lines
    body = full.element.body
    instructions = [e.text for e in body.iter(qn("w:instrText"))]
    assert instructions == ['TOC \\o "1-2" \\h \\z \\u']
    # The static entries between the TOC field's separate and end: every chapter and section heading.
    start = lines.index("目录")
    headings = [p.text for p in full.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    assert lines[start + 2 : start + 2 + len(headings)] == headings
    assert full.settings.element.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    footer = full.sections[0].footer._element
    assert [e.text for e in footer.iter(qn("w:instrText"))] == ["PAGE"]
    assert full.sections[0].different_first_page_header_footer


def test_guiding_documents(full: Any) -> None:
    lines = texts(full)
    for cited in (
        "TD/T 1055-2019",
        "TD/T 1046-2016",
        "GB/T 30600",
        "完善占补平衡的意见",
        "城乡建设用地增减挂钩试点管理办法",
    ):
        assert any(cited in line for line in lines), cited


def test_place_names_not_codes(full: Any) -> None:
    text = "\n".join(texts(full)) + "\n".join(c.text for t in full.tables for r in t.rows for c in r.cells)
    assert "整治区域位于富民县，涉及乡镇 德庄镇，涉及行政村 2 个（德庄村、沙锅村）" in text
    for code in PLACES:
        assert code not in text, code


def test_no_placeholder_where_data_exists(full: Any) -> None:
    for number in ("三", "四", "九"):
        assert not any("待补充" in line or "尚未" in line or "尚无" in line for line in chapter(full, number)), number
    safeguards = chapter(full, "十三")
    assert "富民县成立“富民县全域土地综合整治领导小组”，由张县长任组长，成员：李局长（自然资源局局长）。" in safeguards
    assert "项目已召开会商 1 次，参加单位：富民县农业农村局、富民县自然资源局。" in safeguards
    assert not any("尚" in line for line in safeguards)


def test_participation_and_tenure_sentences(full: Any) -> None:
    people = "\n".join(chapter(full, "四"))
    assert "涉及农户 120 户，已答复 110 户，答复率 91.67%；持反对意见的农户 10 户。" in people
    assert "同意 100 户，反对 10 户，同意比例 90.91%" in people
    assert "德庄村于 2026-03-02 召开村民代表会议" in people
    assert "应到 45 人，实到 36 人（到会率 80.00%），赞成 31 人，反对 3 人，弃权 2 人，表决通过。" in people
    tenure = "\n".join(chapter(full, "九"))
    assert "涉及农户 86 户、面积 60.0000 公顷（900.00 亩）；调整前地块 412 块，调整后 150 块" in tenure
    assert "应付找补 10101.60 元，应收找补 9876.50 元；已签字确认 84 户，已作说明 2 户。" in tenure


def test_potential_from_survey(full: Any) -> None:
    text = "\n".join(chapter(full, "三"))
    assert "现状耕地 120.0000 公顷（1800.00 亩），耕地连片 40 片" in text
    assert (
        "闲置建设用地（空闲地及闲置宅基地）2.0000 公顷（30.00 亩），闲置宅基地 7 宗；未利用地 5.0000 公顷（75.00 亩）"
        in text
    )
    assert "德庄村：耕地连片 40 片，平均连片面积 45.00 亩，最大连片 300.00 亩，每百公顷斑块数 1.16。" in text


def test_subprojects_quantities_and_costs(full: Any) -> None:
    cells = [[[c.text for c in r.cells] for r in t.rows] for t in full.tables]
    subs = next(
        t for t in cells if t[0][:6] == ["序号", "子项目编号", "子项目名称", "所在村", "规模（公顷）", "建设内容"]
    )
    assert subs[2][:8] == [
        "1",
        "ZXM01",
        "德庄镇高标准农田提升",
        "德庄村",
        "12.5000",
        "农用地整理：土地平整、田间道/生产路、灌排渠道/管道",
        "2025–2026",
        "1500.00",
    ]
    works = next(t for t in cells if t[0][0] == "子项目编号" and "土地平整（公顷）" in t[0])
    assert works[1] == ["ZXM01", "12.50", "3.20", "4.00"]
    costs = next(
        t for t in cells if t[0][:4] == ["子项目编号", "工程施工费（万元）", "其他费用（万元）", "不可预见费（万元）"]
    )
    assert costs[1] == ["ZXM01", "1300.00", "150.00", "50.00", "1500.00"]
    assert costs[2] == ["ZXM02", "—", "—", "—", "—"]


def test_bare_plan_says_what_is_missing(bare: Any) -> None:
    lines = texts(bare)
    assert "尚未对整治区域所在数据集开展摸底调查，整治潜力无法统计（landcon survey run DATASET）。" in lines
    assert any(line.startswith("尚无经采纳的权属调整方案") for line in lines)
    assert any(line.startswith("方案未按工程施工费、其他费用、不可预见费分列投资") for line in lines)
    assert any(line.startswith("尚未成立领导小组") for line in lines)


def _allowed(indicators: Any) -> set[str]:
    """Every way the document prints an indicator value: 公顷 (4 dp), 亩 (2 dp), % (2 dp), count, 万元."""
    out: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            v = abs(float(value))
            out.update({f"{v / 10_000:.4f}", f"{v / 10_000 * 15:.2f}", f"{v * 100:.2f}", f"{v:.2f}"})
            if v == int(v):
                out.add(str(int(v)))

    walk(indicators)
    return out


def test_every_number_of_the_indicator_chapters_comes_from_the_indicators(full: Any) -> None:
    allowed = _allowed(INDICATORS) | {str(PLAN["households_benefited"])}
    main = chapter(full, "五")
    main = main[: main.index(next(line for line in main if line.startswith("5.2 ")))]  # 5.1 主要指标
    checked = [
        *main,
        *(line for line in chapter(full, "二") if line.startswith("整治区域内现状耕地面积")),
        *(line for line in chapter(full, "十二") if line.startswith("通过整治新增耕地")),
        *(line for line in chapter(full, "十一") if line.startswith("项目总投资")),
    ]
    numbers = [n for line in checked if not re.match(r"^\d+\.\d+ ", line) for n in re.findall(r"\d+(?:\.\d+)?", line)]
    summary = next(
        t for t in full.tables if [c.text for c in t.rows[0].cells] == ["指标", "公顷", "亩", "数值", "单位"]
    )
    cells = [c.text for r in summary.rows[1:] for c in r.cells[1:4]]
    numbers += [n for cell in cells for n in re.findall(r"-?\d+(?:\.\d+)?", cell.replace("-", ""))]
    assert len(numbers) > 80
    assert [n for n in numbers if n not in allowed] == []
