"""Progress reports imported from the xlsx template (or CSV in UTF-8/GBK): all rows or none."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledger_fixtures import CODE, project_to
from openpyxl import Workbook, load_workbook
from records_fixtures import RecordsDB

from landcon.errors import InvalidRecord, NotFound
from landcon.services import records, supervision
from landcon.services import supervision_import as SI


def test_template_has_every_quantity_and_source_column(tmp_path: Path) -> None:
    path = SI.write_template(tmp_path / "t.xlsx")
    header = [c.value for c in load_workbook(path).worksheets[0][1]]
    assert header[:4] == ["子项目编号", "期次", "填报日期", "完成百分比"]
    assert "土地平整（公顷）" in header and "防护林（株）" in header and "拨付-中央财政（万元）" in header
    assert header[-1] == "存在问题" and len(header) == 4 + 7 + 9 + 1


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["子项目编号", "期次", "填报日期", "完成百分比", "土地平整（公顷）", "拨付-中央财政（万元）", "存在问题"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_errors_name_their_rows_and_nothing_is_parsed(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "bad.xlsx",
        [
            ["Z1", "2026-05", "2026-05-31", 30, 0.6, 150, ""],
            ["Z1", "2026-06", "2026/06/30", 40, None, None, None],
            [None, None, None, None, None, None, None],
            ["Z1", "2026-07", "2026-07-31", 140, -1, None, None],
        ],
    )
    with pytest.raises(InvalidRecord) as error:
        SI.parse_reports(path)
    message = str(error.value)
    assert message.startswith(f"文件 {path}：2 行有误，未导入任何记录：第 3 行：")
    assert "第 3 行：字段 reported_on：填报日期 '2026/06/30' 无效" in message
    assert "第 5 行：字段 percent：完成百分比应在 0–100 之间" in message


def test_gbk_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("子项目编号,期次,填报日期,完成百分比,存在问题\nZ1,2026Q2,2026-06-30,50,雨季停工\n".encode("gbk"))
    [(number, sub, values)] = SI.parse_reports(path)
    assert (number, sub, values["percent"], values["issues"]) == (2, "Z1", 50.0, "雨季停工")


def test_import_is_all_or_nothing(records_world: RecordsDB, tmp_path: Path) -> None:
    project_to(tmp_path, "implementation")
    sup = records.actor("fm_sup")
    supervision.create_from_plan(sup, CODE)
    bad = _xlsx(
        tmp_path / "unknown.xlsx",
        [["Z1", "2026-05", "2026-05-31", 30, 0.6, 150, ""], ["Z9", "2026-05", "2026-05-31", 10, None, None, None]],
    )
    with pytest.raises(NotFound, match="第 3 行：项目 FM-2027-01 没有子项目 Z9，未导入任何记录"):
        SI.import_reports(sup, CODE, bad)
    assert supervision.list_reports(sup, CODE) == []
    good = _xlsx(
        tmp_path / "good.xlsx",
        [["Z1", "2026-05", "2026-05-31", 30, 0.6, 150, ""], ["Z2", "2026-05", "2026-05-31", 10, None, 20, "征地"]],
    )
    rows = SI.import_reports(sup, CODE, good)
    assert [(r["sub_project"], r["percent"], r["quantities"], r["disbursed"]) for r in rows] == [
        ("Z1", 30.0, {"land_levelling": 0.6}, {"中央财政": 150.0}),
        ("Z2", 10.0, {}, {"中央财政": 20.0}),
    ]
    assert supervision.funds(sup, CODE)["disbursed"] == 170.0
