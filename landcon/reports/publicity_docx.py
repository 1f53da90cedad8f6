"""A printable 公示 notice (.docx) a township or village posts on its notice board.

``write_notice_docx`` writes one A4 page: the title, the subject, what is published (for a plan: its key
indicators from the plan version's stored indicator dict, labelled through the indicator registry; for
other subjects: the notice text and the rows of an attached table, if any), the period, the place, where
and how to object, the issuing unit and date with a space for its stamp. It computes nothing: areas and
ratios are formatted from the engine's figures (``plan_docx.area_text`` / ``percent_text``).

Fonts: Chinese text sits in the East Asian font slot (``w:eastAsia``) on every run (宋体 text, 黑体 title
and headings), as /work/shared/tooling-notes.md asks for python-docx.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from landcon.engine.indicators import registry
from landcon.reports.plan_docx import area_text, percent_text

BODY_FONT, HEADING_FONT, LATIN_FONT = "仿宋", "黑体", "Times New Roman"
BODY_SIZE, TITLE_SIZE, TABLE_SIZE, WIDE_TABLE_SIZE = Pt(14), Pt(22), Pt(11), Pt(7.5)
WIDE = 6  # a table with more columns than this is set in WIDE_TABLE_SIZE to fit the A4 width
DASH = "—"

#: The plan indicators a plan 公示 shows, in order (registry keys).
PLAN_KEYS: tuple[str, ...] = (
    "area.zzqy_m2",
    "cultivated.before_net_m2",
    "cultivated.after_net_m2",
    "cultivated.new_m2",
    "cultivated.new_rate",
    "construction.before_m2",
    "construction.after_m2",
    "construction.surplus_m2",
    "permanent_farmland.out_m2",
    "permanent_farmland.in_m2",
    "permanent_farmland.net_m2",
    "fields.before",
    "fields.after",
    "ecology.restoration_m2",
    "investment.total_wan",
    "homesteads.removed_m2",
)


def date_text(value: dt.date | str) -> str:
    """``2026年12月1日``."""
    d = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.year}年{d.month}月{d.day}日"


def indicator_text(indicators: Mapping[str, Any], key: str) -> str:
    """A plan indicator as the notice shows it: areas in 公顷 (亩), ratios in %, counts, 万元."""
    value = registry.value(indicators, key)
    if value is None or isinstance(value, bool):
        return DASH
    unit = registry.get(key).unit
    if unit == registry.M2:
        return area_text(value)
    if unit == registry.RATIO:
        return percent_text(value)
    if unit == registry.WAN:
        return f"{float(value):,.2f} 万元"
    if unit == registry.COUNT:
        return f"{int(value)} 块" if key.startswith("fields.") else str(int(value))
    return str(value)


def plan_rows(indicators: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of the ``PLAN_KEYS`` the plan version holds."""
    rows = []
    for key in PLAN_KEYS:
        if registry.value(indicators, key) is None:
            continue
        rows.append((registry.label(key), indicator_text(indicators, key)))
    return rows


def _fonts(run: Any, east_asian: str) -> None:
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


class _Notice:
    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.6)
        section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
        self.doc.styles["Normal"].font.size = BODY_SIZE

    def para(
        self,
        text: str = "",
        *,
        bold: bool = False,
        heading: bool = False,
        size: Any = None,
        align: Any = None,
        indent: bool = True,
    ) -> Paragraph:
        p = self.doc.add_paragraph()
        p.alignment = align
        if indent and align is None:
            p.paragraph_format.first_line_indent = Pt(28)
        p.paragraph_format.line_spacing = 1.3
        if text:
            run = p.add_run(text)
            run.bold = bold or None
            run.font.size = size or BODY_SIZE
            _fonts(run, HEADING_FONT if heading else BODY_FONT)
        return p

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        out = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        out.style = self.doc.styles["Table Grid"]
        out.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i, row in enumerate([list(header), *[list(r) for r in rows]]):
            for j, value in enumerate(row):
                p = out.cell(i, j).paragraphs[0]
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER if i == 0 else None
                run = p.add_run(DASH if value is None else str(value))
                run.bold = (i == 0) or None
                run.font.size = TABLE_SIZE if len(header) <= WIDE else WIDE_TABLE_SIZE
                _fonts(run, HEADING_FONT if i == 0 else BODY_FONT)


def build_notice(
    notice: Mapping[str, Any],
    *,
    project_name: str,
    indicators: Mapping[str, Any] | None = None,
    table: Sequence[Sequence[Any]] | None = None,
) -> Any:
    """The notice as a python-docx ``Document``. ``notice``: ``services.publicity.publicity_dict``;
    ``indicators``: the plan version's indicator dict (plan subjects); ``table``: rows of the attached
    table, the first row its header."""
    n = _Notice()
    n.para(project_name, heading=True, size=Pt(16), align=WD_ALIGN_PARAGRAPH.CENTER)
    n.para(str(notice["title"]), heading=True, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    n.para(f"（{notice['unit_name']}第 {notice['number']} 号公示）", align=WD_ALIGN_PARAGRAPH.CENTER)
    n.para(
        f"根据全域土地综合整治公众参与和村务公开的要求，现将{project_name}{notice['subject']}内容予以公示，"
        "接受群众监督。"
    )
    if notice.get("notice"):
        n.para(str(notice["notice"]))
    n.para("一、公示内容", heading=True, indent=False)
    n.para(f"公示事项：{notice['subject'].removesuffix('公示')}。")
    if indicators is not None:
        rows = plan_rows(indicators)
        n.para("实施方案主要指标如下：")
        n.table(("指标", "数值"), rows)
    if table:
        n.para(f"附表：{notice.get('table_name') or ''}", indent=False)
        n.table([str(h) for h in table[0]], table[1:])
    elif notice.get("table_name"):
        n.para(f"附表《{notice['table_name']}》随本公示张贴。")
    n.para("二、公示期限", heading=True, indent=False)
    n.para(f"自 {date_text(notice['start'])} 起至 {date_text(notice['end'])} 止，共 {notice['days']} 天。")
    n.para("三、公示地点", heading=True, indent=False)
    place = f"{notice['place_unit_name']}{notice['place']}" if notice.get("place_unit_name") else notice["place"]
    n.para(f"{place}。")
    n.para("四、意见反馈", heading=True, indent=False)
    contact = f"（联系方式：{notice['contact']}）" if notice.get("contact") else ""
    n.para(
        f"公示期间，对公示内容有异议的，请于 {date_text(notice['end'])} 前以书面或口头方式向"
        f"{notice['unit_name']}{contact}提出，写明姓名（承包方编码）、联系方式和异议理由。"
        "逾期未提出的，视为无异议。"
    )
    n.para()
    n.para(str(notice["unit_name"]), align=WD_ALIGN_PARAGRAPH.RIGHT)
    n.para("（盖  章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    n.para(date_text(notice["start"]), align=WD_ALIGN_PARAGRAPH.RIGHT)
    return n.doc


def write_notice_docx(
    notice: Mapping[str, Any],
    path: str | Path,
    *,
    project_name: str,
    indicators: Mapping[str, Any] | None = None,
    table: Sequence[Sequence[Any]] | None = None,
) -> Path:
    """Write the notice (``build_notice``) to ``path``."""
    path = Path(path)
    build_notice(notice, project_name=project_name, indicators=indicators, table=table).save(str(path))
    return path


__all__ = ["PLAN_KEYS", "build_notice", "date_text", "indicator_text", "plan_rows", "write_notice_docx"]
