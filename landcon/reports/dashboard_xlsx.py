"""Excel workbook of the supervision dashboard: one sheet per table under the dashboard's charts.

``write_dashboard_xlsx`` takes the dashboard (``services.dashboard.dashboard``) and its tables
(``services.dashboard.tables``: columns with a kind, rows, and the 合计 of the summed columns) and writes
them as they are; it computes nothing. Row 1 title, row 2 scope and date, row 3 the header (frozen),
then the rows and a 合计 row carrying the tables' totals. A missing value is written “—”; an empty
table shows one row “（无）”.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from landcon.reports.survey_xlsx import DASH, _atomic_write, _Formats

TOTAL = "合计"
NONE_ROW = "（无）"
FORMATS: Mapping[str, str] = {"count": "#,##0", "m2": "#,##0.00", "wan": "#,##0.00", "pct": "0.00", "rate": "0.00%"}
WIDTHS: Mapping[str, float] = {"text": 18, "count": 10, "m2": 16, "wan": 14, "pct": 12, "rate": 10}


def _sheet(workbook: Workbook, fmts: _Formats, table: Mapping[str, Any], scope: str) -> None:
    ws = workbook.add_worksheet(str(table["title"])[:31])
    columns: Sequence[Mapping[str, Any]] = table["columns"]
    ws.write_string(0, 0, str(table["title"]), fmts.title)
    ws.write_string(1, 0, scope, fmts.wrap)
    for c, column in enumerate(columns):
        ws.write_string(2, c, str(column["label"]), fmts.header)
        ws.set_column(c, c, 40 if column["key"] == "message" else WIDTHS[column["kind"]])
    ws.freeze_panes(3, 0)
    row = 3
    for r in table["rows"]:
        for c, column in enumerate(columns):
            value = r.get(column["key"])
            if column["kind"] == "text" or value is None:
                ws.write_string(row, c, DASH if value in (None, "") else str(value), fmts.cell("@"))
            else:
                ws.write_number(row, c, float(value), fmts.cell(FORMATS[column["kind"]]))
        row += 1
    if not table["rows"]:
        ws.write_string(row, 0, NONE_ROW, fmts.cell("@"))
        row += 1
    if table["totals"]:
        ws.write_string(row, 0, TOTAL, fmts.cell("@", bold=True))
        for c, column in enumerate(columns):
            if column["key"] in table["totals"]:
                ws.write_number(
                    row, c, float(table["totals"][column["key"]]), fmts.cell(FORMATS[column["kind"]], bold=True)
                )


def write_dashboard_xlsx(data: Mapping[str, Any], tables: Sequence[Mapping[str, Any]], path: str | Path) -> list[str]:
    """Write ``tables`` of dashboard ``data`` to ``path`` atomically; returns the sheet names."""
    scope = f"{data['scope']['name']} · 截至 {data['as_of']}"

    def fill(workbook: Workbook) -> None:
        fmts = _Formats(workbook)
        for table in tables:
            _sheet(workbook, fmts, table, scope)

    _atomic_write(path, fill)
    return [str(t["title"])[:31] for t in tables]
