"""Excel workbooks of a 权属调整 (tenure adjustment), see domain reference §6.1.

* ``write_publicity_xlsx`` — 权属调整方案公示表, posted in the village: one row per household with the
  name and the contract code (CBFBM) masked (``mask_name``, ``mask_code``), before/after parcels, areas and
  values, the value deviation and the money settlement (找补), a 合计 row, the 公示期 and how to object,
  printable on landscape A4 with the header rows repeated on every page;
* ``write_household_xlsx`` — the internal workbook: 户表 (real names, every column of the household
  table), 村级指标 and 参数.

Both take the frame of ``engine.realloc.indices.household_table`` and the dict of
``village_indicators``; the report computes no indicator. It converts units (m² → 亩 via
``codes.SQM_PER_MU``, fractions → %), rounds (m² to 0.01 first, then 亩 from the rounded m², as in
``survey_xlsx``) and writes "—" for an undefined value, never 0. Totals rows show the engine's totals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook

from landcon.engine.realloc.indices import COLUMN_LABELS, INDICATOR_LABELS, Label, mask_code, mask_name
from landcon.reports.plan_xlsx import (
    COUNT,
    GENERAL,
    MU,
    TEXT,
    Num,
    Sheet,
    Table,
    TableColumn,
    _write_sheet,
    _write_table,
    mu,
)
from landcon.reports.survey_xlsx import DASH, _atomic_write, _display_width, _Formats

PUBLICITY_SHEET = "权属调整公示表"
HOUSEHOLD_SHEET = "户表"
INDICATOR_SHEET = "村级指标"
PARAMS_SHEET = "参数"

PUBLICITY_DAYS = 7
"""公示期 in days: no national number; ≥ 7 days is common practice (domain reference §6.1, unverified)."""

PARAM_LABELS: Mapping[str, Label] = {
    "tolerance": Label("价值容差", "%", "每户调整后价值与应得价值的允许偏差"),
    "deduction": Label("公共用地扣除比例", "%", "新建道路、沟渠占用价值的分摊比例"),
    "min_width": Label("最小地块宽度", "米", "沿道路方向，满足农机作业"),
    "unit_price": Label("找补单价", "元/标准平方米", "价值差额按此单价以货币找补"),
    "time_limit": Label("求解时限", "秒"),
    "candidates": Label("每户候选田块数", "个", "仅考虑距宅基地最近的 k 个田块及意愿田块"),
    "weights.distance": Label("目标权重：耕作距离", "米/米", "地块数最少之后，按宅基地到地块的价值加权距离计"),
    "weights.preference": Label("目标权重：意愿顺序", "米/位", "每偏离第一意愿一位折合的距离"),
    "weights.deviation": Label("目标权重：价值偏差", "米/100%", "价值偏差折合的距离（默认 1% 折 5 米）"),
}
"""Chinese names of the ``Params`` fields (``params.to_dict()``; nested keys joined with ".")."""

_PARAM_NONE: Mapping[str, str] = {"deduction": "按面积自动计算", "candidates": "全部田块"}
_UNIT_DIGITS: Mapping[str, int] = {"户": 0, "块": 0, "个": 0, "": 4}


# ---------------------------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _fmt(unit: str) -> str:
    digits = _UNIT_DIGITS.get(unit, 2)
    return "0" if digits == 0 else "0." + "0" * digits


def _cell(value: Any, unit: str) -> Any:
    """Display value in ``unit`` (a "%" value is a fraction, shown × 100), rounded; "—" when undefined."""
    if _missing(value):
        return DASH
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return value
    number = float(value) * (100.0 if unit == "%" else 1.0)
    digits = _UNIT_DIGITS.get(unit, 2)
    return round(number) if digits == 0 else round(number, digits) + 0.0  # + 0.0: no "-0.00"


def _num(value: Any, unit: str) -> Any:
    """``_cell`` carrying its own number format (for columns whose rows mix units)."""
    shown = _cell(value, unit)
    return Num(shown, _fmt(unit)) if isinstance(shown, int | float) else shown


def _unit_text(unit: str) -> str:
    return {"标准m²": "标准平方米", "m²": "平方米"}.get(unit, unit)


def _header(label: Label) -> str:
    return f"{label.name}（{_unit_text(label.unit)}）" if label.unit else label.name


def _mu(m2: Any) -> Any:
    return DASH if _missing(m2) else mu(m2)


def _indicator(indicators: Mapping[str, Any], key: str, unit: str) -> Any:
    return _cell(indicators.get(key), unit)


def _title_format(workbook: Workbook) -> Any:
    return workbook.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})


# ---------------------------------------------------------------------------------------------
# 公示表
# ---------------------------------------------------------------------------------------------


def publicity_table(table: pd.DataFrame, indicators: Mapping[str, Any]) -> Table:
    """The rows of the 公示表: masked names and masked CBFBM, then a 合计 row of the village totals."""
    columns = [
        TableColumn("序号", COUNT, width=6),
        TableColumn("承包方编码", TEXT, width=20),
        TableColumn("承包方", TEXT, width=10),
    ]
    for group in ("调整前", "调整后"):
        columns += [
            TableColumn("地块数（块）", COUNT, group, width=8),
            TableColumn("面积（亩）", MU, group, width=10),
            TableColumn("面积（平方米）", _fmt("m²"), group, width=12),
            TableColumn("价值（标准平方米）", _fmt("标准m²"), group, width=12),
        ]
        if group == "调整前":
            columns.append(TableColumn("应得价值（标准平方米）", _fmt("标准m²"), width=12))
    columns += [TableColumn("价值偏差（%）", _fmt("%"), width=10), TableColumn("找补金额（元）", _fmt("元"), width=12)]
    t = Table(None, columns)
    for i, row in enumerate(table.itertuples(index=False), start=1):
        t.add(
            i,
            mask_code(str(row.CBFBM)),
            mask_name(str(row.CBFMC)),
            _cell(row.parcels_before, "块"),
            _mu(row.area_before),
            _cell(row.area_before, "m²"),
            _cell(row.value_before, "标准m²"),
            _cell(row.entitled, "标准m²"),
            _cell(row.parcels_after, "块"),
            _mu(row.area_after),
            _cell(row.area_after, "m²"),
            _cell(row.value_after, "标准m²"),
            _cell(row.deviation, "%"),
            _cell(row.settlement, "元"),
        )
    t.add(
        "合计",
        f"{_indicator(indicators, 'households', '户')}户",
        "",
        _indicator(indicators, "parcels_before", "块"),
        _mu(indicators.get("total_area_before")),
        _indicator(indicators, "total_area_before", "m²"),
        _indicator(indicators, "total_value_before", "标准m²"),
        _indicator(indicators, "total_entitled", "标准m²"),
        _indicator(indicators, "parcels_after", "块"),
        _mu(indicators.get("total_area_after")),
        _indicator(indicators, "total_area_after", "m²"),
        _indicator(indicators, "total_value_after", "标准m²"),
        None,
        None,
        bold=True,
    )
    return t


def _money(value: Any) -> str:
    shown = _cell(value, "元")
    return shown if isinstance(shown, str) else f"{shown:.2f}"


def write_publicity_xlsx(
    table: pd.DataFrame,
    indicators: Mapping[str, Any],
    path: str | Path,
    *,
    village_name: str,
    title_date: str,
    publicity_days: int = PUBLICITY_DAYS,
    unit_price: float | None = None,
) -> Path:
    """Write the 权属调整方案公示表 to ``path``, atomically.

    Layout: row 1 title, rows 2–4 village and date, units, 公示期 and how to object; then the two
    header rows (repeated on every printed page), one row per household and the 合计 row; then the
    找补 totals, the 田块归并度 and the signature lines. No real name appears anywhere.
    """
    t = publicity_table(table, indicators)
    last = len(t.columns) - 1
    price = "" if unit_price is None else f"，单价 {unit_price:g} 元/标准平方米"
    head = [
        f"村（社区）：{village_name}        公示日期：{title_date}        "
        f"公示期：自公示之日起不少于 {publicity_days} 日",
        "面积单位：亩、平方米（1 亩 = 10000/15 平方米）；价值单位：标准平方米（面积 × 地力等级系数）；金额单位：元。"
        "为保护个人信息，承包方名称仅显示首尾字，承包方编码仅显示前 6 位和后 4 位。",
        f"对本表内容有异议的，请于公示期内（{publicity_days} 日内）以书面形式向村民委员会或项目实施单位提出，"
        "写明异议内容、理由并附相关证明材料；逾期未提出的，视为无异议。",
    ]
    foot = [
        f"价值偏差 =（调整后价值 − 应得价值）/ 应得价值；找补金额 =（应得价值 − 调整后价值）× 找补单价{price}。"
        "找补金额为正数的由项目补给农户，为负数的由农户补交。",
        f"应补给农户合计 {_money(indicators.get('settlement_paid'))} 元，"
        f"农户应补交合计 {_money(indicators.get('settlement_received'))} 元；"
        f"田块归并度 {_pct_text(indicators.get('merge_degree'))}。",
        f"村民委员会（盖章）：                    项目实施单位（盖章）：                    日期：{title_date}",
    ]

    def fill(workbook: Workbook) -> None:
        fmts = _Formats(workbook)
        ws = workbook.add_worksheet(PUBLICITY_SHEET)
        ws.merge_range(0, 0, 0, last, f"{village_name}土地权属调整方案公示表", _title_format(workbook))
        ws.set_row(0, 32)
        for r, text in enumerate(head, start=1):
            ws.merge_range(r, 0, r, last, text, fmts.wrap)
            ws.set_row(r, 30)
        first_header = len(head) + 1
        widths = [0.0] * len(t.columns)
        end = _write_table(ws, fmts, first_header, t, widths)
        ws.set_row(first_header, 24)
        ws.set_row(first_header + 1, 36)
        for r, text in enumerate(foot, start=end):
            ws.merge_range(r, 0, r, last, text, fmts.wrap)
            ws.set_row(r, 30)
        for k, column in enumerate(t.columns):
            ws.set_column(k, k, max(column.width, min(_display_width(column.label) / 2 + 2, 14)))
        ws.set_column(1, 1, max(widths[1], t.columns[1].width))
        ws.freeze_panes(first_header + 2, 3)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(first_header, first_header + 1)
        ws.center_horizontally()
        ws.set_footer("&C第 &P 页，共 &N 页")

    return _atomic_write(path, fill)


def _pct_text(fraction: Any) -> str:
    shown = _cell(fraction, "%")
    return shown if isinstance(shown, str) else f"{shown:.2f}%"


# ---------------------------------------------------------------------------------------------
# Internal workbook
# ---------------------------------------------------------------------------------------------


def household_sheet_table(table: pd.DataFrame, indicators: Mapping[str, Any]) -> Table:
    """户表: every column of the household table (each area also in 亩), then the 合计 row."""
    columns: list[TableColumn] = []
    keys: list[tuple[str, bool]] = []  # (table column, in 亩)
    for key in table.columns:
        label = COLUMN_LABELS.get(key, Label(key, ""))
        columns.append(TableColumn(_header(label), _fmt(label.unit), width=max(10.0, _display_width(label.name) / 2)))
        keys.append((key, False))
        if label.unit == "m²":
            columns.append(TableColumn(f"{label.name}（亩）", MU, width=10))
            keys.append((key, True))
    t = Table(None, columns)
    for row in table.to_dict("records"):
        cells = []
        for key, in_mu in keys:
            unit = COLUMN_LABELS.get(key, Label(key, "")).unit
            cells.append(_mu(row[key]) if in_mu else _cell(row[key], unit))
        t.add(*cells)
    totals: Mapping[str, tuple[str, str]] = {
        "parcels_before": ("parcels_before", "块"),
        "area_before": ("total_area_before", "m²"),
        "value_before": ("total_value_before", "标准m²"),
        "entitled": ("total_entitled", "标准m²"),
        "parcels_after": ("parcels_after", "块"),
        "area_after": ("total_area_after", "m²"),
        "value_after": ("total_value_after", "标准m²"),
    }
    cells = []
    for key, in_mu in keys:
        if key == "CBFBM":
            cells.append("合计")
        elif key == "CBFMC":
            cells.append(f"{_indicator(indicators, 'households', '户')}户")
        elif key in totals:
            source, unit = totals[key]
            cells.append(_mu(indicators.get(source)) if in_mu else _indicator(indicators, source, unit))
        else:
            cells.append(None)
    t.add(*cells, bold=True)
    return t


def indicator_table(indicators: Mapping[str, Any]) -> Table:
    """村级指标: every indicator with its Chinese name, unit and definition (areas also in 亩)."""
    t = Table(
        None,
        [
            TableColumn("指标", width=30),
            TableColumn("数值", GENERAL, width=14),
            TableColumn("单位", width=12),
            TableColumn("折合亩", MU, width=12),
            TableColumn("说明", width=50),
            TableColumn("键", width=28),
        ],
    )
    keys = [*INDICATOR_LABELS, *(k for k in indicators if k not in INDICATOR_LABELS)]
    for key in keys:
        label = INDICATOR_LABELS.get(key, Label(key, ""))
        value = indicators.get(key)
        area = _mu(value) if label.unit == "m²" else None
        t.add(label.name, _num(value, label.unit), _unit_text(label.unit), area, label.note, key)
    return t


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out += _flatten(value, f"{name}.")
        else:
            out.append((name, value))
    return out


def _param_label(key: str) -> Label:
    if key in PARAM_LABELS:
        return PARAM_LABELS[key]
    if key.startswith("quality_coef."):
        return Label(f"地力等级 {key.split('.', 1)[1]} 价值系数", "")
    return Label(key, "")


def params_table(params: Mapping[str, Any]) -> Table:
    """参数: each parameter (nested ones flattened) with its Chinese name, value and unit."""
    t = Table(
        None,
        [
            TableColumn("参数", width=28),
            TableColumn("值", GENERAL, width=14),
            TableColumn("单位", width=12),
            TableColumn("说明", width=46),
            TableColumn("键", width=20),
        ],
    )
    for key, value in _flatten(params):
        label = _param_label(key)
        if value is None:
            shown: Any = _PARAM_NONE.get(key, DASH)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            shown = Num(float(value) * 100.0, "0.00") if label.unit == "%" else Num(value, GENERAL)
        else:
            shown = _cell(value, "")
        t.add(label.name, shown, label.unit, label.note, key)
    return t


def write_household_xlsx(
    table: pd.DataFrame, indicators: Mapping[str, Any], path: str | Path, *, params: Mapping[str, Any]
) -> Path:
    """Write the internal workbook (sheets 户表, 村级指标, 参数) to ``path``, atomically.

    ``params``: the parameters used, as ``Params.to_dict()``. Layout of every sheet as in
    ``plan_xlsx``: row 1 the sheet title, row 2 a note, then the header row and the data.
    """
    internal = "内部资料：含承包方真实姓名，不得公示。"
    sheets = [
        Sheet(
            HOUSEHOLD_SHEET,
            f"{internal}面积单位：平方米、亩；价值单位：标准平方米；距离单位：米；金额单位：元（正数补给农户，负数由农户补交）。",
            [household_sheet_table(table, indicators)],
        ),
        Sheet(INDICATOR_SHEET, "比例类指标以百分数表示；“—”表示无法计算。", [indicator_table(indicators)]),
        Sheet(PARAMS_SHEET, "本次权属调整计算所用参数。", [params_table(params)]),
    ]

    def fill(workbook: Workbook) -> None:
        fmts = _Formats(workbook)
        title = _title_format(workbook)
        for sheet in sheets:
            _write_sheet(workbook, fmts, sheet, title)
        households = workbook.get_worksheet_by_name(HOUSEHOLD_SHEET)
        households.set_row(2, 36)  # the header row, wrapped
        households.freeze_panes(3, 2)

    return _atomic_write(path, fill)
