"""The change-detection workbook (实施监管 变化图斑): a 汇总 sheet and one sheet per class.

Takes ``engine.change_detection.ChangeDetection``; computes nothing but units: 亩 = the rounded m²
/ ``codes.SQM_PER_MU`` to 0.01. Every total written is the engine's own total (the number in
monitor.json), never a re-added column; a class's sheet lists its cells with the vintage BSM.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from landcon.engine.change_detection import ChangeClass, ChangeDetection
from landcon.engine.codes import SQM_PER_MU
from landcon.reports.survey_xlsx import DASH, _atomic_write, _display_width

SUMMARY_SHEET = "汇总"
SUMMARY_HEADER = ("类别代码", "类别", "面积（平方米）", "面积（亩）", "耕地净面积（平方米）", "图斑数")
CELL_HEADER = (
    ("BSM", "变更调查图斑标识码"),
    ("BEFORE_DLBM", "基期地类编码"),
    ("AFTER_DLBM", "变更后地类编码"),
    ("PLANNED_DLBM", "规划地类编码"),
    ("PARCEL", "规划图斑"),
    ("GDDB", "耕地等别"),
    ("AREA_M2", "面积（平方米）"),
    ("NET_M2", "耕地净面积（平方米）"),
)


def mu(m2: float) -> float:
    """m² (already to 0.01) in 亩 to 0.01."""
    return round(m2 / SQM_PER_MU, 2)


def _summary(book: Workbook, result: ChangeDetection, meta: Mapping[str, Any]) -> None:
    sheet = book.add_worksheet(SUMMARY_SHEET)
    bold = book.add_format({"bold": True})
    row = 0
    for key, value in meta.items():
        sheet.write_row(row, 0, (str(key), str(value)))
        row += 1
    sheet.write_row(row, 0, ("计划新增耕地（平方米）", result.planned_new_farmland_m2))
    row += 2
    sheet.write_row(row, 0, SUMMARY_HEADER, bold)
    for c in result.classes:
        row += 1
        unchecked = (c.code == "red_line" and not result.red_line_checked) or (
            c.code == "permanent_farmland_lost" and not result.permanent_farmland_checked
        )
        values = (DASH, DASH, DASH, DASH) if unchecked else (c.area_m2, mu(c.area_m2), c.net_m2, c.count)
        sheet.write_row(row, 0, (c.code, c.label, *values))
    for col, text in enumerate(SUMMARY_HEADER):
        sheet.set_column(col, col, max(12, _display_width(text) + 2))


def _class_sheet(book: Workbook, c: ChangeClass) -> None:
    sheet = book.add_worksheet(c.label[:31])
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, [label for _, label in CELL_HEADER], bold)
    frame = c.parcels
    for r, values in enumerate(frame[[k for k, _ in CELL_HEADER]].itertuples(index=False, name=None), start=1):
        sheet.write_row(r, 0, [DASH if v != v else v for v in values])  # NaN (no 等别) → —
    total = len(frame) + 1
    sheet.write(total, 0, "合计", bold)
    sheet.write(total, 6, c.area_m2, bold)
    sheet.write(total, 7, c.net_m2, bold)
    for col, (_, text) in enumerate(CELL_HEADER):
        sheet.set_column(col, col, max(12, _display_width(text) + 2))


def write_monitor_xlsx(result: ChangeDetection, path: str | Path, meta: Mapping[str, Any]) -> Path:
    """Write the workbook to ``path``; ``meta`` (label → value: project, versions) heads the summary."""

    def fill(book: Workbook) -> None:
        _summary(book, result, meta)
        for c in result.classes:
            _class_sheet(book, c)

    return _atomic_write(path, fill)


BATCH_SHEET = "汇总"
BATCH_HEAD = (
    "县代码",
    "县",
    "项目",
    "数据集",
    "方案版本",
    "基期数据版本",
    "变更调查数据版本",
    "计划新增耕地（平方米）",
)
_ZONE_FLAGS = {"red_line": "red_line_checked", "permanent_farmland_lost": "permanent_farmland_checked"}


def write_batch_xlsx(rows: list[Mapping[str, Any]], path: str | Path) -> Path:
    """The summary of a monitor batch: one row per project (county, versions, planned new farmland, and
    per class the area in m² and 亩 and the piece count, “—” for a zone class not checked), then a 合计
    row summing the projects' m² (to 0.01) and pieces. ``rows`` are the batch rows (``monitor-batch.json``:
    each class's ``area_m2`` under its code, ``counts`` by code, the zone ``*_checked`` flags)."""
    from landcon.engine.change_detection import CLASS_LABELS

    def fill(book: Workbook) -> None:
        sheet = book.add_worksheet(BATCH_SHEET)
        bold = book.add_format({"bold": True})
        header = [*BATCH_HEAD]
        for label in CLASS_LABELS.values():
            header += [f"{label}（平方米）", f"{label}（亩）", f"{label}（图斑数）"]
        sheet.write_row(0, 0, header, bold)
        totals = {code: [0.0, 0] for code in CLASS_LABELS}
        planned = 0.0
        for r, row in enumerate(rows, start=1):
            values: list[Any] = [row.get("county", ""), row.get("county_name", ""), row["project"], row["dataset"]]
            values += [row["plan_version"], row["before_version"], row["after_version"], row["planned_new_farmland_m2"]]
            planned += row["planned_new_farmland_m2"]
            for code in CLASS_LABELS:
                if code in _ZONE_FLAGS and not row.get(_ZONE_FLAGS[code], True):
                    values += [DASH, DASH, DASH]
                    continue
                area, count = row[code], row.get("counts", {}).get(code, 0)
                values += [area, mu(area), count]
                totals[code][0] += area
                totals[code][1] += count
            sheet.write_row(r, 0, values)
        total_row: list[Any] = ["合计", "", f"{len(rows)} 个项目", "", "", "", "", round(planned, 2)]
        for code in CLASS_LABELS:
            area = round(totals[code][0], 2)
            total_row += [area, mu(area), totals[code][1]]
        sheet.write_row(len(rows) + 1, 0, total_row, bold)
        for col, text in enumerate(header):
            sheet.set_column(col, col, max(10, min(_display_width(text) + 2, 28)))
        sheet.freeze_panes(1, 3)

    return _atomic_write(path, fill)
