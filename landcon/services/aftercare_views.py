"""The aftercare page of a project (``/projects/{code}/care``): its agreements, inspections and which
agreements the user may record an inspection of (the permission checks of
``services.aftercare_inspections.add_inspection``, without acting)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landcon.engine import acceptance_records as AR
from landcon.engine import aftercare as C
from landcon.engine.org import may
from landcon.services import clock, records
from landcon.services.aftercare import accepted, list_agreements
from landcon.services.aftercare_inspections import list_inspections
from landcon.services.project_access import get_project
from landcon.services.records import Actor
from landcon.store.models import Acceptance, CareAgreement, Project


def care_page(who: Actor, code: str) -> dict[str, Any]:
    with records.read() as session:
        project = get_project(session, who, code)
        head = {"code": project.code, "name": project.name, "stage_name": project.stage_name}
        passed = accepted(project)
        # The checks of ``services.aftercare.add_agreement``, without acting.
        may_add = passed and may(who.roles, "care.manage") and records.in_scope(who, project.county.path)
        subprojects = _new_farmland_subprojects(session, project) if may_add else []
        paths = {
            a.code: (a.unit or project.county).path
            for a in session.scalars(select(CareAgreement).where(CareAgreement.project_id == project.id))
        }
    agreements = list_agreements(who, code)
    inspect = may(who.roles, "care.inspect")
    for a in agreements:
        a["may_inspect"] = inspect and records.in_scope(who, paths[a["code"]])
    return {
        **head,
        "accepted": passed,
        "agreements": agreements,
        "inspectable": [a["code"] for a in agreements if a["may_inspect"]],
        "inspections": list_inspections(who, code),
        "results": list(C.RESULTS),
        "today": clock.today().isoformat(),
        "may_add": may_add,
        "kinds": list(C.CARETAKER_KINDS),
        "subprojects": subprojects,
    }


def _new_farmland_subprojects(session: Session, project: Project) -> list[str]:
    """Sub-projects (ZXMBH) with accepted new farmland (``engine.aftercare.accepted_farmland`` of the
    latest passing whole-project acceptance with as-built parcels), for the agreement form."""
    rows = session.scalars(
        select(Acceptance)
        .where(Acceptance.project_id == project.id, Acceptance.level == AR.PROJECT)
        .order_by(Acceptance.id.desc())
    )
    for row in rows:
        data = row.computation or {}
        if AR.is_passing(row.level, row.opinion) and "asbuilt_parcels" in data:
            return sorted({p.subproject for p in C.accepted_farmland(data["asbuilt_parcels"]) if p.subproject})
    return []
