"""Excel 指标台账 of a county or the province (quota ledgers, domain reference §5).

``write_ledger_xlsx`` writes five sheets from the plain dicts of ``services.ledger`` (gathered by
``services.ledger_report.export``):

* 余额 — the holdings per kind × account (可用, 预留, 冻结, 已使用), every account of the unit with its
  balance and, for the province, each county's 可用 indicators;
* 明细 — every line of every posting touching the unit, in posting order;
* 调剂 — the 调剂 contracts with a 合计 row;
* 周转指标 — each 周转指标下达 with what was returned, what is outstanding and whether it is overdue
  (overdue rows filled red);
* 入市 — the 集体经营性建设用地入市 deals with a 合计 row.

The report computes no indicator: balances, 亩 values, contract totals, 调节金 and shares all come from
the services; it only sums displayed columns in the 合计 rows and turns a fraction into a percentage.
Every sheet: row 1 title, row 2 units, then the tables; the first header row is frozen and repeated on
every printed page (landscape A4, one page wide). An empty table shows one row "（无）".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook

from landcon.engine.ledger import KINDS
from landcon.reports.plan_xlsx import COUNT, MU, PCT, Sheet, Table, TableColumn, _write_table
from landcon.reports.survey_xlsx import DASH, _atomic_write, _Formats

BALANCE_SHEET = "余额"
POSTINGS_SHEET = "明细"
TRANSFERS_SHEET = "调剂"
REVOLVING_SHEET = "周转指标"
MARKET_SHEET = "入市"
SHEET_TITLES: Mapping[str, str] = {
    POSTINGS_SHEET: "指标记账明细",
    TRANSFERS_SHEET: "指标调剂合同台账",
    REVOLVING_SHEET: "增减挂钩周转指标归还情况",
    MARKET_SHEET: "集体经营性建设用地入市台账",
}
NONE_ROW = "（无）"
OVERDUE, NOT_DUE, RETURNED = "逾期", "未到期", "已归还"

M2 = "#,##0.00"
MONEY = "#,##0.00"
KG = "#,##0"
AREA_NOTE = "面积单位：亩、平方米（1 亩 = 10000/15 平方米）；粮食产能单位：公斤；金额单位：元。"


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return DASH if value is None or value == "" else str(value)


def _sum(values: Iterable[Any]) -> float:
    """Sum of displayed 2-decimal values (亩 or 元), rounded back to 2 decimals."""
    return round(sum(float(v) for v in values), 2) + 0.0


def _close(table: Table) -> Table:
    """An empty table gets one row "（无）"."""
    if not table.rows:
        table.add(NONE_ROW, *([None] * (len(table.columns) - 1)))
    return table


def _qty_columns(prefix: str = "") -> list[TableColumn]:
    return [
        TableColumn(f"{prefix}面积（亩）", MU, width=12),
        TableColumn(f"{prefix}面积（m²）", M2, width=14),
        TableColumn("其中水田（亩）", MU, width=12),
        TableColumn("粮食产能（公斤）", KG, width=14),
    ]


def _qty(row: Mapping[str, Any]) -> list[Any]:
    return [row["area_mu"], row["area_m2"], row["paddy_mu"], row["grain_kg"]]


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def summary_table(summary: Sequence[Mapping[str, Any]]) -> Table:
    """Holdings per kind × account (可用, 本村建房预留, 冻结, 已使用)."""
    t = Table("一、指标汇总", [TableColumn("指标种类", width=20), TableColumn("账户", width=14), *_qty_columns()])
    for row in summary:
        t.add(row["kind_name"], row["bucket_name"], *_qty(row))
    return _close(t)


def accounts_table(accounts: Sequence[Mapping[str, Any]]) -> Table:
    """Every account of the unit with its balance (contra accounts are negative)."""
    t = Table(
        "二、账户余额",
        [
            TableColumn("项目区", width=10),
            TableColumn("指标种类", width=20),
            TableColumn("账户", width=14),
            *_qty_columns(),
        ],
    )
    for row in accounts:
        t.add(row["area_code"] or "", row["kind_name"], row["bucket_name"], *_qty(row))
    return _close(t)


def counties_table(counties: Sequence[Mapping[str, Any]]) -> Table:
    """The province's view: each county's 可用 indicators, one row per county × kind."""
    t = Table(
        "三、各县可用指标",
        [
            TableColumn("县（市、区）代码", width=10),
            TableColumn("县（市、区）", width=14),
            TableColumn("指标种类", width=20),
            *_qty_columns("可用"),
        ],
    )
    for row in counties:
        t.add(row["unit"], row["unit_name"], row["kind_name"], *_qty(row))
    return _close(t)


def postings_table(postings: Sequence[Mapping[str, Any]]) -> Table:
    """One row per posting line, the posting's fields repeated on each of its lines."""
    t = Table(
        None,
        [
            TableColumn("记账号", COUNT, width=8),
            TableColumn("记账日期", width=12),
            TableColumn("类型", width=16),
            TableColumn("来源文件", width=22),
            TableColumn("指标种类", width=18),
            TableColumn("账户", width=18),
            TableColumn("项目区", width=8),
            TableColumn("面积（亩）", MU, width=12),
            TableColumn("面积（m²）", M2, width=14),
            TableColumn("水田（亩）", MU, width=10),
            TableColumn("产能（公斤）", KG, width=12),
            TableColumn("经办人", width=10),
            TableColumn("备注", width=20),
            TableColumn("核定依据", width=16),
        ],
    )
    for p in postings:
        for ln in p["lines"]:
            t.add(
                p["id"],
                p["posted_on"],
                p["doc_type_name"],
                p["doc_no"],
                _kind_name(ln),
                f"{ln['unit_name']} {ln['bucket_name']}",
                ln["area_code"] or "",
                ln["area_mu"],
                ln["area_m2"],
                ln["paddy_mu"],
                ln["grain_kg"],
                p["created_by"],
                p["memo"] or "",
                p.get("basis_name") or "",
            )
    return _close(t)


