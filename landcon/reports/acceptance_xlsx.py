"""The acceptance workbook (验收核算): 汇总 (rules and totals), 方案与竣工对比 (plan vs as-built), 核减清单
and 竣工规则检查 (the plan rule pack on the as-built state).

Takes acceptance.json as the service wrote it (``engine.acceptance.Acceptance.to_dict`` plus the
project's versions); computes nothing. Every total written is the engine's own total (the number in
acceptance.json), never a re-added column.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from landcon.reports.survey_xlsx import DASH, _atomic_write, _display_width

SUMMARY_SHEET, COMPARISON_SHEET, CUTS_SHEET, FINDINGS_SHEET = "汇总", "方案与竣工对比", "核减清单", "竣工规则检查"
STATUS_NAMES = {"pass": "通过", "fail": "不通过", "unknown": "无法检查"}
FINDING_HEADER = ("规则编号", "规则名称", "检查结果", "说明", "数值", "阈值", "涉及要素")
RULE_HEADER = ("规则编号", "规则名称", "检查结果", "数值", "阈值", "涉及数量", "单位", "说明")
TOTALS: tuple[tuple[str, str], ...] = (
    ("planned_new_m2", "方案新增耕地（平方米）"),
    ("built_new_m2", "竣工新增耕地（平方米）"),
    ("not_verified_m2", "核实未通过（平方米）"),
    ("verified_new_m2", "核定新增耕地（平方米）"),
    ("cut_m2", "核减合计（平方米）"),
)
COMPARISON_HEADER = ("指标", "单位", "方案", "竣工", "差值（竣工 − 方案）", "键")
CUT_HEADER = (
    ("layer", "图层"),
    ("parcel", "图斑"),
    ("plan_parcel", "对应方案图斑"),
    ("subproject", "子项目"),
    ("reason", "核减原因"),
    ("vintage_dlbm", "变更调查地类"),
    ("planned_m2", "方案新增耕地（平方米）"),
    ("built_m2", "竣工新增耕地（平方米）"),
    ("cut_m2", "核减面积（平方米）"),
)


def _value(v: Any) -> Any:
    if v is None:
        return DASH
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, list | dict):
        return str(v)
    return v


def _summary(book: Workbook, data: Mapping[str, Any], meta: Mapping[str, Any]) -> None:
    sheet = book.add_worksheet(SUMMARY_SHEET)
    bold = book.add_format({"bold": True})
    row = 0
    for key, value in meta.items():
        sheet.write_row(row, 0, (str(key), _value(value)))
        row += 1
    sheet.write_row(row, 0, ("验收核算结论", "通过" if data["passed"] else "未全部通过"), bold)
    row += 1
    for key, label in TOTALS:
        sheet.write_row(row, 0, (label, data["totals"][key]))
        row += 1
    row += 1
    sheet.write_row(row, 0, RULE_HEADER, bold)
    for rule in data["rules"]:
        row += 1
        values = (rule["id"], rule["title"], rule["status_name"], rule["value"], rule["threshold"], rule["amount"])
        sheet.write_row(row, 0, [_value(v) for v in (*values, rule["unit"], rule["message"])])
    for col, text in enumerate(RULE_HEADER):
        sheet.set_column(col, col, max(14, _display_width(text) + 2))


def _comparison(book: Workbook, rows: list[Mapping[str, Any]]) -> None:
    sheet = book.add_worksheet(COMPARISON_SHEET)
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, COMPARISON_HEADER, bold)
    for r, item in enumerate(rows, start=1):
        values = (item["label"], item["unit"], item["plan"], item["built"], item["difference"], item["key"])
        sheet.write_row(r, 0, [_value(v) for v in values])
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 5, 16)


def _cuts(book: Workbook, cuts: list[Mapping[str, Any]], total: float) -> None:
    sheet = book.add_worksheet(CUTS_SHEET)
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, [label for _, label in CUT_HEADER], bold)
    for r, cut in enumerate(cuts, start=1):
        sheet.write_row(r, 0, [_value(cut[k]) if cut[k] != "" else DASH for k, _ in CUT_HEADER])
    last = len(cuts) + 1
    sheet.write(last, 0, "合计", bold)
    sheet.write(last, len(CUT_HEADER) - 1, total, bold)
    for col, (_, text) in enumerate(CUT_HEADER):
        sheet.set_column(col, col, max(12, _display_width(text) + 2))


def _findings(book: Workbook, findings: list[Mapping[str, Any]]) -> None:
    sheet = book.add_worksheet(FINDINGS_SHEET)
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, FINDING_HEADER, bold)
    for r, f in enumerate(findings, start=1):
        features = "、".join(f"{x['layer']} {x['id']}" for x in f["features"]) or DASH
        values = (f["rule"], f["title"], STATUS_NAMES.get(f["status"], f["status"]), f["message"], f["value"])
        sheet.write_row(r, 0, [_value(v) for v in (*values, f["threshold"])] + [features])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 36)
    sheet.set_column(3, 3, 60)


def write_acceptance_xlsx(data: Mapping[str, Any], path: str | Path, meta: Mapping[str, Any]) -> Path:
    """Write the workbook to ``path``; ``meta`` (label → value: project, versions) heads the summary."""

    def fill(book: Workbook) -> None:
        _summary(book, data, meta)
        _comparison(book, data["comparison"])
        _cuts(book, data["cuts"], data["totals"]["cut_m2"])
        _findings(book, data.get("asbuilt_findings") or [])

    return _atomic_write(path, fill)
