"""实施监管 use cases: a project's sub-projects, their progress reports and the funds summary.

Sub-projects are registered by ``supervision.manage`` (the county's authors and supervisors) once the
project's plan is approved (the chain's ``approved`` milestone): from the approved plan version's
parcels grouped by ZXMBH with the names, types, departments and investment of plan.yaml, or one at a
time with a polygon file. Progress reports need ``supervision.report`` on the sub-project's
responsible unit (its township or village reporter, the county's authors and supervisors); a unit
outside the actor's subtree sees no such sub-project. Every write is audited (``records.write``).
Code tables and funds arithmetic live in ``engine.supervision``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import supervision as S
from landcon.engine import workflow as wf
from landcon.engine.crs import check_crs
from landcon.errors import CRSError, InvalidRecord, NotFound
from landcon.services import records
from landcon.services.org import unit_by_code
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.tasks import parse_date
from landcon.store.models import PlanVersion, ProgressReport, Project, SubProject, Unit

PLAN_PARCEL_LAYERS = ("CZGHTB", "ZJGGTB")  # plan layers whose parcels carry ZXMBH
#: Form field names of the progress-report form (web): ``q_<key>`` → 工程量 key, ``f_<n>`` → fund source.
QUANTITY_FIELDS = {f"q_{key}": key for key in S.QUANTITIES}
SOURCE_FIELDS = {f"f_{n}": source for n, source in enumerate(S.FUNDING_SOURCES)}


def _approved_version(session: Session, project: Project) -> PlanVersion:
    """The plan version the approval was given on: the latest submitted one, once the project has
    reached its chain's ``approved`` milestone."""
    chain = wf.Chain.from_dict(project.chain)
    if not chain.reached(project.stage, wf.APPROVED):
        raise InvalidRecord(
            f"项目 {project.code} 当前处于“{project.stage_name}”阶段：方案获批后才能登记子项目", feature=project.code
        )
    version = session.scalars(
        select(PlanVersion)
        .where(PlanVersion.project_id == project.id, PlanVersion.status == "submitted")
        .order_by(PlanVersion.number.desc())
        .limit(1)
    ).first()
    if version is None:
        raise NotFound(f"项目 {project.code} 没有已提交的实施方案版本", feature=project.code)
    return version


def _managed_project(session: Session, who: Actor, code: str) -> Project:
    project = get_project(session, who, code)
    records.require(who, "supervision.manage", project.county)
    return project


def _sub(session: Session, project: Project, code: str) -> SubProject:
    found = session.scalars(
        select(SubProject).where(SubProject.project_id == project.id, SubProject.code == code)
    ).first()
    if found is None:
        raise NotFound(f"项目 {project.code} 没有子项目 {code}", field="sub_project", feature=code)
    return found


def _responsible(session: Session, project: Project, code: str | None) -> Unit | None:
    if not code:
        return None
    unit = unit_by_code(session, code)
    if not unit.path.startswith(project.county.path):
        raise InvalidRecord(
            f"责任单位 {unit.name}（{unit.code}）不在项目 {project.code} 所属的 {project.county.name} 范围内",
            field="unit",
            feature=code,
        )
    return unit


def _plan_village(session: Session, project: Project, code: object) -> Unit | None:
    """The village plan.yaml names for a sub-project, when it is a registered unit of the project's
    county (villages are registered by ``admin import-units``; an unregistered one leaves the
    responsible unit to be set with ``update_subproject``)."""
    if not code:
        return None
    unit = session.scalars(select(Unit).where(Unit.code == str(code))).first()
    return unit if unit is not None and unit.path.startswith(project.county.path) else None


def sub_dict(sub: SubProject, reports: list[ProgressReport] | None = None) -> dict[str, Any]:
    last = max(reports, key=lambda r: (r.reported_on, r.id)) if reports else None
    return {
        "code": sub.code,
        "name": sub.name,
        "type": sub.kind,
        "department": sub.department,
        "unit": sub.unit.code if sub.unit else None,
        "unit_name": sub.unit.name if sub.unit else None,
        "start": sub.start_date.isoformat() if sub.start_date else None,
        "end": sub.end_date.isoformat() if sub.end_date else None,
        "investment": sub.investment,
        "budget": dict(sub.budget),
        "quantities": dict(sub.quantities),
        "epsg": sub.epsg,
        "has_geometry": sub.geometry is not None,
        "percent": last.percent if last else 0.0,
        "last_report": last.reported_on.isoformat() if last else None,
    }


