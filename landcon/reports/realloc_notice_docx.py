"""权属调整方案公示表 (docx, landscape A4) a township or village can post: per household (承包方编码 and
name masked as in the 公示 rules, ``engine.realloc.indices``) the contract parcels before — 地块编码,
合同面积, 实测面积 — and the new parcels — 地块编码, area, 四至, a sketch — the money settled and a
signature column; the village meeting's result; where and until when objections are received; and an
area balance that explains the land taken for roads and ditches::

    调整前承包地块实测面积合计 = 调整后承包地块面积合计 + 道路、沟渠等占用及其他（差额）

The data are assembled by ``services.realloc_notice``; this module only renders them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

BALANCE_ROWS = (
    "调整前承包地块实测面积合计",
    "调整后承包地块面积合计（含原地保留地块）",
    "道路、沟渠等占用及其他（前两项之差）",
)
HEADERS = (
    "序号",
    "承包方编码",
    "承包方",
    "调整前地块编码",
    "合同面积（平方米）",
    "实测面积（平方米）",
    "调整后地块编码",
    "面积（平方米）",
    "四至",
    "示意图",
    "找补（元）",
    "农户签字",
)
SKETCH_WIDTH = Cm(2.6)


@dataclass(frozen=True)
class OldParcel:
    dkbm: str
    htmj: float | None  # 合同面积
    scmj: float  # 实测面积 (drawn)


@dataclass(frozen=True)
class NewParcel:
    dkbm: str
    scmj: float
    sides: str  # 东至…、南至…
    sketch: Path | None = None


@dataclass(frozen=True)
class NoticeHousehold:
    code: str  # masked
    name: str  # masked
    old: Sequence[OldParcel]
    new: Sequence[NewParcel]
    settlement: float | None  # 元: positive paid to the household, negative paid by it


@dataclass(frozen=True)
class Notice:
    title: str
    households: Sequence[NoticeHousehold]
    area_before: float
    area_after: float
    meeting: str
    objections: str
    issued: str
    notes: Sequence[str] = field(default_factory=tuple)

    @property
    def area_taken(self) -> float:
        """The difference as printed: rounded before minus rounded after, so the printed sum is exact."""
        return round(round(self.area_before, 2) - round(self.area_after, 2), 2)


def _m2(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _money(value: float | None) -> str:
    if value is None or abs(value) < 0.005:
        return "无"
    return f"补给 {value:,.2f}" if value > 0 else f"补交 {-value:,.2f}"


def _lines(cell: object, texts: Sequence[str]) -> None:
    cell.text = "\n".join(texts) if texts else "—"  # type: ignore[attr-defined]


def write_notice_docx(notice: Notice, path: str | Path) -> Path:
    """Write the 公示表 to ``path`` atomically (a temporary file in the same folder, then renamed)."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    doc.styles["Normal"].font.size = Pt(9)
    heading = doc.add_heading(notice.title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"村民会议表决结果：{notice.meeting}")
    doc.add_paragraph(f"异议受理：{notice.objections}")
    table = doc.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        cell.text = text
    for n, h in enumerate(notice.households, start=1):
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = str(n), h.code, h.name
        _lines(cells[3], [o.dkbm for o in h.old])
        _lines(cells[4], [_m2(o.htmj) for o in h.old])
        _lines(cells[5], [_m2(o.scmj) for o in h.old])
        _lines(cells[6], [p.dkbm for p in h.new])
        _lines(cells[7], [_m2(p.scmj) for p in h.new])
        _lines(cells[8], [p.sides for p in h.new])
        cells[9].text = ""
        for p in h.new:
            if p.sketch is not None:
                cells[9].paragraphs[-1].add_run().add_picture(str(p.sketch), width=SKETCH_WIDTH)
        cells[10].text = _money(h.settlement)
        cells[11].text = ""
    doc.add_heading("面积平衡", level=2)
    balance = doc.add_table(rows=0, cols=2)
    balance.style = "Table Grid"
    for label, value in zip(BALANCE_ROWS, (notice.area_before, notice.area_after, notice.area_taken), strict=True):
        row = balance.add_row().cells
        row[0].text, row[1].text = label, f"{_m2(value)} 平方米"
    for note in notice.notes:
        doc.add_paragraph(note)
    doc.add_paragraph(f"公示日期：{notice.issued}")
    doc.add_paragraph("村民委员会（盖章）：　　　　　　　　乡镇人民政府（盖章）：")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        doc.save(str(tmp))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
