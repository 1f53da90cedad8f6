"""Paper forms of a willingness survey (意愿调查表, docx): one landscape page per village group with its
households as rows and the questions as columns (a box per option of a choice question, a blank cell
for numbers and text) and a signature column. Filled forms are typed back through the web form (source
``paper``). Renders what the service hands over; computes nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.shared import Cm, Pt

BOX = "□"
CHOICE_KINDS = ("single", "multiple")


def _cell_text(question: Mapping[str, Any]) -> str:
    if question["kind"] in CHOICE_KINDS:
        return "\n".join(f"{BOX}{option}" for option in question["options"])
    return ""


def write_forms_docx(
    project_name: str,
    questionnaire: Mapping[str, Any],
    groups: Sequence[tuple[str, str, Sequence[Mapping[str, Any]]]],
    path: str | Path,
) -> Path:
    """Write the forms to ``path`` atomically. ``groups``: (village name, 村民小组, households) where each
    household has ``code`` (as it may be shown), ``head`` and ``people``."""
    target = Path(path)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    style = doc.styles["Normal"]
    style.font.size = Pt(9)
    questions = list(questionnaire["questions"])
    for n, (village, group, households) in enumerate(groups):
        if n:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(f"{questionnaire['title']}（{village}{group}）", level=1)
        doc.add_paragraph(
            f"项目：{project_name}。请户主或家庭成员在相应选项的 {BOX} 内打“√”（多选题可选多项），"
            "数值、文字题直接填写；调查员收回后在平台“录入意愿”页逐户录入（来源选“纸质表”）。"
        )
        legend = "；".join(f"Q{k}. {q['text']}" for k, q in enumerate(questions, start=1))
        doc.add_paragraph(legend)
        header = [
            "序号",
            "承包方编码",
            "户主姓名",
            "人口",
            *(f"Q{k}" for k in range(1, len(questions) + 1)),
            "签字",
            "日期",
        ]
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
        for k, h in enumerate(households, start=1):
            cells = table.add_row().cells
            values = [str(k), str(h["code"]), str(h["head"]), "" if h.get("people") is None else str(h["people"])]
            values += [_cell_text(q) for q in questions] + ["", ""]
            for cell, text in zip(cells, values, strict=True):
                cell.text = text
        doc.add_paragraph(
            f"共 {len(households)} 户。调查员：__________　村民委员会（盖章）：__________　日期：__________"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".docx", dir=target.parent)
    os.close(fd)
    try:
        doc.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
