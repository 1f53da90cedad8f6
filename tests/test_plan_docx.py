"""The complete 实施方案.docx: cover, table of contents, page numbers, place names, the chapters filled
from the project's records (fixtures of the shapes services gather), only author text left "待补充",
and every number of the chapters traced back to the indicators or records it comes from."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import Counter
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from plan_report_fixtures import FINDINGS, INDICATORS, PLAN

from landcon.reports.plan_docx import GUIDING_DOCUMENTS, PlanContext, write_plan_docx

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
        },
        {
            "key": "q2",
            "text": "调整后希望分配的地块位置",
            "kind": "choice",
            "answered": 104,
            "agree": 0,
            "object": 0,
            "agree_share": None,
        },
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
    "funding": [*PLAN["funding"], {"source": "指标收益", "amount": 100}],
    "sub_projects": [
        {**PLAN["sub_projects"][0], "costs": {"工程施工费": 1300, "其他费用": 150, "不可预见费": 50}},
        PLAN["sub_projects"][1],
    ],
}

# The indicators of PLAN_WITH_COSTS: 指标收益 funds the rest of the investment.
FULL_INDICATORS: dict[str, Any] = copy.deepcopy(INDICATORS)
FULL_INDICATORS["investment"]["by_source_wan"]["指标收益"] = 100.0
FULL_INDICATORS["investment"]["funding_total_wan"] = 2000.0

#: What landcon holds no data for: the author writes it (docs/plan.md).
AUTHOR_TEXT = (
    "项目提出的背景、必要性与上位规划要求",
    "云南省及州（市）、县相关政策文件，国土空间规划与村庄规划",
    "自然地理条件、人口与农户、产业发展等社会经济概况",
    "主要生态问题、历史文化资源、与“三区三线”的关系、土地权属状况",
    "空间布局与村庄规划的衔接",
    "永久基本农田布局调整方案（单独编制，作为附件）",
    "经济效益、社会效益、生态效益的定量分析及风险分析",
    "资金监管、实施监督与后期管护措施",
)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("docx") / "plan.docx"
    write_plan_docx(PLAN_WITH_COSTS, FULL_INDICATORS, FINDINGS, path, context=CONTEXT)
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
        "完善占补平衡的意见",
        "城乡建设用地增减挂钩试点管理办法",
    ):
        assert any(cited in line for line in lines), cited
    assert "《高标准农田建设 通则》（GB/T 30600-2022）" in lines


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
    assert (
        "开展“德庄镇全域土地综合整治意愿调查”，涉及农户 120 户，已答复 110 户，答复率 91.67%；"
        "持反对意见的农户 10 户。" in people
    )
    assert "\n“调整后希望分配的地块位置”：答复 104 户。\n" in people  # a choice question: no 同意/反对
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
    assert any(line.startswith("资金筹措未列指标收益") for line in lines)
    assert any(line.startswith("方案未列计划工程量，且尚未建立子项目记录") for line in lines)
    assert any(line.startswith("尚未成立领导小组") for line in lines)
    assert "（待补充：村民会议决议、权属调整协议等附件材料）" in chapter(bare, "十四")


def test_only_author_text_is_left_to_fill_where_data_exists(full: Any) -> None:
    """The demo-like project (survey, participation, tenure, records, costs, 指标收益): every chapter with
    data is filled; what stays "待补充" is text landcon holds no data for."""
    lines = texts(full)
    assert [line for line in lines if "待补充" in line] == [f"（待补充：{what}）" for what in AUTHOR_TEXT]
    for missing in ("尚未", "尚无", "未按", "未列", "无法列出"):
        assert not any(missing in line for line in lines), missing
    assert "指标收益（增减挂钩节余指标、补充耕地指标交易收益）作为资金来源 100.00 万元。" in chapter(full, "十一")


def test_annex_lists_the_meeting_and_the_confirmations(full: Any) -> None:
    assert chapter(full, "十四")[-2:] == [
        "附件1 德庄村村民代表会议决议（2026-03-02）：表决事项“德庄村全域土地综合整治实施方案”，"
        "应到 45 人，实到 36 人，赞成 31 人，表决通过，会议记录未上传。",
        "附件2 权属调整方案第 2 版“德庄村权属调整方案”及农户签字确认书（2026-05-10 采纳）：涉及农户 86 户，"
        "已签字确认 84 户，未签字已作说明 2 户。",
    ]


def test_quantities_from_the_plan_before_sub_project_records(tmp_path: Any) -> None:
    planned = {"land_levelling": 30.5, "field_roads": 0.9}
    plan = {**PLAN, "sub_projects": [{**PLAN["sub_projects"][0], "quantities": planned}, PLAN["sub_projects"][1]]}
    path = tmp_path / "plan.docx"
    write_plan_docx(plan, INDICATORS, FINDINGS, path, context=PlanContext(places=PLACES))
    document = docx.Document(str(path))
    assert "各子项目计划工程量如下表（方案），规模为土地平整面积。" in chapter(document, "六")
    cells = [[[c.text for c in r.cells] for r in t.rows] for t in document.tables]
    works = next(t for t in cells if t[0][0] == "子项目编号" and "土地平整（公顷）" in t[0])
    assert works == [["子项目编号", "土地平整（公顷）", "田间道/生产路（公里）"], ["ZXM01", "30.50", "0.90"]]
    subs = next(t for t in cells if t[0][:5] == ["序号", "子项目编号", "子项目名称", "所在村", "规模（公顷）"])
    assert subs[2][4:6] == ["30.5000", "农用地整理：土地平整、田间道/生产路"]
    assert subs[3][4:6] == ["—", "建设用地整理"]


# Every number of the text, traced to its source ------------------------------------------------

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER = re.compile(r"(?<![A-Za-z\d.])\d+(?:\.\d+)?")  # not the digits of a code such as ZXM01
#: Constants of the text itself (thresholds, codes, standards), not data.
STATIC = ("≤5 亩", "25°", "（1203）", "TD/T 1046-2016")


def printed(*sources: Any) -> set[str]:
    """Every way the document prints a value of ``sources``: 公顷 (4 dp), 亩 (2 dp), % (2 dp), count,
    plain 2 dp (万元, 元, ratios), a list's length, and the dates among the texts."""
    out: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            out.add(str(len(value)))
            for v in value:
                walk(v)
        elif isinstance(value, str):
            out.update(DATE.findall(value))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            v = abs(float(value))
            out.update({f"{v / 10_000:.4f}", f"{v / 10_000 * 15:.2f}", f"{v * 100:.2f}", f"{v:.2f}"})
            if v == int(v):
                out.add(str(int(v)))

    for source in sources:
        walk(source)
    return out


