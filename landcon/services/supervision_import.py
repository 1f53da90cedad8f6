"""进度填报 in bulk: the xlsx template and its import (xlsx, or CSV in UTF-8 or GBK), all or nothing.

One row is one progress report of one sub-project of the project named on the command line. The
columns are ``REPORT_COLUMNS``: 子项目编号, 期次, 填报日期, 完成百分比, one column per 工程量 key
(``engine.supervision.QUANTITIES``, header "label（unit）"), one per fund source ("拨付-source（万元）")
and 存在问题. Every row is checked before anything is written; the errors name their row (the
spreadsheet's own row number, header = row 1) and column, and none is stored if any row fails.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from landcon.engine import supervision as S
from landcon.errors import InputReadError, InvalidRecord, LandconError
from landcon.services import records
from landcon.services.records import Actor
from landcon.services.supervision import checked_report, refresh_alerts, report_dict, reportable_sub
from landcon.store.models import ProgressReport

SUB, PERIOD, DATE, PERCENT, ISSUES = "子项目编号", "期次", "填报日期", "完成百分比", "存在问题"
QUANTITY_HEADERS = {f"{q.label}（{q.unit}）": q.key for q in S.QUANTITIES.values()}
FUND_HEADERS = {f"拨付-{s}（万元）": s for s in S.FUNDING_SOURCES}
REPORT_COLUMNS: tuple[str, ...] = (SUB, PERIOD, DATE, PERCENT, *QUANTITY_HEADERS, *FUND_HEADERS, ISSUES)
REQUIRED = (SUB, PERIOD, DATE, PERCENT)
MAX_ROWS = 5000
MAX_ERRORS_SHOWN = 20


def write_template(out: str | Path) -> Path:
    """The import template: the header row, an example row and a sheet explaining the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    out = Path(out)
    if out.suffix.lower() != ".xlsx" or out.is_dir():
        raise InvalidRecord("模板输出应为 .xlsx 文件", path=str(out))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "进度填报"
    ws.append(list(REPORT_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    example: dict[str, Any] = {SUB: "ZXM01", PERIOD: "2026-06", DATE: "2026-06-30", PERCENT: 40}
    ws.append([example.get(c) for c in REPORT_COLUMNS])
    notes = wb.create_sheet("说明")
    notes.append(["列", "说明"])
    notes.append([SUB, "子项目编号（ZXMBH），须已在该项目登记"])
    notes.append([PERIOD, "填报期次，如 2026-06、2026Q2"])
    notes.append([DATE, "YYYY-MM-DD"])
    notes.append([PERCENT, "累计完成百分比，0–100"])
    notes.append(["工程量列", "本期完成工程量，空白即未填"])
    notes.append(["拨付列", "本期拨付资金（万元），按来源"])
    notes.append([ISSUES, "存在问题（可空）"])
    notes.append(["", "第 2 行为示例，导入前请删除或改写"])
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        wb.save(out)
    except OSError as error:
        raise InvalidRecord(f"无法写出模板：{error.strerror or error}", path=str(out)) from error
    return out


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(path: Path) -> Iterator[list[object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a broken file
            raise InputReadError(f"无法读取 xlsx：{error}", path=str(path)) from error
        try:
            ws = wb.worksheets[0]
            for row in ws.iter_rows(values_only=True):
                yield list(row)
        finally:
            wb.close()
        return
    if path.suffix.lower() != ".csv":
        raise InputReadError("进度填报文件应为 .xlsx 或 .csv", path=str(path))
    data = path.read_bytes()
    for codec in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InputReadError("CSV 编码无法识别（应为 UTF-8 或 GBK）", path=str(path))
    yield from csv.reader(io.StringIO(text))


def parse_reports(path: str | Path) -> list[tuple[int, str, dict[str, Any]]]:
    """(row number, sub-project code, checked report values) of every filled row; all problems of
    the file are raised together in one ``InvalidRecord``."""
    path = Path(path)
    if not path.is_file():
        raise InputReadError("文件不存在", path=str(path))
    rows = _rows(path)
    header = [_text(v) for v in next(rows, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidRecord(f"缺少列：{'、'.join(missing)}（模板见 landcon supervise template）", path=str(path))
    unknown = [h for h in header if h and h not in REPORT_COLUMNS]
    if unknown:
        raise InvalidRecord(f"无法识别的列：{'、'.join(unknown)}", path=str(path))
    out: list[tuple[int, str, dict[str, Any]]] = []
    errors: list[str] = []
    for number, raw in enumerate(rows, start=2):
        cells = {h: _text(v) for h, v in zip(header, raw, strict=False) if h}
        if not any(cells.values()):
            continue
        if len(out) + len(errors) >= MAX_ROWS:
            raise InvalidRecord(f"一次最多导入 {MAX_ROWS} 行", path=str(path))
        try:
            for column in REQUIRED:
                if not cells.get(column):
                    raise InvalidRecord(f"{column}不能为空", field=column)
            values = checked_report(
                cells[PERIOD],
                cells[DATE],
                cells[PERCENT],
                {key: cells[h] for h, key in QUANTITY_HEADERS.items() if cells.get(h)},
                {source: cells[h] for h, source in FUND_HEADERS.items() if cells.get(h)},
                cells.get(ISSUES, ""),
            )
            out.append((number, cells[SUB], values))
        except LandconError as error:
            errors.append(f"第 {number} 行：{error}")
    if errors:
        shown = "；".join(errors[:MAX_ERRORS_SHOWN])
        more = f"（另有 {len(errors) - MAX_ERRORS_SHOWN} 行有误）" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise InvalidRecord(f"{len(errors)} 行有误，未导入任何记录：{shown}{more}", path=str(path))
    return out


def import_reports(who: Actor, project_code: str, path: str | Path) -> list[dict[str, Any]]:
    """Add every row of the file as a progress report of ``project_code``, or none of them."""
    records.require(who, "supervision.report")
    parsed = parse_reports(path)
    with records.write(who, "supervision.report") as session:
        out = []
        for number, sub_code, values in parsed:
            try:
                _, sub = reportable_sub(session, who, project_code, sub_code)
            except LandconError as error:
                raise type(error)(f"第 {number} 行：{error.message}，未导入任何记录", path=str(path)) from error
            report = ProgressReport(sub_project_id=sub.id, reporter=who.username, **values)
            session.add(report)
            session.flush()
            out.append(report_dict(report, sub.code))
    refresh_alerts(who, project_code)
    return out
