"""Demo confirmations and adoption of the demo project's 权属调整 version (called last by
``demo_participation.seed_participation``, after the willingness survey, the village vote and the 公示).

Through the services a user calls: the demo township's reporter (``demo_township``) records every
household's 签字确认 of the latest version (dated today) except the last household's, whose absence is
explained; the county's author (``demo_author``) then adopts the version. When the gate still refuses
(the 公示 not over, no passed vote) the version stays unadopted and the reasons are returned. Idempotent:
a project with an adopted version keeps it; confirmations already recorded are kept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from landcon.services import realloc_adoption, records
from landcon.services.clock import today
from landcon.services.project_access import get_project
from landcon.store.models import ReallocVersion

TOWNSHIP_USER, AUTHOR = "demo_township", "demo_author"
ABSENCE = "外出务工，村民小组长已电话告知方案内容，本人口头同意，返乡后补签"


def seed_realloc_village(who: records.Actor, code: str) -> dict[str, Any]:
    """Confirm (all but one household, that one explained) and adopt the project's latest version."""
    records.require_province(who, "unit.manage")
    author, town = records.actor(AUTHOR), records.actor(TOWNSHIP_USER)
    if realloc_adoption.adopted_summary(author, code) is not None:
        return {"created": False, **(realloc_adoption.adopted_summary(author, code) or {})}
    with records.read() as session:
        project = get_project(session, author, code)
        number = session.scalars(
            select(ReallocVersion.number)
            .where(ReallocVersion.project_id == project.id)
            .order_by(ReallocVersion.number.desc())
        ).first()
    if number is None:
        return {"created": False, "reason": "项目没有权属调整版本"}
    state = realloc_adoption.confirmations(author, code, number)
    rows = state["households"]
    for n, row in enumerate(rows):
        if row["status"] != "未确认":
            continue
        if n == len(rows) - 1:
            realloc_adoption.confirm(town, code, number, row["household"], absence=ABSENCE)
        else:
            realloc_adoption.confirm(town, code, number, row["household"], signed_on=today())
    try:
        adopted = realloc_adoption.adopt(author, code, number)
    except realloc_adoption.AdoptionRefused as refused:
        return {"version": number, "households": len(rows), "adopted": False, "reasons": str(refused)}
    return {"version": number, "households": len(rows), "adopted": True, "adopted_at": adopted["adopted_at"]}
