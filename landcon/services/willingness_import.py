"""意愿调查 imports, all or nothing: the household roster and the responses (xlsx, or CSV in UTF-8 or GBK).

Roster columns (``ROSTER_COLUMNS``): 承包方编码, 户主姓名, 村 (12-digit code or the village's name), 村民小组,
人口, and optionally 宅基地标识码 (the homestead's DLTB BSM) or X and Y (its position in the dataset's
CRS). Response columns: 承包方编码, then one column per question headed by its text, then 受访人; the
template (``write_response_template``) lists the project's households with drop-down lists for the
choices. Every row is checked before anything is written; an error names the sheet, the row (the
spreadsheet's own number, header = row 1) and the column, and nothing is stored if any row fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from landcon.engine import willingness as W
from landcon.errors import InputReadError, InvalidRecord, LandconError
from landcon.services import records
from landcon.services import willingness as S
from landcon.services import willingness_households as H
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.supervision_import import _rows, _text
from landcon.store.models import Unit

CODE, HEAD, VILLAGE, GROUP, PEOPLE, BSM, X, Y = (
    "承包方编码",
    "户主姓名",
    "村",
    "村民小组",
    "人口",
    "宅基地标识码",
    "X",
    "Y",
)
ROSTER_COLUMNS: tuple[str, ...] = (CODE, HEAD, VILLAGE, GROUP, PEOPLE, BSM, X, Y)
ROSTER_REQUIRED = (CODE, HEAD, VILLAGE)
RESPONDENT = "受访人"
RESPONSE_SHEET, NOTES_SHEET = "意愿调查", "说明"
MAX_ROWS = 20_000
MAX_ERRORS_SHOWN = 20


def _sheet_rows(path: Path) -> tuple[str, list[list[object]]]:
    """(sheet name, rows) of the file's first sheet ("CSV" for a CSV file)."""
    if not path.is_file():
        raise InputReadError("文件不存在", path=str(path))
    sheet = "CSV"
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True)
            sheet = wb.worksheets[0].title
            wb.close()
        except Exception as error:  # openpyxl raises many types for a broken file
            raise InputReadError(f"无法读取 xlsx：{error}", path=str(path)) from error
    elif path.suffix.lower() != ".csv":
        raise InputReadError("文件应为 .xlsx 或 .csv", path=str(path))
    rows = list(_rows(path))
    if len(rows) > MAX_ROWS + 1:
        raise InvalidRecord(f"一次最多导入 {MAX_ROWS} 行", path=str(path))
    return sheet, rows


def _raise_errors(errors: list[str], path: Path) -> None:
    if errors:
        shown = "；".join(errors[:MAX_ERRORS_SHOWN])
        more = f"（另有 {len(errors) - MAX_ERRORS_SHOWN} 处有误）" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise InvalidRecord(f"{len(errors)} 处有误，未导入任何记录：{shown}{more}", path=str(path))


