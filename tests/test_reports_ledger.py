"""The 指标台账 workbook (services.ledger_report → reports.ledger_xlsx) on SQLite and PostgreSQL, reopened
with openpyxl and checked cell by cell against figures computed by hand.

The ledger (see ``ledger_fixtures`` for the project's figures):

- 补充耕地指标核定 for FM-2027-01: 10,000 m² = 15 亩, 粮食产能 10,575 kg, to 富民县 (530124);
- 调剂合同001: 富民县 → 五华区 (530102) 6,000 m² = 9 亩 at 200,000 元/亩 = 1,800,000 元, received 100,000,
  outstanding 1,700,000; no 粮食产能 moves, so 富民县 keeps 4,000 m² = 6 亩 with 10,575 kg;
- 五华批〔2027〕1号: 五华区 uses 2,000 m² = 3 亩, leaving 4,000 m² = 6 亩 可用;
- 周转指标 4,000 m² = 6 亩 to 项目区 G1 on 2020-01-01: due 2023-01-01, nothing returned, so 逾期;
- 入市合同001 (富民县): 2,000 m² = 3 亩, price 1,000,000, cost 400,000 → 增值收益 600,000, 调节金 30 % =
  180,000, distributed = 成交价款 − 调节金 − 成本 = 420,000 → 集体留存 30 % = 126,000, 成员分配 294,000.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from ledger_fixtures import CODE, project_to
from market_fixtures import village_decides
from openpyxl.worksheet.worksheet import Worksheet

from landcon.errors import NotFound, PermissionDenied
from landcon.reports import ledger_xlsx
from landcon.reports.ledger_xlsx import write_ledger_xlsx
from landcon.services import ledger, ledger_report, records
from landcon.services.clock import today

SHEETS = ["余额", "明细", "调剂", "周转指标", "入市"]
FIRST = 4  # first data row of the single-table sheets (1 title, 2 note, 3 header)
NONE = ("（无）",)


def who(name: str) -> records.Actor:
    return records.actor(name)


def build_ledger(tmp_path: Path) -> dict[str, int]:
    project_to(tmp_path, "aftercare")
    ids = {
        "issue": ledger.issue_farmland(who("yn_sup"), CODE, "云自然资核〔2027〕1号")["id"],
        "transfer": ledger.transfer(
            who("fm_sup"),
            "bcgd",
            "调剂合同001",
            area_m2=6000,
            price_yuan_per_mu=200000,
            seller="530124",
            buyer="530102",
            received_yuan=100000,
        )["id"],
        "use": ledger.use(who("wh_sup"), "530102", "bcgd", "五华批〔2027〕1号", area_m2=2000, paddy_m2=0, grain_kg=0)[
            "id"
        ],
        "zz": ledger.issue_revolving(who("yn_sup"), CODE, "G1", 4000, "云自然资周〔2027〕1号", on=date(2020, 1, 1))[
            "id"
        ],
    }
    ledger.market_add(
        who("fm_sup"),
        "530124",
        "入市合同001",
        parcel_code="530124100201JA00001",
        collective="测试村股份经济合作社",
        mode="出让",
        land_use="商服用地",
        area_m2=2000,
        term_years=40,
        price_yuan=1_000_000,
        cost_yuan=400_000,
        rate=0.3,
        signed_on=date(2027, 3, 1),
        village=village_decides(CODE),  # 入市 needs 测试村's decision
    )
    return ids


def rows(ws: Worksheet) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def data_rows(ws: Worksheet, first: int = FIRST) -> list[tuple[Any, ...]]:
    """Rows from ``first`` (1-based) up to the first blank row."""
    out = []
    for r in rows(ws)[first - 1 :]:
        if all(v is None for v in r):
            break
        out.append(r)
    return out


def block(ws: Worksheet, title: str) -> list[tuple[Any, ...]]:
    """Data rows of the titled table ``title`` (its title row, its header row, then the data)."""
    at = next(i for i, r in enumerate(rows(ws), start=1) if r[0] == title)
    return data_rows(ws, at + 2)


def all_text(wb: openpyxl.Workbook) -> str:
    return "\n".join(str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v is not None)


def trim(row: tuple[Any, ...], n: int) -> tuple[Any, ...]:
    return row[:n]


def test_county_and_province_workbooks(records_world, tmp_path):
    ids = build_ledger(tmp_path)
    as_of = today().isoformat()
    contract = ("调剂合同001", as_of, "补充耕地指标", "富民县（530124）", "五华区（530102）", "否")
    money = (9, 200000, 1800000, 100000, 1700000)

    # 富民县 -------------------------------------------------------------------------------------
    out = tmp_path / "富民县台账.xlsx"
    result = ledger_report.export(who("fm_sup"), "530124", out)
    assert result == {"path": str(out), "unit": "530124", "unit_name": "富民县", "sheets": SHEETS, "postings": 3}
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == SHEETS
    ws = wb["余额"]
    assert ws["A1"].value == f"富民县指标台账（截至 {as_of}）"
    assert block(ws, "一、指标汇总") == [
        ("补充耕地指标", "可用", 6, 4000, 0, 10575, None),
        ("增减挂钩周转指标", "可用", 6, 4000, 0, 0, None),
    ]
    assert block(ws, "二、账户余额") == [
        (None, "补充耕地指标", "可用", 6, 4000, 0, 10575),
        (None, "补充耕地指标", "核定来源", -15, -10000, 0, -10575),
        ("G1", "增减挂钩周转指标", "可用", 6, 4000, 0, 0),
        ("G1", "增减挂钩周转指标", "应归还", -6, -4000, 0, 0),
    ]
    assert not any(r[0] == "三、各县可用指标" for r in rows(ws))

    ws = wb["明细"]
    assert ws["A1"].value == "富民县指标记账明细"
    lines = data_rows(ws)
    assert [r[0] for r in lines] == [ids["issue"]] * 2 + [ids["transfer"]] * 2 + [ids["zz"]] * 2
    assert {r[3] for r in lines} == {"云自然资核〔2027〕1号", "调剂合同001", "云自然资周〔2027〕1号"}
    assert lines[0] == (
        ids["issue"], as_of, "补充耕地指标核定", "云自然资核〔2027〕1号", "补充耕地指标", "富民县 核定来源",
        None, -15, -10000, 0, -10575, "yn_sup", "按验收记录 1（2027-11-15 整改后同意）的竣工成果核定；与方案一致",
        "按验收竣工成果核定",
    )  # fmt: skip
    assert lines[2][4:11] == ("补充耕地指标", "富民县 可用", None, -9, -6000, 0, 0)
    assert lines[3][4:11] == ("补充耕地指标", "五华区 可用", None, 9, 6000, 0, 0)
    assert lines[4][1:3] == ("2020-01-01", "周转指标下达")
    assert lines[4][5:9] == ("富民县 可用", "G1", 6, 4000)

    ws = wb["调剂"]
    assert data_rows(ws) == [contract + money, ("合计", "1 份", None, None, None, None, 9, None, *money[2:])]

    ws = wb["周转指标"]
    assert data_rows(ws) == [("G1", ids["zz"], 6, 0, 6, "2023-01-01", "逾期")]
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["A4:G4"]  # the overdue row, red
    (rule,) = next(iter(ws.conditional_formatting)).rules
    assert rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")

    ws = wb["入市"]
    assert data_rows(ws) == [
        ("入市合同001", "530124100201JA00001", "测试村股份经济合作社", "出让", "商服用地", 3, 40,
         1000000, 400000, 600000, 30, 180000, 126000, 294000, "2027-03-01"),
        ("合计", "1 宗", None, None, None, 3, None, 1000000, 400000, 600000, None, 180000, 126000, 294000, None),
    ]  # fmt: skip
    assert "五华批" not in all_text(wb)

    # Print setup: header frozen and repeated, landscape A4.
    for ws in wb.worksheets:
        header = 4 if ws.title == "余额" else 3
        assert ws.freeze_panes == f"A{header + 1}"
        assert ws.print_title_rows == f"${header}:${header}"
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9

    # 五华区: only its own postings and the shared contract ------------------------------------
    out = tmp_path / "五华区台账.xlsx"
    result = ledger_report.export(who("wh_sup"), "530102", out)
    assert (result["unit_name"], result["postings"]) == ("五华区", 2)
    wb = openpyxl.load_workbook(out)
    ws = wb["余额"]
    assert ws["A1"].value == f"五华区指标台账（截至 {as_of}）"
    assert block(ws, "一、指标汇总") == [
        ("补充耕地指标", "可用", 6, 4000, 0, 0, None),
        ("补充耕地指标", "已使用", 3, 2000, 0, 0, None),
    ]
    lines = data_rows(wb["明细"])
    assert [r[0] for r in lines] == [ids["transfer"]] * 2 + [ids["use"]] * 2
    assert lines[2][2:11] == (
        "建设用地审批使用",
        "五华批〔2027〕1号",
        "补充耕地指标",
        "五华区 可用",
        None,
        -3,
        -2000,
        0,
        0,
    )
    assert data_rows(wb["调剂"])[0] == contract + money
    assert trim(data_rows(wb["周转指标"])[0], 1) == NONE
    assert trim(data_rows(wb["入市"])[0], 1) == NONE
    assert list(wb["周转指标"].conditional_formatting) == []
    text = all_text(wb)
    for private in ("云自然资核", "云自然资周", "入市合同001", "G1", "10575", "测试村"):
        assert private not in text, private

    # 云南省: every county ------------------------------------------------------------------------
    out = tmp_path / "云南省台账.xlsx"
    result = ledger_report.export(who("yn_sup"), "530000", out)
    assert (result["unit"], result["unit_name"], result["postings"]) == ("530000", "云南省", 4)
    wb = openpyxl.load_workbook(out)
    ws = wb["余额"]
    assert ws["A1"].value == f"云南省指标台账（截至 {as_of}）"
    assert block(ws, "一、指标汇总") == [
        ("补充耕地指标", "可用", 12, 8000, 0, 10575, None),
        ("补充耕地指标", "已使用", 3, 2000, 0, 0, None),
        ("增减挂钩周转指标", "可用", 6, 4000, 0, 0, None),
    ]
    assert trim(block(ws, "二、账户余额")[0], 1) == NONE  # the province holds no account itself
    assert block(ws, "三、各县可用指标") == [
        ("530102", "五华区", "补充耕地指标", 6, 4000, 0, 0),
        ("530124", "富民县", "补充耕地指标", 6, 4000, 0, 10575),
        ("530124", "富民县", "增减挂钩周转指标", 6, 4000, 0, 0),
    ]
    assert [r[0] for r in data_rows(wb["明细"])] == [ids[k] for k in ("issue", "transfer", "use", "zz") for _ in (1, 2)]
    assert data_rows(wb["调剂"])[0] == contract + money
    ws = wb["周转指标"]
    assert data_rows(ws) == [("富民县", "G1", ids["zz"], 6, 0, 6, "2023-01-01", "逾期")]
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["A4:H4"]
    deals = data_rows(wb["入市"])
    assert deals[0][:2] == ("富民县", "入市合同001") and deals[1][1] == "合计"


def test_another_county_cannot_export(records_world, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises((NotFound, PermissionDenied)):
        ledger_report.export(who("wh_sup"), "530124", folder / "富民县台账.xlsx")
    with pytest.raises((NotFound, PermissionDenied)):
        ledger_report.export(who("fm_sup"), "530000", folder / "云南省台账.xlsx")
    assert list(folder.iterdir()) == []


def test_empty_ledger_and_atomic_write(tmp_path, monkeypatch):
    path = tmp_path / "台账.xlsx"
    sheets = write_ledger_xlsx(
        {"unit": "530124", "unit_name": "富民县", "level": "county", "as_of": "2027-01-01"}, path
    )
    assert sheets == SHEETS
    wb = openpyxl.load_workbook(path)
    assert wb["余额"]["A1"].value == "富民县指标台账（截至 2027-01-01）"
    assert trim(block(wb["余额"], "一、指标汇总")[0], 1) == NONE
    for name in SHEETS[1:]:
        assert data_rows(wb[name]) == [NONE + (None,) * (wb[name].max_column - 1)], name
    # A failure while writing leaves the previous file as it was, and no temporary file.
    before = path.read_bytes()

    def boom(*_args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(ledger_xlsx, "_highlight_overdue", boom)  # fails after four sheets are written
    with pytest.raises(OSError, match="disk full"):
        write_ledger_xlsx({"unit_name": "富民县", "level": "county", "as_of": "2027-01-02"}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]
