"""The willingness summary table for the plan (意愿调查汇总表, xlsx): households, responses, response rate and
the consent question's agreeing and objecting households by village and village group; agreement per
question; the objecting households. Renders ``services.willingness.results``; computes nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

SUMMARY_SHEET, QUESTION_SHEET, OBJECTING_SHEET = "意愿汇总", "分题统计", "反对户"
DASH = "—"


def _pct(value: float | None) -> float | str:
    return DASH if value is None else round(value * 100, 1)


def write_summary_xlsx(results: Mapping[str, Any], path: str | Path) -> Path:
    """Write the three sheets to ``path`` atomically (rates in %, 1 decimal)."""
    target = Path(path)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SUMMARY_SHEET
    ws.append([f"{results['project_name']} {results['title']}汇总表"])
    ws.append(["村", "村民小组", "户数", "已回答户数", "回答率（%）", "同意户数", "反对户数", "同意率（%）"])
    bold = [1, 2]

    def row(name: str, group: str, t: Mapping[str, Any]) -> list[Any]:
        responded = t["responded"]
        return [name, group, t["households"], responded, _pct(t["response_rate"]), t["agree"], t["object"],
                _pct(t["agree"] / responded if responded else None)]  # fmt: skip

    for v in results["villages"]:
        for g in v["groups"]:
            ws.append(row(v["name"], g["group"], g))
        ws.append(row(v["name"], "小计", v))
        bold.append(ws.max_row)
    ws.append(row("合计", "", results["total"]))
    bold.append(ws.max_row)
    for n in bold:
        for cell in ws[n]:
            cell.font = Font(bold=True)
    qs = wb.create_sheet(QUESTION_SHEET)
    qs.append(["问题", "类型", "回答户数", "同意户数", "反对户数", "同意率（%）", "各选项户数"])
    for q, c in zip(results["questions"], results["total"]["questions"], strict=True):
        options = "；".join(f"{k} {v}" for k, v in c["options"].items())
        qs.append([q["text"], q["kind_name"], c["answered"], c["agree"], c["object"], _pct(c["agree_share"]), options])
    ob = wb.create_sheet(OBJECTING_SHEET)
    ob.append(["承包方编码", "户主姓名", "村", "村民小组"])
    for h in results["objecting"]:
        ob.append([h["code"], h["head"], h["village"], h["group"]])
    for sheet, widths in (
        (ws, (16, 14, 8, 10, 10, 10, 10, 10)),
        (qs, (40, 8, 10, 10, 10, 10, 60)),
        (ob, (22, 12, 16, 14)),
    ):
        for k, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + k)].width = width
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=target.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
