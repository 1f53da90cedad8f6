"""Draft 实施方案 (implementation plan) document (.docx), following the outline of the domain reference §2.1.

``write_plan_docx`` writes a cover page (name, 编制单位, date), a table of contents, the thirteen
chapters 总则 … 保障措施 and the 附表/附图 annex, with page numbers in the footer. The numbers the
engine computed (``indicators``) are written into sentences and into the same tables as
``plan_xlsx`` (shared ``Table`` models); maps given as PNG files are inserted as numbered figures.
The project's own records (``PlanContext``: survey, sub-projects, participation, tenure, leading
group, responsibility list) fill the chapters that need them; without them a chapter says what is
missing and how to record it. Text only the author can write keeps a "（待补充：…）".

Modules: ``plan_docx_builder`` (styles, fields, tables), ``plan_docx_context`` (the project's
records), ``plan_docx_chapters_base`` / ``_works`` / ``_people`` (the chapters).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx.document import Document as DocumentObject

from landcon.reports.plan_docx_builder import CHAPTER_NUMERALS, Builder, area_text, percent_text
from landcon.reports.plan_docx_chapters_base import GUIDING_DOCUMENTS, current_state, general, potential, targets
from landcon.reports.plan_docx_chapters_people import annex, participation, safeguards, tenure
from landcon.reports.plan_docx_chapters_works import (
    MAP_CAPTIONS,
    benefits,
    farmland,
    investment,
    landuse,
    schedule,
    subprojects,
)
from landcon.reports.plan_docx_context import PlanContext

__all__ = [
    "CHAPTER_NUMERALS",
    "GUIDING_DOCUMENTS",
    "MAP_CAPTIONS",
    "PlanContext",
    "area_text",
    "build_plan_document",
    "percent_text",
    "write_plan_docx",
]


def _cover_lines(plan: Mapping[str, Any], ctx: PlanContext) -> list[str]:
    compiler = ctx.compiler or str((plan.get("responsible_units") or [""])[0] or "")
    on = ctx.compiled_on or dt.date.today()
    lines = [f"编制单位：{compiler}"] if compiler else []
    return [*lines, f"{on.year}年{on.month}月"]


def build_plan_document(
    plan: Mapping[str, Any],
    indicators: Mapping[str, Any],
    findings: Sequence[Mapping[str, Any]],
    maps: Mapping[str, Path],
    context: PlanContext | None = None,
) -> DocumentObject:
    """The draft document in memory (see ``write_plan_docx``)."""
    ctx = context or PlanContext()
    b = Builder(ctx.places)
    used: set[str] = set()
    b.cover(str(plan.get("name") or "全域土地综合整治实施方案"), _cover_lines(plan, ctx))
    b.table_of_contents()
    b.footer_page_numbers()
    general(b, plan, indicators, ctx)
    current_state(b, indicators)
    potential(b, indicators, ctx)
    participation(b, ctx)
    targets(b, plan, indicators, findings)
    subprojects(b, plan, indicators, maps, used, ctx)
    landuse(b, indicators, maps, used)
    farmland(b, plan, indicators, maps, used)
    tenure(b, ctx)
    schedule(b, plan)
    investment(b, plan, indicators)
    benefits(b, plan, indicators)
    safeguards(b, ctx)
    annex(b, findings, maps, used, ctx)
    return b.finish()


def write_plan_docx(
    plan: Mapping[str, Any],
    indicators: Mapping[str, Any],
    findings: Sequence[Mapping[str, Any]],
    path: str | Path,
    *,
    maps: Mapping[str, Path] | None = None,
    context: PlanContext | None = None,
) -> Path:
    """Write the draft 实施方案 to ``path`` atomically (temporary file next to it, then ``os.replace``).

    ``maps`` maps a figure key (before, after, subprojects, farmland_adjustment, linkage, …) to a PNG;
    missing keys or files are skipped. ``context`` holds the project's records (``PlanContext``).
    """
    doc = build_plan_document(plan, indicators, findings, maps or {}, context)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        doc.save(str(tmp))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
