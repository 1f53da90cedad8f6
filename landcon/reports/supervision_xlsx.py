"""Excel workbook of one project's implementation supervision (实施监管表): sub-project progress,
progress reports, funds and site photos, one sheet each.

``write_supervision_xlsx`` writes the sheets it is given (``services.supervision_report`` builds them:
title, columns as (label, kind), rows) and computes nothing. Row 1 title, row 2 the project and date,
row 3 the header (frozen), then the rows; a missing value is written “—”, an empty sheet shows one row
“（无）”. Kinds: ``text``, ``num`` (#,##0.00), ``rate`` (a fraction shown as 0.0%), ``deg`` (longitude
or latitude, 7 decimals) and ``image`` (a JPEG file, e.g. a photo's thumbnail, placed in the cell; its
row is made tall enough).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from landcon.reports.survey_xlsx import DASH, _atomic_write, _Formats

NONE_ROW = "（无）"
FORMATS: Mapping[str, str] = {"num": "#,##0.00", "rate": "0.0%", "deg": "0.0000000"}
WIDTHS: Mapping[str, float] = {"text": 18, "num": 12, "rate": 10, "deg": 13, "image": 22}
IMAGE_ROW_PT = 100.0
"""Height of a row holding a thumbnail (points); thumbnails are scaled to fit it."""
IMAGE_PX = IMAGE_ROW_PT * 4 / 3


def _image(ws: Any, row: int, col: int, path: str) -> None:
    from PIL import Image

    with Image.open(path) as img:
        width, height = img.size
    scale = min(1.0, IMAGE_PX / max(height, 1), IMAGE_PX * 1.2 / max(width, 1))
    ws.set_row(row, IMAGE_ROW_PT)
    ws.insert_image(row, col, path, {"x_scale": scale, "y_scale": scale, "x_offset": 2, "y_offset": 2})


def _sheet(workbook: Workbook, fmts: _Formats, sheet: Mapping[str, Any], heading: str) -> None:
    ws = workbook.add_worksheet(str(sheet["title"])[:31])
    columns: Sequence[tuple[str, str]] = sheet["columns"]
    ws.write_string(0, 0, str(sheet["title"]), fmts.title)
    ws.write_string(1, 0, heading, fmts.wrap)
    for c, (label, kind) in enumerate(columns):
        ws.write_string(2, c, label, fmts.header)
        ws.set_column(c, c, WIDTHS[kind])
    ws.freeze_panes(3, 0)
    row = 3
    for values in sheet["rows"]:
        for c, ((_, kind), value) in enumerate(zip(columns, values, strict=True)):
            if kind == "image" and value:
                _image(ws, row, c, str(value))
            elif kind in FORMATS and isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(row, c, float(value), fmts.cell(FORMATS[kind]))
            else:
                ws.write_string(row, c, DASH if value in (None, "") else str(value), fmts.cell("@"))
        row += 1
    if not sheet["rows"]:
        ws.write_string(row, 0, NONE_ROW, fmts.cell("@"))


def write_supervision_xlsx(heading: str, sheets: Sequence[Mapping[str, Any]], path: str | Path) -> list[str]:
    """Write ``sheets`` under ``heading`` (project and date) to ``path`` atomically; returns the sheet names."""

    def fill(workbook: Workbook) -> None:
        fmts = _Formats(workbook)
        for sheet in sheets:
            _sheet(workbook, fmts, sheet, heading)

    _atomic_write(path, fill)
    return [str(s["title"])[:31] for s in sheets]
