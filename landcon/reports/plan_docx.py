"""Draft 实施方案 (implementation plan) document (.docx), following the outline of the domain reference §2.1.

``write_plan_docx`` writes the thirteen chapters 总则 … 保障措施 and the 附表/附图 annex. The numbers
the engine computed (``indicators``) are written into sentences and into the same tables as
``plan_xlsx`` (shared ``Table`` models); maps given as PNG files are inserted as numbered figures.
Chapters that need information landcon does not hold get a placeholder "（待补充：…）".

Fonts: Chinese text needs the East Asian font slot (``w:eastAsia`` of ``w:rFonts``), which Word
uses for CJK characters whatever the Latin font is; it is set on the Normal and heading styles and
on every run (宋体 for text, 黑体 for headings and table headers).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from landcon.engine.indicators.registry import label
from landcon.reports.plan_table_model import format_cell
from landcon.reports.plan_xlsx import (
    DASH,
    HA,
    MU,
    Table,
    balance_text,
    findings_table,
    hectares,
    indicator,
    investment_tables,
    landuse_table,
    linkage_table,
    mu,
    new_farmland_tables,
    review_table,
    status_summary,
    subproject_table,
    summary_table,
)

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(12)
TABLE_SIZE = Pt(8)
FIGURE_WIDTH = Cm(15)

MAP_CAPTIONS: Mapping[str, str] = {
    "before": "整治前土地利用现状图",
    "after": "整治后土地利用规划图",
    "subprojects": "子项目布局图",
    "farmland_adjustment": "永久基本农田布局调整图",
    "linkage": "增减挂钩拆旧建新图",
}

CHAPTER_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四")

GUIDING_DOCUMENTS: tuple[str, ...] = (
    "《中华人民共和国土地管理法》及其实施条例",
    "《自然资源部关于开展全域土地综合整治试点工作的通知》（自然资发〔2019〕194号）",
    "《全域土地综合整治试点实施要点（试行）》（2020年）",
    "《自然资源部办公厅关于严守底线规范开展全域土地综合整治试点工作有关要求的通知》（2023年）",
    "《自然资源部关于学习运用“千万工程”经验深入推进全域土地综合整治工作的意见》（自然资发〔2024〕149号）",
    "《永久基本农田保护红线管理办法》（自然资源部 农业农村部令第17号）",
    "《土地整治项目验收规程》（TD/T 1013-2013）",
)


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------


def _ha(m2: Any) -> str:
    return format_cell(hectares(m2), HA)


def _mu_text(m2: Any) -> str:
    return format_cell(mu(m2), MU)


def area_text(m2: Any) -> str:
    """ "X 公顷（Y 亩）" with 4 / 2 decimals, "—" for None."""
    return DASH if m2 is None else f"{_ha(m2)} 公顷（{_mu_text(m2)} 亩）"


def percent_text(fraction: Any) -> str:
    return DASH if fraction is None else f"{float(fraction) * 100.0:.2f}%"


def _count_text(value: Any) -> str:
    return DASH if value is None else str(int(value))


# ---------------------------------------------------------------------------------------------
# Document building
# ---------------------------------------------------------------------------------------------


def _set_fonts(element: Any, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set the Latin and East Asian fonts on a run or style element, dropping theme fonts that override them."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _style_document(doc: DocumentObject) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = BODY_SIZE
    _set_fonts(normal.element, BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        style = doc.styles[name]
        _set_fonts(style.element, HEADING_FONT if name != "Caption" else BODY_FONT)
        style.font.color.rgb = RGBColor(0, 0, 0)
    doc.styles["Title"].font.size = Pt(22)
    doc.styles["Heading 1"].font.size = Pt(16)
    doc.styles["Heading 2"].font.size = Pt(14)
    doc.styles["Caption"].font.size = Pt(10.5)
    doc.styles["Caption"].font.italic = False
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)


class _Builder:
    """Appends headings, paragraphs, numbered tables and figures, with explicit fonts on every run."""

    def __init__(self) -> None:
        self.doc = Document()
        _style_document(self.doc)
        self.chapter = 0
        self.section = 0
        self.tables = 0
        self.figures = 0

    def run(self, paragraph: Paragraph, text: str, *, bold: bool = False, heading: bool = False) -> Run:
        run = paragraph.add_run(text)
        run.bold = bold or None
        _set_fonts(run._element, HEADING_FONT if heading else BODY_FONT)
        return run

    def title(self, text: str) -> None:
        p = self.doc.add_paragraph(style="Title")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.run(p, text, heading=True)

    def chapter_heading(self, text: str) -> None:
        self.chapter += 1
        self.section = 0
        self._heading(f"第{CHAPTER_NUMERALS[self.chapter - 1]}章 {text}", 1)

    def section_heading(self, text: str) -> None:
        self.section += 1
        self._heading(f"{self.chapter}.{self.section} {text}", 2)

    def _heading(self, text: str, level: int) -> None:
        p = self.doc.add_paragraph(style=f"Heading {level}")
        self.run(p, text, heading=True)

    def para(self, text: str, *, indent: bool = True) -> Paragraph:
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)
        self.run(p, text)
        return p

    def placeholder(self, what: str) -> None:
        self.para(f"（待补充：{what}）")

    def caption(self, text: str) -> None:
        p = self.doc.add_paragraph(style="Caption")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.run(p, text, heading=True)

    def table(self, table: Table, caption: str | None = None) -> DocxTable:
        """A numbered table: caption above, one or two header rows (groups merged), data rows."""
        self.tables += 1
        self.caption(f"表{self.tables} {caption or table.title or ''}".rstrip())
        depth = 2 if table.grouped else 1
        ncols = len(table.columns)
        out = self.doc.add_table(rows=depth + len(table.rows), cols=ncols)
        out.style = self.doc.styles["Table Grid"]
        out.alignment = WD_TABLE_ALIGNMENT.CENTER
        cols = table.columns
        k = 0
        while k < ncols:
            group = cols[k].group
            if group is None:
                cell = out.cell(0, k) if depth == 1 else out.cell(0, k).merge(out.cell(1, k))
                self._cell(cell, cols[k].label, bold=True, header=True)
                k += 1
                continue
            end = k
            while end + 1 < ncols and cols[end + 1].group == group:
                end += 1
            top = out.cell(0, k) if end == k else out.cell(0, k).merge(out.cell(0, end))
            self._cell(top, group, bold=True, header=True)
            for j in range(k, end + 1):
                self._cell(out.cell(1, j), cols[j].label, bold=True, header=True)
            k = end + 1
        for i, row in enumerate(table.rows, start=depth):
            for j, (value, column) in enumerate(zip(row.cells, cols, strict=True)):
                self._cell(out.cell(i, j), format_cell(value, column.fmt), bold=row.bold)
        return out

    def _cell(self, cell: Any, text: str, *, bold: bool = False, header: bool = False) -> None:
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER if header or text == DASH else None
        run = self.run(p, text, bold=bold, heading=header)
        run.font.size = TABLE_SIZE

    def figure(self, path: Path, caption: str) -> None:
        self.figures += 1
        self.doc.add_picture(str(path), width=FIGURE_WIDTH)
        p = self.doc.paragraphs[-1]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for r in p.runs:
            _set_fonts(r._element, BODY_FONT)
        self.caption(f"图{self.figures} {caption}")


# ---------------------------------------------------------------------------------------------
# Chapters
# ---------------------------------------------------------------------------------------------


def _map(maps: Mapping[str, Path], key: str) -> Path | None:
    path = maps.get(key)
    return Path(path) if path is not None and Path(path).is_file() else None


def _figure(b: _Builder, maps: Mapping[str, Path], key: str, used: set[str]) -> None:
    path = _map(maps, key)
    if path is not None:
        b.figure(path, MAP_CAPTIONS.get(key, key))
        used.add(key)


def _codes_text(values: Any) -> str:
    return "、".join(str(v) for v in values) if values else DASH


def _general(b: _Builder, plan: Mapping[str, Any], ind: Mapping[str, Any]) -> None:
    b.chapter_heading("总则")
    b.section_heading("编制背景")
    b.placeholder("项目提出的背景、必要性与上位规划要求")
    b.section_heading("编制依据")
    for doc in GUIDING_DOCUMENTS:
        b.para(doc)
    b.placeholder("云南省及州（市）、县相关政策文件，国土空间规划与村庄规划")
    b.section_heading("编制原则")
    b.para(
        "坚持规划引领、统筹推进；坚持耕地数量不减少、质量有提升、生态有改善，整治区域内建设用地总量不增加，"
        "永久基本农田数量不减少、质量不降低、布局更加集中连片；坚持生态优先，严守生态保护红线；"
        "坚持农民主体地位，尊重群众意愿，不搞大拆大建。"
    )
    b.section_heading("整治区域范围")
    townships = plan.get("townships") or indicator(ind, "area.townships")
    villages = indicator(ind, "area.villages")
    b.para(
        f"整治区域位于县级行政区 {plan.get('county', DASH)}，{label('area.townships')} {_codes_text(townships)}，"
        f"{label('area.villages')} {len(villages) if villages is not None else DASH} 个（{_codes_text(villages)}），"
        f"{label('area.zzqy_m2')} {area_text(indicator(ind, 'area.zzqy_m2'))}。"
    )
    b.section_heading(label("years"))
    years = indicator(ind, "years")
    b.para(
        f"实施期限为 {plan.get('start_year', DASH)} 年至 {plan.get('end_year', DASH)} 年，"
        f"共 {years if years is not None else DASH} 年。"
    )
    b.section_heading("基期年与数据来源")
    b.para(
        f"以 {plan.get('base_year', DASH)} 年为基期年，整治前现状采用数据集“{plan.get('base_dataset', DASH)}”"
        "（第三次全国国土调查及年度国土变更调查成果）。"
    )


def _current_state(b: _Builder, ind: Mapping[str, Any]) -> None:
    b.chapter_heading("基本情况与现状分析")
    b.section_heading("自然地理与社会经济")
    b.placeholder("自然地理条件、人口与农户、产业发展等社会经济概况")
    b.section_heading("土地利用现状")
    by_type: Mapping[str, Any] | None = indicator(ind, "cultivated.before_by_type_m2")
    parts = [
        f"{name} {area_text(None if by_type is None else by_type.get(code, 0.0))}"
        for code, name in (("0101", "水田"), ("0102", "水浇地"), ("0103", "旱地"))
    ]
    b.para(
        f"整治区域内现状耕地面积 {area_text(indicator(ind, 'cultivated.before_net_m2'))}，其中"
        + "，".join(parts)
        + f"；建设用地面积 {area_text(indicator(ind, 'construction.before_m2'))}；"
        f"整治前耕地田块 {_count_text(indicator(ind, 'fields.before'))} 块。各地类面积见第七章土地利用结构调整表。"
    )
    b.section_heading("永久基本农田")
    if indicator(ind, "permanent_farmland.available") is False:
        b.para("数据集缺少永久基本农田保护图斑（YJJBNTBHTB），永久基本农田现状无法统计。")
    else:
        b.para(f"整治区域内现有永久基本农田 {area_text(indicator(ind, 'permanent_farmland.before_m2'))}。")
    b.section_heading("生态、历史文化与权属状况")
    b.placeholder("主要生态问题、历史文化资源、与“三区三线”的关系、土地权属状况")


def _targets(
    b: _Builder, plan: Mapping[str, Any], ind: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]
) -> None:
    b.chapter_heading("整治目标与指标")
    b.section_heading("主要指标")
    new_m2 = indicator(ind, "cultivated.new_m2")
    b.para(
        f"{label('area.zzqy_m2')} {_ha(indicator(ind, 'area.zzqy_m2'))} 公顷"
        f"（{_mu_text(indicator(ind, 'area.zzqy_m2'))} 亩），"
        f"新增耕地 {_ha(new_m2)} 公顷（{_mu_text(new_m2)} 亩），"
        f"{label('cultivated.new_rate')} {percent_text(indicator(ind, 'cultivated.new_rate'))}。"
        f"{label('cultivated.after_net_m2')} {area_text(indicator(ind, 'cultivated.after_net_m2'))}，"
        f"其中新增水田 {area_text(indicator(ind, 'cultivated.new_paddy_m2'))}。"
    )
    change = indicator(ind, "construction.change_m2")
    if change is None:
        change_text = f"增减 {DASH}"
    elif round(float(change), 2) == 0:
        change_text = "总量保持不变"
    else:
        change_text = ("增加 " if change > 0 else "减少 ") + area_text(abs(change))
    b.para(
        f"整治区域建设用地由 {area_text(indicator(ind, 'construction.before_m2'))}调整为 "
        f"{area_text(indicator(ind, 'construction.after_m2'))}，{change_text}，"
        f"{label('construction.surplus_m2')} {area_text(indicator(ind, 'construction.surplus_m2'))}。"
    )
    if indicator(ind, "permanent_farmland.available") is not False:
        gain = percent_text(indicator(ind, "permanent_farmland.gain_ratio"))
        b.para(
            f"调出永久基本农田 {area_text(indicator(ind, 'permanent_farmland.out_m2'))}，"
            f"调入 {area_text(indicator(ind, 'permanent_farmland.in_m2'))}，"
            f"净增 {area_text(indicator(ind, 'permanent_farmland.net_m2'))}；"
            f"调出比例 {percent_text(indicator(ind, 'permanent_farmland.out_ratio'))}，"
            f"{label('permanent_farmland.gain_ratio')} {gain}。"
        )
    b.para(
        f"耕地田块由 {_count_text(indicator(ind, 'fields.before'))} 块归并为 "
        f"{_count_text(indicator(ind, 'fields.after'))} 块，{label('fields.merge_degree')} "
        f"{percent_text(indicator(ind, 'fields.merge_degree'))}；"
        f"{label('ecology.restoration_m2')} {area_text(indicator(ind, 'ecology.restoration_m2'))}。"
    )
    b.table(summary_table(plan, ind), "主要指标表")
    b.section_heading("规则符合性检查")
    errors = any(f.get("severity") == "error" for f in findings)
    unknown = any(f.get("status") == "unknown" for f in findings)
    verdict = "存在错误项，方案须修改后方可报批。" if errors else "未发现错误项。"
    if unknown:
        verdict += "“无法检查”的规则缺少所需数据，不视为通过，须补充数据后重新检查。"
    pack = plan.get("rule_pack", DASH)
    b.para(f"按规则包“{pack}”检查，共 {len(findings)} 项规则：{status_summary(findings)}。" + verdict)
    for f in findings:
        if f.get("severity") == "error" or f.get("status") == "unknown":
            b.para(f"{f.get('title', '')}：{str(f.get('message', '')).rstrip('。')}。")
    b.para("规则检查明细见附表（规则检查结果）。")


def _subprojects(
    b: _Builder, plan: Mapping[str, Any], ind: Mapping[str, Any], maps: Mapping[str, Path], used: set[str]
) -> None:
    b.chapter_heading("整治任务与子项目")
    b.section_heading("子项目安排")
    subprojects = list(plan.get("sub_projects") or [])
    by_type: dict[str, int] = {}
    for sp in subprojects:
        kind = str(sp.get("type") or "其他")
        by_type[kind] = by_type.get(kind, 0) + 1
    kinds = "，".join(f"{k} {n} 个" for k, n in by_type.items())
    b.para(f"本方案安排子项目 {len(subprojects)} 个" + (f"，其中{kinds}" if kinds else "") + "。")
    b.table(subproject_table(plan, ind), "子项目安排表")
    tables = new_farmland_tables(plan, ind)
    b.section_heading("新增耕地来源")
    b.para(
        f"新增耕地 {area_text(indicator(ind, 'cultivated.new_m2'))}，其中地类调整（非耕地整治为耕地）"
        f"{area_text(indicator(ind, 'cultivated.new_from_conversion_m2'))}，田坎（1203）减少"
        f"{area_text(indicator(ind, 'cultivated.new_from_levelling_m2'))}。整治后耕地的田坎系数按县级田坎系数表"
        "（按坡度级别、耕地类型）计算，不采用方案自报的系数。"
    )
    for t in tables:
        b.table(t, f"新增耕地来源统计表（{(t.title or '').split('、', 1)[-1]}）")
    b.section_heading("增减挂钩")
    b.table(linkage_table(ind), "增减挂钩拆旧建新表")
    _figure(b, maps, "subprojects", used)
    _figure(b, maps, "linkage", used)


def _landuse(b: _Builder, ind: Mapping[str, Any], maps: Mapping[str, Path], used: set[str]) -> None:
    b.chapter_heading("土地利用结构调整")
    b.para("整治前后各地类面积及增减情况见下表，地类按第三次全国国土调查工作分类统计，耕地为扣除田坎后的净面积。")
    b.table(landuse_table(ind), "整治前后土地利用结构调整表")
    _figure(b, maps, "before", used)
    _figure(b, maps, "after", used)
    b.placeholder("空间布局与村庄规划的衔接")


def _farmland(
    b: _Builder, plan: Mapping[str, Any], ind: Mapping[str, Any], maps: Mapping[str, Path], used: set[str]
) -> None:
    b.chapter_heading("永久基本农田布局优化调整")
    if indicator(ind, "permanent_farmland.available") is False:
        b.para("数据集缺少永久基本农田保护图斑（YJJBNTBHTB），永久基本农田调整指标无法计算，审查表中以“—”表示。")
    elif not indicator(ind, "permanent_farmland.out_m2") and not indicator(ind, "permanent_farmland.in_m2"):
        b.para("本方案不涉及永久基本农田布局调整。")
    else:
        grade = indicator(ind, "permanent_farmland.grade_improvement")
        grade_text = "平均质量等别变化无法计算（等别缺失）" if grade is None else f"平均质量等别提升 {grade:.2f} 等"
        gain = percent_text(indicator(ind, "permanent_farmland.gain_ratio"))
        contiguity = percent_text(indicator(ind, "permanent_farmland.contiguity_improvement"))
        b.para(
            f"调出永久基本农田 {area_text(indicator(ind, 'permanent_farmland.out_m2'))}，"
            f"调入 {area_text(indicator(ind, 'permanent_farmland.in_m2'))}，"
            f"{label('permanent_farmland.gain_ratio')} {gain}；"
            f"{grade_text}，"
            f"{label('permanent_farmland.contiguity_improvement')} {contiguity}。"
        )
    b.table(review_table(plan, ind), "全域土地综合整治所涉永久基本农田布局调整事项审查情况汇总表")
    _figure(b, maps, "farmland_adjustment", used)
    b.placeholder("永久基本农田布局调整方案（单独编制，作为附件）")


def _schedule(b: _Builder, plan: Mapping[str, Any]) -> None:
    b.chapter_heading("实施计划与时序")
    start, end = plan.get("start_year"), plan.get("end_year")
    subprojects = list(plan.get("sub_projects") or [])
    if isinstance(start, int) and isinstance(end, int):
        for year in range(start, end + 1):
            active = [
                f"{sp.get('code')} {sp.get('name', '')}"
                for sp in subprojects
                if (sp.get("start_year") or start) <= year <= (sp.get("end_year") or end)
            ]
            b.para(f"{year} 年：" + ("；".join(active) if active else "无子项目实施") + "。")
    else:
        b.placeholder("分年度实施计划")


def _investment(b: _Builder, plan: Mapping[str, Any], ind: Mapping[str, Any]) -> None:
    b.chapter_heading("投资估算与资金筹措")
    total = indicator(ind, "investment.total_wan")
    funding = indicator(ind, "investment.funding_total_wan")
    text = (
        f"项目总投资 {_wan_text(total)} 万元，资金筹措 {_wan_text(funding)} 万元"
        + (f"，{balance_text(round(float(funding) - float(total), 2))}" if None not in (total, funding) else "")
        + "。"
    )
    b.para(text)
    titles = ("投资估算表（按子项目）", "资金筹措表（按来源）", "资金平衡表")
    for t, caption in zip(investment_tables(plan, ind), titles, strict=True):
        b.table(t, caption)


def _wan_text(value: Any) -> str:
    return DASH if value is None else f"{float(value):.2f}"


def _benefits(b: _Builder, plan: Mapping[str, Any], ind: Mapping[str, Any]) -> None:
    b.chapter_heading("效益分析")
    households = indicator(ind, "households_benefited")
    if households is None:
        households = plan.get("households_benefited")
    b.para(
        f"通过整治新增耕地 {area_text(indicator(ind, 'cultivated.new_m2'))}，"
        f"{label('construction.surplus_m2')} {area_text(indicator(ind, 'construction.surplus_m2'))}，"
        f"实施生态保护修复 {area_text(indicator(ind, 'ecology.restoration_m2'))}，"
        f"{label('households_benefited')} {_count_text(households)} 户。"
    )
    b.placeholder("经济效益、社会效益、生态效益的定量分析及风险分析")


def _annex(b: _Builder, findings: Sequence[Mapping[str, Any]], maps: Mapping[str, Path], used: set[str]) -> None:
    b.chapter_heading("附表与附图")
    b.table(findings_table(findings), "规则检查结果")
    for key in maps:
        if key not in used:
            _figure(b, maps, key, used)
    b.placeholder("村民会议决议、权属调整协议等附件材料")


def build_plan_document(
    plan: Mapping[str, Any],
    indicators: Mapping[str, Any],
    findings: Sequence[Mapping[str, Any]],
    maps: Mapping[str, Path],
) -> DocumentObject:
    """The draft document in memory (see ``write_plan_docx``)."""
    b = _Builder()
    used: set[str] = set()
    b.title(str(plan.get("name") or "全域土地综合整治实施方案"))
    p = b.para("（草案）", indent=False)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _general(b, plan, indicators)
    _current_state(b, indicators)
    b.chapter_heading("问题识别与潜力分析")
    b.placeholder("农用地整理潜力、建设用地整理潜力与生态修复需求（可引用摸底调查成果）")
    b.chapter_heading("村民意愿与公众参与")
    b.placeholder("意愿调查方法与结果、村民会议决议")
    _targets(b, plan, indicators, findings)
    _subprojects(b, plan, indicators, maps, used)
    _landuse(b, indicators, maps, used)
    _farmland(b, plan, indicators, maps, used)
    b.chapter_heading("权属调整方案")
    b.placeholder("权属调整原则、范围、程序与不动产登记安排")
    _schedule(b, plan)
    _investment(b, plan, indicators)
    _benefits(b, plan, indicators)
    b.chapter_heading("保障措施")
    b.placeholder("组织保障、资金保障、监督管理与后期管护措施")
    _annex(b, findings, maps, used)
    return b.doc


def write_plan_docx(
    plan: Mapping[str, Any],
    indicators: Mapping[str, Any],
    findings: Sequence[Mapping[str, Any]],
    path: str | Path,
    *,
    maps: Mapping[str, Path] | None = None,
) -> Path:
    """Write the draft 实施方案 to ``path`` atomically (temporary file next to it, then ``os.replace``).

    ``maps`` maps a figure key (before, after, subprojects, farmland_adjustment, linkage, …) to a PNG;
    missing keys or files are skipped.
    """
    doc = build_plan_document(plan, indicators, findings, maps or {})
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        doc.save(str(tmp))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