def _sources() -> dict[str, set[str]]:
    """What each chapter's numbers may come from (chapter numeral → printed values)."""
    plan, ind = PLAN_WITH_COSTS, FULL_INDICATORS
    years = {k: plan[k] for k in ("base_year", "start_year", "end_year")}
    kinds = Counter(sp["type"] for sp in plan["sub_projects"])
    attendance = [m["present"] / m["eligible"] for m in VOTES]
    statuses = Counter(f["status"] for f in FINDINGS) + Counter(f["severity"] for f in FINDINGS)
    messages = [float(n) for f in FINDINGS for n in NUMBER.findall(f"{f['title']} {f['message']}")]
    return {
        "一": printed(years, ind["area"], ind["years"]),
        "二": printed(ind),
        "三": printed(SURVEY_UNITS, ind["ecology"]),
        "四": printed(WILLINGNESS, VOTES, attendance),
        "五": printed(ind, len(FINDINGS), [*statuses.values(), 0], messages),
        "六": printed(ind, plan["sub_projects"], list(kinds.values())),
        "七": printed(ind),
        "八": printed(ind),
        "九": printed(REALLOC),
        "十": printed(years, [[sp["start_year"], sp["end_year"]] for sp in plan["sub_projects"]]),
        "十一": printed(ind["investment"], plan["funding"], plan["sub_projects"]),
        "十二": printed(ind, plan["households_benefited"]),
        "十三": printed(CONTEXT.meetings, CONTEXT.tasks, CONTEXT.groups),
        "十四": printed(VOTES, REALLOC),
    }


def test_every_number_of_the_text_comes_from_the_indicators_or_records(full: Any) -> None:
    sources = _sources()
    unexplained: dict[str, list[str]] = {}
    counted = 0
    for numeral in sources:
        for p in _chapter_body(full, numeral):
            text = re.sub(r"^附件\d+ ", "", p)
            for constant in STATIC:
                text = text.replace(constant, "")
            found = DATE.findall(text) + NUMBER.findall(DATE.sub("", text))
            counted += len(found)
            unexplained[numeral] = unexplained.get(numeral, []) + [n for n in found if n not in sources[numeral]]
    assert {k: v for k, v in unexplained.items() if v} == {}
    assert counted > 150 and all(unexplained.get(n) is not None for n in ("一", "四", "九", "十一", "十四"))


def _chapter_body(document: Any, numeral: str) -> list[str]:
    """The chapter's text paragraphs: no headings, captions or the 编制依据 list (citations)."""
    out: list[str] = []
    inside = False
    for p in document.paragraphs:
        if p.style.name == "Heading 1":
            inside = p.text.startswith(f"第{numeral}章")
            continue
        if inside and p.style.name not in ("Heading 2", "Caption") and p.text not in GUIDING_DOCUMENTS:
            out.append(p.text)
    return out


def test_every_number_of_the_summary_table_comes_from_the_indicators(full: Any) -> None:
    allowed = printed(FULL_INDICATORS)
    summary = next(
        t for t in full.tables if [c.text for c in t.rows[0].cells] == ["指标", "公顷", "亩", "数值", "单位"]
    )
    cells = [c.text for r in summary.rows[1:] for c in r.cells[1:4]]
    numbers = [n for cell in cells for n in re.findall(r"-?\d+(?:\.\d+)?", cell.replace("-", ""))]
    assert len(numbers) >= 40
    assert [n for n in numbers if n not in allowed] == []