def report_dict(report: ProgressReport, sub_code: str) -> dict[str, Any]:
    return {
        "id": report.id,
        "sub_project": sub_code,
        "period": report.period,
        "reported_on": report.reported_on.isoformat(),
        "percent": report.percent,
        "quantities": dict(report.quantities),
        "disbursed": dict(report.disbursed),
        "issues": report.issues,
        "reporter": report.reporter,
    }


def _year_date(value: object, end: bool) -> dt.date | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2200:
        return dt.date(value, 12, 31) if end else dt.date(value, 1, 1)
    return None


def _outline(geoms: list[Any]) -> dict[str, Any] | None:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return None
    return dict(shapely.geometry.mapping(shapely.union_all(geoms)))


def create_from_plan(who: Actor, project_code: str) -> list[dict[str, Any]]:
    """Register every sub-project of the approved plan version (plan.yaml ``sub_projects``), its
    outline the union of its CZGHTB/ZJGGTB parcels (ZXMBH). All or nothing: a code already
    registered is refused."""
    import pandas as pd

    from landcon.services.plan import read_plan
    from landcon.services.projects import export_plan

    records.require(who, "supervision.manage")
    with records.read() as session:
        project = _managed_project(session, who, project_code)
        number = _approved_version(session, project).number
    with tempfile.TemporaryDirectory(prefix="landcon-subprojects-") as tmp:
        plan = read_plan(export_plan(who, project_code, number, Path(tmp) / "plan"))
    frames = [plan.layers[n] for n in PLAN_PARCEL_LAYERS if n in plan.layers and len(plan.layers[n])]
    epsg: int | None = None
    parcels = pd.DataFrame({"ZXMBH": [], "geometry": []})
    if frames:
        epsg = check_crs(frames[0].crs).epsg
        parcels = pd.concat([pd.DataFrame({"ZXMBH": f["ZXMBH"].astype(str), "geometry": f.geometry}) for f in frames])
    with records.write(who, "supervision.manage") as session:
        project = _managed_project(session, who, project_code)
        out = []
        for item in plan.meta.get("sub_projects") or []:
            code = str(item["code"])
            if session.scalars(
                select(SubProject.id).where(SubProject.project_id == project.id, SubProject.code == code)
            ).first():
                raise InvalidRecord(f"子项目 {code} 已登记，未重复登记", field="sub_project", feature=code)
            geoms = list(parcels.loc[parcels["ZXMBH"] == code, "geometry"])
            sub = SubProject(
                project_id=project.id,
                code=code,
                name=str(item.get("name") or code),
                kind=S.check_type(str(item.get("type") or "其他")),
                department=str(item.get("department") or ""),
                unit=_plan_village(session, project, item.get("village")),
                start_date=_year_date(item.get("start_year"), False),
                end_date=_year_date(item.get("end_year"), True),
                investment=float(item.get("investment") or 0.0),
                budget={},
                quantities={},
                geometry=_outline(geoms),
                epsg=epsg if geoms else None,
                created_by=who.username,
            )
            session.add(sub)
            session.flush()
            out.append(sub_dict(sub))
        return out


def _polygon_file(path: str | Path) -> tuple[dict[str, Any], int]:
    from landcon.store.layers import read_any_layer

    layer = read_any_layer(path)
    crs = check_crs(layer.frame.crs)
    if crs.epsg is None:
        raise CRSError(crs.message or "坐标系无法识别", path=layer.path, layer=layer.source_name)
    outline = _outline(list(layer.frame.geometry))
    if outline is None or outline["type"] not in ("Polygon", "MultiPolygon"):
        raise InvalidRecord("子项目范围文件应含面要素", path=layer.path, layer=layer.source_name)
    return outline, crs.epsg


