"""意愿调查 households: from the project's latest saved 权属调整 version (its 承包方 list) or as roster rows
(``services.willingness_import`` reads the roster file). Village and 村民小组 follow from the 承包方编码
when the source has no columns for them. Scope and permissions as ``services.willingness``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.errors import NotFound
from landcon.services import records
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.willingness import households_of, questionnaire_of, require_manage
from landcon.store.models import Questionnaire, ReallocVersion, SurveyHousehold, Unit


def _village_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {u.code: u.name for u in session.scalars(select(Unit).where(Unit.code.in_(sorted(codes))))}


def group_of_code(cbfbm: str) -> tuple[str, str]:
    """(village code, 村民小组) from a 承包方编码: 发包方编码 = village (12) + group (2) digits, ``00`` for
    the village collective itself (农村土地承包经营权 coding, GB/T 2260 village codes)."""
    text = cbfbm.strip()
    if len(text) >= 14 and text[:14].isdigit():
        group = text[12:14]
        return text[:12], "" if group == "00" else f"第{int(group)}村民小组"
    return "", ""


def put_households(session: Session, q: Questionnaire, rows: list[dict[str, Any]], source: str) -> dict[str, int]:
    """Add or update households by 承包方编码 (responses stay with their household)."""
    existing = {h.code: h for h in households_of(session, q)}
    names = _village_names(session, {r["village_code"] for r in rows if r.get("village_code")})
    added = updated = 0
    for row in rows:
        values = dict(row)
        if values.get("village_code") and not values.get("village_name"):
            values["village_name"] = names.get(values["village_code"], "")
        h = existing.get(values["code"])
        if h is None:
            session.add(SurveyHousehold(questionnaire_id=q.id, source=source, **values))
            added += 1
        else:
            for key, value in values.items():
                setattr(h, key, value)
            h.source = source
            updated += 1
    session.flush()
    return {"added": added, "updated": updated}


def _realloc_households(version: ReallocVersion) -> list[dict[str, Any]]:
    """The 承包方 of a saved 权属调整 version: its households CSV (stored with the version, or still at
    the input path result.json names), else the 户表 of its households.xlsx (codes and names only)."""
    from landcon.services.attachments import blob_store
    from landcon.store.layers import read_csv_table

    files = {f.path: f.blob_sha for f in version.files}
    store = blob_store()
    csv_path: Path | None = store.path(files["households.csv"]) if "households.csv" in files else None
    if csv_path is None and "result.json" in files:
        payload = json.loads(store.read_bytes(files["result.json"]).decode("utf-8"))
        named = (payload.get("sources") or {}).get("households")
        if named and Path(named).is_file():
            csv_path = Path(named)
    if csv_path is not None:
        frame = read_csv_table(csv_path)
        frame.columns = [str(c).strip().upper() for c in frame.columns]
        rows = frame.to_dict("records")
    elif "households.xlsx" in files:
        rows = _xlsx_households(store.read_bytes(files["households.xlsx"]))
    else:
        raise NotFound(f"权属调整第 {version.number} 版没有承包方名单")
    out = []
    for r in rows:
        cbfbm = str(r.get("CBFBM") or "").strip()
        if not cbfbm or cbfbm == "合计":
            continue
        village, group = group_of_code(cbfbm)
        out.append(
            {
                "code": cbfbm,
                "head": str(r.get("CBFMC") or "").strip(),
                "village_code": village,
                "group_name": group,
                "people": _int(r.get("JTRKS")),
                "x": _float(r.get("X")),
                "y": _float(r.get("Y")),
            }
        )
    return out


def _xlsx_households(data: bytes) -> list[dict[str, Any]]:
    import io

    from openpyxl import load_workbook

    from landcon.reports.realloc_xlsx import HOUSEHOLD_SHEET

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = [list(r) for r in wb[HOUSEHOLD_SHEET].iter_rows(values_only=True)]
    finally:
        wb.close()
    header_at = next((i for i, r in enumerate(rows) if "承包方编码" in [str(c or "").strip() for c in r]), None)
    if header_at is None:
        return []
    header = [str(c or "").strip() for c in rows[header_at]]
    code_col, name_col = header.index("承包方编码"), header.index("承包方名称") if "承包方名称" in header else None
    return [
        {"CBFBM": r[code_col], "CBFMC": r[name_col] if name_col is not None else ""}
        for r in rows[header_at + 1 :]
        if r[code_col]
    ]


def _int(value: object) -> int | None:
    try:
        return int(float(str(value))) if str(value).strip() not in ("", "nan", "None") else None
    except ValueError:
        return None


def _float(value: object) -> float | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return None if number != number else number  # NaN → None


def households_from_realloc(who: Actor, code: str) -> dict[str, Any]:
    """Take the households of the project's latest saved 权属调整 version into its survey."""
    with records.write(who, "willingness.manage") as session:
        project = get_project(session, who, code)
        require_manage(session, who, project)
        q = questionnaire_of(session, project)
        version = session.scalars(
            select(ReallocVersion)
            .where(ReallocVersion.project_id == project.id)
            .order_by(ReallocVersion.number.desc())
            .limit(1)
        ).first()
        if version is None:
            raise NotFound(f"项目 {code} 没有保存的权属调整方案（landcon realloc save）", feature=code)
        rows = _realloc_households(version)
        counts = put_households(session, q, rows, f"realloc:{version.number}")
        return {
            "project": code,
            "realloc_version": version.number,
            **counts,
            "households": len(households_of(session, q)),
        }


def roster_rows(who: Actor, code: str) -> list[dict[str, Any]]:
    """The survey's households as roster rows (full codes: ``willingness.manage``), for editing and
    importing back."""
    with records.read() as session:
        project = get_project(session, who, code)
        require_manage(session, who, project)
        q = questionnaire_of(session, project)
        return [
            {"code": h.code, "head": h.head, "village": h.village_code, "group": h.group_name, "people": h.people,
             "bsm": h.homestead_bsm, "x": h.x, "y": h.y}
            for h in households_of(session, q)
        ]  # fmt: skip
