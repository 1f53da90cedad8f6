"""The document builder of the 实施方案 (.docx): styles, fonts, cover, table of contents, page numbers,
headings, paragraphs, numbered tables and figures, and the number formats of the text.

Fonts: Chinese text needs the East Asian font slot (``w:eastAsia`` of ``w:rFonts``), which Word
uses for CJK characters whatever the Latin font is; it is set on the Normal and heading styles and
on every run (宋体 for text, 黑体 for headings and table headers).

Fields: the table of contents is a Word ``TOC`` field whose stored result is the static list of
chapter and section headings (readable as is), and ``w:updateFields`` in the settings asks Word to
refresh it (with page numbers) when the file is opened; the footer carries a ``PAGE`` field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from landcon.reports.plan_table_model import format_cell
from landcon.reports.plan_xlsx import DASH, HA, MU, Table, hectares, mu

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(12)
TABLE_SIZE = Pt(8)
FIGURE_WIDTH = Cm(15)
TOC_TITLE = "目录"
TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'

CHAPTER_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四")


# ---------------------------------------------------------------------------------------------
# Number formats of the text
# ---------------------------------------------------------------------------------------------


def ha_text(m2: Any) -> str:
    return format_cell(hectares(m2), HA)


def mu_text(m2: Any) -> str:
    return format_cell(mu(m2), MU)


def area_text(m2: Any) -> str:
    """ "X 公顷（Y 亩）" with 4 / 2 decimals, "—" for None."""
    return DASH if m2 is None else f"{ha_text(m2)} 公顷（{mu_text(m2)} 亩）"


def percent_text(fraction: Any) -> str:
    return DASH if fraction is None else f"{float(fraction) * 100.0:.2f}%"


def count_text(value: Any) -> str:
    return DASH if value is None else str(int(value))


def wan_text(value: Any) -> str:
    return DASH if value is None else f"{float(value):.2f}"


# ---------------------------------------------------------------------------------------------
# Styles and fields
# ---------------------------------------------------------------------------------------------


def set_fonts(element: Any, east_asian: str, latin: str = LATIN_FONT) -> None:
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
    set_fonts(normal.element, BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        style = doc.styles[name]
        set_fonts(style.element, HEADING_FONT if name != "Caption" else BODY_FONT)
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


def _field_char(run: Run, kind: str) -> None:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    run._element.append(element)


def _instruction(run: Run, text: str) -> None:
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    run._element.append(element)


def _update_fields_on_open(doc: DocumentObject) -> None:
    settings = doc.settings.element
    flag = settings.find(qn("w:updateFields"))
    if flag is None:
        flag = OxmlElement("w:updateFields")
        settings.append(flag)
    flag.set(qn("w:val"), "true")


class Builder:
    """Appends headings, paragraphs, numbered tables and figures, with explicit fonts on every run."""

    def __init__(self, places: Mapping[str, str] | None = None) -> None:
        self.doc = Document()
        self.places = dict(places or {})
        _style_document(self.doc)
        self.chapter = 0
        self.section = 0
        self.tables = 0
        self.figures = 0
        self.headings: list[tuple[int, str]] = []
        self._toc_end: Paragraph | None = None

    def run(self, paragraph: Paragraph, text: str, *, bold: bool = False, heading: bool = False) -> Run:
        run = paragraph.add_run(text)
        run.bold = bold or None
        set_fonts(run._element, HEADING_FONT if heading else BODY_FONT)
        return run

    def title(self, text: str) -> None:
        p = self.doc.add_paragraph(style="Title")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.run(p, text, heading=True)

    def centered(self, text: str, *, size: Pt | None = None, heading: bool = False) -> Paragraph:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = self.run(p, text, heading=heading)
        if size is not None:
            run.font.size = size
        return p

    def cover(self, name: str, lines: Sequence[str]) -> None:
        """Cover page: the plan's name (Title), "（草案）", then 编制单位 and date, then a page break."""
        self.title(name)
        self.centered("（草案）")
        for _ in range(8):
            self.doc.add_paragraph()
        for line in lines:
            self.centered(line, size=Pt(16), heading=True)
        self.page_break()

    def page_break(self) -> None:
        p = self.doc.add_paragraph()
        self.run(p, "").add_break(WD_BREAK.PAGE)

    def table_of_contents(self) -> None:
        """The 目录 title and a TOC field; its static entries are filled in by ``finish``."""
        self.centered(TOC_TITLE, size=Pt(16), heading=True)
        self._field_start(self.doc.add_paragraph(), TOC_INSTRUCTION)
        end = self.doc.add_paragraph()
        _field_char(self.run(end, ""), "end")
        self._toc_end = end
        self.page_break()

    def footer_page_numbers(self) -> None:
        """ "第 N 页" centred in the footer (no number on the cover page)."""
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True
        p = section.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.run(p, "第 ")
        self._field_start(p, "PAGE")
        self.run(p, "1")
        _field_char(self.run(p, ""), "end")
        self.run(p, " 页")

    def _field_start(self, paragraph: Paragraph, instruction: str) -> None:
        """The runs opening a field (begin, instruction, separate), as Word writes them; the stored
        result follows and a run with ``fldChar end`` closes it."""
        _field_char(self.run(paragraph, ""), "begin")
        _instruction(self.run(paragraph, ""), instruction)
        _field_char(self.run(paragraph, ""), "separate")

    def finish(self) -> DocumentObject:
        """Write the static table-of-contents entries (the headings) and ask Word to update fields."""
        if self._toc_end is not None:
            for level, text in self.headings:
                entry = self._toc_end.insert_paragraph_before()
                entry.paragraph_format.left_indent = Pt(24 * (level - 1))
                self.run(entry, text)
        _update_fields_on_open(self.doc)
        return self.doc

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
        self.headings.append((level, text))

    def para(self, text: str, *, indent: bool = True) -> Paragraph:
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)
        self.run(p, text)
        return p

    def placeholder(self, what: str) -> None:
        """Text the author writes (landcon holds no data for it)."""
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
                self._cell(out.cell(i, j), self.named(format_cell(value, column.fmt)), bold=row.bold)
        return out

    def named(self, text: str) -> str:
        """A cell holding unit codes ("530124100" or "530124100、530124101") shows their names instead."""
        parts = text.split("、")
        if not text or not all(p in self.places for p in parts):
            return text
        return "、".join(self.places[p] for p in parts)

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
            set_fonts(r._element, BODY_FONT)
        self.caption(f"图{self.figures} {caption}")
