"""The document builder of the 竣工验收报告 (reports/acceptance_docx.py): A4, numbered chapters (一、…),
numbered tables and figures with captions, and explicit fonts on every run — 宋体 body, 黑体 headings
and table headers, set in the East Asian slot (``w:eastAsia``) that Word uses for CJK characters, as
in the 实施方案 document (reports/plan_docx.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
TABLE_SIZE = Pt(8)
NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


def _fonts(element: Any, east_asian: str) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


class ReportDoc:
    def __init__(self) -> None:
        self.doc = Document()
        for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption"):
            style = self.doc.styles[name]
            _fonts(style.element, BODY_FONT if name in ("Normal", "Caption") else HEADING_FONT)
            style.font.color.rgb = RGBColor(0, 0, 0)
        self.doc.styles["Normal"].font.size = Pt(12)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        self.chapters = self.tables = self.figures = 0

    def _run(self, p: Paragraph, text: str, *, heading: bool = False, bold: bool = False) -> Any:
        run = p.add_run(text)
        run.bold = bold or None
        _fonts(run._element, HEADING_FONT if heading else BODY_FONT)
        return run

    def title(self, text: str) -> None:
        p = self.doc.add_paragraph(style="Title")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(p, text, heading=True)

    def chapter(self, text: str) -> None:
        self.chapters += 1
        self._run(self.doc.add_paragraph(style="Heading 1"), f"{NUMERALS[self.chapters - 1]}、{text}", heading=True)

    def para(self, text: str) -> None:
        p = self.doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(24)
        self._run(p, text)

    def caption(self, text: str) -> None:
        p = self.doc.add_paragraph(style="Caption")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(p, text, heading=True)

    def table(self, caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.tables += 1
        self.caption(f"表{self.tables} {caption}")
        out = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        out.style = self.doc.styles["Table Grid"]
        out.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i, row in enumerate([header, *rows]):
            for j, text in enumerate(row):
                p = out.cell(i, j).paragraphs[0]
                self._run(p, str(text), heading=i == 0, bold=i == 0).font.size = TABLE_SIZE

    def figure(self, path: Path, caption: str) -> None:
        self.figures += 1
        self.doc.add_picture(str(path), width=Cm(15))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.caption(f"图{self.figures} {caption}")