def create_subproject(
    who: Actor,
    project_code: str,
    code: str,
    *,
    name: str,
    kind: str,
    department: str = "",
    unit: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    investment: float = 0.0,
    budget: Mapping[str, object] | None = None,
    quantities: Mapping[str, object] | None = None,
    polygon: str | Path | None = None,
) -> dict[str, Any]:
    """Register one sub-project (outline from a polygon file, optional)."""
    records.require(who, "supervision.manage")
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 40:
        raise InvalidRecord("子项目编号不能为空且不超过 40 字", field="code")
    if not name or len(name) > 200:
        raise InvalidRecord("子项目名称不能为空且不超过 200 字", field="name")
    outline, epsg = _polygon_file(polygon) if polygon is not None else (None, None)
    with records.write(who, "supervision.manage") as session:
        project = _managed_project(session, who, project_code)
        _approved_version(session, project)
        if session.scalars(
            select(SubProject.id).where(SubProject.project_id == project.id, SubProject.code == code)
        ).first():
            raise InvalidRecord(f"子项目 {code} 已登记", field="code", feature=code)
        sub = SubProject(
            project_id=project.id,
            code=code,
            name=name,
            kind=S.check_type(kind),
            department=(department or "").strip(),
            unit=_responsible(session, project, unit),
            start_date=parse_date(start, "start", "计划开工日期") if start else None,
            end_date=parse_date(end, "end", "计划完工日期") if end else None,
            investment=S.check_number(investment, "investment", "投资（万元）"),
            budget=S.check_amounts(budget, "budget"),
            quantities=S.check_quantities(quantities),
            geometry=outline,
            epsg=epsg,
            created_by=who.username,
        )
        session.add(sub)
        session.flush()
        return sub_dict(sub)


