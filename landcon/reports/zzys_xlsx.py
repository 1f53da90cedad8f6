"""The ZZ_YS acceptance data set as a workbook: one sheet per group (规模, 新增耕地, 提质改造, 成效, 工程量,
投资) and 说明 (each field's unit, where its value comes from and whether domain §7.3(a) names it).

Takes ``engine.zzys.Zzys.to_dict()`` (the same dict as zzys.json); computes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from landcon.reports.survey_xlsx import DASH, _atomic_write

NOTE_SHEET = "说明"
HEADER = ("ZZ_YS 字段", "名称", "单位", "方案", "实际（核定）", "键")
NOTE_HEADER = ("分组", "键", "ZZ_YS 字段", "名称", "单位", "取值来源", "字段依据")
STATUS = {"C": "ZZ_YS 字段（领域参考 §7.3(a)）", "U": "landcon 口径（ZZ_YS 未给出字段或算法）"}


def _cell(value: Any) -> Any:
    return DASH if value is None or value == "" else value


def write_zzys_xlsx(data: Mapping[str, Any], path: str | Path, meta: Mapping[str, Any]) -> Path:
    """Write the workbook to ``path``; ``meta`` (label → value) heads the 说明 sheet."""

    def fill(book: Workbook) -> None:
        bold = book.add_format({"bold": True})
        for group, fields in data["groups"].items():
            sheet = book.add_worksheet(group)
            sheet.write_row(0, 0, HEADER, bold)
            for r, item in enumerate(fields, start=1):
                values = (item["zzys"], item["name"], item["unit"], item["plan"], item["value"], item["key"])
                sheet.write_row(r, 0, [_cell(v) for v in values])
            sheet.set_column(0, 0, 22)
            sheet.set_column(1, 1, 40)
            sheet.set_column(2, 4, 14)
            sheet.set_column(5, 5, 32)
        note = book.add_worksheet(NOTE_SHEET)
        row = 0
        for label, value in meta.items():
            note.write_row(row, 0, (str(label), _cell(value)))
            row += 1
        row += 1
        note.write_row(row, 0, NOTE_HEADER, bold)
        for group, fields in data["groups"].items():
            for item in fields:
                row += 1
                values = (group, item["key"], item["zzys"], item["name"], item["unit"], item["source"])
                note.write_row(row, 0, [_cell(v) for v in (*values, STATUS[item["status"]])])
        note.set_column(0, 0, 12)
        note.set_column(1, 1, 32)
        note.set_column(2, 2, 22)
        note.set_column(3, 3, 40)
        note.set_column(5, 5, 60)
        note.set_column(6, 6, 36)

    return _atomic_write(path, fill)
