"""The printable notice of a 公示 (``reports.publicity_docx``): gathers what it shows and writes the file.

A plan 公示 shows the key indicators stored with its plan version; another subject shows its notice text
and, when the attached table is an xlsx workbook, the rows of its first sheet (at most ``MAX_ROWS``).
The file is written next to its target and moved into place, so a failed run leaves nothing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from landcon.engine import publicity as P
from landcon.errors import InvalidRecord
from landcon.reports.publicity_docx import write_notice_docx
from landcon.services import attachments, records
from landcon.services.clock import today
from landcon.services.project_access import get_project
from landcon.services.publicity import get_publicity, project_publicities, publicity_dict
from landcon.services.records import Actor
from landcon.store.models import PlanVersion

MAX_ROWS = 200


def _table_rows(sha: str, name: str) -> list[list[Any]] | None:
    """The first sheet's table of an attached xlsx (``_with_header``; empty rows dropped), or None for
    other files."""
    if not name.lower().endswith(".xlsx"):
        return None
    import openpyxl

    with tempfile.TemporaryDirectory(prefix="landcon-notice-") as tmp:
        path = Path(tmp) / "table.xlsx"
        attachments.blob_store().copy_to(sha, path)
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # a damaged workbook is the user's file, not a bug
            raise InvalidRecord(f"附表无法读取：{error}", path=name) from error
        try:
            rows = [
                ["" if v is None else v for v in row]
                for row in book.worksheets[0].iter_rows(values_only=True)
                if any(v is not None for v in row)
            ]
        finally:
            book.close()
    return _with_header(rows)


def _with_header(rows: list[list[Any]]) -> list[list[Any]] | None:
    """The table below a title block (a merged title and notes, one filled cell per row): the header is the
    first of the first ten rows with two or more filled cells; a second header row (empty first cell, text
    only: the labels under merged group headers) is joined to it as ``组·列``."""
    if not rows:
        return None
    filled = [sum(1 for v in row if v != "") for row in rows[:10]]
    first = next((i for i, n in enumerate(filled) if n >= 2), 0)
    header = [str(v) for v in rows[first]]
    body = rows[first + 1 :]
    if body and body[0] and body[0][0] == "" and all(isinstance(v, str) for v in body[0]):
        group, joined = "", []
        for top, sub in zip(header, [str(v) for v in body[0]], strict=False):
            group = top or group
            joined.append(f"{group}·{sub}" if sub and group and sub != group else (sub or top))
        header, body = joined, body[1:]
    return [header, *body[:MAX_ROWS]]


def notice_docx(who: Actor, code: str, number: int, out: str | Path) -> Path:
    """Write the printable notice of 公示 ``number`` of project ``code`` to ``out`` (a .docx path)."""
    out = Path(out)
    with records.read() as session:
        project = get_project(session, who, code)
        p = get_publicity(session, project, number)
        numbers = {x.id: x.number for x in project_publicities(session, project)}
        notice = publicity_dict(p, today(), numbers)
        project_name = project.name
        indicators = None
        if p.subject_kind == P.PLAN and p.subject_ref.isdigit():
            indicators = session.scalars(
                select(PlanVersion.indicators).where(
                    PlanVersion.project_id == project.id, PlanVersion.number == int(p.subject_ref)
                )
            ).first()
        table_sha, table_name = p.table_sha, p.table_name
    table = _table_rows(table_sha, table_name or "") if table_sha else None
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".notice-", suffix=".docx", dir=out.parent)
    os.close(fd)
    try:
        write_notice_docx(notice, tmp_name, project_name=project_name, indicators=indicators, table=table)
        os.replace(tmp_name, out)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return out


__all__ = ["MAX_ROWS", "notice_docx"]