def _kind_name(line: Mapping[str, Any]) -> str:
    """A line's own kind (a 拆旧复垦 posting also returns 周转指标)."""
    return KINDS.get(line["kind"], str(line["kind"]))


def transfers_table(transfers: Sequence[Mapping[str, Any]]) -> Table:
    """调剂 contracts, then a 合计 row of the area and money columns."""
    t = Table(
        None,
        [
            TableColumn("合同号", width=16),
            TableColumn("日期", width=12),
            TableColumn("种类", width=18),
            TableColumn("调出方", width=18),
            TableColumn("调入方", width=18),
            TableColumn("跨省", width=6),
            TableColumn("面积（亩）", MU, width=12),
            TableColumn("单价（元/亩）", MONEY, width=14),
            TableColumn("总价（元）", MONEY, width=16),
            TableColumn("已收款（元）", MONEY, width=16),
            TableColumn("未收款（元）", MONEY, width=16),
        ],
    )
    for r in transfers:
        t.add(
            r["contract_no"],
            r["signed_on"],
            r["kind_name"],
            _text(r["seller"]),
            _text(r["buyer"]),
            "是" if r["cross_province"] else "否",
            r["area_mu"],
            r["price_yuan_per_mu"],
            r["total_yuan"],
            r["received_yuan"],
            r["outstanding_yuan"],
        )
    if not transfers:
        return _close(t)
    t.add(
        "合计",
        f"{len(transfers)} 份",
        None,
        None,
        None,
        None,
        _sum(r["area_mu"] for r in transfers),
        None,
        *(_sum(r[k] for r in transfers) for k in ("total_yuan", "received_yuan", "outstanding_yuan")),
        bold=True,
    )
    return t


