"""Read models of implementation supervision for the web pages: a project's supervision page and
the sub-projects a user reports on (its responsible units, e.g. a township reporter's own)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from landcon.engine import supervision as S
from landcon.engine import workflow as wf
from landcon.engine.org import may
from landcon.services import records
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.services.supervision import (
    QUANTITY_FIELDS,
    SOURCE_FIELDS,
    funds,
    list_reports,
    list_subprojects,
    reportable_sub,
    reports_of,
    sub_dict,
)
from landcon.services.supervision_photos import list_photos
from landcon.store.models import Project, SubProject


def project_supervision(who: Actor, project_code: str) -> dict[str, Any]:
    """Sub-projects, progress reports (newest first), photos and funds of one project; funds only once
    the plan is approved."""
    with records.read() as session:
        project = get_project(session, who, project_code)
        approved = wf.Chain.from_dict(project.chain).reached(project.stage, wf.APPROVED)
        name, stage = project.name, project.stage_name
    return {
        "code": project_code,
        "name": name,
        "stage_name": stage,
        "approved": approved,
        "subprojects": list_subprojects(who, project_code),
        "reports": list(reversed(list_reports(who, project_code))),
        "photos": list_photos(who, project_code),
        "funds": funds(who, project_code) if approved else None,
        "may_manage": may(who.roles, "supervision.manage"),
        "may_report": may(who.roles, "supervision.report"),
    }


def my_subprojects(who: Actor) -> list[dict[str, Any]]:
    """Sub-projects the actor may report on: their responsible unit (or, with none, the project's
    county) lies in the actor's subtree. Empty without ``supervision.report``."""
    if not may(who.roles, "supervision.report"):
        return []
    with records.read() as session:
        rows = session.execute(
            select(SubProject, Project)
            .join(Project, SubProject.project_id == Project.id)
            .order_by(Project.code, SubProject.code)
        ).all()
        out = []
        for sub, project in rows:
            if records.in_scope(who, (sub.unit or project.county).path):
                out.append(
                    {**sub_dict(sub, reports_of(session, sub)), "project": project.code, "project_name": project.name}
                )
        return out


def report_form(who: Actor, project_code: str, sub_code: str) -> dict[str, Any]:
    """The sub-project a progress-report form is for, if the actor may report on it."""
    records.require(who, "supervision.report")
    with records.read() as session:
        project, sub = reportable_sub(session, who, project_code, sub_code)
        found = {**sub_dict(sub, reports_of(session, sub)), "project": project.code, "project_name": project.name}
    quantities = [
        {
            "name": name,
            "label": S.QUANTITIES[key].label,
            "unit": S.QUANTITIES[key].unit,
            "planned": found["quantities"].get(key),
        }
        for name, key in QUANTITY_FIELDS.items()
    ]
    sources = [
        {"name": name, "label": source, "budget": found["budget"].get(source)} for name, source in SOURCE_FIELDS.items()
    ]
    return {**found, "quantity_fields": quantities, "source_fields": sources}