def _header(rows: list[list[object]], required: tuple[str, ...], known: tuple[str, ...], path: Path) -> list[str]:
    header = [_text(v) for v in (rows[0] if rows else [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidRecord(f"缺少列：{'、'.join(missing)}", path=str(path))
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise InvalidRecord(f"无法识别的列：{'、'.join(unknown)}", path=str(path))
    return header


# ---------------------------------------------------------------------------------------------
# Roster
# ---------------------------------------------------------------------------------------------


def import_roster(who: Actor, code: str, path: str | Path) -> dict[str, Any]:
    """Add or update the survey's households from a roster file, every row or none."""
    source = Path(path)
    sheet, rows = _sheet_rows(source)
    header = _header(rows, ROSTER_REQUIRED, ROSTER_COLUMNS, source)
    with records.write(who, "willingness.manage") as session:
        project = get_project(session, who, code)
        S.require_manage(session, who, project)
        q = S.questionnaire_of(session, project)
        villages = list(
            session.scalars(select(Unit).where(Unit.path.startswith(project.county.path), Unit.level == "village"))
        )
        by_code = {u.code: u for u in villages}
        by_name: dict[str, list[Unit]] = {}
        for u in villages:
            by_name.setdefault(u.name, []).append(u)
        out: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        errors: list[str] = []
        for number, raw in enumerate(rows[1:], start=2):
            cells = {h: _text(v) for h, v in zip(header, raw, strict=False) if h}
            if not any(cells.values()):
                continue

            def bad(column: str, why: str, number: int = number) -> None:
                errors.append(f"工作表“{sheet}”第 {number} 行“{column}”列：{why}")

            for column in ROSTER_REQUIRED:
                if not cells.get(column):
                    bad(column, "不能为空")
            hh = cells.get(CODE, "")
            if hh and (len(hh) > 40 or not hh.isalnum()):
                bad(CODE, f"{hh!r} 应为不超过 40 位的字母数字")
            elif hh in seen:
                bad(CODE, f"{hh} 与第 {seen[hh]} 行重复")
            elif hh:
                seen[hh] = number
            place = cells.get(VILLAGE, "")
            unit = by_code.get(place) or (by_name[place][0] if len(by_name.get(place, [])) == 1 else None)
            village = (unit.code, unit.name) if unit is not None else None
            if village is None and len(place) == 12 and place.isdigit() and place.startswith(project.county.code):
                village = (place, "")  # a village of the county not registered (admin import-units) yet
            if place and village is None:
                why = (
                    "同名的村不止一个，请填 12 位村代码"
                    if len(by_name.get(place, [])) > 1
                    else "不是项目所在县已登记的村"
                )
                bad(VILLAGE, f"{place!r} {why}")
            people = cells.get(PEOPLE, "")
            if people and not (people.isdigit() and 0 < int(people) <= 99):
                bad(PEOPLE, f"{people!r} 应为 1–99 的整数")
            xy = [cells.get(X, ""), cells.get(Y, "")]
            coords: list[float | None] = [None, None]
            if any(xy):
                for k, (column, value) in enumerate(zip((X, Y), xy, strict=True)):
                    try:
                        coords[k] = float(value)
                    except ValueError:
                        bad(column, f"{value!r} 不是数值（X、Y 应同时填写）")
            for column, limit in ((HEAD, 100), (GROUP, 100), (BSM, 40)):
                if len(cells.get(column, "")) > limit:
                    bad(column, f"不超过 {limit} 字")
            if village is not None and hh:
                out.append(
                    {
                        "code": hh,
                        "head": cells.get(HEAD, ""),
                        "village_code": village[0],
                        "village_name": village[1],
                        "group_name": cells.get(GROUP, ""),
                        "people": int(people) if people.isdigit() else None,
                        "homestead_bsm": cells.get(BSM, ""),
                        "x": coords[0],
                        "y": coords[1],
                    }
                )
        if not out and not errors:
            errors.append(f"工作表“{sheet}”没有数据行")
        _raise_errors(errors, source)
        counts = H.put_households(session, q, out, "roster")
        return {"project": code, **counts, "households": len(S.households_of(session, q))}


def write_roster_template(out: str | Path, who: Actor | None = None, code: str | None = None) -> Path:
    """The roster workbook: the project's current households when ``code`` is given (to edit and import
    back), else the header and an example row."""
    from openpyxl import Workbook

    target = _xlsx_target(out)
    if code is not None:
        rows = [[r["code"], r["head"], r["village"], r["group"], r["people"], r["bsm"], r["x"], r["y"]]
                for r in H.roster_rows(who or records.system_actor(), code)]  # fmt: skip
    else:
        rows = [["530124100201000001", "张三", "530124100201", "第1村民小组", 4, "", None, None]]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "农户名单"
    ws.append(list(ROSTER_COLUMNS))
    for row in rows:
        ws.append(row)
    _save(wb, target)
    return target


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------


def _xlsx_target(out: str | Path) -> Path:
    target = Path(out)
    if target.suffix.lower() != ".xlsx" or target.is_dir():
        raise InvalidRecord("输出应为 .xlsx 文件", path=str(target))
    return target


def _save(wb: Any, target: Path) -> None:
    import os
    import tempfile

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=target.parent)
        os.close(fd)
        wb.save(tmp)
        os.replace(tmp, target)
    except OSError as error:
        raise InvalidRecord(f"无法写出：{error.strerror or error}", path=str(target)) from error


def write_response_template(who: Actor, code: str, out: str | Path) -> Path:
    """The response workbook of the project: one row per household the actor may answer for with its
    current answers, one column per question (drop-down lists for single choices), a notes sheet
    listing the options."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    target = _xlsx_target(out)
    questionnaire = S.show(who, code)
    households = [h for h in S.list_households(who, code) if h["may_respond"]]
    questions = W.check_questionnaire(questionnaire).questions
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = RESPONSE_SHEET
    header = [CODE, HEAD, VILLAGE, GROUP, *(q.text for q in questions), RESPONDENT]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for h in households:
        given = h["answers"] or {}
        answers = [given.get(q.key) for q in questions]
        answers = [";".join(map(str, a)) if isinstance(a, list) else a for a in answers]
        ws.append([h["code"], h["head"], h["village"], h["group"], *answers])
    last = max(2, len(households) + 1)
    for n, q in enumerate(questions, start=5):
        if q.kind == W.SINGLE:
            dv = DataValidation(type="list", formula1='"' + ",".join(q.options) + '"', allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(n)}2:{get_column_letter(n)}{last}")
    notes = wb.create_sheet(NOTES_SHEET)
    notes.append(["列", "说明"])
    notes.append([CODE, "承包方编码，须在项目的意愿调查农户名单中；姓名、村、村民小组仅供核对，导入时不读取"])
    for q in questions:
        what = {W.SINGLE: "单选：", W.MULTIPLE: "多选（用分号分隔）：", W.NUMBER: "数值", W.TEXT: "文字"}[q.kind]
        notes.append([q.text, what + "、".join(q.options)])
    notes.append([RESPONDENT, "受访人姓名（可空）"])
    _save(wb, target)
    return target


def import_responses(who: Actor, code: str, path: str | Path) -> dict[str, Any]:
    """Enter the answers of every filled row (source ``xlsx``), or none: unknown households, answers
    that are not options, and households the actor may not answer for are all reported by row."""
    records.require(who, "willingness.respond")
    source = Path(path)
    sheet, rows = _sheet_rows(source)
    with records.write(who, "willingness.respond") as session:
        project = get_project(session, who, code)
        q = S.questionnaire_of(session, project)
        questionnaire = S.engine_questionnaire(q)
        by_text = {question.text: question for question in questionnaire.questions}
        header = _header(rows, (CODE,), (CODE, HEAD, VILLAGE, GROUP, *by_text, RESPONDENT), source)
        parsed = []
        errors: list[str] = []
        seen: dict[str, int] = {}
        for number, raw in enumerate(rows[1:], start=2):
            cells = {h: _text(v) for h, v in zip(header, raw, strict=False) if h}
            answers = {by_text[t].key: cells[t] for t in by_text if cells.get(t)}
            if not answers:
                continue  # a household left blank is not answered

            def bad(column: str, why: str, number: int = number) -> None:
                errors.append(f"工作表“{sheet}”第 {number} 行“{column}”列：{why}")

            hh = cells.get(CODE, "")
            if hh in seen:
                bad(CODE, f"{hh} 与第 {seen[hh]} 行重复")
                continue
            seen[hh] = number
            try:
                household = S.find_household(session, q, code=hh)
                S.require_respond(session, who, project, household)
            except LandconError as error:
                bad(CODE, error.message)
                continue
            checked: dict[str, object] = {}
            for t, question in by_text.items():
                try:
                    value = W.check_answer(question, cells.get(t))
                except LandconError as error:
                    bad(t, error.message)
                    continue
                if value is not None:
                    checked[question.key] = value
            parsed.append((household, checked, cells.get(RESPONDENT, "")))
        if not parsed and not errors:
            errors.append(f"工作表“{sheet}”没有填写任何回答")
        _raise_errors(errors, source)
        for household, checked, respondent in parsed:
            S.store_response(session, who, household, checked, "xlsx", respondent)
        return {"project": code, "imported": len(parsed)}