def revolving_status(row: Mapping[str, Any]) -> str:
    """逾期 (outstanding past the deadline), 已归还 (nothing outstanding) or 未到期."""
    if row["overdue"]:
        return OVERDUE
    return NOT_DUE if row["outstanding"] > 0 else RETURNED


def revolving_table(
    rows: Sequence[Mapping[str, Any]], *, unit_names: Mapping[str, str] | None = None, by_county: bool = False
) -> Table:
    """Each 周转指标下达: issued, returned, outstanding, deadline and status (by county for the province)."""
    columns = [TableColumn("县（市、区）", width=14)] if by_county else []
    columns += [
        TableColumn("项目区", width=10),
        TableColumn("记账号", COUNT, width=8),
        TableColumn("下达（亩）", MU, width=12),
        TableColumn("已归还（亩）", MU, width=12),
        TableColumn("未归还（亩）", MU, width=12),
        TableColumn("归还期限", width=12),
        TableColumn("状态", width=8),
    ]
    t = Table(None, columns)
    names = unit_names or {}
    for r in rows:
        county = [names.get(r["unit"], r["unit"])] if by_county else []
        t.add(
            *county,
            r["area_code"],
            r["posting"],
            r["issued_mu"],
            r["returned_mu"],
            r["outstanding_mu"],
            _text(r["due_date"]),
            revolving_status(r),
        )
    return _close(t)


def market_table(deals: Sequence[Mapping[str, Any]], *, by_county: bool = False) -> Table:
    """入市 deals, then a 合计 row of the area and money columns."""
    columns = [TableColumn("县（市、区）", width=14)] if by_county else []
    columns += [
        TableColumn("合同号", width=16),
        TableColumn("宗地代码", width=20),
        TableColumn("集体经济组织", width=22),
        TableColumn("方式", width=6),
        TableColumn("用途", width=10),
        TableColumn("面积（亩）", MU, width=10),
        TableColumn("年限（年）", COUNT, width=8),
        TableColumn("成交价款（元）", MONEY, width=16),
        TableColumn("成本（元）", MONEY, width=16),
        TableColumn("增值收益（元）", MONEY, width=16),
        TableColumn("调节金比例（%）", PCT, width=10),
        TableColumn("调节金（元）", MONEY, width=16),
        TableColumn("集体留存（元）", MONEY, width=16),
        TableColumn("成员分配（元）", MONEY, width=16),
        TableColumn("签订日期", width=12),
    ]
    t = Table(None, columns)
    money = ("price_yuan", "cost_yuan", "increment_yuan")
    shares = ("levy_yuan", "collective_yuan", "members_yuan")
    for d in deals:
        county = [d["county_name"]] if by_county else []
        t.add(
            *county,
            d["contract_no"],
            d["parcel_code"],
            d["collective"],
            d["mode"],
            d["use"],
            d["area_mu"],
            d["term_years"],
            *(d[k] for k in money),
            round(float(d["rate"]) * 100.0, 2) + 0.0,
            *(d[k] for k in shares),
            d["signed_on"],
        )
    if not deals:
        return _close(t)
    t.add(
        *([None] if by_county else []),
        "合计",
        f"{len(deals)} 宗",
        None,
        None,
        None,
        _sum(d["area_mu"] for d in deals),
        None,
        *(_sum(d[k] for d in deals) for k in money),
        None,
        *(_sum(d[k] for d in deals) for k in shares),
        None,
        bold=True,
    )
    return t