def update_subproject(
    who: Actor,
    project_code: str,
    code: str,
    *,
    budget: Mapping[str, object] | None = None,
    quantities: Mapping[str, object] | None = None,
    department: str | None = None,
    unit: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> dict[str, Any]:
    """Set a sub-project's budget by source, planned 工程量, department, responsible unit or planned dates."""
    records.require(who, "supervision.manage")
    with records.write(who, "supervision.manage") as session:
        project = _managed_project(session, who, project_code)
        sub = _sub(session, project, code)
        if budget is not None:
            sub.budget = S.check_amounts(budget, "budget")
        if quantities is not None:
            sub.quantities = S.check_quantities(quantities)
        if department is not None:
            sub.department = department.strip()
        if unit is not None:
            sub.unit = _responsible(session, project, unit)
        if start is not None:
            sub.start_date = parse_date(start, "start", "计划开工日期")
        if end is not None:
            sub.end_date = parse_date(end, "end", "计划完工日期")
        session.flush()
        return sub_dict(sub, reports_of(session, sub))


def reports_of(session: Session, sub: SubProject) -> list[ProgressReport]:
    return list(
        session.scalars(
            select(ProgressReport)
            .where(ProgressReport.sub_project_id == sub.id)
            .order_by(ProgressReport.reported_on, ProgressReport.id)
        )
    )


def list_subprojects(who: Actor, project_code: str) -> list[dict[str, Any]]:
    """The project's sub-projects (by code) with their latest percent complete."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        subs = session.scalars(select(SubProject).where(SubProject.project_id == project.id).order_by(SubProject.code))
        return [sub_dict(s, reports_of(session, s)) for s in subs]


def reportable_sub(session: Session, who: Actor, project_code: str, sub_code: str) -> tuple[Project, SubProject]:
    """The sub-project if the actor may report on it: ``supervision.report`` on its responsible unit
    (the project's county when none is named); outside the actor's subtree it does not exist."""
    project = session.scalars(select(Project).where(Project.code == project_code)).first()
    if project is None:
        raise NotFound(f"项目 {project_code} 不存在", feature=project_code)
    sub = session.scalars(
        select(SubProject).where(SubProject.project_id == project.id, SubProject.code == sub_code)
    ).first()
    unit = (sub.unit if sub is not None else None) or project.county
    records.visible(who, unit, f"项目 {project_code} 的子项目 {sub_code}")
    if sub is None:
        raise NotFound(f"项目 {project_code} 没有子项目 {sub_code}", field="sub_project", feature=sub_code)
    records.require(who, "supervision.report", unit)
    return project, sub


def check_period(period: str) -> str:
    period = (period or "").strip()
    if not period or len(period) > 20:
        raise InvalidRecord("填报期次不能为空且不超过 20 字（如 2026-06 或 2026Q2）", field="period")
    return period


def add_report(
    who: Actor,
    project_code: str,
    sub_code: str,
    *,
    period: str,
    reported_on: dt.date | str,
    percent: object,
    quantities: Mapping[str, object] | None = None,
    disbursed: Mapping[str, object] | None = None,
    issues: str = "",
    refresh: bool = True,
) -> dict[str, Any]:
    """Record one progress report (percent 0–100, 工程量 done by key, funds disbursed by source).
    ``refresh=False`` leaves the alert rescan to the caller recording several reports at once (one
    ``refresh_alerts`` after the last), so no alert is raised on the state between them."""
    records.require(who, "supervision.report")
    values = checked_report(period, reported_on, percent, quantities, disbursed, issues)
    with records.write(who, "supervision.report") as session:
        _, sub = reportable_sub(session, who, project_code, sub_code)
        report = ProgressReport(sub_project_id=sub.id, reporter=who.username, **values)
        session.add(report)
        session.flush()
        saved = report_dict(report, sub.code)
    if refresh:
        refresh_alerts(who, project_code)
    return saved


def refresh_alerts(who: Actor, project_code: str) -> None:
    """Rescan the project's alerts after a change they depend on (``services.alerts.refresh``)."""
    from landcon.services import alerts

    alerts.refresh(who, project_code)


def checked_report(
    period: str,
    reported_on: dt.date | str,
    percent: object,
    quantities: Mapping[str, object] | None,
    disbursed: Mapping[str, object] | None,
    issues: str,
) -> dict[str, Any]:
    return {
        "period": check_period(period),
        "reported_on": parse_date(reported_on, "reported_on", "填报日期"),
        "percent": S.check_percent(percent),
        "quantities": S.check_quantities(quantities),
        "disbursed": S.check_amounts(disbursed, "disbursed"),
        "issues": (issues or "").strip(),
    }


def list_reports(who: Actor, project_code: str, sub_code: str | None = None) -> list[dict[str, Any]]:
    with records.read() as session:
        project = get_project(session, who, project_code)
        subs = session.scalars(select(SubProject).where(SubProject.project_id == project.id)).all()
        if sub_code is not None:
            subs = [_sub(session, project, sub_code)]
        out = [report_dict(r, s.code) for s in subs for r in reports_of(session, s)]
        return sorted(out, key=lambda r: (r["reported_on"], r["id"]))


def funds(who: Actor, project_code: str) -> dict[str, Any]:
    """Allocated (sub-project budgets) vs disbursed (progress reports) by fund source and by
    department, against the approved plan's 资金筹措 (``investment.by_source_wan`` of its indicators)."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        version = _approved_version(session, project)
        planned = dict((version.indicators.get("investment") or {}).get("by_source_wan") or {})
        subs = session.scalars(select(SubProject).where(SubProject.project_id == project.id)).all()
        budgets = [(s.department or "（未指定部门）", dict(s.budget)) for s in subs]
        paid = [(s.department or "（未指定部门）", dict(r.disbursed)) for s in subs for r in reports_of(session, s)]
    summary = S.funds_summary(planned, budgets, paid)
    return {
        "project": project_code,
        "plan_version": version.number,
        "sources": [
            {
                "source": r.source,
                "planned": r.planned,
                "allocated": r.allocated,
                "disbursed": r.disbursed,
                "unallocated": r.unallocated,
                "disbursement_rate": r.disbursement_rate,
            }
            for r in summary.rows
        ],
        "departments": [
            {"department": d, "allocated": a, "disbursed": p} for d, (a, p) in summary.by_department.items()
        ],
        "planned": summary.planned,
        "allocated": summary.allocated,
        "disbursed": summary.disbursed,
        "reconciles": summary.reconciles,
    }
