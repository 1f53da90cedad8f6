"""Plan reports of a project: the files a plan-report job wrote for its versions (附表, 文本, 入库成果),
the project's records the 实施方案 draws on (``plan_context``) and the project-level report
(``project_report``: 附表 and 实施方案 of the current plan version with the project's data).

Listing and reading check first that the user may read the project; the job's folder is
``jobs.plan_report_dir``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from landcon.engine.progress import Progress, ProgressCallback
from landcon.errors import DatasetNotFound, InvalidRecord, NotFound, PermissionDenied
from landcon.reports.plan_docx_context import PlanContext
from landcon.services import (
    clock,
    groups,
    jobs,
    meetings,
    project_access,
    projects,
    realloc_adoption,
    records,
    supervision,
    survey,
    tasks,
    village_votes,
    willingness,
)
from landcon.services.records import Actor
from landcon.store.models import Unit


def _readable(who: Actor, code: str) -> None:
    with records.read() as session:
        project_access.get_project(session, who, code)


def report_files(who: Actor, code: str, versions: Iterable[int]) -> dict[int, list[str]]:
    """File names (sorted) each version's plan report has so far; ``[]`` before the first report."""
    _readable(who, code)
    found: dict[int, list[str]] = {}
    for number in versions:
        folder = jobs.plan_report_dir(code, number)
        found[number] = sorted(f.name for f in folder.iterdir() if f.is_file()) if folder.is_dir() else []
    return found


def report_file(who: Actor, code: str, number: int, filename: str) -> Path:
    """One file of a version's plan report, by its bare name (a path in ``filename`` is ignored)."""
    _readable(who, code)
    path = jobs.plan_report_dir(code, number) / Path(filename).name
    if not path.is_file():
        raise NotFound(f"文件 {filename} 不存在：请先生成方案成果")
    return path


# The project's records for the 实施方案 ------------------------------------------------------


def participation_records(
    who: Actor, code: str
) -> tuple[Mapping[str, Any] | None, Sequence[Mapping[str, Any]], Mapping[str, Any] | None]:
    """(willingness survey, village votes, adopted reallocation) of the project, in the shapes of
    ``willingness.plan_summary``, ``village_votes.plan_summary`` and ``realloc.adopted_summary``
    (docs/plan.md); a kind the user may not read stays empty."""
    survey_summary = _allowed(lambda: willingness.plan_summary(who, code), None)
    meetings = _allowed(lambda: village_votes.plan_summary(who, code), [])
    adopted = _allowed(lambda: realloc_adoption.adopted_summary(who, code), None)
    return survey_summary, meetings, adopted


def _allowed(call: Any, default: Any) -> Any:
    """A section the user may not read (or a dataset hidden from them) stays empty: the plan then says
    the records are missing."""
    try:
        return call()
    except (PermissionDenied, DatasetNotFound):
        return default


def _survey_units(who: Actor, dataset: str | None, units: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
    """The surveyed units of the project's area: its villages, else its townships, else its county."""
    if not dataset:
        return None
    result = _allowed(lambda: survey.latest_result(who, dataset), None)
    if result is None:
        return None
    surveyed = {str(u["code"]): u for u in result.get("units") or []}
    for level in ("village", "township", "county"):
        found = [surveyed[u["code"]] for u in units if u["level"] == level and u["code"] in surveyed]
        if found:
            return found
    return [u for u in surveyed.values() if u.get("level") == "county"] or None


def plan_context(who: Actor, code: str) -> PlanContext:
    """Everything the project's 实施方案 uses besides the plan: place names, survey results, sub-project
    records, 领导小组, 会商 meetings, responsibility list and the participation records."""
    p = projects.show_project(who, code)
    units = [*p["units"], {"code": p["county"], "name": p["county_name"], "level": "county"}]
    surveyed = _survey_units(who, p["dataset"], units)
    places = {str(u["code"]): str(u["name"]) for u in surveyed or [] if u.get("name")}
    with records.read() as session:  # the county's townships and villages known to landcon
        places |= {u.code: u.name for u in session.scalars(select(Unit).where(Unit.code.startswith(p["county"])))}
    places |= {u["code"]: u["name"] for u in units}
    scope = {u["code"] for u in units if u["level"] in ("county", "township")}
    leading = [g for g in _allowed(lambda: groups.list_groups(who, p["county"]), []) if g["unit"] in scope]
    held = _allowed(lambda: meetings.list_meetings(who, project=code), [])
    willingness, votes, realloc = participation_records(who, code)
    return PlanContext(
        project=code,
        county=p["county"],
        compiled_on=clock.today(),
        places=places,
        survey=surveyed,
        survey_dataset=p["dataset"] or "",
        subprojects=supervision.list_subprojects(who, code),
        groups=leading,
        meetings=[meetings.show_meeting(who, int(m["id"])) for m in reversed(held)],
        tasks=_allowed(lambda: tasks.list_tasks(who, project=code), []),
        willingness=willingness,
        votes=votes,
        realloc=realloc,
    )


def project_report(
    who: Actor, code: str, out: str | Path, *, progress: Progress | ProgressCallback | None = None
) -> dict[str, Any]:
    """附表, 实施方案 (with ``plan_context``), maps and 入库成果 of the project's current (latest) plan
    version into ``out``, from the dataset version that plan version was checked against."""
    from landcon.services.plan import write_report

    records.require(who, "plan.upload")
    p = projects.show_project(who, code)
    if not p["plan_versions"]:
        raise InvalidRecord(f"项目 {code} 尚无方案版本：请先以 landcon project plan 保存方案", feature=code)
    if not p["dataset"]:
        raise InvalidRecord(f"项目 {code} 未关联基础数据集", field="dataset", feature=code)
    number = int(p["plan_versions"][-1]["number"])
    context = plan_context(who, code)
    with tempfile.TemporaryDirectory(prefix="landcon-report-") as tmp:
        folder = projects.export_plan(who, code, number, Path(tmp) / "plan")
        pinned = projects.plan_dataset_version(who, code, number)
        result = write_report(folder, p["dataset"], out, progress=progress, dataset_version=pinned, context=context)
    return {**result, "project": code, "version": number}