def ledger_sheets(data: Mapping[str, Any]) -> list[Sheet]:
    """The five sheets of the workbook (see the module docstring)."""
    province = data.get("level") == "province"
    names: Mapping[str, str] = data.get("unit_names") or {}
    balance = [summary_table(data.get("summary") or []), accounts_table(data.get("accounts") or [])]
    if province:
        balance.append(counties_table(data.get("counties") or []))
    scope = "汇总全省各单位" if province else "本单位"
    return [
        Sheet(
            BALANCE_SHEET,
            f"{AREA_NOTE}指标汇总为{scope}持有账户余额；核定来源、应归还、省外调剂为对方账户，余额为负数。",
            balance,
        ),
        Sheet(
            POSTINGS_SHEET,
            f"{AREA_NOTE}每笔记账的各条分录，借贷合计为零；按记账号排列。",
            [postings_table(data.get("postings") or [])],
        ),
        Sheet(TRANSFERS_SHEET, f"{AREA_NOTE}总价 = 面积（亩）× 单价。", [transfers_table(data.get("transfers") or [])]),
        Sheet(
            REVOLVING_SHEET,
            f"{AREA_NOTE}拆旧复垦验收面积先行归还周转指标（先下达先归还）；逾期未归还的行以红色标示。",
            [revolving_table(data.get("revolving") or [], unit_names=names, by_county=province)],
        ),
        Sheet(
            MARKET_SHEET,
            f"{AREA_NOTE}增值收益 = 成交价款 − 成本；调节金 = 增值收益 × 调节金比例；余额由集体留存与成员分配。",
            [market_table(data.get("market") or [], by_county=province)],
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _write_ledger_sheet(workbook: Workbook, fmts: _Formats, sheet: Sheet, title: str, title_format: Any) -> int:
    """Write one sheet (title, note, tables, print setup); returns the row of the first table's header."""
    ws = workbook.add_worksheet(sheet.name)
    ncols = max(len(t.columns) for t in sheet.tables)
    ws.merge_range(0, 0, 0, max(ncols - 1, 1), title, title_format)
    ws.set_row(0, 28)
    ws.write_string(1, 0, sheet.note)
    widths = [0.0] * ncols
    header = 3 if sheet.tables[0].title else 2
    row = 2
    for table in sheet.tables:
        row = _write_table(ws, fmts, row, table, widths)
    for k, width in enumerate(widths):
        ws.set_column(k, k, min(width, 60.0))
    ws.freeze_panes(header + 1, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header)
    ws.set_footer("&C第 &P 页，共 &N 页")
    return header


def _highlight_overdue(workbook: Workbook, header: int, table: Table) -> None:
    """Red fill over every 周转指标 row whose 状态 is 逾期."""
    ws = workbook.get_worksheet_by_name(REVOLVING_SHEET)
    status = next(k for k, c in enumerate(table.columns) if c.label == "状态")
    last = len(table.columns) - 1
    red = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    for i, r in enumerate(table.rows):
        if r.cells[status] == OVERDUE:
            ws.conditional_format(header + 1 + i, 0, header + 1 + i, last, {"type": "no_errors", "format": red})


def write_ledger_xlsx(data: Mapping[str, Any], path: str | Path) -> list[str]:
    """Write the 台账 workbook of ``data`` to ``path``, atomically; returns the sheet names.

    ``data``: ``unit_name``, ``level``, ``as_of`` (YYYY-MM-DD); ``summary``, ``accounts``, ``counties``
    (``services.ledger.balance``); ``postings`` (``history``, oldest first); ``transfers``, ``revolving``,
    ``market`` (``market_list``); ``unit_names`` (code → name, for the province's 周转指标 rows).
    """
    sheets = ledger_sheets(data)
    name = str(data.get("unit_name") or data.get("unit") or "")
    titles = {BALANCE_SHEET: f"{name}指标台账（截至 {data.get('as_of', '')}）"}
    titles.update({k: f"{name}{v}" for k, v in SHEET_TITLES.items()})

    def fill(workbook: Workbook) -> None:
        fmts = _Formats(workbook)
        title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        for sheet in sheets:
            header = _write_ledger_sheet(workbook, fmts, sheet, titles[sheet.name], title_format)
            if sheet.name == REVOLVING_SHEET:
                _highlight_overdue(workbook, header, sheet.tables[0])

    _atomic_write(path, fill)
    return [s.name for s in sheets]
